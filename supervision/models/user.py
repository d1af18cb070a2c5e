from __future__ import annotations

import secrets
from typing import TYPE_CHECKING

from flask_login import UserMixin
from sqlalchemy import ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from supervision.extensions import db
from supervision.models.types import Labelled, enum_column

if TYPE_CHECKING:
    from supervision.models.team import Team


class Role(Labelled):
    PRACTITIONER = ("practitioner", "Practitioner")
    SENIOR_PRACTITIONER = ("senior_practitioner", "Senior practitioner")
    ASSISTANT_TEAM_MANAGER = ("assistant_team_manager", "Assistant team manager")
    TEAM_MANAGER = ("team_manager", "Team manager")
    HEAD_OF_SERVICE = ("head_of_service", "Head of service")
    ADMIN = ("admin", "Administrator")

    @property
    def can_facilitate(self) -> bool:
        """Who may run a session and agree its actions (the accountable managers)."""
        return self in (Role.TEAM_MANAGER, Role.ASSISTANT_TEAM_MANAGER, Role.HEAD_OF_SERVICE)


class User(UserMixin, db.Model):
    __tablename__ = "users"

    id: Mapped[int] = mapped_column(primary_key=True)
    email: Mapped[str] = mapped_column(String(254), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    password_hash: Mapped[str] = mapped_column(String(255))
    role: Mapped[Role] = mapped_column(enum_column(Role), default=Role.PRACTITIONER)
    team_id: Mapped[int] = mapped_column(ForeignKey("teams.id"), index=True)
    active: Mapped[bool] = mapped_column(default=True)
    # Changing it signs the user out everywhere: it is part of the Flask-Login id.
    session_token: Mapped[str] = mapped_column(String(64), default=lambda: secrets.token_hex(16))
    # SHA-256 of the secret in the user's private calendar (ICS) address; the secret itself is
    # shown once and never stored. None: no calendar address.
    calendar_token_hash: Mapped[str | None] = mapped_column(String(64), unique=True)

    team: Mapped[Team] = relationship(back_populates="members")

    def get_id(self) -> str:
        return f"{self.id}:{self.session_token}"

    @property
    def is_active(self) -> bool:
        return self.active

    def __repr__(self) -> str:
        return f"<User {self.id}>"
