"""The session editor and the agreed record."""

from __future__ import annotations

from flask import Blueprint, Response, abort, flash, redirect, render_template, request, url_for
from flask_login import current_user, login_required
from wtforms.fields.choices import SelectChoice

from supervision.access import can_agree, get_case_for, get_meeting_for, require_can_agree
from supervision.extensions import db
from supervision.forms import EmptyForm, staff_choices
from supervision.models import (
    Action,
    DangerStatement,
    MapItem,
    Meeting,
    MeetingKind,
    ReviewOutcome,
    SafetyGoal,
    Section,
    User,
)
from supervision.services import live
from supervision.services import meetings as ops
from supervision.services import record as records
from supervision.services.errors import DomainError, EditConflict
from supervision.sessions import forms as f

bp = Blueprint("sessions", __name__)


def _scorer_choices(meeting) -> list[SelectChoice]:
    """Who may be scored: the session's participants, else the whole team."""
    people = {u.id: u for u in [meeting.facilitator, *meeting.participants]}
    if len(people) < 2:
        return staff_choices(meeting.case.team_id)
    return [SelectChoice(u.id, u.name) for u in sorted(people.values(), key=lambda u: u.name)]


def _danger_choices(meeting) -> list[SelectChoice]:
    return [SelectChoice(0, "Not linked yet")] + [
        SelectChoice(d.id, f"Danger statement {i}") for i, d in enumerate(meeting.danger_statements, 1)]


def _meeting_form(case, meeting=None) -> f.MeetingForm:
    form = f.MeetingForm(obj=meeting)
    staff = staff_choices(case.team_id)  # read once for the three selects
    form.facilitator_id.choices = staff
    form.presenter_id.choices = [SelectChoice(0, "No presenter yet"), *staff]
    form.participant_ids.choices = staff
    if meeting is not None and request.method == "GET":
        form.kind.data = meeting.kind.value
        form.participant_ids.data = [u.id for u in meeting.participants]
    return form


def _meeting_fields(form: f.MeetingForm) -> dict:
    chosen = set(form.participant_ids.data or [])
    staff = {u.id: u for u in db.session.scalars(db.select(User).where(User.id.in_(
        chosen | {form.facilitator_id.data, form.presenter_id.data or 0})))}
    return dict(
        kind=MeetingKind(form.kind.data),
        scheduled_at=form.scheduled_at.data,
        facilitator=staff[form.facilitator_id.data],
        presenter=staff.get(form.presenter_id.data or 0),
        participants=[staff[i] for i in sorted(chosen) if i in staff],
    )


def editor_page(meeting, status: int = 200, **forms):
    """The editor with fresh forms, except those given (kept with their text and errors).

    At most one thing saved is open to edit: the session's details (`details_form`), or a map item,
    danger statement or safety goal (`open_item_id`, `open_danger_id` or `open_goal_id`, with its form).
    Everything else shows a link that opens it: a page of one edit form, rather than a hidden form per
    record, is about 30% lighter on a long session (docs/performance.md, third round).
    """
    score_form = forms.get("score_form") or f.ScoreForm()
    score_form.user_id.choices = _scorer_choices(meeting)
    action_form = forms.get("action_form") or f.ActionForm()
    agrees = can_agree(current_user, meeting)
    if agrees:  # only the accountable manager has the form that agrees actions
        owners = staff_choices(meeting.case.team_id, blank="Someone outside the team")
        action_form.owner_id.choices = owners
    goal_form = forms.get("goal_form") or f.SafetyGoalForm()
    danger_choices = _danger_choices(meeting)
    for form in (goal_form, forms.get("goal_edit_form")):
        if form is not None:
            form.danger_statement_id.choices = danger_choices
    context = dict(
        meeting=meeting, case=meeting.case, sections=list(Section),
        item_form=forms.get("item_form") or f.ItemForm(), failed_section=forms.get("failed_section"),
        open_item_id=forms.get("open_item_id"), focus=forms.get("focus"), conflict=forms.get("conflict"),
        danger_form=forms.get("danger_form") or f.DangerStatementForm(), goal_form=goal_form,
        open_danger_id=forms.get("open_danger_id"), danger_edit_form=forms.get("danger_edit_form"),
        open_goal_id=forms.get("open_goal_id"), goal_edit_form=forms.get("goal_edit_form"),
        score_form=score_form, family_form=forms.get("family_form") or f.FamilyScoreForm(formdata=None),
        records_scores=records_for_the_room(current_user, meeting),
        action_form=action_form, review_form=forms.get("review_form") or f.ReviewForm(),
        details_form=forms.get("details_form"),  # open to edit only when asked for (open_details)
        to_review=ops.actions_to_review(meeting), scaling=live.scaling_view(meeting),
        can_agree=agrees,
    )
    return render_template("sessions/editor.html", **context), status


