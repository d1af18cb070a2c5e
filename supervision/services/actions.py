"""After the meeting: following agreed actions through.

Who follows an action up: its owner when the owner is on the staff; when the
owner is someone outside the team (a parent, a health visitor) or nobody yet,
the case's allocated practitioner follows it up "on behalf of" that person.

Every function takes `today` from its caller, so "overdue" is decided by the
date the caller gives (tests pass a fixed one; views pass the real one).
"""

from __future__ import annotations

import hashlib
import logging
import secrets
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from typing import NamedTuple

import icalendar
from sqlalchemy import Select, func, or_
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


def my_open_actions(user: User, today: date) -> list[Action]:
    """Open actions the user follows up, across all their team's cases: overdue first, undated last."""
    return list(db.session.scalars(_my_open_actions(user)))


@dataclass(frozen=True)
class MostUrgent:
    actions: list[Action]  # the first few of my_open_actions, in its order
    total: int  # how many the user has open in all
    overdue: int  # how many of those are overdue


def most_urgent(user: User, today: date, limit: int) -> MostUrgent:
    """The user's first `limit` open actions, with how many there are and how many are overdue (one query)."""
    overdue = func.count().filter(Action.due_on < today).over()
    rows = db.session.execute(_my_open_actions(user).add_columns(func.count().over(), overdue).limit(limit)).all()
    return MostUrgent([action for action, _, _ in rows], rows[0][1] if rows else 0, rows[0][2] if rows else 0)


def _my_open_actions(user: User) -> Select:
    return (db.select(Action).join(Action.case).join(Action.meeting)
            .where(Case.team_id == user.team_id, Action.status == ActionStatus.OPEN,
                   or_(Action.owner_id == user.id, (Action.owner_id.is_(None) & (Case.practitioner_id == user.id))))
            .options(contains_eager(Action.case), contains_eager(Action.meeting).load_only(Meeting.scheduled_at))
            .order_by(*_due_order()))


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


def _tracked(team_id: int, *conditions) -> list[TrackedAction]:
    # A plain (Core) statement on the tables: rows come back without the ORM's per-row machinery.
    a, c = Action.__table__.c, Case.__table__.c
    rows = db.session.execute(
        db.select(a.id, a.description, a.due_on, a.status, a.closing_note, a.meeting_id, a.case_id,
                  c.family_label, a.owner_id, a.owner_name, c.practitioner_id,
                  func.coalesce(a.owner_id, c.practitioner_id))
        .join_from(Action.__table__, Case.__table__, c.id == a.case_id)
        .where(c.team_id == team_id, *conditions)).all()  # fetched at once, not row by row
    return [TrackedAction(*row) for row in rows]


def team_tracker(team_id: int, today: date, filters: TrackerFilters, limit: int | None = None) -> Tracker:
    """The team's open actions counted by practitioner and by case, and the list the filters ask for
    (the first `limit` of it: only those are dressed for the page)."""
    open_actions = _tracked(team_id, Action.__table__.c.status == ActionStatus.OPEN)
    staff = {u.id: u for u in db.session.scalars(db.select(User).filter_by(team_id=team_id))}
    by_practitioner: dict[int | None, Counts] = defaultdict(Counts, {
        u.id: Counts() for u in staff.values() if u.active and u.role in CASELOAD_ROLES})
    by_case: dict[int, Counts] = defaultdict(Counts)
    cases: dict[int, CaseSummary] = {}
    for action in open_actions:
        when = timing(action, today)
        days = (today - action.due_on).days if when == OVERDUE else 0
        if action.case_id not in cases:
            cases[action.case_id] = CaseSummary(action.case_id, action.family_label,
                                                staff.get(action.practitioner_id or 0))
        _count(by_practitioner[action.follower_id], when, days)
        _count(by_case[action.case_id], when, days)
    total = Counts(sum(c.open for c in by_case.values()), sum(c.overdue for c in by_case.values()),
                   sum(c.this_week for c in by_case.values()),
                   max((c.oldest_overdue_days for c in by_case.values()), default=0))

    listed = open_actions if filters.show != "closed" else _tracked(
        team_id, Action.__table__.c.status != ActionStatus.OPEN,
        Action.__table__.c.closed_at >= datetime.combine(today - timedelta(days=30), time.min))
    wanted = [a for a in listed if _matches(a, filters, staff, today)]
    wanted.sort(key=_sort_key(filters.sort, staff, today))
    practitioner_rows = sorted(
        ((staff.get(pid) if pid is not None else None, c) for pid, c in by_practitioner.items()),
        key=lambda pair: (-pair[1].overdue, -pair[1].oldest_overdue_days, -pair[1].open,
                          pair[0].name if pair[0] else "~"))
    case_rows = sorted(((cases[cid], c) for cid, c in by_case.items()),
                       key=lambda pair: (-pair[1].overdue, -pair[1].oldest_overdue_days, -pair[1].open,
                                         pair[0].family_label))
    return Tracker(rows=[_row(a, staff, today) for a in wanted[:limit]], matching=len(wanted),
                   by_practitioner=practitioner_rows, by_case=case_rows, total=total)


def _count(counts: Counts, when: str, days_overdue: int) -> None:
    counts.open += 1
    if when == OVERDUE:
        counts.overdue += 1
        counts.oldest_overdue_days = max(counts.oldest_overdue_days, days_overdue)
    elif when == THIS_WEEK:
        counts.this_week += 1


def _when(action: TrackedAction, today: date) -> str:
    return timing(action, today) if action.status is ActionStatus.OPEN else "closed"


def _row(action: TrackedAction, staff: dict[int, User], today: date) -> TrackerRow:
    when = _when(action, today)
    pid = action.follower_id
    return TrackerRow(action=action, follower=staff.get(pid) if pid else None, on_behalf_of=on_behalf_of(action),
                      timing=when, days_overdue=(today - action.due_on).days if when == OVERDUE else 0)


def _matches(action: TrackedAction, filters: TrackerFilters, staff: dict[int, User], today: date) -> bool:
    if filters.practitioner_id is not None and (action.follower_id != filters.practitioner_id
                                                or action.follower_id not in staff):
        return False
    if filters.case_id is not None and action.case_id != filters.case_id:
        return False
    return filters.show in ("open", "closed") or _when(action, today) == filters.show


def _sort_key(sort: str, staff: dict[int, User], today: date):
    def due(a: TrackedAction):
        return (a.due_on is None, a.due_on or date.max, a.id)

    def name(a: TrackedAction):
        follower = staff.get(a.follower_id) if a.follower_id else None
        return follower.name if follower else "~"

    def days_overdue(a: TrackedAction):
        return (today - a.due_on).days if _when(a, today) == OVERDUE else 0

    return {
        "due": due,
        "overdue": lambda a: (-days_overdue(a), *due(a)),
        "practitioner": lambda a: (name(a), *due(a)),
        "case": lambda a: (a.family_label, *due(a)),
    }.get(sort, due)


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
