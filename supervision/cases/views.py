from __future__ import annotations

from datetime import date

from flask import Blueprint, render_template, request
from flask_login import current_user, login_required
from sqlalchemy.orm import selectinload

from supervision.access import get_case_for, visible_cases
from supervision.extensions import db
from supervision.models import Action, ActionStatus, Case, Meeting
from supervision.services.meetings import summarise

bp = Blueprint("cases", __name__)


@bp.get("/cases")
@login_required
def index():
    show_closed = request.args.get("show") == "all"
    query = visible_cases(current_user).options(selectinload(Case.children), selectinload(Case.practitioner))
    if not show_closed:
        query = query.where(Case.is_open.is_(True))
    cases = db.session.scalars(query.order_by(Case.family_label)).all()
    return render_template("cases/index.html", cases=cases, show_closed=show_closed, today=date.today())


@bp.get("/cases/<int:case_id>")
@login_required
def show(case_id: int):
    case = get_case_for(current_user, case_id)
    meetings = db.session.scalars(
        db.select(Meeting).filter_by(case_id=case.id).options(selectinload(Meeting.scores))
        .order_by(Meeting.scheduled_at.desc())
    ).all()
    actions = db.session.scalars(
        db.select(Action).filter_by(case_id=case.id, status=ActionStatus.OPEN).order_by(Action.due_on)
    ).all()
    return render_template("cases/show.html", case=case, meetings=meetings, actions=actions,
                           summaries={m.id: summarise(m.scores) for m in meetings}, today=date.today())
