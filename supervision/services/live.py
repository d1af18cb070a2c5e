"""The room: phases, the timer, the facilitator role, join codes, proposals and the scaling round.

Scores are hidden until the facilitator reveals them: hidden means never sent to a browser.
Everything a browser gets about a session's scaling goes through `scaling_view`, and the
state every screen receives (`meeting_state`) is built from it.
"""

from __future__ import annotations

import functools
import secrets
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from flask import current_app, has_app_context
from sqlalchemy import bindparam, event, func
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.orm import joinedload, selectinload

from supervision import audit, events
from supervision.access import sits_on_panel
from supervision.extensions import db
from supervision.markdown import render_markdown
from supervision.models import (
    AuditKind,
    CarriedForward,
    Case,
    LiveSession,
    MapItem,
    Meeting,
    MeetingKind,
    MeetingStatus,
    PanelSlot,
    Phase,
    Proposal,
    ProposalStatus,
    ScalingScore,
    ScalingState,
    Section,
    User,
)
from supervision.models.meeting import meeting_participants
from supervision.models.types import utcnow
from supervision.services import genograms
from supervision.services import meetings as ops
from supervision.services.errors import DomainError

JOIN_CODE_ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"  # no 0/O or 1/I to misread across a room
JOIN_CODE_LENGTH = 6
JOIN_CODE_LIFETIME = timedelta(hours=4)

# What the facilitator adds to in each phase (the console's fast-add boxes).
PHASE_SECTIONS: dict[Phase, list[Section]] = {
    Phase.PAST_HARM: [Section.PAST_HARM],
    Phase.WORKING_WELL: [Section.STRENGTHS, Section.EXISTING_SAFETY],
    Phase.WORRIES: [Section.WORRIES],
    Phase.COMPLICATING_FACTORS: [Section.COMPLICATING_FACTORS],
    Phase.HYPOTHESES: [Section.HYPOTHESES],
    Phase.QUESTIONS: [Section.QUESTIONS],
    Phase.NEXT_STEPS: [Section.NEXT_STEPS],
}
# What the screen shows: the three-column map, one list in large type, or a page of its own.
PHASE_LAYOUTS: dict[Phase, str] = {
    Phase.CONTEXT: "context", Phase.REVIEW: "review", Phase.PAST_HARM: "map", Phase.WORKING_WELL: "map",
    Phase.WORRIES: "map", Phase.COMPLICATING_FACTORS: "map", Phase.HYPOTHESES: "list", Phase.QUESTIONS: "list",
    Phase.DANGER_STATEMENTS: "statements", Phase.SAFETY_GOALS: "statements", Phase.SCALING: "scaling",
    Phase.NEXT_STEPS: "next_steps", Phase.SUMMARY: "summary",
}
PHASE_PROMPTS: dict[Phase, str] = {
    Phase.CONTEXT: "Who is in this family, who lives together, and why we are here.",
    Phase.REVIEW: "What became of the actions agreed last time?",
    Phase.PAST_HARM: "What has happened to the children, with dates and detail?",
    Phase.WORKING_WELL: "What does the family do that is good for the children, and where has it kept them safe?",
    Phase.WORRIES: "What could happen to the children next if nothing changes?",
    Phase.COMPLICATING_FACTORS: "What makes things harder, but is not harm itself?",
    Phase.HYPOTHESES: "Why might things be the way they are for this family? Held lightly.",
    Phase.QUESTIONS: "What will we ask the family next, to find strengths and safety?",
    Phase.DANGER_STATEMENTS: "Who is worried, about what the adult does, the impact on the child, "
                             "and what may happen if nothing changes.",
    Phase.SAFETY_GOALS: "What the parents and their network will do, who will see it, and for how long.",
    Phase.SCALING: "",
    Phase.NEXT_STEPS: "Who does what, by when?",
    Phase.SUMMARY: "Where we have got to today.",
}
PHASES = list(Phase)