def _edit_form(form_class, record):
    """The form that edits a saved danger statement or safety goal, filled from it, focused on opening."""
    form = form_class(formdata=None, obj=record, prefix=_edit_prefix(form_class, record.id))
    next(iter(form)).render_kw = {"autofocus": True}
    return form


def _edit_prefix(form_class, record_id: int) -> str:
    """A saved statement's form has field names and ids of its own, beside the form that adds one."""
    return f"{form_class.prefix_name}-{record_id}"


def _editable(meeting_id: int) -> Meeting:
    """The session a GET of the editor opens (an agreed one has its record instead)."""
    meeting = get_meeting_for(current_user, meeting_id, *ops.MEETING_IN_PROGRESS)
    if meeting.is_agreed:
        abort(redirect(url_for("sessions.record", meeting_id=meeting.id)))
    ops.load_parts(meeting)
    return meeting


def _opened(records: list, record_id: int):
    """The saved record a GET opens, from those the session already loaded; another session's is 404."""
    return next((r for r in records if r.id == record_id), None) or abort(404)


def _back(meeting, anchor: str):
    return redirect(url_for("sessions.editor", meeting_id=meeting.id, _anchor=anchor))


def _refused(meeting, error: DomainError, anchor: str):
    flash(str(error), "error")
    return _back(meeting, anchor)


@bp.route("/cases/<int:case_id>/sessions/new", methods=["GET", "POST"])
@login_required
def new(case_id: int):
    case = get_case_for(current_user, case_id)
    form = _meeting_form(case)
    if request.method == "GET":
        form.facilitator_id.data = current_user.id
        form.presenter_id.data = case.practitioner_id or 0
    if form.validate_on_submit():
        meeting = ops.create_meeting(case, **_meeting_fields(form))
        db.session.commit()
        flash("Session created.")
        return redirect(url_for("sessions.editor", meeting_id=meeting.id))
    return render_template("sessions/new.html", case=case, form=form), 400 if form.errors else 200


@bp.get("/sessions/<int:meeting_id>")
@login_required
def editor(meeting_id: int):
    return editor_page(_editable(meeting_id))


@bp.get("/sessions/<int:meeting_id>/details")
@login_required
def open_details(meeting_id: int):
    meeting = _editable(meeting_id)
    form = _meeting_form(meeting.case, meeting)
    form.kind.render_kw = {"autofocus": True}
    return editor_page(meeting, details_form=form)


@bp.post("/sessions/<int:meeting_id>/details")
@login_required
def details(meeting_id: int):
    meeting = get_meeting_for(current_user, meeting_id)
    form = _meeting_form(meeting.case, meeting)
    if not form.validate_on_submit():
        return editor_page(meeting, 400, details_form=form)
    fields = _meeting_fields(form)
    for name in ("scaling_question", "scale_zero", "scale_ten"):
        fields[name] = getattr(form, name).data.strip() or getattr(meeting, name)
    try:
        ops.update_details(meeting, **fields)
    except DomainError as error:
        return _refused(meeting, error, "details")
    db.session.commit()
    flash("Session details saved.")
    return _back(meeting, "details")


