"""The CMR panel day: its agenda of case slots, moving the room from slot to slot, preparing a slot."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from supervision.extensions import db
from supervision.models import (
    CarriedForward,
    Case,
    DangerStatement,
    MapItem,
    Meeting,
    MeetingKind,
    MeetingStatus,
    Panel,
    PanelSlot,
    SafetyGoal,
    Section,
    User,
)
from supervision.services import live
from supervision.services import meetings as ops
from supervision.services.errors import DomainError

# What a prepared slot starts from. Questions and next steps were for last time: last time's
# agreed actions are reviewed in the new session instead.
CARRIED_SECTIONS = (Section.PAST_HARM, Section.STRENGTHS, Section.EXISTING_SAFETY, Section.WORRIES,
                    Section.COMPLICATING_FACTORS, Section.HYPOTHESES)


def can_run_panels(user: User) -> bool:
    return user.role.can_facilitate


def require_chair(panel: Panel, by: User) -> None:
    if by.id != panel.chair_id:
        raise DomainError(f"Only the panel's chair, {panel.chair.name}, moves the panel from family to family.")


def create_panel(team_id: int, *, title: str, starts_at: datetime, chair: User, members: list[User],
                 other_members: str) -> Panel:
    panel = Panel(team_id=team_id, title=title.strip(), starts_at=starts_at, chair=chair, members=list(members),
                  other_members=other_members.strip())
    db.session.add(panel)
    return panel


def update_panel(panel: Panel, *, title: str, starts_at: datetime, chair: User, members: list[User],
                 other_members: str) -> None:
    panel.title = title.strip()
    panel.starts_at = starts_at
    panel.chair = chair
    panel.members = list(members)
    panel.other_members = other_members.strip()
    for slot in panel.slots:
        _set_people(slot)
        if slot.meeting.status is MeetingStatus.DRAFT:
            slot.meeting.facilitator = chair
    reschedule(panel)


def _set_people(slot: PanelSlot) -> None:
    """A slot's session has the panel, the presenter and the assistant team manager in it."""
    meeting = slot.meeting
    if meeting.is_agreed:
        return
    people = {u.id: u for u in slot.panel.members}
    for person in (meeting.presenter, slot.assistant_manager, slot.panel.chair):
        if person is not None:
            people[person.id] = person
    meeting.participants = sorted(people.values(), key=lambda u: u.name)


def reschedule(panel: Panel) -> None:
    """Each slot's session is scheduled when its slot is due to start."""
    db.session.flush()
    for slot, starts in zip(panel.slots, panel.slot_starts(), strict=True):
        if not slot.meeting.is_agreed and slot.meeting.scheduled_at != starts:
            slot.meeting.scheduled_at = starts


def add_slot(panel: Panel, case: Case, *, presenter: User | None, assistant_manager: User | None,
             minutes: int) -> PanelSlot:
    """A family on the agenda: a new case management review session of its own."""
    if case.team_id != panel.team_id:
        raise DomainError("Choose one of the team's cases.")
    if any(slot.meeting.case_id == case.id for slot in panel.slots):
        raise DomainError(f"The {case.family_label} is already on this panel's agenda.")
    meeting = Meeting(case=case, kind=MeetingKind.CMR, scheduled_at=panel.starts_at, facilitator=panel.chair,
                      presenter=presenter or case.practitioner)
    db.session.add(meeting)
    position = max((s.position for s in panel.slots), default=0) + 1
    slot = PanelSlot(panel=panel, meeting=meeting, position=position, minutes=minutes,
                     assistant_manager=assistant_manager)
    db.session.add(slot)
    _set_people(slot)
    reschedule(panel)
    return slot


def remove_slot(slot: PanelSlot) -> None:
    """Off the agenda. Its session goes too if nothing was written in it yet; otherwise it stays on the case."""
    panel, meeting = slot.panel, slot.meeting
    if panel.current_meeting_id == meeting.id:
        raise DomainError("The panel is on this family now: move to another slot first.")
    panel.slots.remove(slot)
    db.session.delete(slot)
    empty = (meeting.status is MeetingStatus.DRAFT and not meeting.items and not meeting.danger_statements
             and not meeting.safety_goals and not meeting.scores and not meeting.actions)
    db.session.flush()
    if empty:
        db.session.delete(meeting)
    reschedule(panel)


def move_slot(slot: PanelSlot, offset: int) -> None:
    slots = list(slot.panel.slots)
    index = slots.index(slot)
    other = index + offset
    if 0 <= other < len(slots):
        slots[index], slots[other] = slots[other], slots[index]
        for position, each in enumerate(slots, 1):
            each.position = position
        slot.panel.slots.sort(key=lambda s: s.position)
        reschedule(slot.panel)


