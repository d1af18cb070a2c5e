"""Exports of a session record: plain text, Markdown and JSON.

The content comes from services/record.py (one record, several formats); the
print view is the record page itself with its A4 stylesheet. The JSON format is
documented in docs/record-json.md and read back by `load_record_json`.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from supervision.models import Meeting
from supervision.services.record import FORMAT, VERSION, markdown_text, plain_text, record_of


@dataclass(frozen=True)
class Export:
    body: str
    mimetype: str
    filename: str


def record_json(meeting: Meeting) -> str:
    """The whole record as JSON text (UTF-8, keys in a stable order)."""
    return json.dumps(record_of(meeting), ensure_ascii=False, indent=2)


FORMATS = {
    "txt": ("Plain text", "text/plain", plain_text),
    "md": ("Markdown", "text/markdown", markdown_text),
    "json": ("JSON", "application/json", record_json),
}


def export(meeting: Meeting, fmt: str) -> Export:
    """The record in one of FORMATS, with its file name (which names no family: only the session's number)."""
    _label, mimetype, render = FORMATS[fmt]
    return Export(body=render(meeting), mimetype=mimetype,
                  filename=f"session-{meeting.id}-{meeting.scheduled_at:%Y-%m-%d}.{fmt}")


class RecordFormatError(ValueError):
    """The text is not a session record this version can read."""


# The parts every record has, and their JSON types: enough to refuse something else early.
_SHAPE: dict[str, type] = {
    "session": dict, "case": dict, "action_reviews": list, "map": list, "danger_statements": list,
    "safety_goals": list, "scaling": dict, "actions": list, "amendments": list,
}


def load_record_json(text: str) -> dict[str, Any]:
    """Read a JSON export back, checking it is a session record of a version we know."""
    try:
        data = json.loads(text)
    except ValueError as error:
        raise RecordFormatError(f"Not JSON: {error}") from error
    if not isinstance(data, dict) or data.get("format") != FORMAT:
        raise RecordFormatError(f"Not a session record (format should be {FORMAT!r}).")
    if data.get("version") != VERSION:
        raise RecordFormatError(f"Record version {data.get('version')!r} is not one this app reads ({VERSION}).")
    for key, kind in _SHAPE.items():
        if not isinstance(data.get(key), kind):
            raise RecordFormatError(f"The record's {key!r} is missing or not a {kind.__name__}.")
    return data