@bp.post("/sessions/<int:meeting_id>/start")
@login_required
def start(meeting_id: int):
    meeting = get_meeting_for(current_user, meeting_id)
    if EmptyForm().validate_on_submit():
        try:
            ops.start(meeting)
            db.session.commit()
        except DomainError as error:
            return _refused(meeting, error, "top")
    return _back(meeting, "top")


# --- map items ------------------------------------------------------------------

def _item_for(meeting, item_id: int) -> MapItem:
    return db.first_or_404(db.select(MapItem).filter_by(id=item_id, meeting_id=meeting.id))


@bp.post("/sessions/<int:meeting_id>/sections/<section>/items")
@login_required
def add_item(meeting_id: int, section: str):
    meeting = get_meeting_for(current_user, meeting_id)
    section_ = Section(section) if section in {s.value for s in Section} else None
    if section_ is None:
        return editor_page(meeting, 404)
    form = f.ItemForm()
    if not form.validate_on_submit():
        return editor_page(meeting, 400, item_form=form, failed_section=section_)
    try:
        ops.add_item(meeting, section_, form.text.data, current_user)
    except DomainError as error:
        return _refused(meeting, error, section)
    db.session.commit()
    return _back(meeting, section)


@bp.get("/sessions/<int:meeting_id>/items/<int:item_id>")
@login_required
def open_item(meeting_id: int, item_id: int):
    """The editor with one item open to edit, move or remove, its text focused (the page scrolls to it).

    Just moved (`?moved=up`), the same button is focused where the item went, to move it again.
    """
    meeting = _editable(meeting_id)
    item = _opened(meeting.items, item_id)
    form = f.ItemForm(formdata=None, obj=item)
    siblings = [i.id for i in meeting.items_in(item.section)]
    moved = request.args.get("moved")
    focus = moved if {"up": item.id != siblings[0], "down": item.id != siblings[-1]}.get(moved) else "text"
    if focus == "text":
        form.text.render_kw = {"autofocus": True}
    return editor_page(meeting, item_form=form, open_item_id=item.id, focus=focus)


@bp.post("/sessions/<int:meeting_id>/items/<int:item_id>")
@login_required
def edit_item(meeting_id: int, item_id: int):
    meeting = get_meeting_for(current_user, meeting_id)
    item = _item_for(meeting, item_id)
    form = f.ItemForm()
    if not form.validate_on_submit():
        return editor_page(meeting, 400, item_form=form, open_item_id=item.id)
    try:
        ops.edit_item(item, form.text.data, _version(form))
    except EditConflict as conflict:
        form.version.data = str(conflict.current_version)
        return editor_page(meeting, 409, item_form=form, open_item_id=item.id, conflict=conflict)
    except DomainError as error:
        return _refused(meeting, error, item.section.value)
    db.session.commit()
    return _back(meeting, f"item-{item.id}")


def _version(form) -> int:
    return int(form.version.data) if str(form.version.data).isdigit() else 0


@bp.post("/sessions/<int:meeting_id>/items/<int:item_id>/move")
@login_required
def move_item(meeting_id: int, item_id: int):
    meeting = get_meeting_for(current_user, meeting_id)
    item = _item_for(meeting, item_id)
    form = f.MoveForm()
    if form.validate_on_submit() and form.direction.data in ("up", "down"):
        try:
            ops.move_item(item, -1 if form.direction.data == "up" else 1)
            db.session.commit()
        except DomainError as error:
            return _refused(meeting, error, item.section.value)
    # Still open where it went, the same button focused: moving it again is one click or key.
    return redirect(url_for("sessions.open_item", meeting_id=meeting.id, item_id=item.id, moved=form.direction.data))


