"""The meeting room: the screen, the console, the stream, colleagues' phones, hidden scores, the CMR panel day."""

from __future__ import annotations

import json
import re
import threading
import time
from datetime import datetime, timedelta

import pytest
from flask.testing import FlaskClient
from sqlalchemy import event

from supervision import events
from supervision.extensions import login_manager
from supervision.models import (
    AuditEvent,
    CarriedForward,
    DangerStatement,
    LiveEvent,
    LiveSession,
    MapItem,
    Phase,
    Proposal,
    ProposalStatus,
    Role,
    SafetyGoal,
    ScalingScore,
    Section,
)
from supervision.models.types import utcnow
from supervision.services import live
from supervision.services import meetings as ops
from supervision.services import panels as panels_ops

JSON = {"Accept": "application/json"}


class OwnContextClient(FlaskClient):
    """Each request in an app context of its own, as in production: several people, several sessions."""

    def open(self, *args, **kwargs):
        with self.application.app_context():
            return super().open(*args, **kwargs)


def _signed_in(app, user) -> OwnContextClient:
    """A colleague's browser, signed in. The sign-in form is tested in test_auth; here the session cookie
    is written directly, because argon2 is slow on purpose and this module signs in fifty people."""
    client = OwnContextClient(app, app.response_class, use_cookies=True)
    with app.test_request_context(environ_base=client.environ_base):  # the same address and browser
        identifier = login_manager._session_identifier_generator()
    with client.session_transaction() as session:
        session.update({"_user_id": user.get_id(), "_fresh": True, "_id": identifier,
                        "signed_in_at": int(time.time()), "last_seen": int(time.time())})
    assert client.get("/").status_code == 200
    return client


def url(meeting, path=""):
    return f"/sessions/{meeting.id}{path}"


@pytest.fixture()
def room(app, team_setup):
    """The team's session with the manager at the console (facilitator) and scaling open."""
    meeting, manager = team_setup["meeting"], team_setup["manager"]
    client = _signed_in(app, manager)
    assert client.post(url(meeting, "/live/scaling"), data={"action": "open"}).status_code == 302
    return dict(team_setup, client=client)


def _state(client, meeting) -> dict:
    response = client.get(url(meeting, "/live/state"), headers=JSON)
    assert response.status_code == 200
    return response.get_json()["state"]


def _stream_text(client, meeting, last_event_id=None, chunks=3) -> str:
    """The first few events of the stream as a browser gets them."""
    headers = {"Last-Event-ID": str(last_event_id)} if last_event_id is not None else {}
    response = client.get(url(meeting, "/live/stream"), headers=headers, buffered=False)
    assert response.status_code == 200 and response.mimetype == "text/event-stream"
    text = ""
    for n, chunk in enumerate(response.response):
        text += chunk.decode() if isinstance(chunk, bytes) else chunk
        if n + 1 >= chunks:
            break
    response.close()
    return text


@pytest.fixture()
def short_streams(app, monkeypatch):
    monkeypatch.setitem(app.config, "LIVE_STREAM_SECONDS", 0.6)
    monkeypatch.setitem(app.config, "LIVE_HEARTBEAT_SECONDS", 0.2)


# --- access ------------------------------------------------------------------------------

def test_another_teams_screen_console_stream_and_phone_pages_are_404(app, team_setup, make_meeting):
    other_meeting = make_meeting(team_setup["other_case"], team_setup["outsider"])
    client = _signed_in(app, team_setup["manager"])
    for path in ("/screen", "/console", "/live/stream", "/live/state", "/live/qr.svg", "/take-part",
                 "/screen?preview=1"):
        assert client.get(url(other_meeting, path)).status_code == 404, path
    for path, data in [("/live/phase", {"phase": "next"}), ("/live/timer", {"action": "start"}),
                       ("/live/scaling", {"action": "reveal"}), ("/live/items", {"section": "worries", "text": "x"}),
                       ("/live/hand-over", {"user_id": team_setup["worker"].id}), ("/live/join-code", {}),
                       ("/take-part/score", {"score": "5", "save": "y"}),
                       ("/take-part/propose", {"section": "worries", "text": "x"})]:
        assert client.post(url(other_meeting, path), data=data).status_code == 404, path


def test_the_live_pages_read_the_session_with_its_case_in_one_statement(app, room, db):
    """The team check reads the case: it comes joined to the session, not in a statement of its own."""
    meeting, client = room["meeting"], room["client"]
    sent: list[str] = []

    def count(conn, cursor, statement, *args) -> None:
        sent.append(statement)

    for path in ("/screen", "/console", "/take-part"):
        assert client.get(url(meeting, path)).status_code == 200  # once first: the room's first event
        sent.clear()
        event.listen(db.engine, "before_cursor_execute", count)
        try:
            assert client.get(url(meeting, path)).status_code == 200
        finally:
            event.remove(db.engine, "before_cursor_execute", count)
        loads = [s for s in sent if re.search(r"\bFROM meetings\b", s)]
        assert len(loads) == 1 and re.search(r"\bJOIN cases\b", loads[0]), (path, loads)
        assert not any(re.search(r"\bFROM cases\b", s) for s in sent), (path, sent)


