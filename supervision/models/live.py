"""The room around a session: its phase, timer, scaling round, join code, proposals, and live events."""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING

from sqlalchemy import ForeignKey, Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from supervision.extensions import db
from supervision.models.meeting import Section
from supervision.models.types import Labelled, enum_column, utcnow

if TYPE_CHECKING:
    from supervision.models.meeting import MapItem, Meeting
    from supervision.models.user import User


class Phase(Labelled):
    """The steps of a group supervision or CMR, in the order the room walks them."""

    CONTEXT = ("context", "Context and genogram")
    REVIEW = ("review", "Review of previous actions")
    PAST_HARM = ("past_harm", "Past harm")
    WORKING_WELL = ("working_well", "What's working well")
    WORRIES = ("worries", "Worries")
    COMPLICATING_FACTORS = ("complicating_factors", "Complicating factors")
    HYPOTHESES = ("hypotheses", "Hypotheses")
    QUESTIONS = ("questions", "Questions")
    DANGER_STATEMENTS = ("danger_statements", "Danger statements")
    SAFETY_GOALS = ("safety_goals", "Safety goals")
    SCALING = ("scaling", "Scaling")
    NEXT_STEPS = ("next_steps", "Next steps")
    SUMMARY = ("summary", "Summary")


class ScalingState(Labelled):
    NOT_OPEN = ("not_open", "Not open yet")
    OPEN = ("open", "Open")
    REVEALED = ("revealed", "Revealed")


class ProposalStatus(Labelled):
    PENDING = ("pending", "Waiting for the facilitator")
    ACCEPTED = ("accepted", "Accepted")
    DECLINED = ("declined", "Declined")


class LiveSession(db.Model):
    """How the room stands for one session. Made on first use; absent means the defaults."""

    __tablename__ = "live_sessions"

    meeting_id: Mapped[int] = mapped_column(ForeignKey("meetings.id", ondelete="CASCADE"), primary_key=True)
    phase: Mapped[Phase] = mapped_column(enum_column(Phase), default=Phase.CONTEXT)
    # Who moves the room now: the session's facilitator until they hand the role over.
    facilitator_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    slot_minutes: Mapped[int] = mapped_column(default=90)
    # The timer: running while ends_at is set; when paused, remaining_seconds holds what is left.
    timer_ends_at: Mapped[datetime | None]
    timer_remaining_seconds: Mapped[int] = mapped_column(default=90 * 60)
    scaling: Mapped[ScalingState] = mapped_column(enum_column(ScalingState), default=ScalingState.NOT_OPEN)
    anonymous: Mapped[bool] = mapped_column(default=False)
    revealed_at: Mapped[datetime | None]
    join_code: Mapped[str | None] = mapped_column(String(12), unique=True)
    join_code_expires_at: Mapped[datetime | None]
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)

    meeting: Mapped[Meeting] = relationship()
    facilitator: Mapped[User] = relationship()

    def __repr__(self) -> str:
        return f"<LiveSession {self.meeting_id}>"


class Proposal(db.Model):
    """An item or question a colleague offers from their own device, for the facilitator to accept."""

    __tablename__ = "live_proposals"

    id: Mapped[int] = mapped_column(primary_key=True)
    meeting_id: Mapped[int] = mapped_column(ForeignKey("meetings.id", ondelete="CASCADE"), index=True)
    author_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    section: Mapped[Section] = mapped_column(enum_column(Section))
    text: Mapped[str] = mapped_column(Text)
    status: Mapped[ProposalStatus] = mapped_column(enum_column(ProposalStatus), default=ProposalStatus.PENDING)
    decided_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    decided_at: Mapped[datetime | None]
    map_item_id: Mapped[int | None] = mapped_column(ForeignKey("map_items.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    author: Mapped[User] = relationship(foreign_keys=[author_id])
    map_item: Mapped[MapItem | None] = relationship()


class LiveEvent(db.Model):
    """One update for the screens of a topic ("meeting:12", "panel:3"): the whole public state then.

    Stored so a screen that reconnects catches up (Last-Event-ID); the id orders events
    across every server process.
    """

    __tablename__ = "live_events"
    __audit__ = False  # a copy of the session's state for screens; the changes themselves are audited

    id: Mapped[int] = mapped_column(primary_key=True)
    topic: Mapped[str] = mapped_column(String(40))
    payload: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    __table_args__ = (
        Index("ix_live_events_topic_id", "topic", "id"),
        {"sqlite_autoincrement": True},  # ids never reused, even after old events are pruned
    )
