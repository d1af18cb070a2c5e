"""Reading the audit log: filtered queries, what a manager may see of each event, and the CSV export.

Scaling scores are hidden until the facilitator reveals them (supervision/services/live.py), and the
log must not be a way round that. The rows keep everything that was recorded; what is hidden is
hidden here, when the log is read (`shown`), for the page and the CSV alike:

- before the reveal, a score row shows that a score was recorded, by whom and when, but not the
  score or the reason ("hidden until the reveal"); likewise a session's family score;
- in an anonymous round, who gave a score is never shown, before or after the reveal ("anonymous"),
  and such rows are left out when the log is filtered by a person (the filter itself would name them).

Why not leave the values out of the row at write time: the log is append-only, so that would lose
them for good, and an auditor could then never see what was recorded before the reveal, or that a
score was changed after someone else's was known. The database already holds the scores themselves
(scaling_scores), so the row adds no exposure there; the page and the CSV were the leak.
"""

from __future__ import annotations

import csv
import io
import json
from dataclasses import dataclass
from datetime import datetime, time, timedelta

from sqlalchemy.orm import selectinload

from supervision.extensions import db
from supervision.models import AuditEvent, Case, Meeting, User
from supervision.services.live import scaling_views

PAGE_SIZE = 100
# A spreadsheet runs a cell that starts with one of these as a formula (CSV injection).
_FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def events_for(team_id: int, form, *, before: int | None = None, limit: int | None = PAGE_SIZE) -> list[AuditEvent]:
    """The team's events matching the filters, newest first (`before`: an id, for the next page)."""
    query = db.select(AuditEvent).where(AuditEvent.team_id == team_id)
    if form.user_id.data:
        query = query.where(AuditEvent.user_id == form.user_id.data)
    if form.case_id.data:
        query = query.where(AuditEvent.case_id == form.case_id.data)
    if form.kind.data:
        query = query.where(AuditEvent.kind == form.kind.data)
    if form.date_from.data:
        query = query.where(AuditEvent.at >= datetime.combine(form.date_from.data, time()))
    if form.date_to.data:
        query = query.where(AuditEvent.at < datetime.combine(form.date_to.data + timedelta(days=1), time()))
    if before:
        query = query.where(AuditEvent.id < before)
    query = query.order_by(AuditEvent.id.desc())
    if limit:
        query = query.limit(limit)
    return list(db.session.scalars(query))


def people_and_cases(events: list[AuditEvent]) -> tuple[dict[int, User], dict[int, Case]]:
    """Who and which case each event names, in two queries."""
    user_ids = {e.user_id for e in events if e.user_id}
    case_ids = {e.case_id for e in events if e.case_id}
    users = {u.id: u for u in db.session.scalars(db.select(User).where(User.id.in_(user_ids)))} if user_ids else {}
    cases = {c.id: c for c in db.session.scalars(db.select(Case).where(Case.id.in_(case_ids)))} if case_ids else {}
    return users, cases


def safe_cell(value) -> str:
    """A cell a spreadsheet shows as text, never runs: formula starts get a leading apostrophe."""
    text = "" if value is None else str(value)
    return "'" + text if text.startswith(_FORMULA_STARTS) else text


HIDDEN = "hidden until the reveal"
ANONYMOUS = "anonymous"
# The fields of a row that give a score away, by table.
_SCORE_FIELDS = {"scaling_scores": ("score", "reason"), "meetings": ("family_score", "family_score_note")}
_SCORER_FIELDS = ("user_id",)  # who gave a score, in a score row


@dataclass(frozen=True)
class ShownEvent:
    """An event as a manager may see it: the values of unrevealed scores and anonymous scorers hidden."""

    event: AuditEvent
    who: User | None
    case: Case | None
    anonymous: bool  # who gave this score is not shown
    changes: dict | None  # the recorded changes, with hidden values replaced by words

    @property
    def who_label(self) -> str:
        if self.anonymous:
            return "Anonymous (an anonymous scaling round)"
        return self.who.name if self.who else "Command line or system"

    @property
    def details(self) -> str:
        return json.dumps(self.changes, ensure_ascii=False) if self.changes else ""


