"""Live updates, measured: open screens on one session, edits reaching them, and scaling from phones.

    .venv/bin/python bench/live_bench.py                        # 30 screens, 200 edits, 50 scalers
    .venv/bin/python bench/live_bench.py --workers 3 --redis redis://127.0.0.1:6379/14   # several processes

It builds a temporary SQLite database (migrated, then seeded with one team, one case, one session
with 50 participants, scaling open), starts the app as it runs in production (gunicorn with
gunicorn.conf.py, gthread; one process by default, or several sharing updates through Redis) on a
free loopback port, and then:

1. opens N screens: each a thread reading the session's Server-Sent Events stream, as a browser does;
2. the facilitator's console makes E edits one after another (the console's fast add, with its CSRF
   token), each text carrying a marker; for every edit and every screen it records the time from
   sending the edit's request to the first event on that screen holding the marker;
3. fifty colleagues send their scaling score at the same moment (a barrier), each from their own
   signed-in session with its own CSRF token: how many got through, how many rows landed (read
   from the database: once each), and how long from the first request to the last answer.

The facilitator signs in through the real form. The fifty colleagues' session cookies are written
with the app's key instead (argon2 makes fifty sign-ins take half a minute on purpose; sign-in is not
what is measured). The client shares the machine's cores with the server: figures are a floor.
Bounded: everything stops after --timeout seconds. The last line is one JSON object.
"""

from __future__ import annotations

import argparse
import http.client
import json
import re
import socket
import sqlite3
import statistics
import sys
import tempfile
import threading
import time
from datetime import datetime, timedelta
from pathlib import Path
from urllib.parse import urlencode

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.server import start_server, stop_server  # noqa: E402

SECRET_KEY = "live-bench-" + "k" * 32
PASSWORD = "live-bench-password"
USER_AGENT = "live-bench"
CSRF = re.compile(r'name="csrf_token" type="hidden" value="([^"]+)"|name="csrf_token" value="([^"]+)"')


def seed(db_path: Path, scalers: int) -> dict:
    """Migrate and fill the database; return the session's id and the colleagues' cookies."""
    from flask_migrate import upgrade

    from app import create_app
    from supervision.extensions import db, login_manager
    from supervision.identity import hash_password
    from supervision.models import Case, LegalStatus, Meeting, MeetingKind, Role, Team, User
    from supervision.services import live

    app = create_app({"SQLALCHEMY_DATABASE_URI": f"sqlite:///{db_path}", "SECRET_KEY": SECRET_KEY})
    with app.app_context():
        upgrade()
        team = Team(name="Bench team")
        manager = User(email="manager@bench.test", name="Bench Manager", role=Role.TEAM_MANAGER, team=team,
                       password_hash=hash_password(PASSWORD))
        colleagues = [User(email=f"c{n}@bench.test", name=f"Colleague {n:02}", team=team, password_hash="x")
                      for n in range(scalers)]
        case = Case(reference="BENCH-1", family_label="Bench family", team=team, legal_status=LegalStatus.CHILD_IN_NEED)
        meeting = Meeting(case=case, kind=MeetingKind.GROUP_SUPERVISION, facilitator=manager,
                          scheduled_at=datetime.now() + timedelta(hours=1), participants=[manager, *colleagues])
        db.session.add_all([team, manager, *colleagues, case, meeting])
        db.session.commit()
        live.open_scaling(live.open_room(meeting), manager)
        db.session.commit()
        serializer = app.session_interface.get_signing_serializer(app)
        with app.test_request_context(environ_base={"REMOTE_ADDR": "127.0.0.1", "HTTP_USER_AGENT": USER_AGENT}):
            identifier = login_manager._session_identifier_generator()
        now = int(time.time())
        cookies = [serializer.dumps({"_user_id": c.get_id(), "_fresh": True, "_id": identifier,
                                     "signed_in_at": now, "last_seen": now}) for c in colleagues]
        result = {"meeting_id": meeting.id, "cookies": cookies}
        db.engine.dispose()
    return result


