"""What a session does: its mapping, its scaling, its agreement."""

from __future__ import annotations

import statistics
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy import bindparam, func
from sqlalchemy.orm import defer, joinedload, selectinload, undefer
from sqlalchemy.orm.attributes import set_committed_value
from sqlalchemy.orm.exc import StaleDataError

from supervision.access import can_agree
from supervision.extensions import db
from supervision.models import (
    Action,
    ActionReview,
    ActionStatus,
    Amendment,
    Case,
    DangerStatement,
    MapItem,
    Meeting,
    MeetingKind,
    MeetingStatus,
    ReviewOutcome,
    SafetyGoal,
    ScalingScore,
    Section,
    User,
)
from supervision.models.meeting import meeting_participants
from supervision.models.types import utcnow
from supervision.services.errors import DomainError, EditConflict, RecordAgreed

# What the session editor reads: the session with its case (the genogram as it is today) and its two
# people, joined into one statement, then each of its parts (EDITOR_PARTS) in a plain statement of its
# own (load_parts): a fixed number of queries whatever its size, and templates render without a lazy
# load (tests/test_query_counts.py). The editor loads only what it shows (not the children: the genogram
# names them). The people on a score, an action and a review are joined by the models themselves
# (lazy="joined"); a safety goal's danger statement is one of the session's own, already loaded.
MEETING_IN_PROGRESS = (  # a session not yet agreed has no sign-off or amendments
    joinedload(Meeting.case).undefer(Case.genogram_json),
    joinedload(Meeting.facilitator),
    joinedload(Meeting.presenter),
)
# Each part of a session, as one statement built once: by the session's id, in its relationship's order.
_MEETING_ID = bindparam("meeting_id")
EDITOR_PARTS = {
    "participants": db.select(User).join(meeting_participants, meeting_participants.c.user_id == User.id)
                    .where(meeting_participants.c.meeting_id == _MEETING_ID).order_by(User.name),
    "items": db.select(MapItem).where(MapItem.meeting_id == _MEETING_ID).order_by(MapItem.position),
    "danger_statements": db.select(DangerStatement).where(DangerStatement.meeting_id == _MEETING_ID)
                         .order_by(DangerStatement.position),
    "safety_goals": db.select(SafetyGoal).where(SafetyGoal.meeting_id == _MEETING_ID).order_by(SafetyGoal.position),
    "scores": db.select(ScalingScore).where(ScalingScore.meeting_id == _MEETING_ID).order_by(ScalingScore.id),
    "actions": db.select(Action).where(Action.meeting_id == _MEETING_ID).order_by(Action.id),
    "action_reviews": db.select(ActionReview).where(ActionReview.meeting_id == _MEETING_ID)
                      .order_by(ActionReview.id),
}
# What the record's data reads of a session (services.record.record_data), for many at once: there each
# part is one statement for all the sessions (selectinload). Options stay flat: SQLAlchemy hands every
# option to each collection's query, so chains cost twice.
WHOLE_MEETING = (
    *MEETING_IN_PROGRESS,
    *(selectinload(getattr(Meeting, part)) for part in EDITOR_PARTS),
    joinedload(Meeting.case).selectinload(Case.children),
    joinedload(Meeting.case).joinedload(Case.practitioner),
    joinedload(Meeting.agreed_by),
    selectinload(Meeting.amendments),
)


def load_parts(meeting: Meeting) -> None:
    """Read each part of one session (EDITOR_PARTS) and set it on the session as loaded.

    For one session this is about half the cost of `selectinload`, which builds each part's query anew
    with every option the session was loaded with (bench/editor_load_bench.py).
    """
    for part, query in EDITOR_PARTS.items():
        set_committed_value(meeting, part, db.session.scalars(query, {"meeting_id": meeting.id}).all())


# What the record and its exports read: an agreed record is its snapshot plus what came after
# (services.record.record_of). A draft's preview, or a record agreed before snapshots were kept,
# reads the rest of the session as it goes: one session, so one query per part, a fixed number.
RECORD = (
    undefer(Meeting.record_snapshot),
    joinedload(Meeting.case).undefer(Case.genogram_json),  # a draft's preview draws today's genogram
    selectinload(Meeting.actions),
    selectinload(Meeting.amendments),
)


