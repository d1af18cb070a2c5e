"""After the meeting: following agreed actions through.

Who follows an action up: its owner when the owner is on the staff; when the
owner is someone outside the team (a parent, a health visitor) or nobody yet,
the case's allocated practitioner follows it up "on behalf of" that person.

Every function takes `today` from its caller, so "overdue" is decided by the
date the caller gives (tests pass a fixed one; views pass the real one).
"""

from __future__ import annotations

import functools
import hashlib
import logging
import secrets
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from typing import NamedTuple

import icalendar
from sqlalchemy import and_, bindparam, case, func, union_all
from sqlalchemy.orm import contains_eager

from supervision.extensions import db
from supervision.models import Action, ActionStatus, Case, Meeting, User
from supervision.services.caseloads import CASELOAD_ROLES
from supervision.services.errors import DomainError
from supervision.services.meetings import close_action

log = logging.getLogger(__name__)

WEEK = 7  # "due this week" means due today or in the next six days
OVERDUE, THIS_WEEK, LATER, UNDATED = "overdue", "this_week", "later", "undated"
TIMING_LABELS = {OVERDUE: "Overdue", THIS_WEEK: "Due this week", LATER: "Due later", UNDATED: "No date agreed"}


def timing(action: Action | TrackedAction, today: date) -> str:
    """Overdue, due this week, due later, or undated: by date alone."""
    if action.due_on is None:
        return UNDATED
    if action.due_on < today:
        return OVERDUE
    if action.due_on < today + timedelta(days=WEEK):
        return THIS_WEEK
    return LATER


def follower_id(action: Action) -> int | None:
    """The member of staff who follows the action up (see the module's docstring)."""
    return action.owner_id if action.owner_id is not None else action.case.practitioner_id


def on_behalf_of(action: Action | TrackedAction) -> str | None:
    """The outside owner's name when staff follow the action up for them."""
    if action.owner_id is not None:
        return None
    return action.owner_name or "someone not yet named"


def _due_order():
    # Undated last on every database (PostgreSQL sorts NULL last ascending, SQLite first).
    return (Action.due_on.is_(None), Action.due_on, Action.id)


# --- my actions ------------------------------------------------------------------

@dataclass(frozen=True)
class ActionGroup:
    key: str
    label: str
    actions: list[Action]


# The two kinds are found apart, each by its own index: asked as one OR, the database read every unowned
# open action of the whole service to find the few on this user's cases. Built once: every home page
# and every My actions sends it.
_OWNED = db.select(Action.id).where(Action.owner_id == bindparam("user_id"), Action.status == ActionStatus.OPEN)
_FOLLOWED = (db.select(Action.id).join(Action.case)
             .where(Case.practitioner_id == bindparam("user_id"), Action.owner_id.is_(None),
                    Action.status == ActionStatus.OPEN))
_MY_OPEN_ACTIONS = (
    db.select(Action).join(Action.case).join(Action.meeting)
    .where(Case.team_id == bindparam("team_id"), Action.id.in_(union_all(_OWNED, _FOLLOWED)))
    .options(contains_eager(Action.case), contains_eager(Action.meeting).load_only(Meeting.scheduled_at))
    .order_by(*_due_order()))
_MOST_URGENT = (_MY_OPEN_ACTIONS
                .add_columns(func.count().over(), func.count().filter(Action.due_on < bindparam("today")).over())
                .limit(bindparam("limit")))


def my_open_actions(user: User, today: date) -> list[Action]:
    """Open actions the user follows up, across all their team's cases: overdue first, undated last."""
    return list(db.session.scalars(_MY_OPEN_ACTIONS, {"user_id": user.id, "team_id": user.team_id}))


@dataclass(frozen=True)
class MostUrgent:
    actions: list[Action]  # the first few of my_open_actions, in its order
    total: int  # how many the user has open in all
    overdue: int  # how many of those are overdue


def most_urgent(user: User, today: date, limit: int) -> MostUrgent:
    """The user's first `limit` open actions, with how many there are and how many are overdue (one query)."""
    rows = db.session.execute(_MOST_URGENT, {"user_id": user.id, "team_id": user.team_id, "today": today,
                                             "limit": limit}).all()
    return MostUrgent([action for action, _, _ in rows], rows[0][1] if rows else 0, rows[0][2] if rows else 0)