@bp.post("/sessions/<int:meeting_id>/items/<int:item_id>/remove")
@login_required
def remove_item(meeting_id: int, item_id: int):
    meeting = get_meeting_for(current_user, meeting_id)
    item = _item_for(meeting, item_id)
    section = item.section.value
    if EmptyForm().validate_on_submit():
        try:
            ops.remove_item(item)
            db.session.commit()
        except DomainError as error:
            return _refused(meeting, error, section)
    return _back(meeting, section)


# --- danger statements and safety goals -----------------------------------------

@bp.get("/sessions/<int:meeting_id>/danger-statements/<int:statement_id>")
@login_required
def open_danger_statement(meeting_id: int, statement_id: int):
    meeting = _editable(meeting_id)
    statement = _opened(meeting.danger_statements, statement_id)
    form = _edit_form(f.DangerStatementForm, statement)
    return editor_page(meeting, open_danger_id=statement.id, danger_edit_form=form)


@bp.get("/sessions/<int:meeting_id>/safety-goals/<int:goal_id>")
@login_required
def open_safety_goal(meeting_id: int, goal_id: int):
    meeting = _editable(meeting_id)
    goal = _opened(meeting.safety_goals, goal_id)
    form = _edit_form(f.SafetyGoalForm, goal)
    form.danger_statement_id.data = goal.danger_statement_id or 0
    return editor_page(meeting, open_goal_id=goal.id, goal_edit_form=form)


@bp.post("/sessions/<int:meeting_id>/danger-statements", defaults={"statement_id": None})
@bp.post("/sessions/<int:meeting_id>/danger-statements/<int:statement_id>")
@login_required
def save_danger_statement(meeting_id: int, statement_id: int | None):
    meeting = get_meeting_for(current_user, meeting_id)
    statement = statement_id and db.first_or_404(
        db.select(DangerStatement).filter_by(id=statement_id, meeting_id=meeting.id))
    form = (f.DangerStatementForm(prefix=_edit_prefix(f.DangerStatementForm, statement_id)) if statement
            else f.DangerStatementForm())
    failed = dict(danger_edit_form=form, open_danger_id=statement_id) if statement else dict(danger_form=form)

    def save():
        ops.save_danger_statement(meeting, statement or None, expected_version=_version(form),
                                  **_parts(form, ops.DANGER_STATEMENT_PARTS))

    return _save_statement(meeting, form, save, failed, "danger-statements",
                           f"danger-{statement_id}" if statement else "danger-statements")


@bp.post("/sessions/<int:meeting_id>/safety-goals", defaults={"goal_id": None})
@bp.post("/sessions/<int:meeting_id>/safety-goals/<int:goal_id>")
@login_required
def save_safety_goal(meeting_id: int, goal_id: int | None):
    meeting = get_meeting_for(current_user, meeting_id)
    goal = goal_id and db.first_or_404(db.select(SafetyGoal).filter_by(id=goal_id, meeting_id=meeting.id))
    form = f.SafetyGoalForm(prefix=_edit_prefix(f.SafetyGoalForm, goal_id)) if goal else f.SafetyGoalForm()
    form.danger_statement_id.choices = _danger_choices(meeting)
    failed = dict(goal_edit_form=form, open_goal_id=goal_id) if goal else dict(goal_form=form)

    def save():
        linked = next((d for d in meeting.danger_statements if d.id == form.danger_statement_id.data), None)
        ops.save_safety_goal(meeting, goal or None, danger_statement=linked, expected_version=_version(form),
                             **_parts(form, ops.SAFETY_GOAL_PARTS))

    return _save_statement(meeting, form, save, failed, "safety-goals", f"goal-{goal_id}" if goal else "safety-goals")


def _parts(form, names: tuple[str, ...]) -> dict[str, str]:
    return {name: getattr(form, name).data or "" for name in (*names, "statement")}


