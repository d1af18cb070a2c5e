"""The meeting room: the screen, the facilitator's console, the live stream, and colleagues' phones."""

from __future__ import annotations

import io
import json
import time

import segno
from flask import Blueprint, Response, flash, jsonify, redirect, render_template, request, url_for
from flask_login import current_user, login_required
from sqlalchemy import bindparam, inspect
from wtforms.fields.choices import SelectChoice

from supervision import events
from supervision.access import get_meeting_for
from supervision.extensions import db
from supervision.forms import EmptyForm
from supervision.live import forms as f
from supervision.models import DangerStatement, MapItem, Phase, Proposal, SafetyGoal, ScalingScore, Section, User
from supervision.security import safe_next_url
from supervision.services import live
from supervision.services import meetings as ops
from supervision.services.errors import DomainError, EditConflict

bp = Blueprint("live", __name__)


@bp.record_once
def _install(state) -> None:
    events.init_app(state.app)


# --- helpers -------------------------------------------------------------------------

def _wants_json() -> bool:
    return request.accept_mimetypes.best == "application/json"


def _page_context(meeting) -> dict:
    """What every live page starts from: the session's newest stored event, the very state its open
    screens were last sent (and the polling fallback serves), so a page costs no more than reading it
    and nothing falls between the page and its stream. Before any change there is no event yet: the
    state is built and stored as its first event, as any change would store it."""
    topic = events.meeting_topic(meeting.id)
    latest = events.latest(topic)
    if latest is None:
        events.mark_changed(db.session(), topic)
        db.session.commit()
        latest = events.latest(topic)
    server_ms = int(time.time() * 1000)
    state = json.loads(latest.data)
    expires_ms = (state.get("join") or {}).get("expires_ms")
    if expires_ms is not None and expires_ms <= server_ms:
        state["join"] = None  # the code expired since that event
    return dict(meeting=meeting, case=meeting.case, event_id=latest.id, state=state,
                phases=live.phase_catalogue(), server_ms=server_ms)


def _done(meeting, message: str | None = None, anchor: str | None = None):
    """After a change: JSON with the newest state for the console's fetch, or back to the console."""
    meeting_id = inspect(meeting).identity[0]  # not meeting.id: after the commit that would reload it all
    if _wants_json():
        latest = events.latest(events.meeting_topic(meeting_id))
        event = latest.json_text() if latest else "null"
        return Response(f'{{"ok":true,"message":{json.dumps(message)},"event":{event}}}', mimetype="application/json")
    if message:
        flash(message)
    back = safe_next_url(request.form.get("next_url"))
    return redirect(back or url_for("live.console", meeting_id=meeting_id, _anchor=anchor))


def _refused(meeting, error: DomainError, status: int = 409):
    db.session.rollback()
    if _wants_json():
        return jsonify(ok=False, message=str(error)), status
    flash(str(error), "error")
    return console_page(meeting, status)


def _invalid(meeting, form):
    """Bad input: the message, and for a typed item its text kept, with a 400."""
    if _wants_json():
        return jsonify(ok=False, errors=form.errors, message="; ".join(
            e for errors in form.errors.values() for e in errors)), 400
    for errors in form.errors.values():
        for error in errors:
            flash(error, "error")
    return console_page(meeting, 400, kept=form if isinstance(form, f.QuickItemForm) else None)


def _room_change(meeting_id: int, form_class, change):
    """A facilitator's control: check the form (CSRF included), apply, commit once."""
    meeting = get_meeting_for(current_user, meeting_id)
    form = form_class()
    if not form.validate_on_submit():
        return _invalid(meeting, form)
    try:
        message = change(meeting, live.open_room(meeting), form)
    except live.NotFacilitator as error:
        return _refused(meeting, error, 403)
    except DomainError as error:
        return _refused(meeting, error)
    db.session.commit()
    return _done(meeting, message)


def _colleagues(meeting) -> list[SelectChoice]:
    people = db.session.scalars(db.select(User).filter_by(team_id=meeting.case.team_id, active=True)
                                .where(User.id != current_user.id).order_by(User.name))
    return [SelectChoice(0, "Choose a colleague"), *(SelectChoice(u.id, u.name) for u in people)]


# --- the screen, the console, the stream ------------------------------------------------