class NotFacilitator(DomainError):
    def __init__(self, name: str) -> None:
        super().__init__(f"Only the facilitator moves the room. {name} is facilitating: ask them to hand the role "
                         "to you if you need it.")


class JoinRefused(DomainError):
    """A join code that leads nowhere, with the reason in words."""


# --- the room ------------------------------------------------------------------------

def default_minutes(meeting: Meeting) -> int:
    slot = db.session.scalar(db.select(PanelSlot).filter_by(meeting_id=meeting.id)) if meeting.id else None
    if slot is not None:
        return slot.minutes
    return 40 if meeting.kind is MeetingKind.CMR else 90


_DEFAULT_ROOMS = "live_default_rooms"


@event.listens_for(db.session, "after_commit")
@event.listens_for(db.session, "after_rollback")
def _forget_default_rooms(session) -> None:
    """What is kept may have changed once a transaction ends."""
    session.info.pop(_DEFAULT_ROOMS, None)


def kept_room(meeting: Meeting) -> LiveSession | None:
    """The room kept for a session, or None if it has not been opened live (asked once a transaction)."""
    # A session without a kept room is remembered as such for this database session, so a page asks once.
    defaults = db.session.info.setdefault(_DEFAULT_ROOMS, {})
    if meeting.id in defaults:
        return None
    room = db.session.get(LiveSession, meeting.id, options=[joinedload(LiveSession.facilitator)])
    if room is None:
        defaults[meeting.id] = None  # its default room is made when one is first read (room_for)
    return room


def room_for(meeting: Meeting) -> LiveSession:
    """The room of a session, for reading: a fresh default one (not saved) if none is kept yet."""
    room = kept_room(meeting)
    if room is not None:
        return room
    defaults = db.session.info[_DEFAULT_ROOMS]
    if defaults[meeting.id] is None:
        minutes = default_minutes(meeting)
        defaults[meeting.id] = LiveSession(
            meeting_id=meeting.id, phase=Phase.CONTEXT, facilitator_id=meeting.facilitator_id,
            facilitator=meeting.facilitator, slot_minutes=minutes, timer_remaining_seconds=minutes * 60,
            scaling=ScalingState.NOT_OPEN, anonymous=False)
    return defaults[meeting.id]


def load_meeting(meeting_id: int) -> Meeting | None:
    """A session with everything its live state shows, in a fixed number of queries."""
    return db.session.scalar(
        db.select(Meeting).where(Meeting.id == meeting_id).execution_options(populate_existing=True).options(
            joinedload(Meeting.case).selectinload(Case.children), joinedload(Meeting.case).undefer(Case.genogram_json),
            joinedload(Meeting.facilitator),
            joinedload(Meeting.presenter), selectinload(Meeting.participants),
            selectinload(Meeting.danger_statements), selectinload(Meeting.safety_goals),
            selectinload(Meeting.scores), selectinload(Meeting.actions), selectinload(Meeting.action_reviews)))


def _insert():
    """INSERT with ON CONFLICT, in the dialect at hand (SQLite and PostgreSQL both have it)."""
    return pg_insert if db.session.get_bind().dialect.name == "postgresql" else sqlite_insert


def open_room(meeting: Meeting) -> LiveSession:
    """The room of a session, for changing it: kept from now on.

    Made with INSERT ... ON CONFLICT DO NOTHING, so two first clicks at once make one room.
    """
    room = db.session.get(LiveSession, meeting.id)
    if room is None:
        db.session.info.get(_DEFAULT_ROOMS, {}).pop(meeting.id, None)
        minutes = default_minutes(meeting)
        db.session.execute(_insert()(LiveSession).values(
            meeting_id=meeting.id, phase=Phase.CONTEXT, facilitator_id=meeting.facilitator_id,
            slot_minutes=minutes, timer_remaining_seconds=minutes * 60, scaling=ScalingState.NOT_OPEN,
            anonymous=False, updated_at=utcnow(),
        ).on_conflict_do_nothing(index_elements=["meeting_id"]))
        room = db.session.get(LiveSession, meeting.id)
    return room


