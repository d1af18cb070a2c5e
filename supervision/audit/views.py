"""The team's audit log for its managers: filter, read, export as CSV."""

from __future__ import annotations

from flask import Blueprint, Response, render_template, request
from flask_login import current_user, login_required
from wtforms.fields.choices import SelectChoice

from supervision.access import require_audit_reader
from supervision.audit import record_event
from supervision.audit.forms import AuditFilterForm
from supervision.audit.report import PAGE_SIZE, as_csv, describe, entity_word, events_for, shown
from supervision.extensions import db
from supervision.models import AuditKind, Case, User

bp = Blueprint("audit", __name__, url_prefix="/audit")
FILTERS = ("user_id", "case_id", "kind", "date_from", "date_to")


@bp.before_request
@login_required
def managers_only():
    require_audit_reader(current_user)


def _filter_form() -> AuditFilterForm:
    form = AuditFilterForm(request.args)
    team_id = current_user.team_id
    people = db.session.scalars(db.select(User).filter_by(team_id=team_id).order_by(User.name))
    cases = db.session.scalars(db.select(Case).filter_by(team_id=team_id).order_by(Case.family_label))
    form.user_id.choices = [SelectChoice(0, "Anyone")] + [SelectChoice(u.id, u.name) for u in people]
    form.case_id.choices = [SelectChoice(0, "Any case")] + [
        SelectChoice(c.id, f"{c.family_label} ({c.reference})") for c in cases]
    return form


@bp.get("")
def index():
    form = _filter_form()
    valid = form.validate()
    before = request.args.get("before", type=int)
    events = events_for(current_user.team_id, form, before=before) if valid else []
    older = events[-1].id if len(events) == PAGE_SIZE else None
    # Only the filters themselves carry over into links (never url_for's own _external, _scheme...).
    args = {name: request.args[name] for name in FILTERS if request.args.get(name)}
    return render_template("audit/index.html", form=form, events=shown(events, by_person=bool(form.user_id.data)),
                           older=older, args=args, describe=describe, entity_word=entity_word), 200 if valid else 400


@bp.get("/export.csv")
def export():
    form = _filter_form()
    if not form.validate():
        return index()
    events = events_for(current_user.team_id, form, limit=None)
    record_event(AuditKind.EXPORT, entity="audit_events",
                 details={"rows": len(events), "filters": {k: request.args[k] for k in FILTERS if request.args.get(k)}})
    return Response(as_csv(events, by_person=bool(form.user_id.data)), mimetype="text/csv",
                    headers={"Content-Disposition": "attachment; filename=audit-log.csv"})