def test_every_live_post_needs_its_csrf_token(app, room, monkeypatch):
    monkeypatch.setitem(app.config, "WTF_CSRF_ENABLED", True)
    meeting, client = room["meeting"], room["client"]
    for path, data in [("/live/phase", {"phase": "next"}), ("/live/items", {"section": "worries", "text": "x"}),
                       ("/live/scaling", {"action": "reveal"}), ("/take-part/score", {"score": "5", "save": "y"}),
                       ("/take-part/propose", {"section": "worries", "text": "x"})]:
        assert client.post(url(meeting, path), data=data).status_code == 400, path
    assert client.post("/join", data={"code": "ABCDEF"}).status_code == 400
    assert live.room_for(meeting).phase is Phase.CONTEXT


# --- the join code -------------------------------------------------------------------------

def test_join_code_right_wrong_expired_and_another_teams(app, room, db, make_user, make_meeting):
    meeting, worker = room["meeting"], room["worker"]
    code = live.room_for(meeting).join_code
    assert code and len(code) == live.JOIN_CODE_LENGTH
    newcomer = make_user(Role.PRACTITIONER, room["team"], name="Nia Newcomer")
    phone = _signed_in(app, newcomer)

    wrong = phone.post("/join", data={"code": "zz9-zz9"})
    assert wrong.status_code == 400
    page = wrong.get_data(as_text=True)
    assert "No session has that code" in page and 'value="zz9-zz9"' in page  # the user's text is kept

    right = phone.post("/join", data={"code": f" {code[:3].lower()}-{code[3:]} "})
    assert right.status_code == 302 and right.location.endswith(url(meeting, "/take-part"))
    db.session.expire_all()
    assert newcomer in meeting.participants

    prefilled = phone.get(f"/join?code={live.format_code(code)}").get_data(as_text=True)
    assert f'value="{live.format_code(code)}"' in prefilled

    room_row = db.session.get(LiveSession, meeting.id)
    room_row.join_code_expires_at = utcnow() - timedelta(minutes=1)
    db.session.commit()
    expired = phone.post("/join", data={"code": code})
    assert expired.status_code == 400 and "That code has expired" in expired.get_data(as_text=True)

    other = make_meeting(room["other_case"], room["outsider"])
    other_room = live.open_room(other)
    other_code = live.new_join_code(other_room)
    db.session.commit()
    refused = _signed_in(app, worker).post("/join", data={"code": other_code})
    assert refused.status_code == 400 and "No session has that code" in refused.get_data(as_text=True)


def test_a_new_join_code_replaces_the_old_one(room, db):
    meeting, client = room["meeting"], room["client"]
    old = live.room_for(meeting).join_code
    assert client.post(url(meeting, "/live/join-code")).status_code == 302
    db.session.expire_all()
    new = live.room_for(meeting).join_code
    assert new != old
    assert db.session.scalar(db.select(LiveSession).filter_by(join_code=old)) is None


def test_qr_code_is_an_svg_image_of_the_join_address_without_inline_styles(room):
    response = room["client"].get(url(room["meeting"], "/live/qr.svg"))
    assert response.status_code == 200 and response.mimetype == "image/svg+xml"
    svg = response.get_data(as_text=True)
    assert svg.startswith("<svg") and "style=" not in svg and "<style" not in svg


# --- scaling from phones: once each, replaced, hidden until the reveal ------------------------

def test_a_second_submission_replaces_the_first(app, room, db):
    meeting, worker = room["meeting"], room["worker"]
    phone = _signed_in(app, worker)
    assert phone.post(url(meeting, "/take-part/score"), data={"score": "3", "reason": "first", "save": "y"}
                      ).status_code == 302
    assert phone.post(url(meeting, "/take-part/score"), data={"score": "9", "reason": "second", "save": "y"}
                      ).status_code == 302
    rows = db.session.scalars(db.select(ScalingScore).filter_by(meeting_id=meeting.id)).all()
    assert [(r.user_id, r.score, r.reason) for r in rows] == [(worker.id, 9, "second")]
    assert phone.post(url(meeting, "/take-part/score"), data={"skip": "y"}).status_code == 302
    db.session.expire_all()
    assert db.session.scalar(db.select(ScalingScore.score).filter_by(meeting_id=meeting.id)) is None  # a skip


def test_a_phone_score_is_audited_and_the_log_hides_it_until_the_reveal(app, room, db):
    meeting, worker = room["meeting"], room["worker"]
    phone = _signed_in(app, worker)
    for score, reason in (("6", "Dad-kept-his-promise-8812"), ("2", "Second-thoughts-3307")):
        assert phone.post(url(meeting, "/take-part/score"), data={"score": score, "reason": reason, "save": "y"}
                          ).status_code == 302
    assert phone.post(url(meeting, "/take-part/score"), data={"skip": "y"}).status_code == 302
    score_id = db.session.scalar(db.select(ScalingScore.id).filter_by(meeting_id=meeting.id, user_id=worker.id))
    rows = db.session.scalars(db.select(AuditEvent).filter_by(entity="scaling_scores", meeting_id=meeting.id)
                              .order_by(AuditEvent.id)).all()
    assert [(r.kind, r.user_id, r.entity_id) for r in rows] == [
        ("create", worker.id, score_id), ("update", worker.id, score_id), ("update", worker.id, score_id)]
    assert {(r.case_id, r.team_id, r.source) for r in rows} == {
        (meeting.case_id, room["team"].id, "live.submit_score")}
    assert "Dad-kept-his-promise-8812" in rows[0].changes  # kept for the auditor, as the editor's are
    manager = room["client"]  # a manager who reads the audit log, before the reveal
    for page in (manager.get("/audit"), manager.get("/audit/export.csv")):
        text = page.get_data(as_text=True)
        assert page.status_code == 200 and "hidden until the reveal" in text
        for hidden in ("Dad-kept-his-promise-8812", "Second-thoughts-3307"):
            assert hidden not in text


