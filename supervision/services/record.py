"""The session record's content, in one place: as data (the JSON export) and as text.

`record_data` gathers the whole record into plain, JSON-ready data (documented in
docs/record-json.md). The record page, the plain text for pasting into the case
recording system and the Markdown version are all rendered from that data, so the
formats never drift apart, and a JSON export can be turned back into the same text.

When a record is agreed, that data is kept (`snapshot`, in meetings.record_snapshot): from then
on the record shows the session as it was signed off, the children, legal status and names of
that day included, whatever changes in the case later. Only what happens after sign-off is read
afresh each time (`_after_sign_off`): how each agreed action went, the amendments, and the genogram
(kept once, as the session's genogram snapshot).
"""

from __future__ import annotations

import json
import re
from datetime import date, datetime
from typing import Any

from supervision.extensions import db
from supervision.models import Meeting, MeetingKind, MeetingStatus, Section, User
from supervision.services.live import scaling_view
from supervision.services.meetings import WHOLE_MEETING

FORMAT = "supervision-session-record"
VERSION = 1


def _person(user: User | None) -> dict | None:
    return None if user is None else {"id": user.id, "name": user.name}


def _when(value: datetime | date | None) -> str | None:
    return None if value is None else value.isoformat()


def record_of(meeting: Meeting) -> dict[str, Any]:
    """The record as shown and exported: an agreed one as it was signed off, with what came after.

    A record agreed before snapshots were kept has none: it is read from the case as it is now."""
    if meeting.record_snapshot is None:
        return record_data(meeting)
    return {**json.loads(meeting.record_snapshot), **_after_sign_off(meeting)}


def snapshot(meeting: Meeting) -> str:
    """The record as it is being agreed, less what is read afresh after sign-off (`record_of`)."""
    return json.dumps(_as_agreed(meeting), ensure_ascii=False)


def snapshot_agreed(batch: int = 200) -> int:
    """Keep the snapshot of each agreed record that has none: demo data, written straight to the tables."""
    db.session.flush()
    ids = db.session.scalars(db.select(Meeting.id).where(
        Meeting.status == MeetingStatus.AGREED, Meeting.record_snapshot.is_(None)).order_by(Meeting.id)).all()
    for start in range(0, len(ids), batch):
        meetings = db.session.scalars(db.select(Meeting).where(Meeting.id.in_(ids[start:start + batch]))
                                      .options(*WHOLE_MEETING)).all()
        db.session.execute(db.update(Meeting), [{"id": m.id, "record_snapshot": snapshot(m)} for m in meetings])
        db.session.expunge_all()  # the next batch starts from an empty identity map
    return len(ids)


def record_data(meeting: Meeting) -> dict[str, Any]:
    """The whole record as JSON-ready data, as the session is now: ids, codes with their labels, ISO dates."""
    return {**_as_agreed(meeting), **_after_sign_off(meeting)}


def _as_agreed(meeting: Meeting) -> dict[str, Any]:
    case = meeting.case
    scaling = scaling_view(meeting)
    summary = scaling.summary
    return {
        "format": FORMAT,
        "version": VERSION,
        "session": {
            "id": meeting.id,
            "kind": meeting.kind.value, "kind_label": meeting.kind.label,
            "scheduled_at": _when(meeting.scheduled_at),
            "status": meeting.status.value, "status_label": meeting.status.label,
            "agreed_at": _when(meeting.agreed_at), "agreed_by": _person(meeting.agreed_by),
            "facilitator": _person(meeting.facilitator), "presenter": _person(meeting.presenter),
            "participants": [_person(u) for u in meeting.participants],
            "version": meeting.version,
        },
        "case": {
            "id": case.id, "reference": case.reference, "family_label": case.family_label,
            "legal_status": case.legal_status.value, "legal_status_label": case.legal_status.label,
            "practitioner": _person(case.practitioner),
            "children": [{"name": c.name, "date_of_birth": _when(c.date_of_birth)} for c in case.children],
        },
        "action_reviews": [{
            "action_id": r.action_id, "description": r.action.description,
            "outcome": r.outcome.value, "outcome_label": r.outcome.label, "note": r.note,
            "reviewed_by_id": r.reviewed_by_id, "at": _when(r.created_at),
        } for r in meeting.action_reviews],
        "map": [{
            "section": section.value, "label": section.label,
            "items": [{"id": item.id, "text": item.text} for item in meeting.items_in(section)],
        } for section in Section],
        "danger_statements": [{
            "id": d.id, "position": d.position, "who_is_worried": d.who_is_worried, "behaviour": d.behaviour,
            "impact": d.impact, "if_nothing_changes": d.if_nothing_changes, "statement": d.statement,
        } for d in meeting.danger_statements],
        "safety_goals": [{
            "id": g.id, "position": g.position, "danger_statement_id": g.danger_statement_id,
            "what_will_happen": g.what_will_happen, "who_will_see": g.who_will_see, "how_long": g.how_long,
            "statement": g.statement,
        } for g in meeting.safety_goals],
        "scaling": {
            "question": meeting.scaling_question, "scale_zero": meeting.scale_zero, "scale_ten": meeting.scale_ten,
            # Before the facilitator reveals them, the scores are left out entirely; in an anonymous
            # round nobody is named, and the order says nothing about who answered when.
            "revealed": scaling.revealed, "anonymous": scaling.anonymous,
            "answered": scaling.answered, "expected": scaling.expected,
            "scores": [{"person": _person(m.user), "label": m.label, "score": m.score, "reason": m.reason}
                       for m in scaling.marks],
            "count": summary.count if summary else 0, "skipped": summary.skipped if summary else 0,
            "median": float(summary.median) if summary and summary.median is not None else None,
            "low": summary.low if summary else None, "high": summary.high if summary else None,
            "spread": summary.spread if summary else None,
            "family_score": scaling.family_score, "family_score_note": scaling.family_note,
        },
    }


