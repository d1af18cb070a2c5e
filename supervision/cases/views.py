from __future__ import annotations

from datetime import date

from flask import Blueprint, flash, get_template_attribute, redirect, render_template, request, url_for
from flask_login import current_user, login_required
from sqlalchemy.orm import joinedload, selectinload
from wtforms.fields.choices import SelectChoice

from supervision.access import get_case_for, require_case_reader, sees_team_figures, visible_cases
from supervision.cases.forms import CaseForm, ChildForm
from supervision.extensions import db
from supervision.forms import EmptyForm
from supervision.models import Action, ActionStatus, Case, Child, LegalStatus, User
from supervision.services import caseloads as caseloads_service
from supervision.services import cases as cases_service
from supervision.services import live, story
from supervision.services import meetings as meetings_service
from supervision.services.errors import DomainError

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
    case = get_case_for(current_user, case_id, joinedload(Case.children), joinedload(Case.practitioner))
    whole = request.args.get("history") == "all"
    sessions = meetings_service.case_sessions(case, None if whole else meetings_service.RECENT_SESSIONS)
    meetings = sessions.shown
    steps = story.statements_history([*meetings, sessions.before] if sessions.before else meetings)
    actions = db.session.scalars(
        db.select(Action).filter_by(case_id=case.id, status=ActionStatus.OPEN).order_by(Action.due_on)
    ).all()
    scaling = live.scaling_views(meetings)  # no score of a session is shown before its reveal
    revealed = [m for m in meetings if scaling[m.id].revealed]
    chart = story.scaling_chart(revealed, frozenset(m.id for m in revealed if scaling[m.id].anonymous))
    drawing = get_template_attribute("cases/_story.html", "scaling_svg")  # drawn once per content
    chart_svg = story.chart_svg(chart, case.family_label, drawing) if chart else None
    return render_template("cases/show.html", case=case, meetings=meetings, actions=actions, scaling=scaling,
                           today=date.today(), sessions_total=sessions.total, whole=whole,
                           chart=chart, chart_svg=chart_svg,
                           statements=[step for step in steps if step.meeting is not sessions.before])


def _case_form(team_id: int, case: Case | None = None) -> CaseForm:
    form = CaseForm(obj=case)
    form.practitioner_id.choices = _allocation_choices(case)
    if not sees_team_figures(current_user):
        form.practitioner_id.description = "Only a manager changes who holds a case."
    if case is not None and request.method == "GET":
        form.legal_status.data = case.legal_status.value
        form.practitioner_id.data = case.practitioner_id or 0
    return form


def _allocation_choices(case: Case | None) -> list[SelectChoice]:
    """Managers allocate, seeing what each caseload would become; others keep the allocation
    as it is, or take a new family themselves."""
    nobody = SelectChoice(0, "Not allocated")
    if sees_team_figures(current_user):
        choices = [SelectChoice(a.practitioner.id, a.label)
                   for a in caseloads_service.allocations(current_user.team, case, date.today())]
        if case is not None and case.practitioner and case.practitioner_id not in {c.value for c in choices}:
            choices.append(SelectChoice(case.practitioner_id, f"{case.practitioner.name}: holds it"))
        return [nobody, *choices]
    if case is None:
        return [nobody, SelectChoice(current_user.id, current_user.name)]
    return [SelectChoice(case.practitioner_id, case.practitioner.name) if case.practitioner else nobody]


def _save(case: Case | None, form: CaseForm) -> Case:
    practitioner = db.session.get(User, form.practitioner_id.data) if form.practitioner_id.data else None
    return cases_service.save_case(
        case, current_user.team, reference=form.reference.data, family_label=form.family_label.data,
        practitioner=practitioner, legal_status=LegalStatus(form.legal_status.data), is_open=form.is_open.data)


@bp.route("/cases/new", methods=["GET", "POST"])
@login_required
def new():
    require_case_reader(current_user)  # administrators do not handle case records
    form = _case_form(current_user.team_id)
    if form.validate_on_submit():
        try:
            case = _save(None, form)
            db.session.commit()
            flash("Case added. Add the children next.")
            return redirect(url_for("cases.edit", case_id=case.id, _anchor="children"))
        except DomainError as error:
            form.reference.errors.append(str(error))
    return render_template("cases/form.html", form=form, case=None), 400 if form.errors else 200


@bp.route("/cases/<int:case_id>/edit", methods=["GET", "POST"])
@login_required
def edit(case_id: int):
    case = get_case_for(current_user, case_id)
    form = _case_form(case.team_id, case)
    if form.validate_on_submit():
        try:
            _save(case, form)
            db.session.commit()
            flash("Case details saved.")
            return redirect(url_for("cases.show", case_id=case.id))
        except DomainError as error:
            form.reference.errors.append(str(error))
    return _edit_page(case, form, ChildForm(), 400 if form.errors else 200)


def _edit_page(case: Case, form: CaseForm, child_form: ChildForm, status: int = 200):
    return render_template("cases/form.html", form=form, case=case, child_form=child_form,
                           today=date.today()), status


@bp.post("/cases/<int:case_id>/children")
@login_required
def add_child(case_id: int):
    case = get_case_for(current_user, case_id)
    child_form = ChildForm()
    if not child_form.validate_on_submit():
        return _edit_page(case, _case_form(case.team_id, case), child_form, 400)
    cases_service.add_child(case, child_form.name.data, child_form.date_of_birth.data)
    db.session.commit()
    return redirect(url_for("cases.edit", case_id=case.id, _anchor="children"))


@bp.post("/cases/<int:case_id>/children/<int:child_id>/remove")
@login_required
def remove_child(case_id: int, child_id: int):
    case = get_case_for(current_user, case_id)
    child = db.first_or_404(db.select(Child).filter_by(id=child_id, case_id=case.id))
    if EmptyForm().validate_on_submit():
        cases_service.remove_child(child)
        db.session.commit()
    return redirect(url_for("cases.edit", case_id=case.id, _anchor="children"))
