"""The CMR panel day: an agenda of case slots, each slot a session of its own."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import TYPE_CHECKING

from sqlalchemy import CheckConstraint, Column, ForeignKey, String, Table, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from supervision.extensions import db
from supervision.models.types import utcnow

if TYPE_CHECKING:
    from supervision.models.meeting import DangerStatement, MapItem, Meeting, SafetyGoal
    from supervision.models.team import Team
    from supervision.models.user import User

DEFAULT_SLOT_MINUTES = 40

panel_members = Table(
    "panel_members",
    db.metadata,
    Column("panel_id", ForeignKey("panels.id", ondelete="CASCADE"), primary_key=True),
    Column("user_id", ForeignKey("users.id"), primary_key=True),
)


class Panel(db.Model):
    """A sitting of the case management review panel: several families, about 40 minutes each."""

    __tablename__ = "panels"

    id: Mapped[int] = mapped_column(primary_key=True)
    team_id: Mapped[int] = mapped_column(ForeignKey("teams.id"), index=True)
    title: Mapped[str] = mapped_column(String(200))
    starts_at: Mapped[datetime] = mapped_column(index=True)
    chair_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    # Panel members from outside the team (names and roles), as the agenda shows them.
    other_members: Mapped[str] = mapped_column(Text, default="")
    # The slot the room is on now; None before the first and after the last.
    current_meeting_id: Mapped[int | None] = mapped_column(ForeignKey("meetings.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    team: Mapped[Team] = relationship()
    chair: Mapped[User] = relationship()
    members: Mapped[list[User]] = relationship(secondary=panel_members, order_by="User.name")
    slots: Mapped[list[PanelSlot]] = relationship(
        back_populates="panel", order_by="PanelSlot.position", cascade="all, delete-orphan"
    )

    def slot_starts(self) -> list[datetime]:
        """When each slot is due to start, one after the other."""
        starts, at = [], self.starts_at
        for slot in self.slots:
            starts.append(at)
            at += timedelta(minutes=slot.minutes)
        return starts

    def __repr__(self) -> str:
        return f"<Panel {self.id}>"


class PanelSlot(db.Model):
    """One family on the panel's agenda; its session holds the record."""

    __tablename__ = "panel_slots"

    id: Mapped[int] = mapped_column(primary_key=True)
    panel_id: Mapped[int] = mapped_column(ForeignKey("panels.id", ondelete="CASCADE"), index=True)
    position: Mapped[int] = mapped_column(default=0)
    meeting_id: Mapped[int] = mapped_column(ForeignKey("meetings.id"), unique=True)
    minutes: Mapped[int] = mapped_column(default=DEFAULT_SLOT_MINUTES)
    assistant_manager_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))

    panel: Mapped[Panel] = relationship(back_populates="slots")
    meeting: Mapped[Meeting] = relationship()
    assistant_manager: Mapped[User | None] = relationship()

    __table_args__ = (CheckConstraint("minutes BETWEEN 5 AND 240", name="slot_minutes_range"),)


class CarriedForward(db.Model):
    """Marks a map entry copied from the case's last agreed session when a slot was prepared."""

    __tablename__ = "carried_forward"

    id: Mapped[int] = mapped_column(primary_key=True)
    meeting_id: Mapped[int] = mapped_column(ForeignKey("meetings.id", ondelete="CASCADE"), index=True)
    from_meeting_id: Mapped[int] = mapped_column(ForeignKey("meetings.id", ondelete="CASCADE"))
    map_item_id: Mapped[int | None] = mapped_column(ForeignKey("map_items.id", ondelete="CASCADE"), unique=True)
    danger_statement_id: Mapped[int | None] = mapped_column(
        ForeignKey("danger_statements.id", ondelete="CASCADE"), unique=True)
    safety_goal_id: Mapped[int | None] = mapped_column(ForeignKey("safety_goals.id", ondelete="CASCADE"), unique=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    from_meeting: Mapped[Meeting] = relationship(foreign_keys=[from_meeting_id])
    map_item: Mapped[MapItem | None] = relationship()
    danger_statement: Mapped[DangerStatement | None] = relationship()
    safety_goal: Mapped[SafetyGoal | None] = relationship()
