from __future__ import annotations

from datetime import date, datetime
from typing import TYPE_CHECKING

from sqlalchemy import ForeignKey, Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from supervision.extensions import db
from supervision.models.types import Labelled, enum_column, utcnow

if TYPE_CHECKING:
    from supervision.models.case import Case
    from supervision.models.meeting import Meeting
    from supervision.models.user import User


class ActionStatus(Labelled):
    OPEN = ("open", "Open")
    DONE = ("done", "Done")
    DROPPED = ("dropped", "Dropped")
    # Closed here because a later session took it on as its own action: not done, so not counted as done.
    # Stored as a plain string (enum_column, no native enum, no CHECK): a new member needs no migration.
    CARRIED_FORWARD = ("carried_forward", "Carried forward")


class ReviewOutcome(Labelled):
    DONE = ("done", "Done")
    CARRIED_FORWARD = ("carried_forward", "Carried forward")
    DROPPED = ("dropped", "Dropped")


class Action(db.Model):
    """An agreed action: what, who, by when."""

    __tablename__ = "actions"

    id: Mapped[int] = mapped_column(primary_key=True)
    meeting_id: Mapped[int] = mapped_column(ForeignKey("meetings.id"), index=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id"), index=True)
    description: Mapped[str] = mapped_column(Text)
    # A staff member, or a named person outside the team (a parent, a health visitor).
    owner_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"), index=True)
    owner_name: Mapped[str | None] = mapped_column(String(200))
    due_on: Mapped[date | None] = mapped_column(index=True)
    status: Mapped[ActionStatus] = mapped_column(
        enum_column(ActionStatus), default=ActionStatus.OPEN, index=True
    )
    closing_note: Mapped[str | None] = mapped_column(Text)
    closed_at: Mapped[datetime | None]
    closed_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    agreed_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    # Set when a review carries this action forward into a later session.
    carried_from_id: Mapped[int | None] = mapped_column(ForeignKey("actions.id"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    meeting: Mapped[Meeting] = relationship(back_populates="actions", foreign_keys=[meeting_id])
    case: Mapped[Case] = relationship()
    # Shown wherever an action is (its owner's name): loaded with it.
    owner: Mapped[User | None] = relationship(foreign_keys=[owner_id], lazy="joined")
    closed_by: Mapped[User | None] = relationship(foreign_keys=[closed_by_id])

    __table_args__ = (
        # "My open actions" and the tracker: open actions by owner, and by case.
        Index("ix_actions_owner_id_status", "owner_id", "status"),
        Index("ix_actions_case_id_status", "case_id", "status"),
    )

    @property
    def owner_label(self) -> str:
        return self.owner.name if self.owner else (self.owner_name or "Not yet assigned")

    def is_overdue(self, today: date) -> bool:
        return self.status is ActionStatus.OPEN and self.due_on is not None and self.due_on < today


class ActionReview(db.Model):
    """At the start of a session: what became of an open action from the last one."""

    __tablename__ = "action_reviews"

    id: Mapped[int] = mapped_column(primary_key=True)
    meeting_id: Mapped[int] = mapped_column(ForeignKey("meetings.id", ondelete="CASCADE"), index=True)
    action_id: Mapped[int] = mapped_column(ForeignKey("actions.id"), index=True)
    outcome: Mapped[ReviewOutcome] = mapped_column(enum_column(ReviewOutcome))
    note: Mapped[str] = mapped_column(Text, default="")
    reviewed_by_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    meeting: Mapped[Meeting] = relationship(back_populates="action_reviews")
    action: Mapped[Action] = relationship(lazy="joined")  # a review is read with what it reviews