def test_a_refused_phone_score_leaves_no_audit_row(app, team_setup, db):
    phone = _signed_in(app, team_setup["worker"])
    assert phone.post(url(team_setup["meeting"], "/take-part/score"), data={"score": "4", "save": "y"}
                      ).status_code == 409
    assert db.session.scalar(db.select(db.func.count(AuditEvent.id)).filter_by(entity="scaling_scores")) == 0


def test_bad_score_input_says_why_and_keeps_the_reason(app, room):
    phone = _signed_in(app, room["worker"])
    for data in ({"reason": "kept reason", "save": "y"}, {"score": "11", "reason": "kept reason", "save": "y"},
                 {"score": "x", "reason": "kept reason", "save": "y"}):
        response = phone.post(url(room["meeting"], "/take-part/score"), data=data)
        assert response.status_code == 400, data
        page = response.get_data(as_text=True)
        assert "Choose a score from 0 to 10" in page and "kept reason" in page


def test_scores_are_refused_before_the_scaling_opens(app, team_setup):
    phone = _signed_in(app, team_setup["worker"])
    response = phone.post(url(team_setup["meeting"], "/take-part/score"),
                          data={"score": "4", "reason": "early", "save": "y"})
    assert response.status_code == 409
    assert "has not opened the scaling yet" in response.get_data(as_text=True)


def test_fifty_colleagues_submitting_at_once_all_land_once_each(app, room, db, make_user):
    meeting = room["meeting"]
    colleagues = [make_user(Role.PRACTITIONER, room["team"], name=f"Colleague {n:02}") for n in range(50)]
    phones = [_signed_in(app, c) for c in colleagues]
    target = url(meeting, "/take-part/score")

    def all_at_once(senders: list[int], score_of) -> list[int]:
        start = threading.Barrier(len(senders))
        statuses: list[int] = []

        def submit(n: int) -> None:
            start.wait()
            statuses.append(phones[n].post(target, data={"score": str(score_of(n)), "reason": f"r{n}", "save": "y"}
                                           ).status_code)

        threads = [threading.Thread(target=submit, args=(n,)) for n in senders]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(60)
        return statuses

    assert all_at_once(list(range(50)), lambda n: n % 11) == [302] * 50
    # Ten change their minds, all at once too: their second answer replaces the first.
    assert all_at_once(list(range(10)), lambda n: 10 - n % 11) == [302] * 10
    db.session.expire_all()
    rows = db.session.scalars(db.select(ScalingScore).filter_by(meeting_id=meeting.id)).all()
    assert len(rows) == 50 and len({r.user_id for r in rows}) == 50
    expected = {c.id: (10 - n % 11 if n < 10 else n % 11) for n, c in enumerate(colleagues)}
    assert {r.user_id: r.score for r in rows} == expected
    assert _state(room["client"], meeting)["scaling"]["answered"] == 50


SECRET = "Zebra-reason-4471"


def _every_page(client, meeting, case) -> dict[str, str]:
    pages = {path: client.get(url(meeting, path)).get_data(as_text=True) for path in (
        "", "/record", "/record.txt", "/record.md", "/record.json", "/screen", "/console", "/take-part",
        "/live/state")}
    pages["case"] = client.get(f"/cases/{case.id}").get_data(as_text=True)
    return pages


def test_scores_are_in_no_page_stream_or_stored_event_before_the_reveal(app, room, db, short_streams):
    meeting, manager, worker, client = room["meeting"], room["manager"], room["worker"], room["client"]
    phone = _signed_in(app, worker)
    assert phone.post(url(meeting, "/take-part/score"), data={"score": "7", "reason": SECRET, "save": "y"}
                      ).status_code == 302
    # The facilitator types a score for someone without a phone, in the editor.
    assert client.post(url(meeting, "/scores"), data={"score-user_id": manager.id, "score-score": "2",
                                                       "score-reason": SECRET + "-editor"}).status_code == 302
    for who, c in (("manager", client), ("worker", phone)):
        for path, body in _every_page(c, meeting, room["case"]).items():
            assert SECRET not in body, (who, path)
        assert SECRET not in _stream_text(c, meeting, last_event_id=0)
    state = _state(client, meeting)
    assert state["scaling"]["result"] is None and state["scaling"]["answered"] == 2
    assert '"score"' not in json.dumps(state)
    editor = client.get(url(meeting)).get_data(as_text=True)
    assert "2 of 2 have scaled" in editor and "Reveal the scores" in editor
    assert "2 of 2 have scaled" in client.get(url(meeting, "/record")).get_data(as_text=True)
    assert all(SECRET not in e.payload for e in db.session.scalars(db.select(LiveEvent)))

    assert client.post(url(meeting, "/live/scaling"), data={"action": "reveal"}).status_code == 302
    result = _state(client, meeting)["scaling"]["result"]
    assert [(m["name"], m["score"]) for m in result["marks"]] == [(manager.name, 2), (worker.name, 7)]
    assert result["median"] == 4.5 and result["widest"] == [{"name": manager.name, "score": 2},
                                                           {"name": worker.name, "score": 7}]
    for path in ("", "/record", "/record.txt"):
        assert SECRET in client.get(url(meeting, path)).get_data(as_text=True), path
    assert SECRET in _stream_text(phone, meeting, last_event_id=0)


