"""The audit log: every view of a case record and every change, append-only, for managers; CSV export."""

from __future__ import annotations

import csv
import io
import json
import logging
from datetime import date, timedelta

import pytest
import sqlalchemy as sa

from supervision.audit.report import safe_cell
from supervision.models import AuditEvent, MapItem, Role
from tests.conftest import PASSWORD
from tests.routes import isolated_client, signed_in


def _events(db, **filters) -> list[AuditEvent]:
    db.session.expire_all()
    return list(db.session.scalars(db.select(AuditEvent).filter_by(**filters).order_by(AuditEvent.id)))


def test_opening_a_case_record_is_logged_once_per_visit(app, team_setup, db):
    worker, case, meeting = team_setup["worker"], team_setup["case"], team_setup["meeting"]
    client = signed_in(app, worker)
    for url in (f"/cases/{case.id}", f"/sessions/{meeting.id}", f"/sessions/{meeting.id}/record.txt"):
        assert client.get(url).status_code == 200
    views = _events(db, kind="view")
    assert [(e.entity, e.entity_id, e.source) for e in views] == [
        ("cases", case.id, "cases.show"), ("meetings", meeting.id, "sessions.editor"),
        ("meetings", meeting.id, "sessions.record_text")]
    assert {(e.user_id, e.case_id, e.team_id) for e in views} == {(worker.id, case.id, case.team_id)}
    client.get(f"/cases/{case.id}")  # a reload within the minute is the same visit
    assert len(_events(db, kind="view")) == 3


def test_another_teams_url_logs_no_view(app, team_setup, db):
    client = signed_in(app, team_setup["outsider"])
    assert client.get(f"/cases/{team_setup['case'].id}").status_code == 404
    assert _events(db, kind="view") == []


def test_changes_are_logged_with_who_what_before_and_after(app, team_setup, db):
    manager, meeting = team_setup["manager"], team_setup["meeting"]
    client = signed_in(app, manager)
    client.post(f"/sessions/{meeting.id}/sections/worries/items", data={"text": "Dad shouts at night"})
    item = db.session.scalar(db.select(MapItem).filter_by(meeting_id=meeting.id))
    client.post(f"/sessions/{meeting.id}/items/{item.id}", data={"text": "Dad shouts most nights", "version": "1"})
    item_id = item.id
    client.post(f"/sessions/{meeting.id}/items/{item_id}/remove")

    created, updated, deleted = (_events(db, entity="map_items", kind=k)[0] for k in ("create", "update", "delete"))
    for event in (created, updated, deleted):
        assert (event.user_id, event.entity_id, event.meeting_id) == (manager.id, item_id, meeting.id)
        assert (event.case_id, event.team_id) == (meeting.case_id, team_setup["team"].id)
    assert json.loads(created.changes)["text"] == "Dad shouts at night"
    assert json.loads(updated.changes)["text"] == ["Dad shouts at night", "Dad shouts most nights"]
    assert json.loads(updated.changes)["version"] == [1, 2]
    assert json.loads(deleted.changes)["text"] == "Dad shouts most nights"
    assert updated.source == "sessions.edit_item"


def test_who_takes_part_is_logged_as_lists_of_ids(app, team_setup, db):
    manager, worker, meeting = team_setup["manager"], team_setup["worker"], team_setup["meeting"]
    signed_in(app, manager).post(f"/sessions/{meeting.id}/details", data={
        "kind": "group_supervision", "scheduled_at": "2026-12-01T10:00", "facilitator_id": manager.id,
        "presenter_id": worker.id, "participant_ids": [manager.id]})
    change = {}  # one request may flush more than once: each flush's changes are a row
    for event in _events(db, entity="meetings", kind="update"):
        change.update(json.loads(event.changes))
    assert change["participants"] == [sorted([manager.id, worker.id]), [manager.id]]
    assert change["scheduled_at"][1] == "2026-12-01T10:00:00"