def _save_statement(meeting: Meeting, form, save, failed: dict, section: str, anchor: str):
    """A danger statement or safety goal, new or edited: saved, or the editor again saying why."""
    if form.validate_on_submit():
        try:
            save()
            db.session.commit()
            return _back(meeting, anchor)
        except EditConflict as conflict:
            form.version.data = str(conflict.current_version)
            return editor_page(meeting, 409, conflict=conflict, **failed)
        except ops.RemovedMeanwhile as error:
            return _refused(meeting, error, section)
        except DomainError as error:
            form.statement.errors = [*form.statement.errors, str(error)]
    return editor_page(meeting, 400, **failed)


@bp.post("/sessions/<int:meeting_id>/<any('danger-statements', 'safety-goals'):kind>/<int:record_id>/remove")
@login_required
def remove_statement(meeting_id: int, kind: str, record_id: int):
    meeting = get_meeting_for(current_user, meeting_id)
    model = DangerStatement if kind == "danger-statements" else SafetyGoal
    record = db.first_or_404(db.select(model).filter_by(id=record_id, meeting_id=meeting.id))
    if EmptyForm().validate_on_submit():
        try:
            ops.remove(meeting, record)
            db.session.commit()
        except DomainError as error:
            return _refused(meeting, error, kind)
    return _back(meeting, kind)


# --- scaling --------------------------------------------------------------------

def records_for_the_room(user, meeting) -> bool:
    """Who types scores into the editor for the room, as a business support officer would:
    the facilitator (the session's, or whoever holds the role in the room) or an accountable manager.
    Everyone else gives their own score, privately, from the live room."""
    return can_agree(user, meeting) or user.id == meeting.facilitator_id or live.is_facilitator(user, meeting)


def _require_records_for_the_room(meeting) -> None:
    if not records_for_the_room(current_user, meeting):
        abort(403)


def _too_late(meeting, error: ops.ScoresRevealed):
    flash(str(error), "error")
    return editor_page(meeting, 409)


@bp.post("/sessions/<int:meeting_id>/scores")
@login_required
def record_score(meeting_id: int):
    meeting = get_meeting_for(current_user, meeting_id)
    _require_records_for_the_room(meeting)
    form = f.ScoreForm()
    form.user_id.choices = _scorer_choices(meeting)
    if not form.validate_on_submit():
        return editor_page(meeting, 400, score_form=form)
    person = db.session.get(User, form.user_id.data)
    try:
        ops.record_score(meeting, person, None if form.skip.data else form.score.data, form.reason.data or "")
    except ops.ScoresRevealed as error:
        return _too_late(meeting, error)
    except DomainError as error:
        return _refused(meeting, error, "scaling")
    db.session.commit()
    return _back(meeting, "scaling")


@bp.post("/sessions/<int:meeting_id>/family-score")
@login_required
def family_score(meeting_id: int):
    meeting = get_meeting_for(current_user, meeting_id)
    _require_records_for_the_room(meeting)
    form = f.FamilyScoreForm()
    if not form.validate_on_submit():
        return editor_page(meeting, 400, family_form=form)
    try:
        ops.set_family_score(meeting, form.family_score.data, form.family_score_note.data or "")
    except ops.ScoresRevealed as error:
        return _too_late(meeting, error)
    except DomainError as error:
        return _refused(meeting, error, "scaling")
    db.session.commit()
    return _back(meeting, "scaling")


# --- actions --------------------------------------------------------------------

@bp.post("/sessions/<int:meeting_id>/actions")
@login_required
def add_action(meeting_id: int):
    meeting = get_meeting_for(current_user, meeting_id)
    require_can_agree(current_user, meeting)  # the group's ideas go in Next steps
    form = f.ActionForm()
    form.owner_id.choices = staff_choices(meeting.case.team_id, "Someone outside the team")
    if not form.validate_on_submit():
        return editor_page(meeting, 400, action_form=form)
    owner = db.session.get(User, form.owner_id.data) if form.owner_id.data else None
    try:
        ops.add_action(meeting, description=form.description.data, owner=owner,
                       owner_name=None if owner else form.owner_name.data,
                       due_on=form.due_on.data, agreed_by=current_user)
    except DomainError as error:
        return _refused(meeting, error, "actions")
    db.session.commit()
    return _back(meeting, "actions")


