"""Exports of a session record: Markdown and JSON beside the print view and plain text."""

from __future__ import annotations

from flask import Blueprint, Response
from flask_login import current_user, login_required

from supervision.access import get_meeting_for
from supervision.services.exports import export
from supervision.services.meetings import RECORD

bp = Blueprint("exports", __name__)


@bp.get("/sessions/<int:meeting_id>/record.<any(md, json):fmt>")
@login_required
def record(meeting_id: int, fmt: str):
    result = export(get_meeting_for(current_user, meeting_id, *RECORD), fmt)
    return Response(result.body, mimetype=result.mimetype,
                    headers={"Content-Disposition": f"attachment; filename={result.filename}"})