def test_passwords_and_tokens_never_reach_the_log(app, make_team, make_user, db):
    admin = make_user(Role.ADMIN, make_team())
    colleague = make_user(Role.PRACTITIONER, admin.team)
    client = isolated_client(app)
    client.post("/sign-in", data={"email": admin.email, "password": PASSWORD})
    client.post(f"/admin/users/{colleague.id}/password",
                data={"password": "a brand new secret", "confirm": "a brand new secret"})
    change = json.loads(_events(db, entity="users", kind="update", entity_id=colleague.id)[-1].changes)
    assert change["password_hash"] == ["[not recorded]", "[not recorded]"]
    assert change["session_token"] == ["[not recorded]", "[not recorded]"]
    everything = " ".join(e.changes or "" for e in _events(db))
    assert "argon2" not in everything and colleague.session_token not in everything


def test_a_rolled_back_change_leaves_no_audit_row(team_setup, db):
    from supervision.services import meetings as ops

    before = _count(db)
    ops.add_item(team_setup["meeting"], ops.Section.WORRIES, "never saved", team_setup["manager"])
    db.session.flush()
    assert _count(db) == before + 1  # written in the same transaction as the change...
    db.session.rollback()  # ...and gone with it
    assert [e for e in _events(db) if e.entity == "map_items"] == []


def _count(db) -> int:
    return db.session.scalar(db.select(sa.func.count(AuditEvent.id)))


def test_the_log_is_append_only_in_the_database_itself(team_setup, db):
    login_row = AuditEvent(kind="view", entity="cases", entity_id=1, source="test")
    db.session.add(login_row)
    db.session.commit()
    for statement in ("UPDATE audit_events SET kind = 'nothing'", "DELETE FROM audit_events"):
        with pytest.raises(sa.exc.DatabaseError, match="append-only"):
            with db.engine.begin() as conn:
                conn.execute(sa.text(statement))
    assert db.session.get(AuditEvent, login_row.id).kind == "view"


@pytest.fixture()
def history(app, team_setup, make_case, db):
    """A worker views two cases and adds to a session's map."""
    worker = team_setup["worker"]
    second = make_case(team_setup["team"], worker)
    client = signed_in(app, worker)
    client.get(f"/cases/{team_setup['case'].id}")
    client.get(f"/cases/{second.id}")
    client.post(f"/sessions/{team_setup['meeting'].id}/sections/strengths/items", data={"text": "=HYPERLINK(1)"})
    return dict(team_setup, second=second)


def test_managers_filter_the_log_by_person_case_kind_and_date(app, history, db):
    client = signed_in(app, history["manager"])
    case, worker = history["case"], history["worker"]
    page = client.get("/audit").data.decode()
    assert "Viewed case" in page and "Added map item" in page and history["second"].family_label in page
    page = client.get(f"/audit?case_id={history['second'].id}").data.decode()
    assert history["second"].family_label in page and "Added map item" not in page
    page = client.get(f"/audit?kind=create&user_id={worker.id}").data.decode()
    assert "Added map item" in page and "Viewed case" not in page
    assert "=HYPERLINK(1)" in page  # the before/after is on the page, escaped
    tomorrow = (date.today() + timedelta(days=1)).isoformat()
    assert "No events match" in client.get(f"/audit?date_from={tomorrow}").data.decode()
    response = client.get(f"/audit?date_from={tomorrow}&date_to=2020-01-01")
    assert response.status_code == 400 and b"end date is before the start date" in response.data
    assert client.get("/audit?user_id=not-a-number").status_code == 400
    assert client.get(f"/audit?case_id={case.id}").status_code == 200


def test_the_log_shows_only_the_managers_own_team(app, history, db):
    client = signed_in(app, history["outsider"])
    page = client.get("/audit").data.decode()
    assert history["case"].reference not in page and history["second"].reference not in page
    assert history["other_case"].reference in page  # their own team's case, added by the fixture