def is_facilitator(user: User, meeting: Meeting) -> bool:
    return room_for(meeting).facilitator_id == user.id


def require_facilitator(user: User, room: LiveSession) -> None:
    if room.facilitator_id != user.id:
        raise NotFacilitator(room.facilitator.name)


def move_to(room: LiveSession, phase: Phase, by: User) -> None:
    require_facilitator(by, room)
    room.phase = phase


def step(room: LiveSession, offset: int, by: User) -> None:
    """The next (+1) or previous (-1) phase; stays put at either end."""
    index = PHASES.index(room.phase) + offset
    move_to(room, PHASES[max(0, min(len(PHASES) - 1, index))], by)


def hand_over(room: LiveSession, to: User, by: User) -> None:
    """Give the facilitator role to a colleague: an explicit step, never automatic."""
    require_facilitator(by, room)
    if to.team_id != room.meeting.case.team_id or not to.active:
        raise DomainError("Choose a colleague from this team.")
    if to.id == by.id:
        raise DomainError("You are already facilitating.")
    room.facilitator = to
    room.facilitator_id = to.id


def take_back(room: LiveSession, by: User) -> None:
    """The session's accountable facilitator may take the role back (say, after a laptop died)."""
    if by.id != room.meeting.facilitator_id:
        raise DomainError("Only the session's own facilitator can take the role back.")
    room.facilitator = by
    room.facilitator_id = by.id


# --- the timer: the end time is kept here, so every screen shows the same time left ----------

def time_left(room: LiveSession, now: datetime | None = None) -> int:
    """Seconds left in the slot (negative when over time)."""
    if room.timer_ends_at is None:
        return room.timer_remaining_seconds
    return int((room.timer_ends_at - (now or utcnow())).total_seconds())


def start_timer(room: LiveSession, by: User, now: datetime | None = None) -> None:
    require_facilitator(by, room)
    if room.timer_ends_at is None:
        room.timer_ends_at = (now or utcnow()) + timedelta(seconds=room.timer_remaining_seconds)


def pause_timer(room: LiveSession, by: User, now: datetime | None = None) -> None:
    require_facilitator(by, room)
    if room.timer_ends_at is not None:
        room.timer_remaining_seconds = time_left(room, now)
        room.timer_ends_at = None


def reset_timer(room: LiveSession, by: User) -> None:
    require_facilitator(by, room)
    room.timer_ends_at = None
    room.timer_remaining_seconds = room.slot_minutes * 60


def add_minutes(room: LiveSession, minutes: int, by: User) -> None:
    require_facilitator(by, room)
    if room.timer_ends_at is not None:
        room.timer_ends_at += timedelta(minutes=minutes)
    else:
        room.timer_remaining_seconds += minutes * 60


# --- join codes ----------------------------------------------------------------------

def normalise_code(text: str) -> str:
    return "".join(ch for ch in (text or "").upper() if ch.isalnum())


def format_code(code: str) -> str:
    """K7M2QX shows as K7M-2QX: easier to read out and type."""
    return f"{code[:3]}-{code[3:]}" if len(code) == JOIN_CODE_LENGTH else code


def code_is_valid(room: LiveSession, now: datetime | None = None) -> bool:
    return bool(room.join_code and room.join_code_expires_at and room.join_code_expires_at > (now or utcnow()))


def new_join_code(room: LiveSession, now: datetime | None = None) -> str:
    """A fresh short code for colleagues' phones; the old one stops working."""
    ops.ensure_editable(room.meeting)
    for _ in range(20):
        code = "".join(secrets.choice(JOIN_CODE_ALPHABET) for _ in range(JOIN_CODE_LENGTH))
        if db.session.scalar(db.select(LiveSession.meeting_id).filter_by(join_code=code)) is None:
            break
    room.join_code = code
    room.join_code_expires_at = (now or utcnow()) + JOIN_CODE_LIFETIME
    return code


