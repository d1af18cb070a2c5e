"""Failed sign-in attempts, kept in the database so throttling holds across server processes."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Index, String
from sqlalchemy.orm import Mapped, mapped_column

from supervision.extensions import db
from supervision.models.types import utcnow


class SignInFailure(db.Model):
    __tablename__ = "sign_in_failures"
    __audit__ = False  # sign-in attempts are not case records; this table is their own log

    id: Mapped[int] = mapped_column(primary_key=True)
    email: Mapped[str] = mapped_column(String(254))
    address: Mapped[str] = mapped_column(String(64))
    at: Mapped[datetime] = mapped_column(default=utcnow)

    __table_args__ = (
        Index("ix_sign_in_failures_email_at", "email", "at"),
        Index("ix_sign_in_failures_address_at", "address", "at"),
    )
