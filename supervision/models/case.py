from __future__ import annotations

from datetime import date, datetime
from typing import TYPE_CHECKING

from sqlalchemy import ForeignKey, Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from supervision.extensions import db
from supervision.models.types import Labelled, enum_column, utcnow

if TYPE_CHECKING:
    from supervision.models.meeting import Meeting
    from supervision.models.team import Team
    from supervision.models.user import User


class LegalStatus(Labelled):
    CHILD_IN_NEED = ("child_in_need", "Child in need")
    CHILD_PROTECTION = ("child_protection", "Child protection plan")
    LOOKED_AFTER = ("looked_after", "Child looked after")
    PRE_PROCEEDINGS = ("pre_proceedings", "Pre-proceedings")
    CARE_PROCEEDINGS = ("care_proceedings", "Care proceedings")


class Case(db.Model):
    """A family known to children's services."""

    __tablename__ = "cases"

    id: Mapped[int] = mapped_column(primary_key=True)
    reference: Mapped[str] = mapped_column(String(40), unique=True)
    family_label: Mapped[str] = mapped_column(String(200))
    team_id: Mapped[int] = mapped_column(ForeignKey("teams.id"), index=True)
    practitioner_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"), index=True)
    legal_status: Mapped[LegalStatus] = mapped_column(enum_column(LegalStatus))
    is_open: Mapped[bool] = mapped_column(default=True)
    # The family's genogram in the JSON interchange format (docs/genogram-format.md). A few kilobytes
    # a family: loaded where it is drawn or edited (undefer), not with every case a list reads.
    genogram_json: Mapped[str | None] = mapped_column(Text, deferred=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    team: Mapped[Team] = relationship()
    practitioner: Mapped[User | None] = relationship()
    children: Mapped[list[Child]] = relationship(
        back_populates="case", order_by="Child.date_of_birth", cascade="all, delete-orphan"
    )
    meetings: Mapped[list[Meeting]] = relationship(
        back_populates="case", order_by="Meeting.scheduled_at.desc()"
    )

    __table_args__ = (Index("ix_cases_team_id_family_label", "team_id", "family_label"),)  # the team's cases, A to Z

    @property
    def children_names(self) -> str:
        """The children's names, eldest first, as lists show them."""
        return ", ".join(child.name for child in self.children)

    def __repr__(self) -> str:
        return f"<Case {self.id}>"


class Child(db.Model):
    __tablename__ = "children"

    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id", ondelete="CASCADE"), index=True)
    name: Mapped[str] = mapped_column(String(200))
    date_of_birth: Mapped[date | None]

    case: Mapped[Case] = relationship(back_populates="children")

    def age_on(self, day: date) -> int | None:
        if self.date_of_birth is None:
            return None
        dob = self.date_of_birth
        return day.year - dob.year - ((day.month, day.day) < (dob.month, dob.day))
