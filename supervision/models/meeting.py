"""A session (group supervision or CMR) and its Signs of Safety mapping.

The class is called Meeting so it never reads like the database session.
"""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING

from sqlalchemy import CheckConstraint, Column, ForeignKey, Index, Table, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from supervision.extensions import db
from supervision.models.types import Labelled, enum_column, utcnow

if TYPE_CHECKING:
    from supervision.models.action import Action, ActionReview
    from supervision.models.case import Case
    from supervision.models.user import User

DEFAULT_SCALING_QUESTION = (
    "On a scale of 0 to 10, where do you rate this situation today?"
)
DEFAULT_SCALE_TEN = (
    "Everyone knows the children are safe enough for children's services to close the case."
)
DEFAULT_SCALE_ZERO = (
    "Things are so bad the children cannot stay at home, or harm will certainly happen again."
)


class MeetingKind(Labelled):
    GROUP_SUPERVISION = ("group_supervision", "Group supervision")
    CMR = ("cmr", "Case management review")


class MeetingStatus(Labelled):
    DRAFT = ("draft", "Draft")
    IN_PROGRESS = ("in_progress", "In progress")
    AGREED = ("agreed", "Agreed")


class Section(Labelled):
    """The parts of the map that are plain ordered lists of Markdown items."""

    PAST_HARM = ("past_harm", "Past harm")
    STRENGTHS = ("strengths", "Existing strengths")
    EXISTING_SAFETY = ("existing_safety", "Existing safety")
    WORRIES = ("worries", "Worries (future danger)")
    COMPLICATING_FACTORS = ("complicating_factors", "Complicating factors")
    HYPOTHESES = ("hypotheses", "Hypotheses")
    QUESTIONS = ("questions", "Strength- and safety-based questions")
    NEXT_STEPS = ("next_steps", "Next steps")

    @property
    def hint(self) -> str:
        return SECTION_HINTS[self]


SECTION_HINTS = {
    Section.PAST_HARM: "What has happened to the children, with dates and detail.",
    Section.STRENGTHS: "What the family does that is good for the children.",
    Section.EXISTING_SAFETY: "Strengths shown as protection, when the danger was present, over time.",
    Section.WORRIES: "What could happen to the children next if nothing changes.",
    Section.COMPLICATING_FACTORS: "What makes things harder but is not harm itself (debt, housing, history).",
    Section.HYPOTHESES: "Ideas about why things are the way they are for this family; held lightly.",
    Section.QUESTIONS: "Questions to ask the family next, e.g. 'When was a time Dad was angry and Jayden stayed safe?'",
    Section.NEXT_STEPS: "The group's ideas for what should happen next. Agreed actions are recorded separately.",
}

meeting_participants = Table(
    "meeting_participants",
    db.metadata,
    Column("meeting_id", ForeignKey("meetings.id", ondelete="CASCADE"), primary_key=True),
    Column("user_id", ForeignKey("users.id"), primary_key=True, index=True),  # "sessions I take part in"
)


class Meeting(db.Model):
    __tablename__ = "meetings"

    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id"), index=True)
    kind: Mapped[MeetingKind] = mapped_column(enum_column(MeetingKind))
    scheduled_at: Mapped[datetime] = mapped_column(index=True)
    facilitator_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    presenter_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"), index=True)
    status: Mapped[MeetingStatus] = mapped_column(
        enum_column(MeetingStatus), default=MeetingStatus.DRAFT, index=True
    )
    scaling_question: Mapped[str] = mapped_column(Text, default=DEFAULT_SCALING_QUESTION)
    scale_zero: Mapped[str] = mapped_column(Text, default=DEFAULT_SCALE_ZERO)
    scale_ten: Mapped[str] = mapped_column(Text, default=DEFAULT_SCALE_TEN)
    family_score: Mapped[int | None]
    family_score_note: Mapped[str | None] = mapped_column(Text)
    agreed_at: Mapped[datetime | None]
    agreed_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    # The genogram as it was on the day the record was agreed.
    genogram_snapshot: Mapped[str | None] = mapped_column(Text)
    # The record as it was agreed (services.record: JSON), read only by the record and its exports.
    record_snapshot: Mapped[str | None] = mapped_column(Text, deferred=True)
    version: Mapped[int] = mapped_column(default=1)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    case: Mapped[Case] = relationship(back_populates="meetings")
    facilitator: Mapped[User] = relationship(foreign_keys=[facilitator_id])
    presenter: Mapped[User | None] = relationship(foreign_keys=[presenter_id])
    agreed_by: Mapped[User | None] = relationship(foreign_keys=[agreed_by_id])
    participants: Mapped[list[User]] = relationship(
        secondary=meeting_participants, order_by="User.name"
    )
    items: Mapped[list[MapItem]] = relationship(
        back_populates="meeting", order_by="MapItem.position", cascade="all, delete-orphan"
    )
    danger_statements: Mapped[list[DangerStatement]] = relationship(
        back_populates="meeting", order_by="DangerStatement.position", cascade="all, delete-orphan"
    )
    safety_goals: Mapped[list[SafetyGoal]] = relationship(
        back_populates="meeting", order_by="SafetyGoal.position", cascade="all, delete-orphan"
    )
    scores: Mapped[list[ScalingScore]] = relationship(
        back_populates="meeting", order_by="ScalingScore.id", cascade="all, delete-orphan"
    )
    actions: Mapped[list[Action]] = relationship(
        back_populates="meeting", order_by="Action.id", foreign_keys="Action.meeting_id"
    )
    action_reviews: Mapped[list[ActionReview]] = relationship(
        back_populates="meeting", order_by="ActionReview.id", cascade="all, delete-orphan"
    )
    amendments: Mapped[list[Amendment]] = relationship(
        back_populates="meeting", order_by="Amendment.id", cascade="all, delete-orphan"
    )

    __table_args__ = (
        CheckConstraint("family_score IS NULL OR family_score BETWEEN 0 AND 10", name="family_score_range"),
        Index("ix_meetings_case_id_scheduled_at", "case_id", "scheduled_at"),  # a case's sessions, by date
    )

    @property
    def is_agreed(self) -> bool:
        return self.status is MeetingStatus.AGREED

    def items_in(self, section: Section) -> list[MapItem]:
        return [item for item in self.items if item.section is section]

    def items_by_section(self) -> dict[Section, list[MapItem]]:
        """Each section's map items in order, read in one pass (a section without items is left out)."""
        by_section: dict[Section, list[MapItem]] = {}
        for item in self.items:
            by_section.setdefault(item.section, []).append(item)
        return by_section

    def __repr__(self) -> str:
        return f"<Meeting {self.id}>"


