"""Accounts: what an administrator (in the app or on the command line) does to staff accounts."""

from __future__ import annotations

from supervision.extensions import db
from supervision.identity import hash_password, normalise_email, sign_out_everywhere
from supervision.models import Role, Team, User
from supervision.services.errors import DomainError

MIN_PASSWORD = 10
MAX_PASSWORD = 200


def check_password(password: str) -> None:
    """Long beats clever: three random words pass, 'Passw0rd!' does not."""
    if len(password or "") < MIN_PASSWORD:
        raise DomainError(f"Use at least {MIN_PASSWORD} characters: three random words work well.")
    if len(password) > MAX_PASSWORD:
        raise DomainError(f"Use at most {MAX_PASSWORD} characters.")


def create_account(team: Team, *, email: str, name: str, role: Role, password: str) -> User:
    email = normalise_email(email)
    if db.session.scalar(db.select(User.id).filter_by(email=email)) is not None:
        raise DomainError("An account with that email already exists.")
    check_password(password)
    user = User(email=email, name=name.strip(), team=team, role=role, password_hash=hash_password(password))
    db.session.add(user)
    return user


def reset_password(user: User, password: str) -> None:
    """A new password, and every browser signed in as this user is signed out."""
    check_password(password)
    user.password_hash = hash_password(password)
    sign_out_everywhere(user)


def set_active(user: User, active: bool, *, by: User | None = None) -> None:
    """Deactivate (signed out everywhere, cannot sign in) or reactivate an account. Never deleted:
    the records and the audit log keep naming who did what."""
    if by is not None and by.id == user.id and not active:
        raise DomainError("You cannot deactivate your own account.")
    user.active = active
    if not active:
        sign_out_everywhere(user)