def ensure_join_code(room: LiveSession, now: datetime | None = None) -> str:
    return room.join_code if code_is_valid(room, now) else new_join_code(room, now)


def find_by_code(user: User, text: str, now: datetime | None = None) -> Meeting:
    """The session a join code opens, for this user; JoinRefused says why not."""
    code = normalise_code(text)
    room = db.session.scalar(db.select(LiveSession).filter_by(join_code=code)) if code else None
    # A CMR panel's members come from across the service: they join the slots they sit on.
    if room is None or (room.meeting.case.team_id != user.team_id
                        and not sits_on_panel(user, meeting_id=room.meeting_id)):
        raise JoinRefused("No session has that code. Check it on the meeting-room screen and try again.")
    if not code_is_valid(room, now):
        raise JoinRefused("That code has expired. Ask the facilitator for the new one: it is on their console.")
    if room.meeting.is_agreed:
        raise JoinRefused("That session's record has been agreed, so it takes no more scores or proposals.")
    return room.meeting


def join(meeting: Meeting, user: User) -> None:
    """Joining from a phone makes a colleague one of the session's participants."""
    if not meeting.is_agreed and user not in meeting.participants:
        meeting.participants.append(user)


# --- proposals -----------------------------------------------------------------------

def propose(meeting: Meeting, user: User, section: Section, text: str) -> Proposal:
    ops.ensure_editable(meeting)
    proposal = Proposal(meeting_id=meeting.id, author=user, section=section, text=text.strip())
    db.session.add(proposal)
    return proposal


def _decide(proposal: Proposal, by: User, status: ProposalStatus) -> LiveSession:
    meeting = db.session.get(Meeting, proposal.meeting_id)
    ops.ensure_editable(meeting)
    room = room_for(meeting)
    require_facilitator(by, room)
    if proposal.status is not ProposalStatus.PENDING:
        raise DomainError("That proposal has already been dealt with.")
    proposal.status = status
    proposal.decided_by_id = by.id
    proposal.decided_at = utcnow()
    return room


def accept(proposal: Proposal, by: User) -> MapItem:
    """The proposal becomes an item of the map, credited to the colleague who offered it."""
    _decide(proposal, by, ProposalStatus.ACCEPTED)
    meeting = db.session.get(Meeting, proposal.meeting_id)
    item = ops.add_item(meeting, proposal.section, proposal.text, proposal.author)
    proposal.map_item = item
    return item


def decline(proposal: Proposal, by: User) -> None:
    _decide(proposal, by, ProposalStatus.DECLINED)


# --- scaling -------------------------------------------------------------------------

def open_scaling(room: LiveSession, by: User) -> None:
    ops.ensure_editable(room.meeting)
    require_facilitator(by, room)
    if room.scaling is ScalingState.REVEALED:
        raise DomainError("The scores have been revealed already.")
    room.scaling = ScalingState.OPEN
    ensure_join_code(room)


def reveal(room: LiveSession, by: User) -> None:
    require_facilitator(by, room)
    room.scaling = ScalingState.REVEALED
    room.revealed_at = utcnow()


def set_anonymous(room: LiveSession, anonymous: bool, by: User) -> None:
    """Named or anonymous: fixed once anyone has scaled, so nobody's answer changes its terms."""
    require_facilitator(by, room)
    given = db.session.scalar(db.select(func.count(ScalingScore.id)).filter_by(meeting_id=room.meeting_id))
    if given and anonymous != room.anonymous:
        raise DomainError("Colleagues have already scaled, so named or anonymous can no longer change.")
    room.anonymous = anonymous