def create_meeting(
    case: Case,
    *,
    kind: MeetingKind,
    scheduled_at: datetime,
    facilitator: User,
    presenter: User | None,
    participants: list[User],
) -> Meeting:
    meeting = Meeting(
        case=case, kind=kind, scheduled_at=scheduled_at, facilitator=facilitator,
        presenter=presenter, participants=list(participants),
    )
    db.session.add(meeting)
    return meeting


def update_details(meeting: Meeting, **fields) -> None:
    ensure_editable(meeting)
    for name, value in fields.items():
        setattr(meeting, name, value)
    meeting.version += 1


def ensure_editable(meeting: Meeting) -> None:
    if meeting.is_agreed:
        raise RecordAgreed()


def start(meeting: Meeting) -> None:
    ensure_editable(meeting)
    meeting.status = MeetingStatus.IN_PROGRESS


# --- the map -------------------------------------------------------------------

def add_item(meeting: Meeting, section: Section, text: str, author: User) -> MapItem:
    ensure_editable(meeting)
    # Positions come from the database, not from this request's view of the list,
    # so two people adding at once both keep their item.
    last = db.session.scalar(
        db.select(func.max(MapItem.position)).where(
            MapItem.meeting_id == meeting.id, MapItem.section == section
        )
    )
    # By id, not by relationship: setting `meeting=` would load every item of the session first.
    item = MapItem(meeting_id=meeting.id, section=section, text=text.strip(), author=author,
                   position=(last or 0) + 1)
    db.session.add(item)
    return item


Versioned = MapItem | DangerStatement | SafetyGoal


class RemovedMeanwhile(DomainError):
    def __init__(self) -> None:
        super().__init__("Someone else removed this while you were editing it. Add it again if it is still needed.")


def _text_of(record: Versioned) -> str:
    return record.text if isinstance(record, MapItem) else record.statement


def _check_version(record: Versioned, expected_version: int) -> None:
    """The version the editor opened is not the one saved now: show both texts (the usual case)."""
    if record.version != expected_version:
        raise EditConflict(_text_of(record), record.version)


def _write_now(record: Versioned, *, edited: bool = False) -> None:
    """Flush the change so a save that raced another one fails here, as an EditConflict, not at commit.

    The models' version counter makes each UPDATE or DELETE match only the version this request read:
    if someone saved in between, nothing matches and SQLAlchemy raises StaleDataError. Only text edits
    raise the counter (`edited`): moving an item is not a change anyone needs to be warned about.
    """
    model, record_id = type(record), record.id
    if edited:
        record.version += 1
    try:
        db.session.flush()
    except StaleDataError:
        db.session.rollback()
        fresh = db.session.get(model, record_id)  # the other person's save, read again
        if fresh is None:
            raise RemovedMeanwhile() from None
        raise EditConflict(_text_of(fresh), fresh.version) from None


def edit_item(item: MapItem, text: str, expected_version: int) -> None:
    ensure_editable(item.meeting)
    _check_version(item, expected_version)
    item.text = text.strip()
    _write_now(item, edited=True)


def remove_item(item: MapItem) -> None:
    ensure_editable(item.meeting)
    db.session.delete(item)
    _write_now(item)


def move_item(item: MapItem, offset: int) -> None:
    """Swap an item with its neighbour in the same section (offset -1 up, +1 down)."""
    ensure_editable(item.meeting)
    siblings = item.meeting.items_in(item.section)
    index = siblings.index(item)
    other_index = index + offset
    if not 0 <= other_index < len(siblings):
        return
    other = siblings[other_index]
    item.position, other.position = other.position, item.position
    if item.position == other.position:  # equal positions from old data: make them distinct
        item.position += offset
    _write_now(item)


# --- danger statements and safety goals -----------------------------------------

def compose_danger_statement(who_is_worried: str, behaviour: str, impact: str, if_nothing_changes: str) -> str:
    """Join the guided parts into one plain-language statement, as the practice writes it."""
    parts = [p.strip().rstrip(".") for p in (who_is_worried, behaviour, impact) if p.strip()]
    text = " ".join(parts)
    if if_nothing_changes.strip():
        text = f"{text}. If nothing changes, {_lower_first(if_nothing_changes.strip().rstrip('.'))}"
    return f"{text}." if text else ""


def compose_safety_goal(what_will_happen: str, who_will_see: str, how_long: str) -> str:
    parts = [p.strip().rstrip(".") for p in (what_will_happen, who_will_see, how_long) if p.strip()]
    return f"{' '.join(parts)}." if parts else ""


