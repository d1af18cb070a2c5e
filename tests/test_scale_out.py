"""Scale out: two gunicorn servers (two workers each) on one PostgreSQL database and one Redis.

A live screen streaming from one server sees an edit made through the other, and a person
signed in on one is signed in on the other. Run in the PostgreSQL pass of the suite
(TEST_DATABASE_URL=postgresql://...), which is the deployment this proves; Redis at REDIS_URL
or 127.0.0.1:6379.
"""

from __future__ import annotations

import http.client
import os
import threading
import time
from datetime import datetime

import sqlalchemy as sa
from flask_migrate import upgrade

from app import create_app
from supervision.config import Config
from supervision.extensions import db
from supervision.identity import hash_password
from supervision.models import Case, LegalStatus, Meeting, MeetingKind, Role, Team, User
from supervision.testdb import drop_database, ensure_database
from tests.test_durability import PASSWORD, Browser, _free_port, _kill, _start

BASE = os.environ.get("TEST_DATABASE_URL", "")

if BASE.startswith("postgres"):

    def _seed(url: str) -> int:
        app = create_app({"SQLALCHEMY_DATABASE_URI": url, "SECRET_KEY": "k" * 32})
        with app.app_context():
            upgrade()
            team = Team(name="Scaled team")
            manager = User(email="manager@scaled.test", name="Manager", role=Role.TEAM_MANAGER, team=team,
                           password_hash=hash_password(PASSWORD))
            case = Case(reference="S-1", family_label="Scaled family", team=team, practitioner=manager,
                        legal_status=LegalStatus.CHILD_IN_NEED)
            meeting = Meeting(case=case, kind=MeetingKind.GROUP_SUPERVISION, facilitator=manager,
                              scheduled_at=datetime(2026, 11, 23, 10), participants=[manager])
            db.session.add_all([team, manager, case, meeting])
            db.session.commit()
            meeting_id = meeting.id
            db.engine.dispose()
        return meeting_id

    def test_an_edit_through_one_server_reaches_a_screen_on_another(tmp_path):
        url = sa.engine.make_url(Config.normalise_db_url(BASE)).set(database="supervision_scaleout_test")
        url = url.render_as_string(hide_password=False)
        drop_database(url)
        assert ensure_database(url)
        meeting_id = _seed(url)
        redis = os.environ.get("REDIS_URL", "redis://127.0.0.1:6379/15")
        servers = []
        try:
            ports = [_free_port(), _free_port()]
            for port in ports:
                servers.append(_start(url, port, tmp_path / f"gunicorn-{port}.log", REDIS_URL=redis,
                                      WEB_CONCURRENCY="2"))
            browser = Browser(ports[0])
            token = browser.csrf("/sign-in")
            assert browser.request("POST", "/sign-in", {"csrf_token": token, "email": "manager@scaled.test",
                                                        "password": PASSWORD})[0] == 302
            received: list[str] = []
            stream = threading.Thread(target=_listen, args=(ports[0], browser.cookie, meeting_id, received),
                                      daemon=True)
            stream.start()
            deadline = time.monotonic() + 10
            while not any("event: hello" in line for line in received) and time.monotonic() < deadline:
                time.sleep(0.05)
            assert any("event: hello" in line for line in received), "the stream did not open"

            other = Browser(ports[1])
            other.cookie = browser.cookie  # the same person, now on the other server
            token = other.csrf(f"/sessions/{meeting_id}")
            sent = time.monotonic()
            status, _ = other.request("POST", f"/sessions/{meeting_id}/sections/worries/items",
                                      {"csrf_token": token, "text": "Written on the other server"})
            assert status == 302
            while time.monotonic() - sent < 10 and not any("Written on the other server" in x for x in received):
                time.sleep(0.02)
            assert any("Written on the other server" in line for line in received), \
                "the edit made on server B never reached the screen streaming from server A"
        finally:
            for server in servers:
                _kill(server)
            drop_database(url)

    def _listen(port: int, cookie: str, meeting_id: int, received: list[str]) -> None:
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
        conn.request("GET", f"/sessions/{meeting_id}/live/stream", headers={"Cookie": cookie,
                                                                           "Accept": "text/event-stream"})
        response = conn.getresponse()
        while True:
            line = response.fp.readline()
            if not line:
                return
            received.append(line.decode(errors="replace"))

