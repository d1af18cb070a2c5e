"""The CMR panel day: its agenda, the chair moving the room from family to family, preparing a slot."""

from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_login import current_user, login_required
from sqlalchemy.orm import joinedload
from wtforms.fields.choices import SelectChoice

from supervision import events
from supervision.access import get_case_for, get_panel_for, require_case_reader, visible_cases
from supervision.extensions import db
from supervision.forms import EmptyForm
from supervision.live import forms as f
from supervision.models import Case, Panel, PanelSlot, Role, User
from supervision.services import panels as ops
from supervision.services.errors import DomainError
from supervision.services.live import genogram_path

bp = Blueprint("panels", __name__, url_prefix="/panels")


def _staff(team_id: int, blank: str | None = None, roles: tuple[Role, ...] | None = None) -> list[SelectChoice]:
    query = db.select(User).filter_by(team_id=team_id, active=True).order_by(User.name)
    if roles:
        query = query.where(User.role.in_(roles))
    choices = [SelectChoice(u.id, f"{u.name} ({u.role.label})") for u in db.session.scalars(query)]
    return [SelectChoice(0, blank), *choices] if blank else choices


# A panel draws on the whole service: besides the team's own staff, its members may be senior
# colleagues of any team. They see the panel and its slots, and scale there (supervision/access.py).
ACROSS_THE_SERVICE = (Role.HEAD_OF_SERVICE, Role.TEAM_MANAGER, Role.SENIOR_PRACTITIONER)


def _possible_members(team_id: int):
    return (db.select(User).options(joinedload(User.team))
            .where(User.active.is_(True), (User.team_id == team_id) | User.role.in_(ACROSS_THE_SERVICE)))


def _member_choices(team_id: int) -> list[SelectChoice]:
    people = db.session.scalars(_possible_members(team_id).order_by(User.team_id != team_id, User.name))
    return [SelectChoice(u.id, f"{u.name} ({u.role.label}{'' if u.team_id == team_id else ', ' + u.team.name})")
            for u in people]


def _panel_form(panel: Panel | None = None) -> f.PanelForm:
    form = f.PanelForm(obj=panel)
    form.chair_id.choices = _staff(current_user.team_id)  # the chair moves the room: one of the team's own
    form.member_ids.choices = _member_choices(current_user.team_id)
    if request.method == "GET":
        form.chair_id.data = panel.chair_id if panel else current_user.id
        form.member_ids.data = [u.id for u in panel.members] if panel else []
    return form


def _slot_form() -> f.SlotForm:
    form = f.SlotForm()
    cases = db.session.scalars(visible_cases(current_user).where(Case.is_open.is_(True)).order_by(Case.family_label))
    form.case_id.choices = [SelectChoice(c.id, f"{c.family_label} ({c.reference})") for c in cases]
    form.presenter_id.choices = _staff(current_user.team_id, "The allocated practitioner")
    form.assistant_manager_id.choices = _staff(current_user.team_id, "None named yet")
    return form


def _people(form: f.PanelForm) -> dict:
    members = {u.id: u for u in db.session.scalars(
        _possible_members(current_user.team_id).where(User.id.in_(form.member_ids.data or [0])))}
    chair = db.session.scalar(db.select(User).filter_by(id=form.chair_id.data, team_id=current_user.team_id))
    return dict(title=form.title.data, starts_at=form.starts_at.data, chair=chair,
                members=[members[i] for i in sorted(members)],
                other_members=form.other_members.data or "")


def _require_organiser() -> None:
    if not ops.can_run_panels(current_user):
        abort(403)


def _slot_for(panel: Panel, slot_id: int) -> PanelSlot:
    return db.first_or_404(db.select(PanelSlot).filter_by(id=slot_id, panel_id=panel.id))


@bp.get("")
@login_required
def index():
    require_case_reader(current_user)  # the agenda names families: not for administrators
    panels = db.session.scalars(db.select(Panel).filter_by(team_id=current_user.team_id)
                                .order_by(Panel.starts_at.desc())).all()
    return render_template("live/panels/index.html", panels=panels, can_organise=ops.can_run_panels(current_user))


@bp.route("/new", methods=["GET", "POST"])
@login_required
def new():
    _require_organiser()
    form = _panel_form()
    if form.validate_on_submit():
        panel = ops.create_panel(current_user.team_id, **_people(form))
        db.session.commit()
        flash("Panel day created. Add the families to its agenda.")
        return redirect(url_for("panels.show", panel_id=panel.id))
    return render_template("live/panels/new.html", form=form), 400 if form.errors else 200


def show_page(panel: Panel, status: int = 200, panel_form=None, slot_form=None):
    slot_form = slot_form or _slot_form()
    return render_template("live/panels/show.html", panel=panel, starts=panel.slot_starts(),
                           panel_form=panel_form or _panel_form(panel), slot_form=slot_form,
                           can_organise=ops.can_run_panels(current_user),
                           is_chair=panel.chair_id == current_user.id), status


@bp.get("/<int:panel_id>")
@login_required
def show(panel_id: int):
    return show_page(get_panel_for(current_user, panel_id))


@bp.post("/<int:panel_id>")
@login_required
def update(panel_id: int):
    panel = get_panel_for(current_user, panel_id)
    _require_organiser()
    form = _panel_form(panel)
    if not form.validate_on_submit():
        return show_page(panel, 400, panel_form=form)
    ops.update_panel(panel, **_people(form))
    db.session.commit()
    flash("Panel details saved.")
    return redirect(url_for("panels.show", panel_id=panel.id))


