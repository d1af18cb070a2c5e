"""After the meeting: my actions, the team's action tracker, the calendar feed."""

from __future__ import annotations

from datetime import date

from flask import Blueprint, Response, abort, flash, redirect, render_template, request, url_for
from flask_login import current_user, login_required
from wtforms.fields.choices import SelectChoice

from supervision.access import get_action_for, require_team_figures
from supervision.actions.forms import DoneForm, DropForm, TrackerFilterForm
from supervision.extensions import db
from supervision.forms import EmptyForm, id_url
from supervision.models import Case, User
from supervision.security import safe_next_url
from supervision.services import actions as svc
from supervision.services.errors import DomainError

bp = Blueprint("actions", __name__)
TRACKER_ROWS = 30  # a screenful: the rest are for filtering, or all of them on request
FAMILIES_SHOWN = 12  # the most overdue families; all of them on request


def mine_page(status: int = 200, *, failed: int | None = None, opened: int | None = None,
              done_form: DoneForm | None = None, drop_form: DropForm | None = None, error: str | None = None,
              calendar_url: str | None = None):
    """My actions. One action at most has its forms to close it: the one opened, or the one whose
    closing failed (with what was typed and why); every other has a link that opens it."""
    today = date.today()
    actions = svc.my_open_actions(current_user, today)
    return render_template(
        "actions/mine.html", groups=svc.group_by_timing(actions, today), count=len(actions), today=today,
        timing=svc.timing, on_behalf_of=svc.on_behalf_of, failed=failed, opened=opened, error=error,
        done_form=done_form or DoneForm(), drop_form=drop_form or DropForm(),
        calendar_url=calendar_url, has_calendar=current_user.calendar_token_hash is not None,
        urls=dict(case=id_url("cases.show", "case_id"), record=id_url("sessions.record", "meeting_id"),
                  close=id_url("actions.close", "action_id"), done=id_url("actions.done", "action_id"),
                  drop=id_url("actions.drop", "action_id"), mine=url_for("actions.mine")),
    ), status


@bp.get("/actions")
@login_required
def mine():
    return mine_page()


def _closable(action_id: int):
    action = get_action_for(current_user, action_id)
    if not svc.can_close(current_user, action):
        abort(403)
    return action


def _after_closing(form, message: str):
    db.session.commit()
    flash(message)
    return redirect(safe_next_url(form.next.data) or url_for("actions.mine"))


@bp.get("/actions/<int:action_id>/close")
@login_required
def close(action_id: int):
    """My actions with one of them open to mark done or drop, its note focused."""
    action = get_action_for(current_user, action_id)
    if svc.follower_id(action) != current_user.id:
        abort(403)  # My actions lists only the actions this person follows up
    return mine_page(opened=action.id)


@bp.post("/actions/<int:action_id>/done")
@login_required
def done(action_id: int):
    action = _closable(action_id)
    form = DoneForm()
    if form.validate_on_submit():
        try:
            svc.mark_done(action, form.note.data or "", current_user)
            return _after_closing(form, "Action marked done. It stays in the session's record with your note.")
        except DomainError as refused:
            return mine_page(400, error=f"The action was not marked done. {refused}")
    return mine_page(400, failed=action.id, done_form=form, error="The action was not marked done.")


@bp.post("/actions/<int:action_id>/drop")
@login_required
def drop(action_id: int):
    action = _closable(action_id)
    form = DropForm()
    if form.validate_on_submit():
        try:
            svc.drop(action, form.reason.data, current_user)
            return _after_closing(form, "Action dropped. It stays in the session's record with your reason.")
        except DomainError as refused:
            return mine_page(400, error=f"The action was not dropped. {refused}")
    return mine_page(400, failed=action.id, drop_form=form, error="The action was not dropped.")


# --- the calendar feed ----------------------------------------------------------------

@bp.post("/actions/calendar")
@login_required
def new_calendar():
    if not EmptyForm().validate_on_submit():
        abort(400)
    token = svc.new_calendar_token(current_user)
    db.session.commit()
    # Shown once, on this page: only its hash is kept.
    return mine_page(calendar_url=url_for("actions.calendar_feed", token=token, _external=True))


@bp.post("/actions/calendar/stop")
@login_required
def stop_calendar():
    if EmptyForm().validate_on_submit():
        svc.stop_calendar(current_user)
        db.session.commit()
        flash("Your calendar address is turned off. Calendars using it will stop updating.")
    return redirect(url_for("actions.mine", _anchor="calendar"))


@bp.get("/calendar/<token>.ics")
def calendar_feed(token: str):
    """No sign-in: calendar apps cannot sign in. The unguessable address is the key."""
    user = svc.user_for_calendar_token(token)
    if user is None:
        abort(404)
    body = svc.calendar_feed(user, date.today(), url_for("actions.mine", _external=True))
    return Response(body, mimetype="text/calendar", headers={
        "Cache-Control": "private, no-store", "Content-Disposition": "inline; filename=my-actions.ics"})


# --- the team's tracker ---------------------------------------------------------------

@bp.get("/actions/team")
@login_required
def tracker():
    require_team_figures(current_user)
    team_id = current_user.team_id
    form = TrackerFilterForm(formdata=request.args)
    staff = db.session.scalars(db.select(User).filter_by(team_id=team_id).order_by(User.name))
    form.practitioner.choices = [SelectChoice(0, "Everyone"), *(SelectChoice(u.id, u.name) for u in staff)]
    cases = db.session.execute(db.select(Case.id, Case.family_label, Case.reference)
                               .filter_by(team_id=team_id).order_by(Case.family_label))
    form.case.choices = [SelectChoice(0, "Every family"), *(SelectChoice(i, f"{label} ({ref})")
                                                            for i, label, ref in cases)]
    status = 200
    if request.args and not form.validate():
        status = 400
    filters = svc.TrackerFilters() if status == 400 else svc.TrackerFilters(
        practitioner_id=form.practitioner.data or None, case_id=form.case.data or None,
        show=form.show.data or "open", sort=form.sort.data or "due")
    today = date.today()
    urls = dict(case=id_url("cases.show", "case_id"), record=id_url("sessions.record", "meeting_id"),
                by_person=id_url("actions.tracker", "practitioner"), by_case=id_url("actions.tracker", "case"),
                all=url_for("actions.tracker", **{**request.args, "all": "1"}),
                all_families=url_for("actions.tracker", **{**request.args, "families": "all"}, _anchor="by-case"))
    # The most urgent first, a page of them: a long team list is for filtering, not for scrolling.
    tracker = svc.team_tracker(team_id, today, filters, None if request.args.get("all") == "1" else TRACKER_ROWS)
    families = tracker.by_case if request.args.get("families") == "all" else tracker.by_case[:FAMILIES_SHOWN]
    return render_template("actions/tracker.html", tracker=tracker, families=families, form=form,
                           filters=filters, today=today, labels=svc.TIMING_LABELS, urls=urls), status