@bp.get("/sessions/<int:meeting_id>/screen")
@login_required
def screen(meeting_id: int):
    meeting = get_meeting_for(current_user, meeting_id)
    panel_id = request.args.get("panel", type=int)
    return render_template("live/screen.html", preview=request.args.get("preview") == "1",
                           panel_id=panel_id, **_page_context(meeting))


@bp.get("/sessions/<int:meeting_id>/console")
@login_required
def console(meeting_id: int):
    return console_page(get_meeting_for(current_user, meeting_id))


def console_page(meeting, status: int = 200, kept: f.QuickItemForm | None = None):
    context = _page_context(meeting)
    room = live.room_for(context["meeting"])
    hand_over = f.HandOverForm(formdata=None)
    hand_over.user_id.choices = _colleagues(meeting)
    return render_template(
        "live/console.html", room=room, is_facilitator=room.facilitator_id == current_user.id,
        hand_over_form=hand_over, anonymous_form=f.AnonymousForm(formdata=None, anonymous=room.anonymous),
        kept=kept, **context), status


@bp.get("/sessions/<int:meeting_id>/live/stream")
@login_required
def stream(meeting_id: int):
    meeting = get_meeting_for(current_user, meeting_id)
    return events.requested_stream(events.meeting_topic(meeting.id))


@bp.get("/sessions/<int:meeting_id>/live/state")
@login_required
def state(meeting_id: int):
    """The polling fallback, for networks that block streaming."""
    meeting = get_meeting_for(current_user, meeting_id)
    return events.poll(events.meeting_topic(meeting.id), lambda: live.meeting_state(meeting))


@bp.get("/sessions/<int:meeting_id>/live/qr.svg")
@login_required
def qr(meeting_id: int):
    """The join code as a QR code, drawn here (an image, so no inline style reaches the page)."""
    meeting = get_meeting_for(current_user, meeting_id)
    room = live.room_for(meeting)
    if not live.code_is_valid(room):
        return Response(status=404)
    target = url_for("live.join", code=live.format_code(room.join_code), _external=True)
    out = io.BytesIO()
    segno.make(target, error="m").save(out, kind="svg", scale=10, border=2, xmldecl=False,
                                       title="QR code to join this session", dark="#000", light="#fff")
    return Response(out.getvalue(), mimetype="image/svg+xml", headers={"Cache-Control": "no-store"})


# --- the facilitator's controls -------------------------------------------------------------

@bp.post("/sessions/<int:meeting_id>/live/phase")
@login_required
def phase(meeting_id: int):
    def change(meeting, room, form):
        if form.phase.data in ("next", "previous"):
            live.step(room, 1 if form.phase.data == "next" else -1, current_user)
        else:
            live.move_to(room, Phase(form.phase.data), current_user)
    return _room_change(meeting_id, f.PhaseForm, change)


@bp.post("/sessions/<int:meeting_id>/live/timer")
@login_required
def timer(meeting_id: int):
    def change(meeting, room, form):
        action = form.action.data
        if action == "start":
            live.start_timer(room, current_user)
        elif action == "pause":
            live.pause_timer(room, current_user)
        elif action == "reset":
            live.reset_timer(room, current_user)
        else:
            live.add_minutes(room, 5, current_user)
    return _room_change(meeting_id, f.TimerForm, change)


@bp.post("/sessions/<int:meeting_id>/live/scaling")
@login_required
def scaling(meeting_id: int):
    def change(meeting, room, form):
        if form.action.data == "open":
            live.open_scaling(room, current_user)
            return "Scaling is open: colleagues can scale from their phones."
        live.reveal(room, current_user)
        return "The scores are revealed."
    return _room_change(meeting_id, f.ScalingForm, change)


@bp.post("/sessions/<int:meeting_id>/live/anonymous")
@login_required
def anonymous(meeting_id: int):
    def change(meeting, room, form):
        live.set_anonymous(room, bool(form.anonymous.data), current_user)
        return "Scaling is anonymous." if form.anonymous.data else "Scaling is named."
    return _room_change(meeting_id, f.AnonymousForm, change)


@bp.post("/sessions/<int:meeting_id>/live/join-code")
@login_required
def join_code(meeting_id: int):
    def change(meeting, room, form):
        live.require_facilitator(current_user, room)
        live.new_join_code(room)
        return "A new join code is showing; the old one no longer works."
    return _room_change(meeting_id, EmptyForm, change)


