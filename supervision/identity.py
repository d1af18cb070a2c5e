"""Identity: who someone is and how they prove it.

Password sign-in lives here alone, so single sign-on (an OIDC provider) can
replace or sit beside it later without touching the views.
"""

from __future__ import annotations

import secrets
from datetime import timedelta

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from flask import current_app
from sqlalchemy import bindparam
from sqlalchemy.orm import joinedload

from supervision.extensions import db, login_manager
from supervision.models import SignInFailure, User
from supervision.models.types import utcnow

THROTTLED = ("Too many sign-in attempts for this account or from this network. "
             "Please wait 15 minutes and try again, or ask your administrator to reset your password.")

_hasher = PasswordHasher()
# Verified when the email is unknown, so a wrong email costs as long as a wrong password.
_DUMMY_HASH = _hasher.hash(secrets.token_hex(8))


def hash_password(password: str) -> str:
    return _hasher.hash(password)


def authenticate(email: str, password: str) -> User | None:
    """The active user with this email and password, or None."""
    user = db.session.scalar(db.select(User).filter_by(email=normalise_email(email)))
    try:
        _hasher.verify(user.password_hash if user else _DUMMY_HASH, password)
    except (VerificationError, InvalidHashError):
        return None
    if user is None or not user.active:
        return None
    if _hasher.check_needs_rehash(user.password_hash):
        user.password_hash = hash_password(password)
    return user


def normalise_email(email: str) -> str:
    return (email or "").strip().lower()


def sign_in_throttled(email: str, address: str) -> bool:
    """True after too many recent failures for this account, or from this address.

    Counted in the database, so the limit holds across every server process.
    While throttled no password is checked at all, so guessing costs nothing but time.
    """
    config = current_app.config
    since = utcnow() - timedelta(minutes=config["SIGN_IN_WINDOW_MINUTES"])
    count = db.select(db.func.count(SignInFailure.id)).where(SignInFailure.at >= since)
    return (db.session.scalar(count.where(SignInFailure.email == normalise_email(email)[:254]))
            >= config["SIGN_IN_MAX_FAILURES_PER_ACCOUNT"]
            or db.session.scalar(count.where(SignInFailure.address == address[:64]))
            >= config["SIGN_IN_MAX_FAILURES_PER_ADDRESS"])


def note_failed_sign_in(email: str, address: str) -> None:
    """Count a failure; forget failures older than a day."""
    db.session.execute(db.delete(SignInFailure).where(SignInFailure.at < utcnow() - timedelta(days=1)))
    db.session.add(SignInFailure(email=normalise_email(email)[:254], address=address[:64]))


def forget_failed_sign_ins(email: str) -> None:
    """A successful sign-in clears the account's count (not the address's other accounts)."""
    db.session.execute(db.delete(SignInFailure).where(SignInFailure.email == normalise_email(email)[:254]))


def sign_out_everywhere(user: User) -> None:
    """Invalidate every signed-in browser of this user."""
    user.session_token = secrets.token_hex(16)


# Read on every request: built once. With the team: pages show its name, and a lazy load per request
# would be one more query.
_SIGNED_IN = db.select(User).options(joinedload(User.team)).where(User.id == bindparam("user_id"))


@login_manager.user_loader
def load_user(user_id: str) -> User | None:
    ident, _, token = user_id.partition(":")
    if not ident.isdigit():
        return None
    user = db.session.scalar(_SIGNED_IN, {"user_id": int(ident)})
    if user is None or not user.active or not secrets.compare_digest(user.session_token, token):
        return None
    return user