class MapItem(db.Model):
    """One item of a map section, written in Markdown."""

    __tablename__ = "map_items"

    id: Mapped[int] = mapped_column(primary_key=True)
    meeting_id: Mapped[int] = mapped_column(ForeignKey("meetings.id", ondelete="CASCADE"), index=True)
    section: Mapped[Section] = mapped_column(enum_column(Section))
    position: Mapped[int] = mapped_column(default=0)
    text: Mapped[str] = mapped_column(Text)
    author_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    version: Mapped[int] = mapped_column(default=1)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)

    meeting: Mapped[Meeting] = relationship(back_populates="items")
    author: Mapped[User | None] = relationship()

    # Optimistic concurrency (SQLAlchemy's version counter): every UPDATE or DELETE of the row matches
    # only the version it was read at, so of two saves at once one fails with StaleDataError at flush.
    # The services raise the counter themselves, for text edits only: moving an item is not an edit.
    __mapper_args__ = {"version_id_col": version, "version_id_generator": False}


class DangerStatement(db.Model):
    """What professionals fear will happen if nothing changes, in a parent's words."""

    __tablename__ = "danger_statements"

    id: Mapped[int] = mapped_column(primary_key=True)
    meeting_id: Mapped[int] = mapped_column(ForeignKey("meetings.id", ondelete="CASCADE"), index=True)
    position: Mapped[int] = mapped_column(default=0)
    who_is_worried: Mapped[str] = mapped_column(Text, default="")
    behaviour: Mapped[str] = mapped_column(Text, default="")
    impact: Mapped[str] = mapped_column(Text, default="")
    if_nothing_changes: Mapped[str] = mapped_column(Text, default="")
    statement: Mapped[str] = mapped_column(Text)
    version: Mapped[int] = mapped_column(default=1)

    meeting: Mapped[Meeting] = relationship(back_populates="danger_statements")
    safety_goals: Mapped[list[SafetyGoal]] = relationship(back_populates="danger_statement")

    __mapper_args__ = {"version_id_col": version, "version_id_generator": False}  # see MapItem


class SafetyGoal(db.Model):
    """The mirror of a danger statement: what the family and network will do."""

    __tablename__ = "safety_goals"

    id: Mapped[int] = mapped_column(primary_key=True)
    meeting_id: Mapped[int] = mapped_column(ForeignKey("meetings.id", ondelete="CASCADE"), index=True)
    danger_statement_id: Mapped[int | None] = mapped_column(
        ForeignKey("danger_statements.id", ondelete="SET NULL"), index=True
    )
    position: Mapped[int] = mapped_column(default=0)
    what_will_happen: Mapped[str] = mapped_column(Text, default="")
    who_will_see: Mapped[str] = mapped_column(Text, default="")
    how_long: Mapped[str] = mapped_column(Text, default="")
    statement: Mapped[str] = mapped_column(Text)
    version: Mapped[int] = mapped_column(default=1)

    meeting: Mapped[Meeting] = relationship(back_populates="safety_goals")
    danger_statement: Mapped[DangerStatement | None] = relationship(back_populates="safety_goals")

    __mapper_args__ = {"version_id_col": version, "version_id_generator": False}  # see MapItem


class ScalingScore(db.Model):
    """One participant's answer to the scaling question, with their reason."""

    __tablename__ = "scaling_scores"

    id: Mapped[int] = mapped_column(primary_key=True)
    meeting_id: Mapped[int] = mapped_column(ForeignKey("meetings.id", ondelete="CASCADE"), index=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    score: Mapped[int | None]  # None: the participant chose to skip
    reason: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    meeting: Mapped[Meeting] = relationship(back_populates="scores")
    user: Mapped[User] = relationship(lazy="joined")  # a score is read with who gave it

    __table_args__ = (
        UniqueConstraint("meeting_id", "user_id", name="uq_scaling_scores_meeting_user"),
        CheckConstraint("score IS NULL OR score BETWEEN 0 AND 10", name="score_range"),
    )


class Amendment(db.Model):
    """A change to an agreed record, kept beside the original with its reason."""

    __tablename__ = "amendments"

    id: Mapped[int] = mapped_column(primary_key=True)
    meeting_id: Mapped[int] = mapped_column(ForeignKey("meetings.id", ondelete="CASCADE"), index=True)
    author_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    reason: Mapped[str] = mapped_column(Text)
    text: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    meeting: Mapped[Meeting] = relationship(back_populates="amendments")
    author: Mapped[User] = relationship(lazy="joined")  # an amendment is read with who made it