def go_to(panel: Panel, slot: PanelSlot | None, by: User) -> None:
    """Move the room to a slot (None: the panel has finished). The slot's own timer starts."""
    require_chair(panel, by)
    if panel.current_meeting_id is not None:
        previous = db.session.get(Meeting, panel.current_meeting_id)
        room = live.room_for(previous)
        if room.timer_ends_at is not None and room.facilitator_id == by.id:
            live.pause_timer(live.open_room(previous), by)
    panel.current_meeting_id = None if slot is None else slot.meeting_id
    if slot is None:
        return
    meeting = slot.meeting
    if meeting.status is MeetingStatus.DRAFT:
        ops.start(meeting)
    room = live.open_room(meeting)
    room.slot_minutes = slot.minutes
    if room.facilitator_id == by.id and room.timer_ends_at is None:
        if room.timer_remaining_seconds == room.slot_minutes * 60 or not meeting.items:
            room.timer_remaining_seconds = slot.minutes * 60
        live.start_timer(room, by)


def next_slot(panel: Panel, by: User) -> PanelSlot | None:
    slots = list(panel.slots)
    current = next((i for i, s in enumerate(slots) if s.meeting_id == panel.current_meeting_id), None)
    following = slots[0] if current is None else (slots[current + 1] if current + 1 < len(slots) else None)
    go_to(panel, following, by)
    return following


# --- preparing a slot --------------------------------------------------------------------

def last_agreed_session(meeting: Meeting) -> Meeting | None:
    """The case's most recent agreed session before this one."""
    return db.session.scalar(
        db.select(Meeting)
        .where(Meeting.case_id == meeting.case_id, Meeting.id != meeting.id,
               Meeting.status == MeetingStatus.AGREED)
        .order_by(Meeting.scheduled_at.desc(), Meeting.id.desc()).limit(1))


def carried_count(meeting: Meeting) -> int:
    return db.session.scalar(db.select(db.func.count(CarriedForward.id)).filter_by(meeting_id=meeting.id)) or 0


def carry_forward(meeting: Meeting) -> tuple[Meeting, int]:
    """Start a session's mapping from the case's last agreed one: copies, each marked as carried forward.

    Returns the source session and how many entries were copied. The copies are ordinary,
    editable entries of the new session; the originals stay as agreed.
    """
    ops.ensure_editable(meeting)
    source = last_agreed_session(meeting)
    if source is None:
        raise DomainError("This case has no agreed session to carry the mapping forward from.")
    if carried_count(meeting):
        raise DomainError("The mapping has already been carried forward into this session.")
    copied = 0
    for section in CARRIED_SECTIONS:
        start = max((i.position for i in meeting.items_in(section)), default=0)
        for n, item in enumerate(source.items_in(section), 1):
            copy = MapItem(meeting=meeting, section=section, position=start + n, text=item.text,
                           author_id=item.author_id)
            db.session.add(copy)
            db.session.add(CarriedForward(meeting_id=meeting.id, from_meeting_id=source.id, map_item=copy))
            copied += 1
    statements: dict[int, DangerStatement] = {}
    for d in source.danger_statements:
        copy = DangerStatement(meeting=meeting, position=len(meeting.danger_statements) + 1,
                               who_is_worried=d.who_is_worried, behaviour=d.behaviour, impact=d.impact,
                               if_nothing_changes=d.if_nothing_changes, statement=d.statement)
        statements[d.id] = copy
        db.session.add(CarriedForward(meeting_id=meeting.id, from_meeting_id=source.id, danger_statement=copy))
        copied += 1
    for g in source.safety_goals:
        copy = SafetyGoal(meeting=meeting, position=len(meeting.safety_goals) + 1,
                          danger_statement=statements.get(g.danger_statement_id),
                          what_will_happen=g.what_will_happen, who_will_see=g.who_will_see, how_long=g.how_long,
                          statement=g.statement)
        db.session.add(CarriedForward(meeting_id=meeting.id, from_meeting_id=source.id, safety_goal=copy))
        copied += 1
    return source, copied


def carried_entries(meeting: Meeting) -> list[CarriedForward]:
    return list(db.session.scalars(db.select(CarriedForward).filter_by(meeting_id=meeting.id)
                                   .order_by(CarriedForward.id)))


# --- the state the panel's screen receives --------------------------------------------------

def panel_state(panel: Panel) -> dict[str, Any]:
    return {
        "panel_id": panel.id, "title": panel.title,
        "current_meeting_id": panel.current_meeting_id,
        "slots": [{"meeting_id": slot.meeting_id, "family": slot.meeting.case.family_label,
                   "starts": starts.strftime("%H:%M"), "minutes": slot.minutes,
                   "presenter": slot.meeting.presenter.name if slot.meeting.presenter else None,
                   "assistant_manager": slot.assistant_manager.name if slot.assistant_manager else None,
                   "status": slot.meeting.status.label}
                  for slot, starts in zip(panel.slots, panel.slot_starts(), strict=True)],
    }