class Browser:
    """One keep-alive connection with its own cookies, as one browser tab."""

    def __init__(self, port: int, cookie: str = "") -> None:
        self.connection = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
        self.cookies: dict[str, str] = {}
        if cookie:
            self.cookies["session"] = cookie

    def request(self, method: str, path: str, form: dict | None = None, accept: str = "text/html"):
        headers = {"User-Agent": USER_AGENT, "Accept": accept,
                   "Cookie": "; ".join(f"{k}={v}" for k, v in self.cookies.items())}
        body = None
        if form is not None:
            body = urlencode(form)
            headers["Content-Type"] = "application/x-www-form-urlencoded"
        self.connection.request(method, path, body=body, headers=headers)
        response = self.connection.getresponse()
        data = response.read()
        for header, value in response.getheaders():
            if header.lower() == "set-cookie":
                name, _, rest = value.partition("=")
                self.cookies[name] = rest.split(";", 1)[0]
        return response.status, data.decode()

    def csrf(self, path: str) -> str:
        status, page = self.request("GET", path)
        match = CSRF.search(page)
        if status != 200 or not match:
            raise SystemExit(f"No form at {path} ({status})")
        return match.group(1) or match.group(2)


class Screen(threading.Thread):
    """A screen on the room's wall: reads the stream and notes when each edit's marker first arrives."""

    MARKER = re.compile(r"bench-edit-(\d+)-end")

    def __init__(self, port: int, cookies: dict[str, str], path: str) -> None:
        super().__init__(daemon=True)
        self.port, self.path = port, path
        self.cookie = "; ".join(f"{k}={v}" for k, v in cookies.items())
        self.arrived: dict[int, float] = {}
        self.answered = 0
        self.ready = threading.Event()
        self.done = threading.Event()
        self.socket: socket.socket | None = None

    def run(self) -> None:
        connection = http.client.HTTPConnection("127.0.0.1", self.port, timeout=120)
        connection.connect()
        self.socket = connection.sock
        connection.request("GET", self.path, headers={"Cookie": self.cookie, "User-Agent": USER_AGENT,
                                                      "Accept": "text/event-stream"})
        response = connection.getresponse()
        try:
            while line := response.readline():
                if line.startswith(b"event: hello"):
                    self.ready.set()
                elif line.startswith(b"data: {"):
                    now = time.perf_counter()
                    text = line.decode()
                    for n in self.MARKER.findall(text):
                        self.arrived.setdefault(int(n), now)
                    answered = re.search(r'"answered":(\d+)', text)
                    if answered:
                        self.answered = int(answered.group(1))
        except (OSError, ValueError):
            pass
        self.done.set()

    def stop(self) -> None:
        if self.socket is not None:
            try:
                self.socket.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass


def percentile(values: list[float], p: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(p / 100 * (len(ordered) - 1))))]


