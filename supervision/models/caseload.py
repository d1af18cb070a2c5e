"""Caseloads: the weights a team gives each legal status, and the weekly snapshots.

Snapshots are written once a week (``flask caseloads snapshot``) and never
recomputed, so the history stays as it was when cases move between workers.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import TYPE_CHECKING

from sqlalchemy import CheckConstraint, ForeignKey, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from supervision.extensions import db
from supervision.models.case import LegalStatus
from supervision.models.types import enum_column, utcnow

if TYPE_CHECKING:
    from supervision.models.team import Team
    from supervision.models.user import User


class CaseloadWeight(db.Model):
    """How much one child of a legal status counts in a team's weighted caseload."""

    __tablename__ = "caseload_weights"

    id: Mapped[int] = mapped_column(primary_key=True)
    team_id: Mapped[int] = mapped_column(ForeignKey("teams.id", ondelete="CASCADE"), index=True)
    legal_status: Mapped[LegalStatus] = mapped_column(enum_column(LegalStatus))
    weight: Mapped[float]
    updated_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)

    team: Mapped[Team] = relationship()

    __table_args__ = (
        UniqueConstraint("team_id", "legal_status", name="uq_caseload_weights_team_status"),
        CheckConstraint("weight >= 0 AND weight <= 5", name="weight_range"),
    )


class CaseloadSnapshot(db.Model):
    """One practitioner's caseload as it stood in one week (the week starts on Monday)."""

    __tablename__ = "caseload_snapshots"
    __audit__ = False  # figures derived from audited allocations, rewritten weekly: not case data

    id: Mapped[int] = mapped_column(primary_key=True)
    team_id: Mapped[int] = mapped_column(ForeignKey("teams.id", ondelete="CASCADE"), index=True)
    practitioner_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    week_start: Mapped[date] = mapped_column(index=True)
    cases: Mapped[int]
    children: Mapped[int]
    weighted: Mapped[float]
    # The team's limit that week: a later change of limit does not rewrite history.
    caseload_limit: Mapped[int]
    taken_at: Mapped[datetime] = mapped_column(default=utcnow)

    practitioner: Mapped[User] = relationship()

    __table_args__ = (
        UniqueConstraint("team_id", "practitioner_id", "week_start", name="uq_caseload_snapshots_week"),
    )