def test_an_agreed_record_shows_every_score(room, db):
    meeting, client = room["meeting"], room["client"]
    ops.record_score(meeting, room["worker"], 6, SECRET)
    db.session.commit()
    assert SECRET not in client.get(url(meeting, "/record")).get_data(as_text=True)
    assert client.post(url(meeting, "/agree")).status_code == 302
    assert SECRET in client.get(url(meeting, "/record")).get_data(as_text=True)


def test_anonymous_scaling_names_nobody_and_orders_by_score(app, room, db, make_user):
    meeting, client = room["meeting"], room["client"]
    assert client.post(url(meeting, "/live/anonymous"), data={"anonymous": "y"}).status_code == 302
    people = [make_user(Role.PRACTITIONER, room["team"], name=f"Anon Person {n}") for n in range(3)]
    for person, score in zip(people, (8, 2, 5), strict=True):  # this order must not show
        _signed_in(app, person).post(url(meeting, "/take-part/score"),
                                            data={"score": str(score), "reason": f"because {score}", "save": "y"})
    # Once anyone has scaled, named or anonymous cannot change.
    assert client.post(url(meeting, "/live/anonymous"), data={}, headers=JSON).status_code == 409
    client.post(url(meeting, "/live/scaling"), data={"action": "reveal"})
    state = _state(client, meeting)
    marks = state["scaling"]["result"]["marks"]
    assert [(m["name"], m["score"]) for m in marks] == [(None, 2), (None, 5), (None, 8)]
    assert all(p.name not in json.dumps(state["scaling"]) for p in people)
    text = client.get(url(meeting, "/record.txt")).get_data(as_text=True)
    assert "- A colleague: 2 — because 2\n- A colleague: 5 — because 5\n- A colleague: 8 — because 8" in text
    record = client.get(url(meeting, "/record")).get_data(as_text=True)
    assert "Anon Person 0: " not in record and "A colleague: 8" in record


# --- the room: phases, timer, facilitator role ---------------------------------------------------

def test_only_the_facilitator_moves_the_room_and_hand_over_is_explicit(app, room, db):
    meeting, manager, worker, client = room["meeting"], room["manager"], room["worker"], room["client"]
    phone = _signed_in(app, worker)
    refused = phone.post(url(meeting, "/live/phase"), data={"phase": "next"}, headers=JSON)
    assert refused.status_code == 403 and "Only the facilitator moves the room" in refused.get_json()["message"]
    assert client.post(url(meeting, "/live/phase"), data={"phase": "next"}).status_code == 302
    assert _state(client, meeting)["phase"] == "review"

    assert client.post(url(meeting, "/live/hand-over"), data={"user_id": worker.id}).status_code == 302
    assert phone.post(url(meeting, "/live/phase"), data={"phase": "worries"}).status_code == 302
    assert client.post(url(meeting, "/live/phase"), data={"phase": "next"}, headers=JSON).status_code == 403
    state = _state(client, meeting)
    assert state["phase"] == "worries" and state["facilitator"]["name"] == worker.name
    # The session's own facilitator may take the role back, explicitly.
    assert client.post(url(meeting, "/live/take-back")).status_code == 302
    assert _state(client, meeting)["facilitator"]["id"] == manager.id


def test_phases_step_and_stop_at_either_end(room):
    meeting, client = room["meeting"], room["client"]
    client.post(url(meeting, "/live/phase"), data={"phase": "previous"})
    assert _state(client, meeting)["phase"] == "context"
    client.post(url(meeting, "/live/phase"), data={"phase": "summary"})
    client.post(url(meeting, "/live/phase"), data={"phase": "next"})
    assert _state(client, meeting)["phase"] == "summary"
    assert client.post(url(meeting, "/live/phase"), data={"phase": "nonsense"}).status_code == 400


def test_the_timer_keeps_its_end_time_on_the_server(team_setup, db):
    meeting, manager = team_setup["meeting"], team_setup["manager"]
    room_row = live.open_room(meeting)
    t0 = datetime(2026, 11, 24, 10, 0)
    live.start_timer(room_row, manager, now=t0)
    assert room_row.timer_ends_at == t0 + timedelta(minutes=90)
    assert live.time_left(room_row, now=t0 + timedelta(minutes=10)) == 80 * 60
    live.pause_timer(room_row, manager, now=t0 + timedelta(minutes=10))
    assert room_row.timer_ends_at is None and live.time_left(room_row) == 80 * 60
    live.start_timer(room_row, manager, now=t0 + timedelta(minutes=30))
    live.add_minutes(room_row, 5, manager)
    assert room_row.timer_ends_at == t0 + timedelta(minutes=30 + 80 + 5)
    assert live.time_left(room_row, now=t0 + timedelta(minutes=120)) == -5 * 60  # over time shows as negative
    live.reset_timer(room_row, manager)
    assert room_row.timer_ends_at is None and room_row.timer_remaining_seconds == 90 * 60


