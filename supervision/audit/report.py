"""Reading the audit log: filtered queries and the CSV export."""

from __future__ import annotations

import csv
import io
import json
from datetime import datetime, time, timedelta

from supervision.extensions import db
from supervision.models import AuditEvent, Case, User

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


def as_csv(events: list[AuditEvent]) -> str:
    users, cases = people_and_cases(events)
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(["id", "when (UTC)", "who", "email", "what happened", "record", "record id", "case reference",
                     "family", "session id", "where", "details"])
    for e in events:
        who, case = users.get(e.user_id), cases.get(e.case_id)
        writer.writerow([safe_cell(v) for v in (
            e.id, e.at.isoformat(sep=" ", timespec="seconds"), who.name if who else "command line or system",
            who.email if who else "", e.kind_label, e.entity, e.entity_id, case.reference if case else "",
            case.family_label if case else "", e.meeting_id, e.source, e.changes or "")])
    return out.getvalue()


def describe(event: AuditEvent) -> list[tuple[str, str, str]]:
    """(field, before, after) rows for the page; additions and removals have one side only."""
    if not event.changes:
        return []
    changes = json.loads(event.changes)
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