def _after_sign_off(meeting: Meeting) -> dict[str, Any]:
    genogram = None
    if meeting.genogram_snapshot:
        try:
            genogram = json.loads(meeting.genogram_snapshot)
        except ValueError:
            genogram = None
    return {
        "actions": [{
            "id": a.id, "description": a.description, "owner": _person(a.owner), "owner_name": a.owner_name,
            "owner_label": a.owner_label, "due_on": _when(a.due_on),
            "status": a.status.value, "status_label": a.status.label, "closing_note": a.closing_note,
            "closed_at": _when(a.closed_at), "carried_from_id": a.carried_from_id,
        } for a in meeting.actions],
        "amendments": [{
            "at": _when(a.created_at), "author": _person(a.author), "reason": a.reason, "text": a.text,
        } for a in meeting.amendments],
        "genogram": genogram,
    }


def plain_text(meeting: Meeting) -> str:
    """The whole record in plain words: Markdown stays as typed, which reads fine as text."""
    return render(record_of(meeting), markdown=False)


def markdown_text(meeting: Meeting) -> str:
    """The whole record as Markdown, for systems that take it (headings, bold labels, lists)."""
    return render(record_of(meeting), markdown=True)


def when(value: str | None, pattern: str) -> str:
    """An ISO date or time from record data, written out (the templates' `when` filter)."""
    return "" if value is None else datetime.fromisoformat(value).strftime(pattern)