_SENTENCE_STARTERS = {"He", "She", "They", "It", "The", "There", "We", "This", "That", "Their", "His", "Her"}


def _lower_first(text: str) -> str:
    """Lower-case a sentence's first word for joining, but never a name ('Jayden' stays)."""
    first, _, rest = text.partition(" ")
    return f"{first.lower()} {rest}".strip() if first in _SENTENCE_STARTERS else text


DANGER_STATEMENT_PARTS = ("who_is_worried", "behaviour", "impact", "if_nothing_changes")
SAFETY_GOAL_PARTS = ("what_will_happen", "who_will_see", "how_long")


def _statement_text(record: DangerStatement | SafetyGoal | None, written: str, parts: dict[str, str],
                    compose: Callable[..., str], names: tuple[str, ...]) -> str:
    """The statement's words: as written, else composed from its parts.

    A saved statement that was composed from its parts follows them: change a part and leave the words
    as they were, and it is composed again. Words someone wrote themselves are never replaced.
    """
    written = written.strip()
    composed = compose(**{name: parts.get(name, "") for name in names}) if parts else ""
    if record is not None and written == record.statement and composed:
        was_composed = compose(**{name: getattr(record, name) for name in names}) == record.statement
        if was_composed:
            return composed
    return written or composed


def save_danger_statement(meeting: Meeting, record: DangerStatement | None, *,
                          expected_version: int | None = None, **parts: str) -> DangerStatement:
    """Add a danger statement, or change a saved one (`expected_version`: the one the editor opened)."""
    ensure_editable(meeting)
    text = _statement_text(record, parts.pop("statement", ""), parts, compose_danger_statement,
                           DANGER_STATEMENT_PARTS)
    if not text:
        raise DomainError("Write the danger statement, or fill in its parts to compose it.")
    if record is None:
        record = DangerStatement(meeting=meeting, position=len(meeting.danger_statements) + 1)
        db.session.add(record)
    else:
        _check_version(record, expected_version or 0)
    for name, value in parts.items():
        setattr(record, name, value.strip())
    record.statement = text
    if record.id is not None:
        _write_now(record, edited=True)
    return record


def save_safety_goal(meeting: Meeting, goal: SafetyGoal | None, *, danger_statement: DangerStatement | None,
                     expected_version: int | None = None, **parts: str) -> SafetyGoal:
    """Add a safety goal, or change a saved one (`expected_version`: the one the editor opened)."""
    ensure_editable(meeting)
    text = _statement_text(goal, parts.pop("statement", ""), parts, compose_safety_goal, SAFETY_GOAL_PARTS)
    if not text:
        raise DomainError("Write the safety goal, or fill in its parts to compose it.")
    if goal is None:
        goal = SafetyGoal(meeting=meeting, position=len(meeting.safety_goals) + 1)
        db.session.add(goal)
    else:
        _check_version(goal, expected_version or 0)
    for name, value in parts.items():
        setattr(goal, name, value.strip())
    goal.danger_statement = danger_statement
    goal.statement = text
    if goal.id is not None:
        _write_now(goal, edited=True)
    return goal


def remove(meeting: Meeting, record: DangerStatement | SafetyGoal) -> None:
    ensure_editable(meeting)
    db.session.delete(record)
    _write_now(record)


# --- scaling --------------------------------------------------------------------

@dataclass(frozen=True)
class ScalingSummary:
    count: int
    skipped: int
    median: float | None
    low: int | None
    high: int | None

    @property
    def spread(self) -> int | None:
        return None if self.low is None else self.high - self.low


class ScoresRevealed(DomainError):
    def __init__(self) -> None:
        super().__init__("The scores have been revealed, so they stay as they were given. "
                         "Talk any change through in the room and note it in the discussion.")


def _ensure_not_revealed(meeting: Meeting) -> None:
    """Scores are typed in for the room before the reveal; after it, nobody changes theirs having seen the rest."""
    from supervision.services import live  # the room owns the reveal; it imports this module, so import here

    if live.scores_revealed(meeting):
        raise ScoresRevealed()


def record_score(meeting: Meeting, user: User, score: int | None, reason: str) -> ScalingScore:
    """A participant's score, typed in for them before the reveal; giving it again replaces their earlier one."""
    ensure_editable(meeting)
    _ensure_not_revealed(meeting)
    existing = db.session.scalar(db.select(ScalingScore).filter_by(meeting_id=meeting.id, user_id=user.id))
    if existing is None:
        existing = ScalingScore(meeting=meeting, user=user)
        db.session.add(existing)
    existing.score = score
    existing.reason = reason.strip()
    return existing