def test_csv_export_is_complete_safe_from_formulas_and_itself_logged(app, history, db):
    client = signed_in(app, history["manager"])
    response = client.get(f"/audit/export.csv?user_id={history['worker'].id}")
    assert response.mimetype == "text/csv" and "attachment" in response.headers["Content-Disposition"]
    rows = list(csv.DictReader(io.StringIO(response.data.decode())))
    assert {r["what happened"] for r in rows} == {"Viewed", "Added"}
    assert {r["who"] for r in rows} == {history["worker"].name}
    added = next(r for r in rows if r["what happened"] == "Added")
    assert added["details"].startswith("{") and "=HYPERLINK(1)" in added["details"]
    for row in rows:
        for value in row.values():
            assert not value.startswith(("=", "+", "-", "@")), value
    exports = _events(db, kind="export")
    assert len(exports) == 1 and exports[0].user_id == history["manager"].id
    assert json.loads(exports[0].changes)["rows"] == len(rows)


@pytest.mark.parametrize("value, cell", [
    ("=SUM(A1)", "'=SUM(A1)"), ("+1", "'+1"), ("-2", "'-2"), ("@cmd", "'@cmd"), ("\tx", "'\tx"),
    ("plain", "plain"), (None, ""), (12, "12"),
])
def test_safe_cell(value, cell):
    assert safe_cell(value) == cell


def test_application_logs_name_no_one(app, team_setup, db, caplog):
    """Names, emails and what was typed stay out of the logs, even on errors."""
    caplog.set_level(logging.DEBUG)
    client = signed_in(app, team_setup["manager"])
    meeting, case = team_setup["meeting"], team_setup["case"]
    client.get(f"/cases/{case.id}?family={case.family_label}")
    client.post(f"/sessions/{meeting.id}/sections/worries/items", data={"text": "Kayla Harlow was hurt"})
    client.post(f"/sessions/{meeting.id}/scores", data={"user_id": "nonsense", "reason": "Kayla Harlow"})
    client.get(f"/sessions/{meeting.id + 1000}?child=Kayla+Harlow")
    client.post("/sign-in", data={"email": team_setup["worker"].email, "password": "wrong"})
    logged = "\n".join(r.getMessage() for r in caplog.records)
    for identifying in ("Kayla", "Harlow", case.family_label, team_setup["manager"].email,
                        team_setup["worker"].email, team_setup["manager"].name):
        assert identifying not in logged


# --- scaling scores: hidden until the reveal, nobody named in an anonymous round ------------------

SECRET_REASON = "Kept-Secret-Reason-4417"


def _csv_rows(client, query: str = "") -> list[dict]:
    response = client.get(f"/audit/export.csv{query}")
    assert response.status_code == 200
    return list(csv.DictReader(io.StringIO(response.data.decode())))


def _open_scaling(client, meeting, anonymous: bool = False) -> None:
    if anonymous:
        assert client.post(f"/sessions/{meeting.id}/live/anonymous", data={"anonymous": "y"}).status_code == 302
    assert client.post(f"/sessions/{meeting.id}/live/scaling", data={"action": "open"}).status_code == 302


def _score_in_editor(client, meeting, person, score: int, reason: str) -> None:
    response = client.post(f"/sessions/{meeting.id}/scores", data={
        "score-user_id": person.id, "score-score": str(score), "score-reason": reason})
    assert response.status_code == 302


def test_scores_in_the_log_are_hidden_until_the_reveal(app, team_setup, db):
    manager, worker, meeting = team_setup["manager"], team_setup["worker"], team_setup["meeting"]
    client = signed_in(app, manager)
    _open_scaling(client, meeting)
    _score_in_editor(client, meeting, worker, 7, SECRET_REASON)

    page = client.get("/audit").data.decode()
    assert "Added scaling score" in page  # that a score was recorded, and when, is shown...
    assert SECRET_REASON not in page and "hidden until the reveal" in page  # ...not what it was
    [row] = [r for r in _csv_rows(client) if r["record"] == "scaling_scores"]
    details = json.loads(row["details"])
    assert details["score"] == details["reason"] == "hidden until the reveal"
    assert details["user_id"] == worker.id and row["who"] == manager.name  # a named round: who is shown
    # The row itself keeps what was recorded: the log stays a complete record once revealed.
    [stored] = _events(db, entity="scaling_scores")
    assert json.loads(stored.changes)["reason"] == SECRET_REASON

    assert client.post(f"/sessions/{meeting.id}/live/scaling", data={"action": "reveal"}).status_code == 302
    assert SECRET_REASON in client.get("/audit").data.decode()
    [row] = [r for r in _csv_rows(client) if r["record"] == "scaling_scores"]
    assert json.loads(row["details"])["score"] == 7 and json.loads(row["details"])["reason"] == SECRET_REASON


