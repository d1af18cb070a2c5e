"""Identity: who someone is and how they prove it.

Password sign-in lives here alone, so single sign-on (an OIDC provider) can
replace or sit beside it later without touching the views.
"""

from __future__ import annotations

import secrets

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

from supervision.extensions import db, login_manager
from supervision.models import User

_hasher = PasswordHasher()
# Verified when the email is unknown, so a wrong email costs as long as a wrong password.
_DUMMY_HASH = _hasher.hash(secrets.token_hex(8))


def hash_password(password: str) -> str:
    return _hasher.hash(password)


def authenticate(email: str, password: str) -> User | None:
    """The active user with this email and password, or None."""
    user = db.session.scalar(db.select(User).filter_by(email=email.strip().lower()))
    try:
        _hasher.verify(user.password_hash if user else _DUMMY_HASH, password)
    except (VerificationError, InvalidHashError):
        return None
    if user is None or not user.active:
        return None
    if _hasher.check_needs_rehash(user.password_hash):
        user.password_hash = hash_password(password)
    return user


def sign_out_everywhere(user: User) -> None:
    """Invalidate every signed-in browser of this user."""
    user.session_token = secrets.token_hex(16)


@login_manager.user_loader
def load_user(user_id: str) -> User | None:
    ident, _, token = user_id.partition(":")
    if not ident.isdigit():
        return None
    user = db.session.get(User, int(ident))
    if user is None or not user.active or not secrets.compare_digest(user.session_token, token):
        return None
    return user