def test_proposals_are_accepted_into_the_map_or_declined(app, room, db):
    meeting, worker, client = room["meeting"], room["worker"], room["client"]
    phone = _signed_in(app, worker)
    assert phone.post(url(meeting, "/take-part/propose"), data={"section": "questions", "text": "Who notices first?"}
                      ).status_code == 302
    assert phone.post(url(meeting, "/take-part/propose"), data={"section": "worries", "text": ""}).status_code == 400
    phone.post(url(meeting, "/take-part/propose"), data={"section": "hypotheses", "text": "Not this one"})
    pending = _state(client, meeting)["proposals"]
    assert [(p["text"], p["author"]) for p in pending] == [("Who notices first?", worker.name),
                                                           ("Not this one", worker.name)]
    assert phone.post(url(meeting, f"/live/proposals/{pending[0]['id']}"), data={"decision": "accept"},
                      headers=JSON).status_code == 403
    client.post(url(meeting, f"/live/proposals/{pending[0]['id']}"), data={"decision": "accept"})
    client.post(url(meeting, f"/live/proposals/{pending[1]['id']}"), data={"decision": "decline"})
    state = _state(client, meeting)
    assert state["proposals"] == [] and [i["text"] for i in state["sections"]["questions"]] == ["Who notices first?"]
    item = db.session.scalar(db.select(MapItem).filter_by(meeting_id=meeting.id))
    assert item.author_id == worker.id
    statuses = db.session.scalars(db.select(Proposal.status).order_by(Proposal.id)).all()
    assert statuses == [ProposalStatus.ACCEPTED, ProposalStatus.DECLINED]


# --- live events ------------------------------------------------------------------------------

def test_fast_add_answers_with_the_new_state_and_keeps_bad_input(room):
    meeting, client = room["meeting"], room["client"]
    response = client.post(url(meeting, "/live/items"), data={"section": "worries", "text": "Kayla could be hurt"},
                           headers=JSON)
    assert response.status_code == 200
    body = response.get_json()
    assert [i["text"] for i in body["event"]["state"]["sections"]["worries"]] == ["Kayla could be hurt"]
    client.post(url(meeting, "/live/items"), data={"section": "danger_statements", "text": "Dad drinks and hits Mum"})
    client.post(url(meeting, "/live/items"), data={"section": "safety_goals", "text": "A sober adult, always"})
    state = _state(client, meeting)
    assert [d["text"] for d in state["danger_statements"]] == ["Dad drinks and hits Mum"]
    assert [g["text"] for g in state["safety_goals"]] == ["A sober adult, always"]
    bad = client.post(url(meeting, "/live/items"), data={"section": "worries", "text": "  "}, headers=JSON)
    assert bad.status_code == 400 and "Write something" in bad.get_json()["message"]
    page = client.post(url(meeting, "/live/items"), data={"section": "worries", "text": "x" * 10_001})
    assert page.status_code == 400 and "x" * 10_001 in page.get_data(as_text=True)  # the typed text is kept


def test_console_edits_detect_a_conflict_and_show_both_texts(room, db):
    meeting, client = room["meeting"], room["client"]
    client.post(url(meeting, "/live/items"), data={"section": "hypotheses", "text": "original"})
    item = db.session.scalar(db.select(MapItem).filter_by(meeting_id=meeting.id))
    assert client.post(url(meeting, f"/live/items/{item.id}"), data={"text": "mine", "version": "1"},
                       headers=JSON).status_code == 200
    clash = client.post(url(meeting, f"/live/items/{item.id}"), data={"text": "theirs", "version": "1"},
                        headers=JSON)
    assert clash.status_code == 409 and clash.get_json()["current_text"] == "mine"
    assert client.post(url(meeting, f"/live/items/{item.id}/remove"), headers=JSON).status_code == 200
    assert _state(client, meeting)["sections"]["hypotheses"] == []


def test_every_change_from_anywhere_becomes_one_stored_event(room, db):
    """The one hook: the editor, the services and the console all reach the screens."""
    meeting, client = room["meeting"], room["client"]
    topic = events.meeting_topic(meeting.id)
    before = events.latest_id(topic)
    client.post(url(meeting, "/sections/worries/items"), data={"text": "From the old editor"})  # the editor
    after_editor = events.latest(topic)
    assert after_editor.id > before and "From the old editor" in after_editor.data
    ops.add_item(meeting, Section.STRENGTHS, "From a service, committed elsewhere", room["worker"])  # a service
    db.session.commit()
    assert "From a service, committed elsewhere" in events.latest(topic).data
    room["case"].family_label = "Renamed family"  # a change to the case reaches its open sessions' screens
    db.session.commit()
    assert '"family":"Renamed family"' in events.latest(topic).data
    count = db.session.scalar(db.select(db.func.count(LiveEvent.id)).filter_by(topic=topic))
    db.session.rollback()
    assert db.session.scalar(db.select(db.func.count(LiveEvent.id)).filter_by(topic=topic)) == count