@bp.post("/sessions/<int:meeting_id>/actions/<int:action_id>/remove")
@login_required
def remove_action(meeting_id: int, action_id: int):
    meeting = get_meeting_for(current_user, meeting_id)
    require_can_agree(current_user, meeting)  # taking back an agreed action is the manager's too
    action = db.first_or_404(db.select(Action).filter_by(id=action_id, meeting_id=meeting.id))
    if EmptyForm().validate_on_submit():
        try:
            ops.remove_action(action)
            db.session.commit()
        except DomainError as error:
            return _refused(meeting, error, "actions")
    return _back(meeting, "actions")


@bp.post("/sessions/<int:meeting_id>/reviews")
@login_required
def review_action(meeting_id: int):
    meeting = get_meeting_for(current_user, meeting_id)
    form = f.ReviewForm()
    if not form.validate_on_submit():
        return editor_page(meeting, 400, review_form=form)
    action = next((a for a in ops.actions_to_review(meeting) if str(a.id) == form.action_id.data), None)
    if action is None:
        return _refused(meeting, DomainError("That action has already been reviewed."), "review")
    try:
        ops.review_action(meeting, action, ReviewOutcome(form.outcome.data), form.note.data or "", current_user)
    except DomainError as error:
        form.note.errors = [str(error)]
        return editor_page(meeting, 400, review_form=form)
    db.session.commit()
    return _back(meeting, "review")


# --- agreement and the record ---------------------------------------------------

@bp.post("/sessions/<int:meeting_id>/agree")
@login_required
def agree(meeting_id: int):
    meeting = get_meeting_for(current_user, meeting_id)
    require_can_agree(current_user, meeting)
    if EmptyForm().validate_on_submit():
        try:
            ops.agree(meeting, current_user)
            db.session.commit()
            flash("The record is agreed and signed off.")
        except DomainError as error:
            return _refused(meeting, error, "top")
    return redirect(url_for("sessions.record", meeting_id=meeting.id))


@bp.get("/sessions/<int:meeting_id>/record")
@login_required
def record(meeting_id: int):
    return record_page(get_meeting_for(current_user, meeting_id, *ops.RECORD), f.AmendmentForm())


def record_page(meeting, amendment_form: f.AmendmentForm, status: int = 200):
    """The record from its data (as agreed, or as the draft is now): the same data as its exports."""
    data = records.record_of(meeting)
    return render_template("sessions/record.html", meeting=meeting, case=meeting.case, record=data,
                           text=records.render(data, markdown=False), amendment_form=amendment_form), status


@bp.get("/sessions/<int:meeting_id>/record.txt")
@login_required
def record_text(meeting_id: int):
    meeting = get_meeting_for(current_user, meeting_id, *ops.RECORD)
    return Response(records.plain_text(meeting), mimetype="text/plain",
                    headers={"Content-Disposition": f"attachment; filename=session-{meeting.id}.txt"})


@bp.post("/sessions/<int:meeting_id>/amendments")
@login_required
def amend(meeting_id: int):
    meeting = get_meeting_for(current_user, meeting_id)
    form = f.AmendmentForm()
    if form.validate_on_submit():
        try:
            ops.amend(meeting, current_user, form.reason.data, form.text.data)
            db.session.commit()
            flash("Amendment added beside the agreed record.")
            return redirect(url_for("sessions.record", meeting_id=meeting.id, _anchor="amendments"))
        except DomainError as error:
            form.reason.errors = [str(error)]
    return record_page(meeting, form, 400)