def group_by_timing(actions: list[Action], today: date) -> list[ActionGroup]:
    """Overdue, due this week, later, undated: the groups that have something in them."""
    buckets: dict[str, list[Action]] = {key: [] for key in TIMING_LABELS}
    for action in actions:
        buckets[timing(action, today)].append(action)
    return [ActionGroup(key, TIMING_LABELS[key], items) for key, items in buckets.items() if items]


def can_close(user: User, action: Action) -> bool:
    """The one who follows it up, or an accountable manager of the team."""
    return (action.case.team_id == user.team_id
            and (follower_id(action) == user.id or user.role.can_facilitate))


def mark_done(action: Action, note: str, by: User) -> None:
    """Close an action as done; the note is kept beside it in the session's record."""
    _ensure_open(action)
    close_action(action, ActionStatus.DONE, note, by)
    log.info("action %s marked done by user %s", action.id, by.id)


def drop(action: Action, reason: str, by: User) -> None:
    """Close an action that will not be done, with the reason, kept in the session's record."""
    _ensure_open(action)
    if not reason.strip():
        raise DomainError("Say why the action is being dropped.")
    close_action(action, ActionStatus.DROPPED, reason, by)
    log.info("action %s dropped by user %s", action.id, by.id)


def _ensure_open(action: Action) -> None:
    if action.status is not ActionStatus.OPEN:
        raise DomainError(f"This action is already closed ({action.status.label.lower()}).")


# --- the team's tracker ------------------------------------------------------------

SORTS = {
    "due": "Due date, overdue first",
    "overdue": "Longest overdue first",
    "practitioner": "Practitioner",
    "case": "Family",
}
SHOWS = {
    "open": "All open actions",
    OVERDUE: "Overdue only",
    THIS_WEEK: "Due this week",
    "closed": "Closed in the last 30 days",
}


@dataclass(frozen=True)
class TrackerFilters:
    practitioner_id: int | None = None
    case_id: int | None = None
    show: str = "open"
    sort: str = "due"


@dataclass
class Counts:
    open: int = 0
    overdue: int = 0
    this_week: int = 0
    oldest_overdue_days: int = 0

    def add(self, open_: int, overdue: int, this_week: int, oldest_overdue_due: date | None, today: date) -> None:
        """Add a group of actions counted by the database (actions._open_counts)."""
        self.open += open_
        self.overdue += overdue
        self.this_week += this_week
        if oldest_overdue_due is not None:
            self.oldest_overdue_days = max(self.oldest_overdue_days, (today - oldest_overdue_due).days)


class TrackedAction(NamedTuple):
    """An action as the tracker lists it: plain values read in one query, not ORM objects (lists run long;
    a tuple is the cheapest record to build from a row)."""

    id: int
    description: str
    due_on: date | None
    status: ActionStatus
    closing_note: str | None
    meeting_id: int
    case_id: int
    family_label: str
    owner_id: int | None
    owner_name: str | None
    practitioner_id: int | None  # the case's allocated practitioner
    follower_id: int | None  # who follows it up: its owner, else the case's practitioner (follower_id())


@dataclass(frozen=True)
class CaseSummary:
    id: int
    family_label: str
    practitioner: User | None


class TrackerRow(NamedTuple):
    action: TrackedAction
    follower: User | None
    on_behalf_of: str | None
    timing: str
    days_overdue: int


@dataclass
class Tracker:
    rows: list[TrackerRow]  # the first `limit` of the actions the filters ask for, in the order asked for
    matching: int  # how many actions the filters ask for in all
    by_practitioner: list[tuple[User | None, Counts]]
    by_case: list[tuple[CaseSummary, Counts]]
    total: Counts = field(default_factory=Counts)


# The tracker's statements work on the tables (Core), not ORM objects: the counts are summed by the
# database, and only the rows the page shows come back, so its cost follows the page, not the team's history.
# Each is built once, with bound parameters (building one costs more than running it here).
_A, _C, _U = Action.__table__.c, Case.__table__.c, User.__table__.c
_FOLLOWER = func.coalesce(_A.owner_id, _C.practitioner_id)  # follower_id(), in SQL
_OVERDUE = _A.due_on < bindparam("today")
_THIS_WEEK = and_(_A.due_on >= bindparam("today"), _A.due_on < bindparam("week_end"))
_TEAMS_ACTIONS = Action.__table__.join(Case.__table__, _C.id == _A.case_id)