def test_a_replaced_score_and_the_family_score_are_hidden_too(app, team_setup, db):
    manager, worker, meeting = team_setup["manager"], team_setup["worker"], team_setup["meeting"]
    client = signed_in(app, manager)
    _open_scaling(client, meeting)
    _score_in_editor(client, meeting, worker, 3, "first thoughts")
    _score_in_editor(client, meeting, worker, 8, "second thoughts")
    from supervision.services import meetings as ops

    ops.set_family_score(meeting, 4, "Mum's own number")
    db.session.commit()
    rows = _csv_rows(client)
    text = json.dumps(rows)
    for secret in ("first thoughts", "second thoughts", "Mum's own number"):
        assert secret not in text
    [update] = [r for r in rows if r["record"] == "scaling_scores" and r["what happened"] == "Changed"]
    assert json.loads(update["details"])["score"] == ["hidden until the reveal"] * 2
    family = [json.loads(r["details"]) for r in rows if r["record"] == "meetings" and "family_score" in r["details"]]
    assert family and all(d["family_score"] == ["hidden until the reveal"] * 2 for d in family)


def test_an_anonymous_round_never_names_who_gave_a_score(app, team_setup, make_user, db):
    manager, worker, meeting = team_setup["manager"], team_setup["worker"], team_setup["meeting"]
    client = signed_in(app, manager)
    _open_scaling(client, meeting, anonymous=True)
    _score_in_editor(client, meeting, worker, 6, SECRET_REASON)

    def score_rows(query=""):
        return [r for r in _csv_rows(client, query) if r["record"] == "scaling_scores"]

    for revealed in (False, True):
        [row] = score_rows()
        details = json.loads(row["details"])
        assert row["who"].startswith("Anonymous") and row["email"] == ""
        assert details["user_id"] == "anonymous" and str(worker.id) not in json.dumps(details["user_id"])
        assert (details["reason"] == SECRET_REASON) is revealed
        page = client.get("/audit").data.decode()
        assert "Anonymous (an anonymous scaling round)" in page
        # Filtering by a person would name them: the anonymous rows are not listed under anyone.
        assert score_rows(f"?user_id={manager.id}") == [] and score_rows(f"?user_id={worker.id}") == []
        assert "Added scaling score" not in client.get(f"/audit?user_id={manager.id}").data.decode()
        if not revealed:
            client.post(f"/sessions/{meeting.id}/live/scaling", data={"action": "reveal"})


def test_record_change_logs_an_upsert_in_its_own_transaction(app, team_setup, db):
    """What services/live.py's phone score (one upsert, unseen by the listener) should call."""
    from supervision.audit import record_change
    from supervision.models import AuditKind

    manager, worker, meeting = team_setup["manager"], team_setup["worker"], team_setup["meeting"]
    values = {"user_id": worker.id, "score": 5, "reason": SECRET_REASON}
    record_change(AuditKind.CREATE, entity="scaling_scores", entity_id=99, meeting=meeting, values=values,
                  user=worker)
    db.session.rollback()  # rolled back with the change it describes
    assert _events(db, entity="scaling_scores") == []
    record_change(AuditKind.CREATE, entity="scaling_scores", entity_id=99, meeting=meeting, values=values,
                  user=worker)
    db.session.commit()
    [row] = _events(db, entity="scaling_scores")
    assert (row.user_id, row.meeting_id, row.case_id, row.team_id) == (
        worker.id, meeting.id, meeting.case_id, team_setup["team"].id)
    client = signed_in(app, manager)
    [shown] = [r for r in _csv_rows(client) if r["record"] == "scaling_scores"]
    assert shown["who"] == worker.name and json.loads(shown["details"])["reason"] == "hidden until the reveal"
