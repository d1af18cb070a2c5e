"""What a user sees first: their next sessions and their open actions."""

from __future__ import annotations

from datetime import date, datetime, timedelta

from sqlalchemy import case as sql_case
from sqlalchemy.orm import joinedload

from supervision.extensions import db
from supervision.models import Action, ActionStatus, Case, Meeting, MeetingStatus, User
from supervision.models.meeting import meeting_participants


def upcoming_meetings(user: User, limit: int = 10) -> list[Meeting]:
    """Sessions not yet agreed that the user facilitates, presents or takes part in."""
    takes_part = db.select(meeting_participants.c.meeting_id).where(meeting_participants.c.user_id == user.id)
    since = datetime.now() - timedelta(days=7)
    return list(db.session.scalars(
        db.select(Meeting).join(Meeting.case)
        .where(Case.team_id == user.team_id, Meeting.status != MeetingStatus.AGREED,
               Meeting.scheduled_at >= since,
               (Meeting.facilitator_id == user.id) | (Meeting.presenter_id == user.id) | Meeting.id.in_(takes_part))
        .options(joinedload(Meeting.case))
        .order_by(Meeting.scheduled_at).limit(limit)
    ))


def open_actions(user: User, today: date) -> list[Action]:
    """The user's open actions, overdue first, then by due date (undated last)."""
    overdue_first = sql_case((Action.due_on < today, 0), (Action.due_on.is_(None), 2), else_=1)
    return list(db.session.scalars(
        db.select(Action).join(Action.case)
        .where(Case.team_id == user.team_id, Action.owner_id == user.id, Action.status == ActionStatus.OPEN)
        .options(joinedload(Action.case))
        .order_by(overdue_first, Action.due_on, Action.id)
    ))