def test_stream_sends_a_first_event_at_once_catches_up_and_ends_in_bounded_time(room, db, short_streams):
    meeting, client = room["meeting"], room["client"]
    latest = events.latest_id(events.meeting_topic(meeting.id))
    fresh = _stream_text(client, meeting, last_event_id=0, chunks=2)
    assert fresh.startswith("retry: ") and "event: hello" in fresh
    assert f"id: {latest}\nevent: state\n" in fresh  # what it missed, at once
    up_to_date = client.get(url(meeting, "/live/stream"), headers={"Last-Event-ID": str(latest)}, buffered=False)
    text = "".join(c.decode() if isinstance(c, bytes) else c for c in up_to_date.response)  # ends by itself
    assert "event: hello" in text and "event: state" not in text and text.rstrip().endswith("data: {}")
    assert "event: ping" in text and "event: bye" in text


def test_a_stream_delivers_a_change_made_while_it_waits(room, db, short_streams):
    meeting, client = room["meeting"], room["client"]
    latest = events.latest_id(events.meeting_topic(meeting.id))
    response = client.get(f"{url(meeting, '/live/stream')}?last_event_id={latest}", buffered=False)
    chunks = iter(response.response)
    assert "event: hello" in next(chunks).decode()
    ops.add_item(meeting, Section.WORRIES, "Arrives while the screen waits", room["manager"])
    db.session.commit()
    arrived = next(chunks).decode()
    assert "event: state" in arrived and "Arrives while the screen waits" in arrived
    assert f"id: {latest}" not in arrived
    response.close()


def test_past_the_cap_a_stream_is_refused_at_once_so_pages_keep_their_threads(app, room, monkeypatch):
    meeting, client = room["meeting"], room["client"]
    open_now = events.broker.open_streams()
    monkeypatch.setitem(app.config, "LIVE_MAX_STREAMS", open_now + 1)
    first = client.get(url(meeting, "/live/stream"), buffered=False)
    assert first.status_code == 200 and "event: hello" in next(iter(first.response)).decode()
    refused = client.get(url(meeting, "/live/stream"), buffered=False)
    assert refused.status_code == 503 and refused.headers["Retry-After"] == "60"
    assert client.get(url(meeting, "/live/state"), headers=JSON).status_code == 200  # polling still answers
    assert client.get(url(meeting, "/console")).status_code == 200  # and so do pages
    first.close()
    assert events.broker.open_streams() == open_now
    again = client.get(url(meeting, "/live/stream"), buffered=False)
    assert again.status_code == 200
    again.close()


def test_gunicorn_keeps_threads_for_pages_and_caps_streams_with_the_rest(monkeypatch):
    import runpy
    from pathlib import Path

    for name in ("GUNICORN_THREADS", "LIVE_PAGE_THREADS", "FLASK_LIVE_MAX_STREAMS"):
        monkeypatch.delenv(name, raising=False)
    conf = runpy.run_path(str(Path(__file__).resolve().parent.parent / "gunicorn.conf.py"))
    assert conf["threads"] == 64 and conf["page_threads"] == 16
    assert conf["os"].environ["FLASK_LIVE_MAX_STREAMS"] == "48"
    monkeypatch.setenv("GUNICORN_THREADS", "24")
    monkeypatch.delenv("FLASK_LIVE_MAX_STREAMS")
    runpy.run_path(str(Path(__file__).resolve().parent.parent / "gunicorn.conf.py"))
    assert conf["os"].environ["FLASK_LIVE_MAX_STREAMS"] == "8"


def test_polling_answers_204_when_nothing_is_newer(room):
    meeting, client = room["meeting"], room["client"]
    first = client.get(url(meeting, "/live/state"), headers=JSON).get_json()
    assert client.get(url(meeting, f"/live/state?since={first['id']}")).status_code == 204
    client.post(url(meeting, "/live/phase"), data={"phase": "worries"})
    newer = client.get(url(meeting, f"/live/state?since={first['id']}")).get_json()
    assert newer["id"] > first["id"] and newer["state"]["phase"] == "worries"


def test_redis_relays_events_between_processes(app, room, db, monkeypatch):
    """With REDIS_URL, an event published by one process reaches the streams of another."""
    redis = pytest.importorskip("redis")
    url_ = "redis://127.0.0.1:6379/15"
    try:
        redis.Redis.from_url(url_, socket_connect_timeout=1).ping()
    except redis.exceptions.ConnectionError:
        pytest.skip("no Redis server at 127.0.0.1:6379")
    other_process = events.Broker()  # stands for another worker's broker
    relay = events.RedisRelay(url_, other_process)
    relay.ensure_listening()
    assert relay.connected.wait(5)
    subscription = other_process.subscribe(events.meeting_topic(room["meeting"].id))
    monkeypatch.setitem(app.extensions, "live_relay", events.RedisRelay(url_, events.broker))
    ops.add_item(room["meeting"], Section.WORRIES, "Through Redis", room["manager"])
    db.session.commit()
    event = subscription.wait(5)
    assert event is not None and "Through Redis" in event.data


# --- the pages ----------------------------------------------------------------------------------

def test_screen_console_and_phone_pages_render_with_their_state(app, room):
    meeting, client = room["meeting"], room["client"]
    screen = client.get(url(meeting, "/screen")).get_data(as_text=True)
    assert 'data-live="screen"' in screen and 'id="live-state"' in screen and "site-header" not in screen
    console = client.get(url(meeting, "/console")).get_data(as_text=True)
    for words in ("Next phase", "Start the timer", "Reveal the scores", "Hand over the facilitator role", "Keyboard"):
        assert words in console
    phone = _signed_in(app, room["worker"]).get(url(meeting, "/take-part")).get_data(as_text=True)
    assert "Save my score" in phone and "Skip: I will not scale this time" in phone
    assert "Send to the facilitator" in phone
    assert "style=" not in screen + console + phone  # CSP: no inline styles