def _scaling_of(events: list[AuditEvent]) -> dict[int, tuple[bool, bool]]:
    """(revealed, anonymous) of each session that the events' scores belong to, in a few queries."""
    ids = {e.meeting_id for e in events if e.entity in _SCORE_FIELDS and e.meeting_id}
    if not ids:
        return {}
    meetings = list(db.session.scalars(db.select(Meeting).where(Meeting.id.in_(ids)).options(
        selectinload(Meeting.scores))))
    return {i: (view.revealed, view.anonymous) for i, view in scaling_views(meetings).items()}


def _hide(changes: dict, fields: tuple[str, ...], word: str) -> None:
    for name in fields:
        if name in changes:
            value = changes[name]
            changes[name] = [word, word] if isinstance(value, list) and len(value) == 2 else word


def shown(events: list[AuditEvent], *, by_person: bool = False) -> list[ShownEvent]:
    """What may be shown of each event. `by_person`: the log is filtered by a person, so rows whose
    scorer is anonymous are left out (being listed under a person would name them)."""
    users, cases = people_and_cases(events)
    scaling = _scaling_of(events)
    result = []
    for e in events:
        changes = json.loads(e.changes) if e.changes else None
        anonymous = False
        if e.entity in _SCORE_FIELDS:
            # A session that no longer exists (or is not named) counts as unrevealed and anonymous: hide it all.
            revealed, anonymous = scaling.get(e.meeting_id, (False, True))
            anonymous = anonymous and e.entity == "scaling_scores"
            if isinstance(changes, dict):
                if not revealed:
                    _hide(changes, _SCORE_FIELDS[e.entity], HIDDEN)
                if anonymous:
                    _hide(changes, _SCORER_FIELDS, ANONYMOUS)
        if anonymous and by_person:
            continue
        result.append(ShownEvent(e, None if anonymous else users.get(e.user_id), cases.get(e.case_id),
                                 anonymous, changes))
    return result


def as_csv(events: list[AuditEvent], *, by_person: bool = False) -> str:
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(["id", "when (UTC)", "who", "email", "what happened", "record", "record id", "case reference",
                     "family", "session id", "where", "details"])
    for item in shown(events, by_person=by_person):
        e, who, case = item.event, item.who, item.case
        writer.writerow([safe_cell(v) for v in (
            e.id, e.at.isoformat(sep=" ", timespec="seconds"),
            item.who_label if item.anonymous or who else "command line or system",
            who.email if who else "", e.kind_label, e.entity, e.entity_id, case.reference if case else "",
            case.family_label if case else "", e.meeting_id, e.source, item.details)])
    return out.getvalue()


def describe(item: ShownEvent) -> list[tuple[str, str, str]]:
    """(field, before, after) rows for the page; additions and removals have one side only."""
    event, changes = item.event, item.changes
    if not changes:
        return []
    rows = []
    for name, value in changes.items():
        if event.kind == "update" and isinstance(value, list) and len(value) == 2:
            rows.append((name, _text(value[0]), _text(value[1])))
        elif event.kind == "delete":
            rows.append((name, _text(value), ""))
        else:
            rows.append((name, "", _text(value)))
    return rows


def _text(value) -> str:
    if value is None:
        return "(empty)"
    return value if isinstance(value, str) else json.dumps(value, ensure_ascii=False)


ENTITY_WORDS = {
    "cases": "case", "meetings": "session", "map_items": "map item", "danger_statements": "danger statement",
    "safety_goals": "safety goal", "scaling_scores": "scaling score", "actions": "action",
    "action_reviews": "action review", "amendments": "amendment", "children": "child", "users": "account",
    "teams": "team", "audit_events": "audit log",
}


def entity_word(entity: str) -> str:
    return ENTITY_WORDS.get(entity, entity.replace("_", " "))