def run(args) -> dict:
    deadline = time.monotonic() + args.timeout
    tmp = Path(tempfile.mkdtemp(prefix="live-bench-"))
    db_path = tmp / "bench.sqlite"
    print(f"Seeding {db_path} …", flush=True)
    seeded = seed(db_path, args.scalers)
    meeting_id = seeded["meeting_id"]
    server, port = start_server(f"sqlite:///{db_path}", tmp / "gunicorn.log", workers=args.workers,
                                threads=args.threads, redis=args.redis, secret_key=SECRET_KEY)
    screens: list[Screen] = []
    try:
        console = Browser(port)
        token = console.csrf("/sign-in")
        status, _ = console.request("POST", "/sign-in", {"csrf_token": token, "email": "manager@bench.test",
                                                         "password": PASSWORD})
        assert status == 302, f"sign-in answered {status}"
        token = console.csrf(f"/sessions/{meeting_id}/console")
        _, body = console.request("GET", f"/sessions/{meeting_id}/live/state", accept="application/json")
        latest = json.loads(body)["id"]

        # 1. The screens
        path = f"/sessions/{meeting_id}/live/stream?last_event_id={latest}"
        screens = [Screen(port, console.cookies, path) for _ in range(args.screens)]
        for screen in screens:
            screen.start()
        for screen in screens:
            if not screen.ready.wait(max(1, deadline - time.monotonic())):
                raise SystemExit("A screen did not connect in time.")
        print(f"{len(screens)} screens connected; {args.edits} edits …", flush=True)

        # 2. The edits
        sent: dict[int, float] = {}
        edit_ms: list[float] = []
        for n in range(args.edits):
            form = {"csrf_token": token, "section": "worries", "text": f"Worry bench-edit-{n}-end"}
            sent[n] = time.perf_counter()
            status, _ = console.request("POST", f"/sessions/{meeting_id}/live/items", form, accept="application/json")
            edit_ms.append((time.perf_counter() - sent[n]) * 1000)
            assert status == 200, f"edit {n} answered {status}"
            if args.pause:
                time.sleep(args.pause)
        last = args.edits - 1
        while time.monotonic() < deadline and not all(last in s.arrived for s in screens):
            time.sleep(0.05)
        latencies = [(s.arrived[n] - sent[n]) * 1000 for s in screens for n in sent if n in s.arrived]
        missed = len(screens) * len(sent) - len(latencies)

        # 3. Fifty colleagues scale at once
        print(f"{args.scalers} colleagues scaling at once …", flush=True)
        phones = [Browser(port, cookie) for cookie in seeded["cookies"]]
        tokens = [phone.csrf(f"/sessions/{meeting_id}/take-part") for phone in phones]
        barrier = threading.Barrier(len(phones) + 1)
        results: list[tuple[int, float]] = []

        def scale(n: int) -> None:
            barrier.wait()
            status, _ = phones[n].request("POST", f"/sessions/{meeting_id}/take-part/score",
                                          {"csrf_token": tokens[n], "score": str(n % 11), "reason": f"r{n}",
                                           "save": "Save my score"})
            results.append((status, time.perf_counter()))

        workers = [threading.Thread(target=scale, args=(n,), daemon=True) for n in range(len(phones))]
        for worker in workers:
            worker.start()
        barrier.wait()
        started = time.perf_counter()
        for worker in workers:
            worker.join(max(1, deadline - time.monotonic()))
        finished = max((t for _, t in results), default=started)
        while time.monotonic() < deadline and not all(s.answered >= args.scalers for s in screens):
            time.sleep(0.05)
        on_screens = time.perf_counter() - started
        with sqlite3.connect(db_path) as conn:
            rows, people = conn.execute("SELECT count(*), count(DISTINCT user_id) FROM scaling_scores "
                                        "WHERE meeting_id = ?", (meeting_id,)).fetchone()
    finally:
        for screen in screens:
            screen.stop()
        stop_server(server)

    accepted = sum(1 for status, _ in results if status == 302)
    return {
        "latencies": latencies, "missed": missed, "edit_ms": edit_ms, "accepted": accepted,
        "rows": rows, "people": people, "scaling_s": finished - started, "on_screens_s": on_screens,
        "screens_saw_all": sum(1 for s in screens if s.answered >= args.scalers),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--screens", type=int, default=30)
    parser.add_argument("--edits", type=int, default=200)
    parser.add_argument("--scalers", type=int, default=50)
    parser.add_argument("--workers", type=int, default=1, help="gunicorn processes (more than one needs --redis)")
    parser.add_argument("--threads", type=int, default=128, help="threads per process: each open screen holds one")
    parser.add_argument("--redis", default=None, help="Redis URL, to share updates between processes")
    parser.add_argument("--pause", type=float, default=0.0, help="seconds between edits")
    parser.add_argument("--timeout", type=float, default=180)
    args = parser.parse_args()
    if args.workers > 1 and not args.redis:
        parser.error("several workers share updates through Redis: give --redis")

    r = run(args)
    lat = r["latencies"]
    setup = f"gunicorn gthread, {args.workers} process(es) × {args.threads} threads" + (
        ", Redis fan-out" if args.redis else ", in-process fan-out") + ", SQLite"
    print()
    print(f"Live updates on one session — {setup}")
    print(f"{'':32}{'value':>12}")
    rows = [
        ("screens", f"{args.screens}"),
        ("edits", f"{args.edits}"),
        ("edit request p50 (ms)", f"{statistics.median(r['edit_ms']):.1f}"),
        ("edit → every screen p50 (ms)", f"{percentile(lat, 50):.1f}" if lat else "—"),
        ("edit → every screen p95 (ms)", f"{percentile(lat, 95):.1f}" if lat else "—"),
        ("edit → every screen max (ms)", f"{max(lat):.1f}" if lat else "—"),
        ("arrivals missed", f"{r['missed']}"),
        ("scaling sent at once", f"{args.scalers}"),
        ("scaling accepted (302)", f"{r['accepted']}"),
        ("scaling rows landed", f"{r['rows']} ({r['people']} people)"),
        ("scaling: all answered (s)", f"{r['scaling_s']:.2f}"),
        ("scaling: count on screens (s)", f"{r['on_screens_s']:.2f} ({r['screens_saw_all']} screens)"),
    ]
    for name, value in rows:
        print(f"{name:32}{value:>12}")
    print(json.dumps({"screens": args.screens, "edits": args.edits,
                      "p50_ms": round(percentile(lat, 50), 1) if lat else None,
                      "p95_ms": round(percentile(lat, 95), 1) if lat else None,
                      "scaling_sent": args.scalers, "scaling_landed": r["rows"]}))


if __name__ == "__main__":
    main()