@bp.post("/sessions/<int:meeting_id>/live/hand-over")
@login_required
def hand_over(meeting_id: int):
    meeting = get_meeting_for(current_user, meeting_id)
    form = f.HandOverForm()
    form.user_id.choices = _colleagues(meeting)
    if not form.validate_on_submit():
        return _invalid(meeting, form)
    colleague = db.session.get(User, form.user_id.data) if form.user_id.data else None
    if colleague is None:
        form.user_id.errors = ["Choose the colleague who will facilitate."]
        return _invalid(meeting, form)
    try:
        live.hand_over(live.open_room(meeting), colleague, current_user)
    except live.NotFacilitator as error:
        return _refused(meeting, error, 403)
    except DomainError as error:
        return _refused(meeting, error)
    db.session.commit()
    return _done(meeting, f"{colleague.name} is facilitating now.")


@bp.post("/sessions/<int:meeting_id>/live/take-back")
@login_required
def take_back(meeting_id: int):
    def change(meeting, room, form):
        live.take_back(room, current_user)
        return "You are facilitating again."
    return _room_change(meeting_id, EmptyForm, change)


# --- the map, fast -------------------------------------------------------------------------

@bp.post("/sessions/<int:meeting_id>/live/items")
@login_required
def add_item(meeting_id: int):
    """Fast add: anyone in the session may type into the map (the editor allows it too)."""
    meeting = get_meeting_for(current_user, meeting_id)
    form = f.QuickItemForm()
    if not form.validate_on_submit():
        return _invalid(meeting, form)
    try:
        if form.section.data == "danger_statements":
            ops.save_danger_statement(meeting, None, statement=form.text.data)
        elif form.section.data == "safety_goals":
            ops.save_safety_goal(meeting, None, danger_statement=None, statement=form.text.data)
        else:
            ops.add_item(meeting, Section(form.section.data), form.text.data, current_user)
    except DomainError as error:
        return _refused(meeting, error)
    db.session.commit()
    return _done(meeting, anchor="work")


_ENTRY_MODELS = {"items": MapItem, "danger_statements": DangerStatement, "safety_goals": SafetyGoal}


def _entry_for(meeting, kind: str, entry_id: int):
    return db.first_or_404(db.select(_ENTRY_MODELS[kind]).filter_by(id=entry_id, meeting_id=meeting.id))


@bp.post("/sessions/<int:meeting_id>/live/<any('items', 'danger_statements', 'safety_goals'):kind>/<int:entry_id>")
@login_required
def edit_entry(meeting_id: int, kind: str, entry_id: int):
    meeting = get_meeting_for(current_user, meeting_id)
    entry = _entry_for(meeting, kind, entry_id)
    form = f.ItemEditForm()
    if not form.validate_on_submit():
        return _invalid(meeting, form)
    version = int(form.version.data) if str(form.version.data).isdigit() else 0
    try:
        if kind == "items":
            ops.edit_item(entry, form.text.data, version)
        elif kind == "danger_statements":
            ops.save_danger_statement(meeting, entry, expected_version=version, statement=form.text.data)
        else:
            ops.save_safety_goal(meeting, entry, danger_statement=entry.danger_statement, expected_version=version,
                                 statement=form.text.data)
    except EditConflict as conflict:
        db.session.rollback()
        if _wants_json():
            return jsonify(ok=False, message=str(conflict), current_text=conflict.current_text,
                           current_version=conflict.current_version), 409
        flash(str(conflict), "error")
        return redirect(url_for("live.console", meeting_id=meeting.id))
    except DomainError as error:
        return _refused(meeting, error)
    db.session.commit()
    return _done(meeting, anchor="work")


@bp.post("/sessions/<int:meeting_id>/live/<any('items', 'danger_statements', 'safety_goals'):kind>/<int:entry_id>"
         "/remove")
@login_required
def remove_entry(meeting_id: int, kind: str, entry_id: int):
    meeting = get_meeting_for(current_user, meeting_id)
    entry = _entry_for(meeting, kind, entry_id)
    if not EmptyForm().validate_on_submit():
        return _invalid(meeting, EmptyForm())
    try:
        if kind == "items":
            ops.remove_item(entry)
        else:
            ops.remove(meeting, entry)
    except DomainError as error:
        return _refused(meeting, error)
    db.session.commit()
    return _done(meeting, anchor="work")