def summarise(scores: list[ScalingScore]) -> ScalingSummary:
    given = [s.score for s in scores if s.score is not None]
    return ScalingSummary(
        count=len(given),
        skipped=len(scores) - len(given),
        median=statistics.median(given) if given else None,
        low=min(given) if given else None,
        high=max(given) if given else None,
    )


def set_family_score(meeting: Meeting, score: int | None, note: str) -> None:
    """The family's own number, shown with everyone's at the reveal."""
    ensure_editable(meeting)
    _ensure_not_revealed(meeting)
    meeting.family_score = score
    meeting.family_score_note = note.strip() or None


# --- actions --------------------------------------------------------------------

class NotAccountable(DomainError):
    def __init__(self) -> None:
        super().__init__("Only the accountable team manager or assistant team manager agrees actions. "
                         "Put the group's ideas in Next steps.")


def _ensure_accountable(user: User, meeting: Meeting) -> None:
    """No next step is agreed unless the accountable manager is there (council guidance)."""
    if not can_agree(user, meeting):
        raise NotAccountable()


def add_action(meeting: Meeting, *, description: str, owner: User | None, owner_name: str | None,
               due_on: date | None, agreed_by: User) -> Action:
    """An agreed action, recorded with the manager who agreed it."""
    ensure_editable(meeting)
    _ensure_accountable(agreed_by, meeting)
    action = Action(meeting=meeting, case_id=meeting.case_id, description=description.strip(),
                    owner=owner, owner_name=(owner_name or "").strip() or None, due_on=due_on,
                    agreed_by_id=agreed_by.id)
    db.session.add(action)
    return action


def remove_action(action: Action) -> None:
    ensure_editable(action.meeting)
    db.session.delete(action)


RECENT_SESSIONS = 6  # the case page shows the latest few; its whole history on request


@dataclass(frozen=True)
class CaseSessions:
    shown: list[Meeting]  # newest first
    before: Meeting | None  # the session just before the oldest shown: the story compares with it
    total: int


# The case page's sessions, and the parts of them it shows: one statement per part for all the sessions
# shown, each built once (as EDITOR_PARTS; selectinload builds them anew for every page).
_CASE_SESSIONS = (db.select(Meeting, func.count().over()).where(Meeting.case_id == bindparam("case_id"))
                  .options(defer(Meeting.genogram_snapshot))  # a copy of the genogram per session: not shown
                  .order_by(Meeting.scheduled_at.desc(), Meeting.id.desc()))
_LATEST_CASE_SESSIONS = _CASE_SESSIONS.limit(bindparam("limit"))
_MEETING_IDS = bindparam("meeting_ids", expanding=True)
CASE_PAGE_PARTS = {
    "scores": db.select(ScalingScore).where(ScalingScore.meeting_id.in_(_MEETING_IDS)).order_by(ScalingScore.id),
    "danger_statements": db.select(DangerStatement).where(DangerStatement.meeting_id.in_(_MEETING_IDS))
                         .order_by(DangerStatement.position),
    "safety_goals": db.select(SafetyGoal).where(SafetyGoal.meeting_id.in_(_MEETING_IDS))
                    .order_by(SafetyGoal.position),
}


def case_sessions(case: Case, latest: int | None = RECENT_SESSIONS) -> CaseSessions:
    """The case's sessions, newest first, with their scores and statements: the latest few, or all (None).

    Bounded so the case page costs the same after three years of sessions as after three.
    """
    # The total comes with the rows (a window function, counted before LIMIT): no second query.
    if latest is None:
        rows = db.session.execute(_CASE_SESSIONS, {"case_id": case.id}).all()
    else:
        rows = db.session.execute(_LATEST_CASE_SESSIONS, {"case_id": case.id, "limit": latest + 1}).all()
    loaded = [meeting for meeting, _ in rows]
    total = rows[0][1] if rows else 0
    _load_parts_of(loaded, CASE_PAGE_PARTS)
    if latest is None or len(loaded) <= latest:
        return CaseSessions(loaded, None, total)
    return CaseSessions(loaded[:latest], loaded[latest], total)