@bp.post("/<int:panel_id>/slots")
@login_required
def add_slot(panel_id: int):
    panel = get_panel_for(current_user, panel_id)
    _require_organiser()
    form = _slot_form()
    if not form.validate_on_submit():
        return show_page(panel, 400, slot_form=form)
    case = get_case_for(current_user, form.case_id.data)
    people = {u.id: u for u in db.session.scalars(db.select(User).where(
        User.id.in_({form.presenter_id.data or 0, form.assistant_manager_id.data or 0}),
        User.team_id == current_user.team_id))}
    try:
        ops.add_slot(panel, case, presenter=people.get(form.presenter_id.data or 0),
                     assistant_manager=people.get(form.assistant_manager_id.data or 0), minutes=form.minutes.data)
    except DomainError as error:
        form.case_id.errors = [str(error)]
        db.session.rollback()
        return show_page(panel, 400, slot_form=form)
    db.session.commit()
    flash(f"The {case.family_label} is on the agenda.")
    return redirect(url_for("panels.show", panel_id=panel.id, _anchor="agenda"))


@bp.post("/<int:panel_id>/slots/<int:slot_id>/remove")
@login_required
def remove_slot(panel_id: int, slot_id: int):
    panel = get_panel_for(current_user, panel_id)
    _require_organiser()
    slot = _slot_for(panel, slot_id)
    if EmptyForm().validate_on_submit():
        try:
            ops.remove_slot(slot)
            db.session.commit()
            flash("Taken off the agenda.")
        except DomainError as error:
            db.session.rollback()
            flash(str(error), "error")
    return redirect(url_for("panels.show", panel_id=panel.id, _anchor="agenda"))


@bp.post("/<int:panel_id>/slots/<int:slot_id>/move")
@login_required
def move_slot(panel_id: int, slot_id: int):
    panel = get_panel_for(current_user, panel_id)
    _require_organiser()
    slot = _slot_for(panel, slot_id)
    form = f.MoveSlotForm()
    if form.validate_on_submit():
        ops.move_slot(slot, -1 if form.direction.data == "up" else 1)
        db.session.commit()
    return redirect(url_for("panels.show", panel_id=panel.id, _anchor=f"slot-{slot.id}"))


@bp.post("/<int:panel_id>/go")
@login_required
def go(panel_id: int):
    """The chair moves the room: to a slot, to the next one, or to the end."""
    panel = get_panel_for(current_user, panel_id)
    form = f.GoToSlotForm()
    if not form.validate_on_submit():
        abort(400)
    target = form.meeting_id.data
    try:
        if target == "next":
            ops.next_slot(panel, current_user)
        elif target == "end":
            ops.go_to(panel, None, current_user)
        else:
            slot = next((s for s in panel.slots if str(s.meeting_id) == target), None)
            if slot is None:
                abort(404)
            ops.go_to(panel, slot, current_user)
    except DomainError as error:
        db.session.rollback()
        flash(str(error), "error")
        return show_page(panel, 403)
    db.session.commit()
    return redirect(url_for("panels.show", panel_id=panel.id, _anchor="agenda"))


@bp.get("/<int:panel_id>/slots/<int:slot_id>/prepare")
@login_required
def prepare(panel_id: int, slot_id: int):
    panel = get_panel_for(current_user, panel_id)
    slot = _slot_for(panel, slot_id)
    meeting = slot.meeting
    return render_template("live/panels/prepare.html", panel=panel, slot=slot, meeting=meeting, case=meeting.case,
                           source=ops.last_agreed_session(meeting), carried=ops.carried_entries(meeting),
                           genogram=genogram_path(meeting.case_id))


@bp.post("/<int:panel_id>/slots/<int:slot_id>/carry-forward")
@login_required
def carry_forward(panel_id: int, slot_id: int):
    panel = get_panel_for(current_user, panel_id)
    slot = _slot_for(panel, slot_id)
    if EmptyForm().validate_on_submit():
        try:
            source, copied = ops.carry_forward(slot.meeting)
            db.session.commit()
            flash(f"{copied} entries carried forward from the session of {source.scheduled_at:%d %B %Y}. "
                  "They are marked as carried forward; edit them as the family's situation has changed.")
        except DomainError as error:
            db.session.rollback()
            flash(str(error), "error")
    return redirect(url_for("panels.prepare", panel_id=panel.id, slot_id=slot.id))


@bp.get("/<int:panel_id>/screen")
@login_required
def screen(panel_id: int):
    """The room's screen for the whole day: it follows the chair from slot to slot."""
    panel = get_panel_for(current_user, panel_id)
    if panel.current_meeting_id is not None:
        return redirect(url_for("live.screen", meeting_id=panel.current_meeting_id, panel=panel.id))
    topic = events.panel_topic(panel.id)
    return render_template("live/panels/screen.html", panel=panel, event_id=events.latest_id(topic),
                           state=ops.panel_state(panel))


@bp.get("/<int:panel_id>/stream")
@login_required
def stream(panel_id: int):
    panel = get_panel_for(current_user, panel_id)
    return events.requested_stream(events.panel_topic(panel.id))


@bp.get("/<int:panel_id>/state")
@login_required
def state(panel_id: int):
    """The polling fallback of the panel's screen."""
    panel = get_panel_for(current_user, panel_id)
    return events.poll(events.panel_topic(panel.id), lambda: ops.panel_state(panel))