@bp.post("/sessions/<int:meeting_id>/live/proposals/<int:proposal_id>")
@login_required
def decide(meeting_id: int, proposal_id: int):
    meeting = get_meeting_for(current_user, meeting_id)
    proposal = db.first_or_404(db.select(Proposal).filter_by(id=proposal_id, meeting_id=meeting.id))
    form = f.DecisionForm()
    if not form.validate_on_submit():
        return _invalid(meeting, form)
    try:
        if form.decision.data == "accept":
            live.accept(proposal, current_user)
        else:
            live.decline(proposal, current_user)
    except live.NotFacilitator as error:
        return _refused(meeting, error, 403)
    except DomainError as error:
        return _refused(meeting, error)
    db.session.commit()
    return _done(meeting, "Proposal accepted into the map." if form.decision.data == "accept"
                 else "Proposal declined.", anchor="proposals")


# --- colleagues' phones ----------------------------------------------------------------------

@bp.route("/join", methods=["GET", "POST"])
@login_required
def join():
    form = f.JoinForm(data={"code": request.args.get("code", "")} if request.method == "GET" else None)
    if request.method == "POST" and form.validate_on_submit():
        try:
            meeting = live.find_by_code(current_user, form.code.data)
        except live.JoinRefused as error:
            form.code.errors = [str(error)]
        else:
            live.join(meeting, current_user)
            db.session.commit()
            return redirect(url_for("live.take_part", meeting_id=meeting.id))
    return render_template("live/join.html", form=form), 400 if form.errors else 200


# What the phone page reads of its user, built once: every colleague's phone opens it.
_MY_PROPOSALS = (db.select(Proposal).where(Proposal.meeting_id == bindparam("meeting_id"),
                                           Proposal.author_id == bindparam("user_id")).order_by(Proposal.id))
_MY_SCORE = db.select(ScalingScore.id).where(ScalingScore.meeting_id == bindparam("meeting_id"),
                                             ScalingScore.user_id == bindparam("user_id"))


def _take_part_page(meeting, status: int = 200, score_form=None, proposal_form=None, score_error=None):
    whose = {"meeting_id": meeting.id, "user_id": current_user.id}
    mine = db.session.scalars(_MY_PROPOSALS, whose).all()
    answered = db.session.scalar(_MY_SCORE, whose) is not None
    return render_template("live/take_part.html", score_form=score_form or f.ScoreForm(),
                           proposal_form=proposal_form or f.ProposalForm(), my_proposals=mine, answered=answered,
                           score_error=score_error, **_page_context(meeting)), status


@bp.get("/sessions/<int:meeting_id>/take-part")
@login_required
def take_part(meeting_id: int):
    return _take_part_page(get_meeting_for(current_user, meeting_id))


@bp.post("/sessions/<int:meeting_id>/take-part/score")
@login_required
def submit_score(meeting_id: int):
    meeting = get_meeting_for(current_user, meeting_id)
    form = f.ScoreForm()
    if not form.validate_on_submit():
        return _take_part_page(meeting, 400, score_form=form)
    try:
        live.submit_score(meeting, current_user, None if form.skip.data else form.score.data, form.reason.data or "")
    except DomainError as error:
        db.session.rollback()
        return _take_part_page(meeting, 409, score_form=form, score_error=str(error))
    db.session.commit()
    flash("You skipped this time; that is counted." if form.skip.data else "Your score is saved.")
    return redirect(url_for("live.take_part", meeting_id=meeting.id, _anchor="scaling"))


@bp.post("/sessions/<int:meeting_id>/take-part/propose")
@login_required
def propose(meeting_id: int):
    meeting = get_meeting_for(current_user, meeting_id)
    form = f.ProposalForm()
    if not form.validate_on_submit():
        return _take_part_page(meeting, 400, proposal_form=form)
    try:
        live.propose(meeting, current_user, Section(form.section.data), form.text.data)
    except DomainError as error:
        form.text.errors = [str(error)]
        return _take_part_page(meeting, 409, proposal_form=form)
    db.session.commit()
    flash("Sent to the facilitator, who will accept or decline it.")
    return redirect(url_for("live.take_part", meeting_id=meeting.id, _anchor="propose"))