# --- the CMR panel day ---------------------------------------------------------------------------

@pytest.fixture()
def panel_day(app, team_setup, make_case, make_meeting, db):
    manager, worker, team = team_setup["manager"], team_setup["worker"], team_setup["team"]
    client = _signed_in(app, manager)
    response = client.post("/panels/new", data={"title": "CMR panel", "starts_at": "2026-11-26T09:30",
                                                "chair_id": manager.id, "member_ids": [manager.id],
                                                "other_members": "Dana Hughes, service manager"})
    assert response.status_code == 302
    panel_id = int(response.location.rstrip("/").split("/")[-1])
    second_case = make_case(team, worker)
    for case in (team_setup["case"], second_case):
        assert client.post(f"/panels/{panel_id}/slots", data={"case_id": case.id, "presenter_id": worker.id,
                                                               "assistant_manager_id": 0, "minutes": "40"}
                           ).status_code == 302
    from supervision.models import Panel

    return dict(team_setup, client=client, panel=db.session.get(Panel, panel_id), second_case=second_case)


def test_a_panel_day_has_slots_of_forty_minutes_each_a_session(panel_day, db):
    panel = panel_day["panel"]
    assert [s.minutes for s in panel.slots] == [40, 40]
    assert [s.meeting.scheduled_at for s in panel.slots] == [datetime(2026, 11, 26, 9, 30),
                                                             datetime(2026, 11, 26, 10, 10)]
    assert all(s.meeting.kind.value == "cmr" and panel_day["worker"] in s.meeting.participants for s in panel.slots)
    page = panel_day["client"].get(f"/panels/{panel.id}").get_data(as_text=True)
    assert "09:30" in page and "10:10" in page and "Start with the first family" in page
    again = panel_day["client"].post(f"/panels/{panel.id}/slots", data={
        "case_id": panel_day["case"].id, "presenter_id": 0, "assistant_manager_id": 0, "minutes": "40"})
    assert again.status_code == 400 and "already on this panel" in again.get_data(as_text=True)


def test_the_panel_screen_follows_the_chair_from_slot_to_slot(panel_day, db):
    panel, client = panel_day["panel"], panel_day["client"]
    first, second = [s.meeting_id for s in panel.slots]
    assert client.get(f"/panels/{panel.id}/screen").status_code == 200  # the agenda, before the first family
    client.post(f"/panels/{panel.id}/go", data={"meeting_id": "next"})
    screen = client.get(f"/panels/{panel.id}/screen")
    assert screen.status_code == 302 and f"/sessions/{first}/screen" in screen.location
    state = _state(client, db.session.get(type(panel.slots[0].meeting), first))
    assert state["panel"]["current_meeting_id"] == first and state["timer"]["running"]
    assert state["timer"]["slot_s"] == 40 * 60 and state["panel"]["next"] == panel_day["second_case"].family_label
    client.post(f"/panels/{panel.id}/go", data={"meeting_id": "next"})
    assert f"/sessions/{second}/screen" in client.get(f"/panels/{panel.id}/screen").location
    # The first slot's screen hears that the panel has moved on.
    assert _state(client, panel.slots[0].meeting)["panel"]["current_meeting_id"] == second


def test_only_the_chair_moves_the_panel_and_other_teams_get_404(app, panel_day):
    panel = panel_day["panel"]
    worker_client = _signed_in(app, panel_day["worker"])
    assert worker_client.post(f"/panels/{panel.id}/go", data={"meeting_id": "next"}).status_code == 403
    outsider = _signed_in(app, panel_day["outsider"])
    for path in ("", "/screen", "/stream", "/state", f"/slots/{panel.slots[0].id}/prepare"):
        assert outsider.get(f"/panels/{panel.id}{path}").status_code == 404, path
    assert outsider.post(f"/panels/{panel.id}/go", data={"meeting_id": "next"}).status_code == 404


def test_a_panel_member_from_another_team_joins_a_slot_by_code_and_scales(app, panel_day, db, make_user,
                                                                           make_meeting):
    panel, manager, outsider = panel_day["panel"], panel_day["manager"], panel_day["outsider"]
    panels_ops.update_panel(panel, title=panel.title, starts_at=panel.starts_at, chair=manager,
                            members=[manager, outsider], other_members=panel.other_members)
    db.session.commit()
    slot_meeting = panel.slots[0].meeting
    assert panel_day["client"].post(url(slot_meeting, "/live/scaling"), data={"action": "open"}).status_code == 302
    code = live.format_code(live.room_for(slot_meeting).join_code)
    expected = _state(panel_day["client"], slot_meeting)["scaling"]["expected"]
    assert outsider.team_id != slot_meeting.case.team_id and outsider in slot_meeting.participants

    member_phone = _signed_in(app, outsider)
    joined = member_phone.post("/join", data={"code": code})
    assert joined.status_code == 302 and joined.location.endswith(url(slot_meeting, "/take-part"))
    assert member_phone.get(url(slot_meeting, "/take-part")).status_code == 200
    assert member_phone.post(url(slot_meeting, "/take-part/score"),
                             data={"score": "4", "reason": "panel view", "save": "y"}).status_code == 302
    scaling = _state(panel_day["client"], slot_meeting)["scaling"]
    assert scaling["answered"] == 1 and scaling["expected"] == expected  # counted once, as expected

    # Anyone else from that other team gets the same answer as for a code that does not exist.
    stranger = make_user(Role.TEAM_MANAGER, panel_day["other_team"], name="Sam Stranger")
    refused = _signed_in(app, stranger).post("/join", data={"code": code})
    assert refused.status_code == 400 and "No session has that code" in refused.get_data(as_text=True)
    db.session.expire_all()
    assert stranger not in slot_meeting.participants
    # A panel member joins only the slots of their panel, not the team's other sessions.
    team_session = make_meeting(panel_day["second_case"], manager, days_from_now=-7)
    team_code = live.new_join_code(live.open_room(team_session))
    db.session.commit()
    elsewhere = member_phone.post("/join", data={"code": team_code})
    assert elsewhere.status_code == 400 and "No session has that code" in elsewhere.get_data(as_text=True)