# The team's open actions counted per follower and case: how many, overdue, due this week, and the oldest due
# date among the overdue ones.
_OPEN_COUNTS = (db.select(_FOLLOWER, _A.case_id, _C.family_label, _C.practitioner_id, func.count(),
                          func.count(case((_OVERDUE, 1))), func.count(case((_THIS_WEEK, 1))),
                          func.min(case((_OVERDUE, _A.due_on))))
                .select_from(_TEAMS_ACTIONS)
                .where(_C.team_id == bindparam("team_id"), _A.status == ActionStatus.OPEN)
                .group_by(_FOLLOWER, _A.case_id, _C.family_label, _C.practitioner_id))


@functools.cache
def _listing(show: str, sort: str, by_practitioner: bool, by_case: bool, limited: bool):
    """The actions a tracker's filters ask for, in the order asked for, each row with how many there are
    in all: one statement for each shape of filters, built the first time it is asked for."""
    if show == "closed":
        shown = [_A.status != ActionStatus.OPEN, _A.closed_at >= bindparam("closed_since")]
    else:
        shown = [_A.status == ActionStatus.OPEN, *{OVERDUE: [_OVERDUE], THIS_WEEK: [_THIS_WEEK]}.get(show, [])]
    if by_practitioner:
        shown.append(_FOLLOWER == bindparam("practitioner_id"))
    if by_case:
        shown.append(_A.case_id == bindparam("case_id"))
    due = _due_order()
    overdue_since = case((and_(_A.status == ActionStatus.OPEN, _OVERDUE), _A.due_on))
    order = {
        "overdue": (overdue_since.is_(None), overdue_since, *due),
        "practitioner": (_U.name.is_(None), _U.name, *due),
        "case": (_C.family_label, *due),
    }.get(sort, due)
    statement = (db.select(_A.id, _A.description, _A.due_on, _A.status, _A.closing_note, _A.meeting_id, _A.case_id,
                           _C.family_label, _A.owner_id, _A.owner_name, _C.practitioner_id, _FOLLOWER,
                           func.count().over())
                 .select_from(_TEAMS_ACTIONS.outerjoin(User.__table__, and_(_U.id == _FOLLOWER,
                                                                           _U.team_id == bindparam("team_id"))))
                 .where(_C.team_id == bindparam("team_id"), *shown).order_by(*order))
    return statement.limit(bindparam("limit")) if limited else statement


def _listed(team_id: int, today: date, filters: TrackerFilters, limit: int | None) -> tuple[list[TrackedAction], int]:
    """The first `limit` of the actions the filters ask for, and how many there are in all."""
    statement = _listing(filters.show if filters.show in SHOWS else "open",  # the form allows no other
                         filters.sort if filters.sort in SORTS else "due",
                         filters.practitioner_id is not None, filters.case_id is not None, limit is not None)
    rows = db.session.execute(statement, {
        "team_id": team_id, "today": today, "week_end": today + timedelta(days=WEEK),
        "closed_since": datetime.combine(today - timedelta(days=30), time.min),
        "practitioner_id": filters.practitioner_id, "case_id": filters.case_id, "limit": limit}).all()
    return [TrackedAction(*row[:-1]) for row in rows], rows[0][-1] if rows else 0