def submit_score(meeting: Meeting, user: User, score: int | None, reason: str) -> None:
    """A colleague's own score (None: they skip); sending again replaces their first answer.

    One statement that inserts or replaces, so fifty colleagues at once all land, once each.
    """
    ops.ensure_editable(meeting)
    if room_for(meeting).scaling is not ScalingState.OPEN:
        raise DomainError("The facilitator has not opened the scaling yet." if room_for(meeting).scaling
                          is ScalingState.NOT_OPEN else "The scores have been revealed; talk it through in the room.")
    earlier = db.session.scalar(db.select(ScalingScore.id).filter_by(meeting_id=meeting.id, user_id=user.id))
    values = {"meeting_id": meeting.id, "user_id": user.id, "score": score, "reason": reason.strip(),
              "created_at": utcnow()}
    statement = _insert()(ScalingScore).values(**values)
    statement = statement.on_conflict_do_update(
        index_elements=["meeting_id", "user_id"],
        set_={"score": statement.excluded.score, "reason": statement.excluded.reason,
              "created_at": statement.excluded.created_at}).returning(ScalingScore.id)
    score_id = db.session.scalar(statement)
    events.mark_changed(db.session(), events.meeting_topic(meeting.id))
    # The upsert passes the audit listener by: logged here, in the same transaction, as the editor's
    # scores are. The log's page and CSV hide the values until the reveal (supervision/audit/report.py).
    audit.record_change(AuditKind.CREATE if earlier is None else AuditKind.UPDATE,
                        entity=ScalingScore.__tablename__, entity_id=score_id, meeting=meeting, user=user,
                        values={"user_id": user.id, "score": score, "reason": values["reason"]})


def scores_revealed(meeting: Meeting) -> bool:
    """Whether anyone may see the scores: after the reveal, and always once the record is agreed."""
    return meeting.status is MeetingStatus.AGREED or room_for(meeting).scaling is ScalingState.REVEALED


@dataclass(frozen=True)
class ShownScore:
    """A revealed score as it may be shown: nobody named in an anonymous round."""

    user: User | None
    score: int | None
    reason: str

    @property
    def name(self) -> str | None:
        return None if self.user is None else self.user.name

    @property
    def label(self) -> str:
        return self.name or "A colleague"


@dataclass(frozen=True)
class ScalingView:
    """Everything a page may show of a session's scaling. Before the reveal: counts only."""

    revealed: bool
    anonymous: bool
    state: ScalingState
    answered: int
    expected: int
    facilitator_id: int
    marks: list[ShownScore] = field(default_factory=list)
    summary: ops.ScalingSummary | None = None
    widest: tuple[ShownScore, ShownScore] | None = None
    family_score: int | None = None
    family_note: str | None = None

    @property
    def progress(self) -> str:
        return f"{self.answered} of {self.expected} have scaled"


def scaling_view(meeting: Meeting) -> ScalingView:
    return _view(meeting, kept_room(meeting))  # a room not yet kept has no scaling to show, nor a timer to read


# What the scaling of several sessions reads besides their scores: built once (the case page asks each time).
_ROOMS_OF = db.select(LiveSession).where(LiveSession.meeting_id.in_(bindparam("ids", expanding=True)))
_PARTICIPANTS_OF = (db.select(meeting_participants.c.meeting_id, meeting_participants.c.user_id)
                    .where(meeting_participants.c.meeting_id.in_(bindparam("ids", expanding=True))))


def scaling_views(meetings: list[Meeting]) -> dict[int, ScalingView]:
    """The scaling of several sessions (a case's history), their rooms and participants read in two queries."""
    ids = [m.id for m in meetings]
    if not ids:
        return {}
    rooms = {r.meeting_id: r for r in db.session.scalars(_ROOMS_OF, {"ids": ids})}
    people: dict[int, set[int]] = {i: set() for i in ids}
    for meeting_id, user_id in db.session.execute(_PARTICIPANTS_OF, {"ids": ids}):
        people[meeting_id].add(user_id)
    return {m.id: _view(m, rooms.get(m.id), people[m.id]) for m in meetings}


