"""Who may see what. Every view loads case data through these, never a bare get.

Case data is scoped to the user's team; another team's URL answers 404, so it
does not even confirm that the record exists. Administrators manage accounts and
do not read case records (403). What each role may do: docs/security.md.
Every case record a loader hands out on a GET is written to the audit log.
"""

from __future__ import annotations

import sqlalchemy as sa
from flask import abort, request
from sqlalchemy import Select
from sqlalchemy.orm import joinedload
from sqlalchemy.orm.interfaces import ORMOption

from supervision.audit import record_view
from supervision.extensions import db
from supervision.models import Action, Case, Meeting, Panel, PanelSlot, Role, User
from supervision.models.panel import panel_members

# Who reads the audit log of their team's case records.
MANAGERS = frozenset({Role.TEAM_MANAGER, Role.ASSISTANT_TEAM_MANAGER, Role.HEAD_OF_SERVICE})

_PRACTITIONER = ("your team's cases and sessions: read them, map, scale, add actions and amendments, "
                 "and close your own actions. Only a manager agrees a record.")
_MANAGER = ("everything a practitioner may, and agree records, see the team's action tracker, caseloads "
            "and audit log.")
ROLE_SUMMARY = {
    Role.PRACTITIONER: _PRACTITIONER,
    Role.SENIOR_PRACTITIONER: _PRACTITIONER,
    Role.ASSISTANT_TEAM_MANAGER: _MANAGER,
    Role.TEAM_MANAGER: _MANAGER,
    Role.HEAD_OF_SERVICE: _MANAGER + " As a panel member, also the CMR slots you sit on.",
    Role.ADMIN: "your team's accounts: create them, reset passwords, deactivate them. Not case records.",
}


def reads_case_records(user: User) -> bool:
    """Administrators manage accounts, not cases: separation of duties."""
    return user.role is not Role.ADMIN


def require_case_reader(user: User) -> None:
    if not reads_case_records(user):
        abort(403)


def visible_cases(user: User) -> Select:
    """A query of the cases this user may see."""
    return db.select(Case).where(Case.team_id == user.team_id, sa.true() if reads_case_records(user) else sa.false())


def get_case_for(user: User, case_id: int, *options: ORMOption) -> Case:
    """`options`: what the page will read, loaded with the case (eager loading)."""
    case = db.session.get(Case, case_id, options=options)
    if case is None or case.team_id != user.team_id:
        abort(404)
    require_case_reader(user)
    record_view(user, case=case)
    return case


# What most views open a session with (the live pages, every change): built once.
_MEETING_AND_CASE = db.select(Meeting).options(joinedload(Meeting.case)).where(Meeting.id == sa.bindparam("meeting_id"))


def get_meeting_for(user: User, meeting_id: int, *options: ORMOption) -> Meeting:
    """`options`: what the page will read, loaded with the session (e.g. meetings.MEETING_IN_PROGRESS),
    the case among them. Without options the case alone is joined: the team check reads it."""
    meeting = (db.session.get(Meeting, meeting_id, options=options) if options
               else db.session.scalar(_MEETING_AND_CASE, {"meeting_id": meeting_id}))
    if meeting is None or (meeting.case.team_id != user.team_id and not (
            _panel_member_may(request.method, request.endpoint) and sits_on_panel(user, meeting_id=meeting.id))):
        abort(404)
    require_case_reader(user)
    record_view(user, case=meeting.case, meeting=meeting)
    return meeting


# What a panel member from another team may do in a CMR slot they sit on: look, scale and propose.
# The map and the record stay with the family's own team, whose manager agrees them.
PANEL_MEMBER_CHANGES = frozenset({"live.submit_score", "live.propose"})


def _panel_member_may(method: str, endpoint: str | None) -> bool:
    return method in ("GET", "HEAD") or endpoint in PANEL_MEMBER_CHANGES


def can_agree(user: User, meeting: Meeting) -> bool:
    """Next steps are agreed only by an accountable manager (council guidance)."""
    return user.role.can_facilitate


def require_can_agree(user: User, meeting: Meeting) -> None:
    if not can_agree(user, meeting):
        abort(403)


def get_action_for(user: User, action_id: int) -> Action:
    """An agreed action of one of the user's team's cases, or 404."""
    action = db.session.get(Action, action_id)
    if action is None or action.case.team_id != user.team_id:
        abort(404)
    require_case_reader(user)
    record_view(user, case=action.case, entity="actions", entity_id=action.id)
    return action


def sees_team_figures(user: User) -> bool:
    """The team's action tracker and caseloads are for its accountable managers."""
    return user.role.can_facilitate


def require_team_figures(user: User) -> None:
    if not sees_team_figures(user):
        abort(403)


def get_team_member_for(user: User, member_id: int) -> User:
    """A member of the user's own team, or 404."""
    member = db.session.get(User, member_id)
    if member is None or member.team_id != user.team_id:
        abort(404)
    return member


def sees_audit_log(user: User) -> bool:
    """The team's audit log is for its managers."""
    return user.role in MANAGERS


def require_audit_reader(user: User) -> None:
    if not sees_audit_log(user):
        abort(403)


def require_admin(user: User) -> None:
    if user.role is not Role.ADMIN:
        abort(403)


def get_panel_for(user: User, panel_id: int) -> Panel:
    """A CMR panel day of the user's team, or 404. Its members from other teams may look (GET), not organise."""
    panel = db.session.get(Panel, panel_id)
    if panel is None or (panel.team_id != user.team_id and not (
            request.method in ("GET", "HEAD") and sits_on_panel(user, panel_id=panel.id))):
        abort(404)
    require_case_reader(user)
    return panel


def sits_on_panel(user: User, *, panel_id: int | None = None, meeting_id: int | None = None) -> bool:
    """Whether the user chairs or sits on this panel, or on the panel that has this session as a slot.

    Panel members (a head of service, service managers) come from across the service: they
    see the CMR slots they sit on, whichever team brings the family, and nothing else of that team.
    """
    if not reads_case_records(user):
        return False
    query = (db.select(Panel.id)
             .outerjoin(panel_members, (panel_members.c.panel_id == Panel.id) & (panel_members.c.user_id == user.id))
             .where((Panel.chair_id == user.id) | panel_members.c.user_id.is_not(None)))
    if panel_id is not None:
        query = query.where(Panel.id == panel_id)
    if meeting_id is not None:
        query = query.join(PanelSlot, PanelSlot.panel_id == Panel.id).where(PanelSlot.meeting_id == meeting_id)
    return db.session.scalar(query.limit(1)) is not None
