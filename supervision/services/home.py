"""What a user sees first: their next sessions and their open actions."""

from __future__ import annotations

from datetime import date, datetime, timedelta

from sqlalchemy.orm import joinedload

from supervision.extensions import db
from supervision.models import Case, Meeting, MeetingStatus, User
from supervision.models.meeting import meeting_participants
from supervision.services.actions import MostUrgent, most_urgent

HOME_ACTIONS = 8  # the most urgent, at a glance; "My actions" has them all


def upcoming_meetings(user: User, limit: int = 10) -> list[Meeting]:
    """Sessions not yet agreed that the user facilitates, presents or takes part in."""
    # Correlated, so it checks only the few sessions from last week on, by the primary key.
    takes_part = db.select(meeting_participants.c.meeting_id).where(
        meeting_participants.c.meeting_id == Meeting.id, meeting_participants.c.user_id == user.id).exists()
    since = datetime.now() - timedelta(days=7)
    return list(db.session.scalars(
        db.select(Meeting).join(Meeting.case)
        .where(Case.team_id == user.team_id, Meeting.status != MeetingStatus.AGREED,
               Meeting.scheduled_at >= since,
               (Meeting.facilitator_id == user.id) | (Meeting.presenter_id == user.id) | takes_part)
        .options(joinedload(Meeting.case))
        .order_by(Meeting.scheduled_at).limit(limit)
    ))


def open_actions(user: User, today: date) -> MostUrgent:
    """The most urgent open actions the user follows up (overdue first, then by due date), and how many."""
    return most_urgent(user, today, HOME_ACTIONS)