def _view(meeting: Meeting, room: LiveSession | None, participant_ids: set[int] | None = None) -> ScalingView:
    state = room.scaling if room is not None else ScalingState.NOT_OPEN
    anonymous = room.anonymous if room is not None else False
    scores = list(meeting.scores)
    if participant_ids is None:
        participant_ids = {u.id for u in meeting.participants}
    expected = len(participant_ids | {s.user_id for s in scores})
    base = dict(anonymous=anonymous, state=state, answered=len(scores), expected=expected,
                facilitator_id=room.facilitator_id if room is not None else meeting.facilitator_id)
    if not (meeting.status is MeetingStatus.AGREED or state is ScalingState.REVEALED):
        return ScalingView(revealed=False, **base)
    if anonymous:
        # Sorted by what was said, never by who or when: nothing gives anyone away.
        marks = sorted((ShownScore(None, s.score, s.reason) for s in scores),
                       key=lambda m: (m.score is None, m.score or 0, m.reason))
    else:
        marks = sorted((ShownScore(s.user, s.score, s.reason) for s in scores),
                       key=lambda m: (m.score is None, m.score or 0, m.name or ""))
    given = [m for m in marks if m.score is not None]
    widest = (given[0], given[-1]) if len(given) > 1 and given[-1].score != given[0].score else None
    return ScalingView(revealed=True, marks=marks, summary=ops.summarise(scores), widest=widest,
                       family_score=meeting.family_score, family_note=meeting.family_score_note, **base)


# --- the public state every screen, console and phone receives -------------------------

def _iso_ms(moment: datetime | None) -> int | None:
    if moment is None:
        return None
    return int((moment - datetime(1970, 1, 1)).total_seconds() * 1000)


def genogram_path(case_id: int) -> str | None:
    """The case's drawing, if the genogram area serves one (looked up once per app)."""
    if not has_app_context():
        return None
    served = current_app.extensions.get("live_genogram_served")
    if served is None:
        served = any(rule.rule == "/cases/<int:case_id>/genogram.svg" for rule in current_app.url_map.iter_rules())
        current_app.extensions["live_genogram_served"] = served
    return f"/cases/{case_id}/genogram.svg" if served else None


def _carried(meeting: Meeting) -> dict[str, set[int]]:
    rows = db.session.scalars(db.select(CarriedForward).filter_by(meeting_id=meeting.id)).all()
    return {"items": {r.map_item_id for r in rows if r.map_item_id},
            "danger": {r.danger_statement_id for r in rows if r.danger_statement_id},
            "goals": {r.safety_goal_id for r in rows if r.safety_goal_id}}


def _scaling_state(meeting: Meeting, view: ScalingView) -> dict[str, Any]:
    state: dict[str, Any] = {
        "state": view.state.value, "question": meeting.scaling_question, "zero": meeting.scale_zero,
        "ten": meeting.scale_ten, "answered": view.answered, "expected": view.expected,
        "anonymous": view.anonymous, "result": None,
    }
    if view.revealed:
        summary = view.summary
        state["result"] = {
            "marks": [{"name": m.name, "score": m.score, "reason": m.reason} for m in view.marks],
            "given": summary.count, "skipped": summary.skipped,
            "median": summary.median, "low": summary.low, "high": summary.high, "spread": summary.spread,
            "widest": None if view.widest is None else [
                {"name": m.name, "score": m.score} for m in view.widest],
            "family": None if view.family_score is None else {"score": view.family_score,
                                                               "note": view.family_note or ""},
        }
    return state


