"""The session record as plain text, for pasting into the case recording system."""

from __future__ import annotations

from supervision.models import Meeting, Section
from supervision.services.meetings import summarise


def plain_text(meeting: Meeting) -> str:
    """The whole record in plain words: Markdown stays as typed, which reads fine as text."""
    case = meeting.case
    lines = [
        f"{meeting.kind.label}: {case.family_label} ({case.reference})",
        f"Date: {meeting.scheduled_at:%d %B %Y, %H:%M}",
        f"Facilitator: {meeting.facilitator.name}",
    ]
    if meeting.presenter:
        lines.append(f"Presenting practitioner: {meeting.presenter.name}")
    if meeting.participants:
        lines.append("Participants: " + ", ".join(u.name for u in meeting.participants))
    lines.append(f"Status: {meeting.status.label}" + (
        f" by {meeting.agreed_by.name} on {meeting.agreed_at:%d %B %Y}" if meeting.agreed_by else ""))

    if meeting.action_reviews:
        lines += ["", "REVIEW OF PREVIOUS ACTIONS"]
        lines += [f"- {r.action.description} — {r.outcome.label}" + (f": {r.note}" if r.note else "")
                  for r in meeting.action_reviews]
    for section in Section:
        items = meeting.items_in(section)
        if items:
            lines += ["", section.label.upper()]
            lines += [_bullet(item.text) for item in items]
    if meeting.danger_statements:
        lines += ["", "DANGER STATEMENTS"]
        lines += [_bullet(d.statement) for d in meeting.danger_statements]
    if meeting.safety_goals:
        lines += ["", "SAFETY GOALS"]
        lines += [_bullet(g.statement) for g in meeting.safety_goals]

    summary = summarise(meeting.scores)
    lines += ["", "SCALING", meeting.scaling_question,
              f"0 = {meeting.scale_zero}", f"10 = {meeting.scale_ten}"]
    for score in meeting.scores:
        given = "skipped" if score.score is None else str(score.score)
        lines.append(f"- {score.user.name}: {given}" + (f" — {score.reason}" if score.reason else ""))
    if summary.count:
        lines.append(f"Median {summary.median:g}; range {summary.low} to {summary.high}.")
    if meeting.family_score is not None:
        lines.append(f"The family's own score: {meeting.family_score}" +
                     (f" — {meeting.family_score_note}" if meeting.family_score_note else ""))

    lines += ["", "AGREED ACTIONS"]
    lines += [f"- {a.description} — {a.owner_label}" + (f", by {a.due_on:%d %B %Y}" if a.due_on else "")
              for a in meeting.actions] or ["- None recorded."]
    if meeting.amendments:
        lines += ["", "AMENDMENTS"]
        lines += [f"- {a.created_at:%d %B %Y} {a.author.name}: {a.text} (reason: {a.reason})"
                  for a in meeting.amendments]
    return "\n".join(lines) + "\n"


def _bullet(text: str) -> str:
    return "- " + text.strip().replace("\n", "\n  ")