def test_preparing_a_slot_carries_the_last_agreed_mapping_forward_marked_and_editable(panel_day, db, make_meeting):
    case, manager, client = panel_day["case"], panel_day["manager"], panel_day["client"]
    earlier = make_meeting(case, manager, days_from_now=-30)
    ops.add_item(earlier, Section.PAST_HARM, "Police called in March", manager)
    ops.add_item(earlier, Section.NEXT_STEPS, "Not carried: last time's next step", manager)
    danger = ops.save_danger_statement(earlier, None, statement="Dad drinks and hits Mum")
    db.session.flush()
    ops.save_safety_goal(earlier, None, danger_statement=danger, statement="A sober adult always")
    ops.agree(earlier, manager)
    db.session.commit()
    slot = panel_day["panel"].slots[0]
    page = client.get(f"/panels/{panel_day['panel'].id}/slots/{slot.id}/prepare").get_data(as_text=True)
    assert "Carry the mapping forward" in page and "Preview the screen" in page
    assert client.post(f"/panels/{panel_day['panel'].id}/slots/{slot.id}/carry-forward").status_code == 302
    state = _state(client, slot.meeting)
    assert [(i["text"], i["carried"]) for i in state["sections"]["past_harm"]] == [("Police called in March", True)]
    assert state["sections"]["next_steps"] == []
    assert state["danger_statements"][0]["carried"] and state["safety_goals"][0]["answers"] == 1
    goal = db.session.scalar(db.select(SafetyGoal).filter_by(meeting_id=slot.meeting_id))
    assert goal.danger_statement.meeting_id == slot.meeting_id  # linked to the copy, not the original
    # Editable, still marked; the agreed original is untouched.
    item = db.session.scalar(db.select(MapItem).filter_by(meeting_id=slot.meeting_id))
    client.post(url(slot.meeting, f"/live/items/{item.id}"), data={"text": "Police called in March and May",
                                                                   "version": "1"})
    state = _state(client, slot.meeting)
    assert state["sections"]["past_harm"][0] == {**state["sections"]["past_harm"][0],
                                                 "text": "Police called in March and May", "carried": True}
    assert [i.text for i in earlier.items_in(Section.PAST_HARM)] == ["Police called in March"]
    again = client.post(f"/panels/{panel_day['panel'].id}/slots/{slot.id}/carry-forward", follow_redirects=True)
    assert "already been carried forward" in again.get_data(as_text=True)
    assert db.session.scalar(db.select(db.func.count(CarriedForward.id))) == 3
    assert db.session.scalar(db.select(db.func.count(DangerStatement.id))
                             .filter_by(meeting_id=slot.meeting_id)) == 1


def test_a_panel_takes_senior_colleagues_from_across_the_service(panel_day, app, make_team, make_user, db):
    from supervision.models import Role

    elsewhere = make_team("Disabled Children's Service")
    head = make_user(Role.HEAD_OF_SERVICE, elsewhere, name="Helen Across")
    worker_elsewhere = make_user(Role.PRACTITIONER, elsewhere, name="Pat Elsewhere")
    client, panel, manager = panel_day["client"], panel_day["panel"], panel_day["manager"]
    form = client.get(f"/panels/{panel.id}").get_data(as_text=True)
    assert "Helen Across (Head of service, Disabled Children&#39;s Service)" in form  # offered, with her team
    assert "Pat Elsewhere" not in form  # another team's practitioners are not
    response = client.post(f"/panels/{panel.id}", data={
        "title": "CMR panel", "starts_at": "2026-11-26T09:30", "chair_id": manager.id,
        "member_ids": [manager.id, head.id], "other_members": ""})
    assert response.status_code == 302
    db.session.refresh(panel)
    assert {u.id for u in panel.members} == {manager.id, head.id}
    # She sees the panel and its slots, as a member from another team may.
    sitting = _signed_in(app, head)
    assert sitting.get(f"/panels/{panel.id}").status_code == 200
    assert sitting.get(url(panel.slots[0].meeting, "/take-part")).status_code == 200
    refused = client.post(f"/panels/{panel.id}", data={
        "title": "CMR panel", "starts_at": "2026-11-26T09:30", "chair_id": manager.id,
        "member_ids": [worker_elsewhere.id], "other_members": ""})
    assert refused.status_code == 400