def meeting_state(meeting: Meeting) -> dict[str, Any]:
    """The state of a session that every open screen, console and phone of it receives.

    It is sent to browsers: nothing hidden goes in (no score before the reveal).
    """
    room = room_for(meeting)
    case = meeting.case
    carried = _carried(meeting)
    today = utcnow().date()
    # The map's items as plain rows: a session can hold hundreds, and this runs at every change.
    sections: dict[str, list[dict[str, Any]]] = {section.value: [] for section in Section}
    for item_id, section, text, version in db.session.execute(
            db.select(MapItem.id, MapItem.section, MapItem.text, MapItem.version)
            .where(MapItem.meeting_id == meeting.id).order_by(MapItem.position, MapItem.id)):
        sections[section.value].append({"id": item_id, "text": text, "html": str(render_markdown(text)),
                                         "version": version, "carried": item_id in carried["items"]})
    danger_numbers = {d.id: n for n, d in enumerate(meeting.danger_statements, 1)}
    slot = db.session.scalar(db.select(PanelSlot).filter_by(meeting_id=meeting.id)
                             .options(joinedload(PanelSlot.panel)))
    proposals = db.session.scalars(db.select(Proposal).filter_by(meeting_id=meeting.id,
                                                                 status=ProposalStatus.PENDING)
                                   .options(joinedload(Proposal.author)).order_by(Proposal.id)).all()
    code_ok = code_is_valid(room)
    return {
        "meeting_id": meeting.id,
        "kind": meeting.kind.value, "kind_label": meeting.kind.label,
        "family": case.family_label, "reference": case.reference, "legal_status": case.legal_status.label,
        "children": [{"name": c.name, "age": c.age_on(today)} for c in case.children],
        "presenter": meeting.presenter.name if meeting.presenter else None,
        "facilitator": {"id": room.facilitator_id, "name": room.facilitator.name},
        "lead_facilitator_id": meeting.facilitator_id,
        "status": meeting.status.value, "status_label": meeting.status.label,
        "phase": room.phase.value,
        "timer": {"running": room.timer_ends_at is not None, "ends_at_ms": _iso_ms(room.timer_ends_at),
                  "remaining_s": room.timer_remaining_seconds, "slot_s": room.slot_minutes * 60},
        "sections": sections,
        "danger_statements": [{"id": d.id, "text": d.statement, "carried": d.id in carried["danger"]}
                              for d in meeting.danger_statements],
        "safety_goals": [{"id": g.id, "text": g.statement, "carried": g.id in carried["goals"],
                          "answers": danger_numbers.get(g.danger_statement_id)} for g in meeting.safety_goals],
        "review": {
            "reviewed": [{"description": r.action.description, "outcome": r.outcome.label, "note": r.note}
                         for r in meeting.action_reviews],
            "open": [{"description": a.description, "owner": a.owner_label,
                      "due": a.due_on.strftime("%d %b %Y") if a.due_on else None}
                     for a in ops.actions_to_review(meeting)],
        },
        "actions": [{"description": a.description, "owner": a.owner_label,
                     "due": a.due_on.strftime("%d %b %Y") if a.due_on else None} for a in meeting.actions],
        "scaling": _scaling_state(meeting, scaling_view(meeting)),
        "join": {"code": format_code(room.join_code), "expires_ms": _iso_ms(room.join_code_expires_at)}
        if code_ok else None,
        "proposals": [{"id": p.id, "section": p.section.value, "section_label": p.section.label, "text": p.text,
                       "author": p.author.name} for p in proposals],
        # The session's own drawing: an agreed session keeps the genogram as it was that day.
        "genogram": genograms.session_drawing_path(meeting) if genogram_path(case.id) else None,
        "panel": None if slot is None else _panel_position(slot),
    }


def _panel_position(slot: PanelSlot) -> dict[str, Any]:
    panel = slot.panel
    slots = list(panel.slots)
    index = slots.index(slot)
    following = slots[index + 1] if index + 1 < len(slots) else None
    return {"id": panel.id, "title": panel.title, "slot": index + 1, "slots": len(slots),
            "current_meeting_id": panel.current_meeting_id,
            "next": None if following is None else following.meeting.case.family_label}


@functools.cache
def phase_catalogue() -> tuple[dict[str, Any], ...]:
    """The phases as the pages need them (sent once with the page, not with every event). Fixed in the code,
    so built once; read-only."""
    return tuple({"key": p.value, "label": p.label, "prompt": PHASE_PROMPTS[p], "layout": PHASE_LAYOUTS[p],
             "sections": [{"key": s.value, "label": s.label, "hint": s.hint} for s in PHASE_SECTIONS.get(p, [])]}
            for p in PHASES)