def render(data: dict[str, Any], *, markdown: bool) -> str:
    """Text from record data (from `record_data`, or read back from a JSON export)."""
    session, case, scaling = data["session"], data["case"], data["scaling"]
    # Everything people typed (names included) goes through `t`: inert Markdown, or as typed in plain text.
    t = markdown_safe if markdown else _as_typed

    def heading(text: str) -> list[str]:
        return ["", f"## {text}" if markdown else text.upper()]

    def fact(label: str, value: str) -> str:
        return f"- **{label}:** {value}" if markdown else f"{label}: {value}"

    title = f"{MeetingKind(session['kind']).label}: {t(case['family_label'])} ({t(case['reference'])})"
    lines = [f"# {title}" if markdown else title]
    if markdown:
        lines.append("")
    lines += [fact("Date", f"{datetime.fromisoformat(session['scheduled_at']):%d %B %Y, %H:%M}"),
              fact("Facilitator", t(session["facilitator"]["name"]))]
    if session["presenter"]:
        lines.append(fact("Presenting practitioner", t(session["presenter"]["name"])))
    if session["participants"]:
        lines.append(fact("Participants", ", ".join(t(p["name"]) for p in session["participants"])))
    status = MeetingStatus(session["status"]).label
    if session["agreed_by"]:
        status += (f" by {t(session['agreed_by']['name'])} on "
                   f"{datetime.fromisoformat(session['agreed_at']):%d %B %Y}")
    lines.append(fact("Status", status))

    if data["action_reviews"]:
        lines += heading("Review of previous actions")
        lines += [f"- {t(r['description'])} — {r['outcome_label']}" + (f": {t(r['note'])}" if r["note"] else "")
                  for r in data["action_reviews"]]
    for section in data["map"]:
        if section["items"]:
            lines += heading(Section(section["section"]).label)
            lines += [_bullet(t(item["text"])) for item in section["items"]]
    if data["danger_statements"]:
        lines += heading("Danger statements")
        lines += [_bullet(t(d["statement"])) for d in data["danger_statements"]]
    if data["safety_goals"]:
        lines += heading("Safety goals")
        lines += [_bullet(t(g["statement"])) for g in data["safety_goals"]]

    lines += heading("Scaling")
    zero, ten = t(scaling["scale_zero"]), t(scaling["scale_ten"])
    lines += [t(scaling["question"]), f"0 = {zero}", f"10 = {ten}"]
    if markdown:
        lines[-2:] = ["", f"- **0** = {zero}", f"- **10** = {ten}"]
    if not scaling.get("revealed", True):
        lines.append(f"The scores stay hidden until the facilitator reveals them: "
                     f"{scaling['answered']} of {scaling['expected']} have scaled.")
    for score in scaling["scores"]:
        given = "skipped" if score["score"] is None else str(score["score"])
        who = t(score["person"]["name"]) if score["person"] else "A colleague"
        lines.append(f"- {who}: {given}" + (f" — {t(score['reason'])}" if score["reason"] else ""))
    if scaling["median"] is not None:
        lines.append(f"Median {scaling['median']:g}; range {scaling['low']} to {scaling['high']}.")
    if scaling["family_score"] is not None:
        lines.append(f"The family's own score: {scaling['family_score']}" +
                     (f" — {t(scaling['family_score_note'])}" if scaling["family_score_note"] else ""))

    lines += heading("Agreed actions")
    lines += [_action_line(a, t) for a in data["actions"]] or ["- None recorded."]
    if data["amendments"]:
        lines += heading("Amendments")
        lines += [f"- {datetime.fromisoformat(a['at']):%d %B %Y} {t(a['author']['name'])}: {t(a['text'])} "
                  f"(reason: {t(a['reason'])})" for a in data["amendments"]]
    return "\n".join(lines) + "\n"


def _action_line(action: dict, t) -> str:
    line = f"- {t(action['description'])} — {t(action['owner_label'])}"
    if action["due_on"]:
        line += f", by {date.fromisoformat(action['due_on']):%d %B %Y}"
    if action["status"] != "open":
        # Closed after the meeting (from "My actions" or the next session's review): kept with the record.
        line += f" [{action['status_label']}" + (f": {t(action['closing_note'])}]" if action["closing_note"] else "]")
    return line


def _bullet(text: str) -> str:
    return "- " + text.strip().replace("\n", "\n  ")


def _as_typed(text: str) -> str:
    return text


# What would make typed text live once the Markdown file is rendered elsewhere (a case system, a wiki).
# They are replaced by HTML entities, which every Markdown renderer shows as the character itself and
# none reads as syntax (a backslash escape would not do: not every renderer knows `\<`).
_ENTITY = re.compile(r"&(?=#?[A-Za-z0-9]+;)")  # a typed "&#106;" could spell a scheme inside a link
_HTML_START = re.compile(r"<(?=[A-Za-z/!?])")  # a tag, comment or declaration; also an <autolink:>
_IMAGE = re.compile(r"!(?=\[)")  # a remote image would tell a third party who opened the record
# A link to one of these runs or loads something. Browsers drop tabs and line breaks inside an address
# ("java<tab>script:"), and CommonMark reads "\:" as ":", so those may sit in between. Only a scheme
# written straight before an address counts: prose such as "Data: the school says" keeps its words.
_SCHEMES = ("javascript", "vbscript", "livescript", "data", "file")
_DANGEROUS_SCHEME = re.compile(r"(?<![A-Za-z0-9+.-])(" + "|".join(r"[\t\r\n]*".join(name) for name in _SCHEMES)
                               + r")(?=[\t\r\n\\]*:\S)", re.IGNORECASE)


def markdown_safe(text: str) -> str:
    """Text as typed, made inert for any Markdown renderer, its words kept readable.

    The user's own Markdown (bold, lists, ordinary links) still works. Raw HTML and autolinks show
    as the text that was typed; an image becomes a plain link; a javascript:, vbscript:, data: or
    file: address gets a space before its colon, so no renderer makes it a link and no browser runs it.
    """
    text = _ENTITY.sub("&amp;", text)
    text = _HTML_START.sub("&lt;", text)
    text = _IMAGE.sub("&#33;", text)
    return _DANGEROUS_SCHEME.sub(r"\1 ", text)