def team_tracker(team_id: int, today: date, filters: TrackerFilters, limit: int | None = None) -> Tracker:
    """The team's open actions counted by practitioner and by case, and the list the filters ask for
    (the first `limit` of it: only those are read and dressed for the page)."""
    staff = {u.id: u for u in db.session.scalars(db.select(User).filter_by(team_id=team_id))}
    by_practitioner: dict[int | None, Counts] = defaultdict(Counts, {
        u.id: Counts() for u in staff.values() if u.active and u.role in CASELOAD_ROLES})
    by_case: dict[int, Counts] = defaultdict(Counts)
    cases: dict[int, CaseSummary] = {}
    for follower, case_id, family_label, practitioner_id, *counted in db.session.execute(
            _OPEN_COUNTS, {"team_id": team_id, "today": today, "week_end": today + timedelta(days=WEEK)}):
        if case_id not in cases:
            cases[case_id] = CaseSummary(case_id, family_label, staff.get(practitioner_id or 0))
        by_practitioner[follower].add(*counted, today)
        by_case[case_id].add(*counted, today)
    total = Counts(sum(c.open for c in by_case.values()), sum(c.overdue for c in by_case.values()),
                   sum(c.this_week for c in by_case.values()),
                   max((c.oldest_overdue_days for c in by_case.values()), default=0))

    # Following up means being on the team's staff: another team's member is nobody's filter here.
    if filters.practitioner_id is not None and filters.practitioner_id not in staff:
        listed, matching = [], 0
    else:
        listed, matching = _listed(team_id, today, filters, limit)
    practitioner_rows = sorted(
        ((staff.get(pid) if pid is not None else None, c) for pid, c in by_practitioner.items()),
        key=lambda pair: (-pair[1].overdue, -pair[1].oldest_overdue_days, -pair[1].open,
                          pair[0].name if pair[0] else "~"))
    case_rows = sorted(((cases[cid], c) for cid, c in by_case.items()),
                       key=lambda pair: (-pair[1].overdue, -pair[1].oldest_overdue_days, -pair[1].open,
                                         pair[0].family_label))
    return Tracker(rows=[_row(a, staff, today) for a in listed], matching=matching,
                   by_practitioner=practitioner_rows, by_case=case_rows, total=total)


def _row(action: TrackedAction, staff: dict[int, User], today: date) -> TrackerRow:
    when = timing(action, today) if action.status is ActionStatus.OPEN else "closed"
    pid = action.follower_id
    return TrackerRow(action=action, follower=staff.get(pid) if pid else None, on_behalf_of=on_behalf_of(action),
                      timing=when, days_overdue=(today - action.due_on).days if when == OVERDUE else 0)


# --- the calendar feed --------------------------------------------------------------

def _token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def new_calendar_token(user: User) -> str:
    """A new private calendar address for the user; any earlier one stops working.

    Only a hash is stored, so the caller shows the returned secret once.
    """
    token = secrets.token_urlsafe(32)
    user.calendar_token_hash = _token_hash(token)
    log.info("calendar address reset by user %s", user.id)
    return token


def stop_calendar(user: User) -> None:
    user.calendar_token_hash = None
    log.info("calendar address turned off by user %s", user.id)


def user_for_calendar_token(token: str) -> User | None:
    """The active user whose calendar address this is, or None."""
    if not token or len(token) > 100:
        return None
    user = db.session.scalar(db.select(User).filter_by(calendar_token_hash=_token_hash(token)))
    return user if user is not None and user.active else None


def calendar_feed(user: User, today: date, link: str) -> bytes:
    """The user's open actions that have a due date, as an iCalendar (RFC 5545) feed of all-day events.

    `link` is where the events point (the user's "My actions" page). The events say what is to be
    done and the case's reference, not the family's name: calendars are often synced to phones.
    """
    calendar = icalendar.Calendar()
    calendar.add("prodid", "-//Supervision//My actions//EN")
    calendar.add("version", "2.0")
    calendar.add("method", "PUBLISH")
    calendar.add("x-wr-calname", "My actions (Supervision)")
    stamp = datetime.combine(today, time(0, 0), tzinfo=UTC)
    for action in my_open_actions(user, today):
        if action.due_on is None:
            continue
        event = icalendar.Event()
        event.add("uid", f"action-{action.id}@supervision")
        event.add("dtstamp", stamp)
        event.add("dtstart", action.due_on)
        event.add("dtend", action.due_on + timedelta(days=1))
        event.add("summary", f"Due: {action.description}")
        lines = [f"Case {action.case.reference}."]
        if (behalf := on_behalf_of(action)) is not None:
            lines.append(f"On behalf of {behalf}.")
        event.add("description", "\n".join(lines))
        event.add("url", link)  # where to mark it done or dropped
        calendar.add_component(event)
    return calendar.to_ical()