def _load_parts_of(meetings: list[Meeting], parts: dict) -> None:
    """As load_parts, for many sessions: each part read in one statement for them all."""
    by_id = {meeting.id: meeting for meeting in meetings}
    for part, query in parts.items():
        grouped: dict[int, list] = {meeting_id: [] for meeting_id in by_id}
        for row in db.session.scalars(query, {"meeting_ids": list(by_id)}):
            grouped[row.meeting_id].append(row)
        for meeting_id, rows in grouped.items():
            set_committed_value(by_id[meeting_id], part, rows)


_PREVIOUS_SESSION = (db.select(Meeting.id)
                     .where(Meeting.case_id == bindparam("case_id"), Meeting.id != bindparam("meeting_id"),
                            Meeting.scheduled_at <= bindparam("scheduled_at"))
                     .order_by(Meeting.scheduled_at.desc(), Meeting.id.desc()).limit(1).scalar_subquery())
_OPEN_ACTIONS_OF_PREVIOUS = (db.select(Action).where(Action.meeting_id == _PREVIOUS_SESSION,
                                                     Action.status == ActionStatus.OPEN).order_by(Action.id))


def actions_to_review(meeting: Meeting) -> list[Action]:
    """Open actions of the case's previous session not yet reviewed in this one (one query, built once)."""
    reviewed = {review.action_id for review in meeting.action_reviews}
    actions = db.session.scalars(_OPEN_ACTIONS_OF_PREVIOUS, {"case_id": meeting.case_id, "meeting_id": meeting.id,
                                                             "scheduled_at": meeting.scheduled_at})
    return [a for a in actions if a.id not in reviewed]


def review_action(meeting: Meeting, action: Action, outcome: ReviewOutcome, note: str, by: User) -> ActionReview:
    """Record what became of an earlier action; carried forward makes it this session's too."""
    ensure_editable(meeting)
    if outcome is ReviewOutcome.DROPPED and not note.strip():
        raise DomainError("Say why the action is being dropped.")
    if outcome is ReviewOutcome.CARRIED_FORWARD:
        _ensure_accountable(by, meeting)  # carried forward, it is agreed again, as this session's action
    review = ActionReview(meeting=meeting, action=action, outcome=outcome, note=note.strip(), reviewed_by_id=by.id)
    db.session.add(review)
    if outcome is ReviewOutcome.DONE:
        close_action(action, ActionStatus.DONE, note, by)
    elif outcome is ReviewOutcome.DROPPED:
        close_action(action, ActionStatus.DROPPED, note, by)
    else:
        carried = Action(meeting=meeting, case_id=action.case_id, description=action.description,
                         owner_id=action.owner_id, owner_name=action.owner_name, due_on=action.due_on,
                         agreed_by_id=by.id, carried_from_id=action.id)
        db.session.add(carried)
        close_action(action, ActionStatus.CARRIED_FORWARD,
                     f"Carried forward to the session of {meeting.scheduled_at:%d %B %Y}. {note}".strip(), by)
    return review


def close_action(action: Action, status: ActionStatus, note: str, by: User) -> None:
    if status is ActionStatus.DROPPED and not note.strip():
        raise DomainError("Say why the action is being dropped.")
    action.status = status
    action.closing_note = note.strip() or None
    action.closed_at = utcnow()
    action.closed_by_id = by.id


# --- agreement ------------------------------------------------------------------

def agree(meeting: Meeting, by: User) -> None:
    """Sign the record off: from now on it is read-only, amendments only.

    The review of the last session's open actions is part of the record, so it comes first."""
    ensure_editable(meeting)
    waiting = len(actions_to_review(meeting))
    if waiting:
        raise DomainError(f"Before agreeing, review the last session's open actions (done, carried forward or "
                          f"dropped): {waiting} {'is' if waiting == 1 else 'are'} still waiting.")
    from supervision.services import record  # the record reads the room, which imports this module

    meeting.status = MeetingStatus.AGREED
    meeting.agreed_at = utcnow()
    meeting.agreed_by = by
    meeting.genogram_snapshot = meeting.case.genogram_json
    meeting.record_snapshot = record.snapshot(meeting)


def amend(meeting: Meeting, by: User, reason: str, text: str) -> Amendment:
    if not meeting.is_agreed:
        raise DomainError("Only an agreed record takes amendments; edit the draft instead.")
    amendment = Amendment(meeting=meeting, author_id=by.id, reason=reason.strip(), text=text.strip())
    db.session.add(amendment)
    return amendment
