"""Who may see what. Every view loads case data through these, never a bare get.

Case data is scoped to the user's team; another team's URL answers 404, so it
does not even confirm that the record exists.
"""

from __future__ import annotations

from flask import abort
from sqlalchemy import Select

from supervision.extensions import db
from supervision.models import Case, Meeting, User


def visible_cases(user: User) -> Select:
    """A query of the cases this user may see."""
    return db.select(Case).where(Case.team_id == user.team_id)


def get_case_for(user: User, case_id: int) -> Case:
    case = db.session.get(Case, case_id)
    if case is None or case.team_id != user.team_id:
        abort(404)
    return case


def get_meeting_for(user: User, meeting_id: int) -> Meeting:
    meeting = db.session.get(Meeting, meeting_id)
    if meeting is None or meeting.case.team_id != user.team_id:
        abort(404)
    return meeting


def can_agree(user: User, meeting: Meeting) -> bool:
    """Next steps are agreed only by an accountable manager (council guidance)."""
    return user.role.can_facilitate


def require_can_agree(user: User, meeting: Meeting) -> None:
    if not can_agree(user, meeting):
        abort(403)
