"""Caseloads: each practitioner's, the team's against its limit, history, and sharing cases out."""

from __future__ import annotations

from datetime import date

import click
from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_login import current_user, login_required
from wtforms.fields.choices import SelectChoice

from supervision.access import get_team_member_for, require_team_figures, sees_team_figures
from supervision.caseloads.forms import ChooseFromForm, SettingsForm, move_form
from supervision.extensions import db
from supervision.models import LegalStatus
from supervision.services import caseloads as svc
from supervision.services.errors import DomainError

bp = Blueprint("caseloads", __name__, cli_group="caseloads")


@bp.get("/caseloads")
@login_required
def team():
    if not sees_team_figures(current_user):
        return redirect(url_for("caseloads.mine"))
    return render_template("caseloads/team.html", view=svc.team_caseloads(current_user.team, date.today()),
                           statuses=list(LegalStatus), can_edit=svc.can_set_weights(current_user, current_user.team))


@bp.get("/caseloads/mine")
@login_required
def mine():
    return _practitioner_page(current_user)


@bp.get("/caseloads/practitioners/<int:user_id>")
@login_required
def practitioner(user_id: int):
    person = get_team_member_for(current_user, user_id)
    if person.id != current_user.id:
        require_team_figures(current_user)
    return _practitioner_page(person)


def _practitioner_page(person):
    today = date.today()
    view = svc.practitioner_caseload(person, today)
    return render_template("caseloads/practitioner.html", person=person, view=view, today=today,
                           by_status=svc.children_by_status(view.cases), is_me=person.id == current_user.id)


# --- the limit and the weights ----------------------------------------------------------

@bp.route("/caseloads/settings", methods=["GET", "POST"])
@login_required
def settings():
    require_team_figures(current_user)
    team = current_user.team
    can_edit = svc.can_set_weights(current_user, team)
    form = SettingsForm()
    if request.method == "POST":
        if not can_edit:
            abort(403)
        if form.validate_on_submit():
            weights = {status: float(getattr(form, f"weight_{status.value}").data) for status in LegalStatus}
            try:
                svc.set_limit(team, form.caseload_limit.data, current_user)
                svc.set_weights(team, weights, current_user)
                db.session.commit()
                flash("The caseload limit and weights are saved. Every figure now uses them.")
                return redirect(url_for("caseloads.team"))
            except DomainError as refused:
                db.session.rollback()
                form.caseload_limit.errors = [*form.caseload_limit.errors, str(refused)]
    else:
        form.caseload_limit.data = team.caseload_limit
        for status, weight in svc.weights_for(team).items():
            getattr(form, f"weight_{status.value}").data = weight
    return render_template("caseloads/settings.html", form=form, can_edit=can_edit, team=team,
                           defaults=svc.DEFAULT_WEIGHTS), 400 if form.errors else 200


# --- sharing cases out --------------------------------------------------------------------

def _source_and_form(source_id: int | None, formdata=None):
    source = get_team_member_for(current_user, source_id) if source_id else None
    if source is None:
        return None, [], None
    team = current_user.team
    cases = svc.movable_cases(team, source)
    figures = {c.practitioner.id: f"{c.children} children, weighted {c.weighted:g}"
               for c in svc.current_caseloads(team, date.today())}
    return source, cases, move_form(cases, source, svc.receivers(team), formdata, figures)


def _moves(form) -> dict[int, int]:
    return {int(f.name.removeprefix("case_")): f.data for f in form.case_fields() if f.data}


@bp.get("/caseloads/moves")
@login_required
def moves():
    require_team_figures(current_user)
    team = current_user.team
    chooser = ChooseFromForm(formdata=request.args)
    holders = {c.practitioner.id: c for c in svc.current_caseloads(team, date.today()) if c.cases}
    chooser.source.choices = [SelectChoice(pid, f"{c.practitioner.name} ({c.children} children)")
                              for pid, c in sorted(holders.items(), key=lambda kv: kv[1].practitioner.name)]
    source_id = request.args.get("source", type=int)
    if source_id is not None and source_id not in holders:
        get_team_member_for(current_user, source_id)  # another team's worker: 404
    source, cases, form = _source_and_form(source_id if source_id in holders else None)
    return render_template("caseloads/moves.html", chooser=chooser, source=source, cases=cases, form=form,
                           preview=None, error=None)


@bp.post("/caseloads/moves/preview")
@login_required
def preview():
    require_team_figures(current_user)
    source, cases, form = _source_and_form(request.form.get("source", type=int), request.form)
    if source is None:
        abort(404)
    result, error = None, None
    if form.validate_on_submit():
        chosen = _moves(form)
        if not chosen:
            error = "Choose who takes at least one case."
        else:
            try:
                result = svc.preview_moves(current_user.team, chosen, date.today())
            except DomainError as refused:
                error = str(refused)
    return render_template("caseloads/moves.html", chooser=None, source=source, cases=cases, form=form,
                           preview=result, error=error), 200 if result else 400


@bp.post("/caseloads/moves/confirm")
@login_required
def confirm():
    require_team_figures(current_user)
    source, cases, form = _source_and_form(request.form.get("source", type=int), request.form)
    if source is None:
        abort(404)
    if not form.validate_on_submit() or not _moves(form):
        return render_template("caseloads/moves.html", chooser=None, source=source, cases=cases, form=form,
                               preview=None, error="Choose who takes at least one case."), 400
    try:
        moved = svc.apply_moves(current_user.team, _moves(form), current_user,
                                move_open_actions=form.move_open_actions.data)
    except DomainError as refused:
        return render_template("caseloads/moves.html", chooser=None, source=source, cases=cases, form=form,
                               preview=None, error=str(refused)), 400
    db.session.commit()
    flash(f"{moved} case{'s' if moved != 1 else ''} moved. Caseloads below show the new allocation.")
    return redirect(url_for("caseloads.team"))


# --- the weekly snapshot command -------------------------------------------------------------

@bp.cli.command("snapshot")
@click.option("--date", "on", type=click.DateTime(formats=["%Y-%m-%d"]), default=None,
              help="The day whose week to record (default: today).")
def snapshot_command(on):
    """Record this week's caseload figures for every practitioner (run weekly, e.g. from cron)."""
    day = on.date() if on else date.today()
    written = svc.take_snapshots(day)
    db.session.commit()
    click.echo(f"Caseload snapshot for the week of {svc.week_start(day):%d %B %Y}: {written} practitioner figures.")
