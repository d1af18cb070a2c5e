"""Nothing lost: the real server (gunicorn) killed with SIGKILL in a burst of writes keeps every
write it acknowledged, and its SQLite database stays intact."""

from __future__ import annotations

import http.client
import os
import re
import signal
import socket
import sqlite3
import subprocess
import sys
import threading
import time
from datetime import datetime
from pathlib import Path
from urllib.parse import urlencode

import pytest
from flask_migrate import upgrade

from app import create_app
from supervision.extensions import db
from supervision.identity import hash_password
from supervision.models import Case, LegalStatus, Meeting, MeetingKind, Role, Team, User

ROOT = Path(__file__).resolve().parent.parent
PASSWORD = "a long enough password"


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Browser:
    """A minimal HTTP client: one cookie (the session), no redirects followed."""

    def __init__(self, port: int) -> None:
        self.port, self.cookie = port, ""

    def request(self, method: str, path: str, form: dict | None = None, timeout: float = 10):
        conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=timeout)
        headers = {"Cookie": self.cookie} if self.cookie else {}
        body = None
        if form is not None:
            body = urlencode(form)
            headers["Content-Type"] = "application/x-www-form-urlencoded"
        try:
            conn.request(method, path, body=body, headers=headers)
            response = conn.getresponse()
            data = response.read().decode()
        finally:
            conn.close()
        cookie = response.getheader("Set-Cookie")
        if cookie and cookie.startswith("session="):
            self.cookie = cookie.split(";", 1)[0]
        return response.status, data

    def csrf(self, path: str) -> str:
        _, page = self.request("GET", path)
        return re.search(r'name="csrf_token"[^>]*value="([^"]+)"', page).group(1)


def _seed(database: Path) -> int:
    app = create_app({"SQLALCHEMY_DATABASE_URI": f"sqlite:///{database}", "SECRET_KEY": "k" * 32})
    with app.app_context():
        upgrade()
        team = Team(name="Durable team")
        manager = User(email="manager@durable.test", name="Manager", role=Role.TEAM_MANAGER, team=team,
                       password_hash=hash_password(PASSWORD))
        case = Case(reference="D-1", family_label="Durable family", team=team, practitioner=manager,
                    legal_status=LegalStatus.CHILD_IN_NEED)
        meeting = Meeting(case=case, kind=MeetingKind.GROUP_SUPERVISION, facilitator=manager,
                          scheduled_at=datetime(2026, 11, 23, 10))
        db.session.add_all([team, manager, case, meeting])
        db.session.commit()
        meeting_id = meeting.id
        db.engine.dispose()
    return meeting_id


def _start(database_url: str, port: int, log: Path, **settings: str) -> subprocess.Popen:
    """gunicorn with gunicorn.conf.py, as `make run-prod` starts it (one worker unless told otherwise)."""
    env = {**os.environ, "DATABASE_URL": database_url, "FLASK_SECRET_KEY": "k" * 32,
           "WEB_CONCURRENCY": "1", "GUNICORN_THREADS": "4", "BIND": f"127.0.0.1:{port}", **settings}
    if "REDIS_URL" not in settings:
        env.pop("REDIS_URL", None)
    server = subprocess.Popen([sys.executable, "-m", "gunicorn", "--config", str(ROOT / "gunicorn.conf.py")],
                              cwd=ROOT, env=env, stdout=log.open("ab"), stderr=subprocess.STDOUT,
                              start_new_session=True)  # its own process group: the kill takes the workers too
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        try:
            if Browser(port).request("GET", "/healthz", timeout=1)[0] == 200:
                return server
        except OSError:
            time.sleep(0.1)
    os.killpg(server.pid, signal.SIGKILL)
    raise AssertionError("gunicorn did not start:\n" + log.read_text())


def _kill(server: subprocess.Popen) -> None:
    os.killpg(server.pid, signal.SIGKILL)
    server.wait(timeout=10)


@pytest.fixture()
def stack(tmp_path):
    database, log = tmp_path / "durable.sqlite", tmp_path / "gunicorn.log"
    meeting_id = _seed(database)
    servers = []

    def start(port):
        servers.append(_start(f"sqlite:///{database}", port, log))
        return servers[-1]

    yield database, log, meeting_id, start
    for server in servers:
        if server.poll() is None:
            _kill(server)


def test_sigkill_mid_burst_loses_no_acknowledged_write(stack):
    database, log, meeting_id, start = stack
    port = _free_port()
    server = start(port)
    browser = Browser(port)
    token = browser.csrf("/sign-in")
    status, _ = browser.request("POST", "/sign-in", {"csrf_token": token, "email": "manager@durable.test",
                                                     "password": PASSWORD})
    assert status == 302
    token = browser.csrf(f"/sessions/{meeting_id}")
    browser.request("GET", "/cases?family=Durable+family")  # a query string that names someone

    acknowledged: list[str] = []
    lock = threading.Lock()

    def burst(writer: int) -> None:
        for n in range(10_000):
            text = f"burst {writer}-{n}"
            try:
                status, _ = browser.request("POST", f"/sessions/{meeting_id}/sections/worries/items",
                                            {"csrf_token": token, "text": text}, timeout=5)
            except OSError:
                return  # the server is gone: this write was never acknowledged
            if status == 302:
                with lock:
                    acknowledged.append(text)

    writers = [threading.Thread(target=burst, args=(w,)) for w in range(3)]
    for writer in writers:
        writer.start()
    while len(acknowledged) < 60:
        time.sleep(0.01)
    _kill(server)  # mid-burst: three requests are in flight
    for writer in writers:
        writer.join(timeout=15)
    assert len(acknowledged) >= 60

    with sqlite3.connect(database) as conn:
        assert conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
        stored = {text for (text,) in conn.execute("SELECT text FROM map_items")}
    assert set(acknowledged) <= stored, f"lost: {sorted(set(acknowledged) - stored)[:5]}"

    # The restarted server serves all of it.
    port = _free_port()
    start(port)
    browser.port = port
    status, page = browser.request("GET", f"/sessions/{meeting_id}")
    assert status == 200
    assert all(text in page for text in acknowledged)
    assert "Durable" not in log.read_text()  # the access log keeps paths, not query strings
