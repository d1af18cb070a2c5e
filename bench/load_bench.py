"""A bounded load test on loopback: simulated staff browsing and editing at once.

    .venv/bin/python bench/load_bench.py                      # 200 users, 60 s, PostgreSQL then SQLite
    .venv/bin/python bench/load_bench.py --seconds 10 --users 50   # a quick check
    .venv/bin/python bench/load_bench.py --only postgresql

For each database it builds a temporary one (PostgreSQL: a database `supervision_load_bench` on the
server of PG_URL, with Redis at REDIS_URL; SQLite: a temp file), migrates and seeds it (the small demo's
teams, whose accounts the simulated staff use, inside the service-sized dataset of
`flask demo-data --scale service`, so every query runs against a whole service's tables; plus open
sessions to edit), starts the app as it runs in production (gunicorn with
gunicorn.conf.py: 4 workers on PostgreSQL and Redis; one process on SQLite, the default), and runs
an asyncio client of its own: each simulated person keeps one keep-alive connection, signs in
(people share the demo accounts' sign-ins), then loops: open a page, think, sometimes add or edit
an item in their session. It prints requests per second, p50/p95/p99 per kind of request, and
errors (any 5xx, 4xx other than an edit conflict, or a failed connection). The last line is one
JSON object for the PostgreSQL run.

The client runs on the same machine as the server, so they share its cores: figures are a floor.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import random
import re
import shutil
import sys
import tempfile
import time
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from datetime import time as clock
from pathlib import Path
from urllib.parse import urlencode

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.server import start_server, stop_server  # noqa: E402

ACCOUNTS = ["manager@demo.test", "atm@demo.test", "worker@demo.test", "sam@demo.test", "ola@demo.test",
            "senior@demo.test"]
PASSWORD = "demo"
OPEN_SESSIONS = 24  # sessions being edited at once across the service
PAGE_GOAL_P95_MS = 50


# --- the database -------------------------------------------------------------------------------

def seed(url: str) -> dict:
    """Migrate and fill a fresh database: the demo service plus open sessions. Returns ids to visit."""
    from flask_migrate import upgrade

    from app import create_app
    from supervision import demo, demo_service, events
    from supervision.extensions import db
    from supervision.models import Case, Meeting, MeetingKind, Team, User

    app = create_app({"SQLALCHEMY_DATABASE_URI": url, "SECRET_KEY": "bench"})
    with app.app_context():
        upgrade()
        with events.suspended():
            demo.seed()
            demo_service.build(demo_service.SERVICE)
            db.session.commit()
            team = db.session.scalar(db.select(Team).filter_by(name=demo.SOUTH_WEST))
            staff = list(db.session.scalars(db.select(User).filter_by(team_id=team.id)))
            manager = next(u for u in staff if u.email == "manager@demo.test")
            cases = list(db.session.scalars(db.select(Case).filter_by(team_id=team.id).order_by(Case.id)))
            start = datetime.combine(datetime.now().date(), clock(9, 0))
            meetings = [Meeting(case=cases[n % len(cases)], kind=MeetingKind.GROUP_SUPERVISION, facilitator=manager,
                                presenter=cases[n % len(cases)].practitioner, participants=staff[:6],
                                scheduled_at=start + timedelta(minutes=10 * n)) for n in range(OPEN_SESSIONS)]
            db.session.add_all(meetings)
            db.session.commit()
            ids = {"cases": [c.id for c in cases], "meetings": [m.id for m in meetings]}
        db.engine.dispose()
    return ids


# --- the client ---------------------------------------------------------------------------------

class EmptyAnswer(Exception):
    """The connection closed without a byte of answer."""


class Connection:
    """One keep-alive HTTP/1.1 connection with its own session cookie."""

    def __init__(self, port: int, cookie: str = "") -> None:
        self.port, self.cookie = port, cookie
        self.reader = self.writer = None

    async def request(self, method: str, path: str, form: dict | None = None, timeout: float = 30):
        return await asyncio.wait_for(self._request(method, path, form), timeout)

    async def _request(self, method: str, path: str, form: dict | None):
        reused = self.writer is not None
        try:
            return await self._exchange(method, path, form)
        except (ConnectionError, EmptyAnswer):
            if not reused:
                raise
            # The server had closed the idle keep-alive connection before this request reached it:
            # a browser sends it again on a new connection, and so do we.
            self.close()
            return await self._exchange(method, path, form)

    async def _exchange(self, method: str, path: str, form: dict | None):
        if self.writer is None:
            self.reader, self.writer = await asyncio.open_connection("127.0.0.1", self.port)
        body = urlencode(form).encode() if form is not None else b""
        head = [f"{method} {path} HTTP/1.1", f"Host: 127.0.0.1:{self.port}", f"Content-Length: {len(body)}"]
        if form is not None:
            head.append("Content-Type: application/x-www-form-urlencoded")
        if self.cookie:
            head.append(f"Cookie: {self.cookie}")
        self.writer.write(("\r\n".join(head) + "\r\n\r\n").encode() + body)
        await self.writer.drain()
        first = await self.reader.readline()
        if not first:
            raise EmptyAnswer()
        status = int(first.split()[1])
        headers = {}
        while (line := await self.reader.readline()) not in (b"\r\n", b""):
            name, _, value = line.decode("latin-1").partition(":")
            name, value = name.strip().lower(), value.strip()
            if name == "set-cookie" and value.startswith("session="):
                self.cookie = value.split(";", 1)[0]
            headers[name] = value
        if "content-length" in headers:
            data = await self.reader.readexactly(int(headers["content-length"]))
        elif headers.get("transfer-encoding") == "chunked":
            data = b""
            while (size := int((await self.reader.readline()).strip(), 16)) > 0:
                data += await self.reader.readexactly(size)
                await self.reader.readline()
            await self.reader.readline()
        else:
            data = await self.reader.read()
            self.close()
        if headers.get("connection", "").lower() == "close":
            self.close()
        return status, data.decode("utf-8", "replace")

    def close(self) -> None:
        if self.writer is not None:
            self.writer.close()
        self.reader = self.writer = None


TOKEN = re.compile(r'name="csrf_token"[^>]*value="([^"]+)"')
ITEM = re.compile(r'^(\d+)".*?name="version" value="(\d+)"', re.S)


def _written_by(n: int, editor: str) -> list[tuple[int, int]]:
    """(item id, version) of the items person n wrote, read from the editor page: they edit only their own."""
    mine = []
    for part in editor.split('id="item-')[1:]:
        found = ITEM.match(part)
        if found and f"by person {n} at" in part.split("</li>", 1)[0]:
            mine.append((int(found.group(1)), int(found.group(2))))
    return mine[-5:]


@dataclass
class Results:
    samples: dict[str, list[float]] = field(default_factory=lambda: defaultdict(list))
    errors: dict[str, int] = field(default_factory=lambda: defaultdict(int))
    statuses: dict[int, int] = field(default_factory=lambda: defaultdict(int))  # of the errors
    conflicts: int = 0
    measuring: bool = False


async def sign_in(port: int, email: str) -> str:
    conn = Connection(port)
    _, page = await conn.request("GET", "/sign-in")
    status, _ = await conn.request("POST", "/sign-in", {"csrf_token": TOKEN.search(page).group(1), "email": email,
                                                       "password": PASSWORD})
    conn.close()
    if status != 302:
        raise SystemExit(f"Could not sign in as {email} ({status})")
    return conn.cookie


async def person(n: int, port: int, cookie: str, ids: dict, results: Results, stop: float, think: tuple,
                 write_share: float) -> None:
    rng = random.Random(n)
    conn = Connection(port, cookie)
    meeting = ids["meetings"][n % len(ids["meetings"])]
    case = rng.choice(ids["cases"])
    mine: list[tuple[int, int]] = []  # (item id, version) of items this person wrote
    pages = [("home", "/"), ("cases", "/cases"), ("case", f"/cases/{case}"), ("editor", f"/sessions/{meeting}"),
             ("record", f"/sessions/{meeting}/record"), ("my actions", "/actions"),
             ("screen", f"/sessions/{meeting}/screen")]
    token = None
    await asyncio.sleep(rng.uniform(0, 3))  # people arrive over a few seconds
    while time.monotonic() < stop:
        if token and rng.random() < write_share:
            if mine and rng.random() < 0.3:
                item, version = mine.pop(rng.randrange(len(mine)))
                kind, method, path = "edit item", "POST", f"/sessions/{meeting}/items/{item}"
                form = {"csrf_token": token, "text": f"Edited by person {n} at {time.time():.3f}",
                        "version": str(version)}
            else:
                kind, method, path = "add item", "POST", f"/sessions/{meeting}/sections/worries/items"
                form = {"csrf_token": token, "text": f"Worry noted by person {n} at {time.time():.3f}"}
        else:
            (kind, path), method, form = rng.choice(pages), "GET", None
        began = time.monotonic()
        try:
            status, body = await conn.request(method, path, form)
        except (TimeoutError, OSError, asyncio.IncompleteReadError, ValueError, IndexError):
            conn.close()
            status, body = 0, ""
        took = (time.monotonic() - began) * 1000
        if results.measuring:
            results.samples[kind].append(took)
            if status == 409:
                results.conflicts += 1
            elif status == 0 or status >= 400:
                results.errors[kind] += 1
                results.statuses[status] += 1
        if kind == "editor" and status == 200:
            found = TOKEN.search(body)
            token = found.group(1) if found else token
            mine = _written_by(n, body)
        await asyncio.sleep(rng.uniform(*think))
    conn.close()


async def run_load(port: int, ids: dict, users: int, seconds: float, warmup: float, think: tuple,
                   write_share: float) -> tuple[Results, float]:
    cookies = [await sign_in(port, email) for email in ACCOUNTS]
    results = Results()
    stop = time.monotonic() + warmup + seconds
    tasks = [asyncio.create_task(person(n, port, cookies[n % len(cookies)], ids, results, stop, think, write_share))
             for n in range(users)]
    await asyncio.sleep(warmup)
    results.measuring = True
    began = time.monotonic()
    await asyncio.sleep(seconds)
    results.measuring = False  # exactly the measured window; requests still in flight are not counted
    measured = time.monotonic() - began
    for task in tasks:
        task.cancel()
    await asyncio.gather(*tasks, return_exceptions=True)
    return results, measured


# --- figures ------------------------------------------------------------------------------------

def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(q / 100 * (len(ordered) - 1))))] if ordered else 0.0


def report(name: str, results: Results, seconds: float, users: int) -> dict:
    every = [v for vs in results.samples.values() for v in vs]
    pages = [v for k, vs in results.samples.items() if k not in ("add item", "edit item") for v in vs]
    errors = sum(results.errors.values())
    print(f"\n{name}: {users} users for {seconds:.0f} s (machine load average now {os.getloadavg()[0]:.1f} "
          f"on {os.cpu_count()} cores, client included)")
    print(f"{'request':<14}{'count':>8}{'p50 ms':>9}{'p95 ms':>9}{'p99 ms':>9}{'errors':>8}")
    for kind in sorted(results.samples):
        values = results.samples[kind]
        print(f"{kind:<14}{len(values):>8}{percentile(values, 50):>9.1f}{percentile(values, 95):>9.1f}"
              f"{percentile(values, 99):>9.1f}{results.errors.get(kind, 0):>8}")
    summary = {"users": users, "seconds": round(seconds), "rps": round(len(every) / seconds, 1),
               "p95_ms": round(percentile(every, 95), 1), "p99_ms": round(percentile(every, 99), 1),
               "errors": errors, "page_p95_ms": round(percentile(pages, 95), 1)}
    print(f"{'all':<14}{len(every):>8}{percentile(every, 50):>9.1f}{summary['p95_ms']:>9.1f}"
          f"{summary['p99_ms']:>9.1f}{errors:>8}")
    if errors:
        print("errors by status (0: no answer):", dict(sorted(results.statuses.items())))
    page_p95 = summary["page_p95_ms"]
    print(f"requests per second: {summary['rps']}; page views p95 {page_p95:.1f} ms "
          f"({'meets' if page_p95 < PAGE_GOAL_P95_MS else 'misses'} the {PAGE_GOAL_P95_MS} ms goal); "
          f"edit conflicts (409, expected when two people edit one item): {results.conflicts}")
    return summary


def bench(kind: str, args) -> dict:
    tmp = Path(tempfile.mkdtemp(prefix="load-bench-"))
    if kind == "postgresql":
        from sqlalchemy.engine import make_url

        from supervision.testdb import drop_database, ensure_database

        url = make_url(args.pg_url).set(database="supervision_load_bench").render_as_string(hide_password=False)
        drop_database(url)
        if not ensure_database(url):
            raise SystemExit(f"PostgreSQL did not answer at {args.pg_url}")
        workers, redis = args.workers, args.redis_url
    else:
        url, workers, redis = f"sqlite:///{tmp / 'bench.sqlite'}", 1, None
    try:
        ids = seed(url)
        server, port = start_server(url, tmp / "gunicorn.log", workers=workers, redis=redis)
        try:
            results, seconds = asyncio.run(run_load(port, ids, args.users, args.seconds, args.warmup,
                                                    (args.think_min, args.think_max), args.writes))
        finally:
            stop_server(server)
        label = (f"PostgreSQL + Redis, gunicorn {workers} workers × {os.environ.get('GUNICORN_THREADS', '16')} threads"
                 if kind == "postgresql" else "SQLite, gunicorn 1 process (the default)")
        return report(label, results, seconds, args.users)
    finally:
        if kind == "postgresql":
            drop_database(url)
        shutil.rmtree(tmp, ignore_errors=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--users", type=int, default=200)
    parser.add_argument("--seconds", type=float, default=60)
    parser.add_argument("--warmup", type=float, default=5, help="seconds before measuring starts")
    parser.add_argument("--think-min", type=float, default=2.0, help="seconds a person reads before the next click")
    parser.add_argument("--think-max", type=float, default=8.0)
    parser.add_argument("--writes", type=float, default=0.2, help="share of requests that change something")
    parser.add_argument("--workers", type=int, default=4)
    parser.add_argument("--only", choices=["postgresql", "sqlite"])
    parser.add_argument("--pg-url", default=os.environ.get("PG_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/x"))
    parser.add_argument("--redis-url", default=os.environ.get("REDIS_URL", "redis://127.0.0.1:6379/14"))
    args = parser.parse_args()
    offered = args.users / ((args.think_min + args.think_max) / 2)
    print(f"{args.users} simulated people, each pausing {args.think_min}-{args.think_max} s between requests "
          f"(about {offered:.0f} requests per second offered), {args.writes:.0%} of them changes; "
          f"{args.warmup:.0f} s warm-up, then {args.seconds:.0f} s measured. "
          f"Load average before: {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores.")
    summaries = {kind: bench(kind, args) for kind in ("postgresql", "sqlite") if args.only in (None, kind)}
    print(json.dumps(summaries.get("postgresql") or summaries["sqlite"]))


if __name__ == "__main__":
    main()
