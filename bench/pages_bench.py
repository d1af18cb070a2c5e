"""Every main page against the framework's floor, on a whole service's data.

    .venv/bin/python bench/pages_bench.py                  # SQLite
    DATABASE_URL=postgresql://postgres@127.0.0.1:5432/supervision .venv/bin/python bench/pages_bench.py

Builds the service-sized dataset and the small demo once (`supervision.demo_service`, cached under
bench/out/; a run works on copies), serves each with the app as a real server (gunicorn on a free
loopback port: 1 worker on SQLite, 2 on PostgreSQL, which then uses databases of its own beside
DATABASE_URL's), signs in, warms up, and requests each page of bench/pages.py many times from a
bounded pool of client threads, with /healthz (which touches nothing) in the same run. The requests
are made in rounds, each visiting every page, /healthz and the small demo's case page and tracker in
turn, so a machine whose speed wanders during the run weighs on all of them alike. It prints a table
of p50, p95 and p95 ÷ /healthz p95, the server's resident memory, how the case page and the tracker
grow from the small demo to the service, and the query plan of the slowest statement the server sent
(SUPERVISION_PROFILE_SQL). The last line is one JSON object.
"""

from __future__ import annotations

import argparse
import hashlib
import http.client
import json
import math
import os
import re
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlencode

ROOT = Path(__file__).resolve().parent.parent
OUT = ROOT / "bench" / "out"
sys.path.insert(0, str(ROOT))

from bench.pages import PAGES, Sample, build_urls  # noqa: E402

GOAL_P95_MS = 50
GOAL_RATIO = 10
GOAL_FAST_MS = 20  # the meeting-room screen and the participant page
FAST_PAGES = {"screen", "participant"}
GOAL_RSS_MB = 300
GOAL_GROWTH = 1.5
GROWTH_PAGES = ("case", "tracker")


# --- datasets -----------------------------------------------------------------------------------

def _cache_key(kind: str, seed: int) -> str:
    """Changes when the generator, the demo or the schema changes, so a stale cache is never used."""
    digest = hashlib.sha256(f"{kind}:{seed}".encode())
    for path in sorted([ROOT / "supervision" / "demo_service.py", ROOT / "supervision" / "demo.py",
                        *(ROOT / "migrations" / "versions").glob("*.py")]):
        digest.update(path.name.encode())
        digest.update(path.read_bytes())
    return digest.hexdigest()[:12]


def _fill(url: str, kind: str, seed: int) -> dict[str, int]:
    """Migrate an empty database and fill it with the small demo or the service."""
    from flask_migrate import upgrade

    from app import create_app
    from supervision import demo, demo_service
    from supervision.extensions import db

    app = create_app({"SQLALCHEMY_DATABASE_URI": url})
    with app.app_context():
        upgrade()
        counts = demo_service.build(demo_service.SERVICE, seed=seed) if kind == "service" else demo.seed(seed)
        db.session.commit()
        db.engine.dispose()
    return counts


class SQLiteData:
    """The dataset in a SQLite file cached under bench/out/; each run works on a fresh copy."""

    def __init__(self, kind: str, seed: int, workdir: Path) -> None:
        self.cached = OUT / f"{kind}-{_cache_key(kind, seed)}.sqlite"
        self.kind, self.seed = kind, seed
        self.copy = workdir / f"{kind}.sqlite"

    def prepare(self) -> str:
        if not self.cached.exists():
            for stale in OUT.glob(f"{self.kind}-*.sqlite*"):
                stale.unlink()
            building = self.cached.with_suffix(".building")
            building.unlink(missing_ok=True)
            started = time.perf_counter()
            counts = _fill(f"sqlite:///{building}", self.kind, self.seed)
            print(f"Built the {self.kind} dataset in {time.perf_counter() - started:.1f} s: "
                  + ", ".join(f"{n:,} {k}" for k, n in counts.items()), flush=True)
            building.rename(self.cached)
        shutil.copyfile(self.cached, self.copy)
        return f"sqlite:///{self.copy}"

    def finish(self) -> None:
        for path in self.copy.parent.glob(self.copy.name + "*"):
            path.unlink()


class PostgresData:
    """The dataset in a database of its own beside DATABASE_URL's, kept as a template; each run
    works on a database copied from it (CREATE DATABASE ... TEMPLATE), dropped afterwards."""

    def __init__(self, kind: str, seed: int, base_url: str) -> None:
        import psycopg

        self.psycopg = psycopg
        info = psycopg.conninfo.conninfo_to_dict(base_url.replace("postgresql+psycopg://", "postgresql://"))
        base = info.pop("dbname", "supervision")
        self.server = info
        self.key = _cache_key(kind, seed)
        self.kind, self.seed = kind, seed
        self.cached = f"{base}_bench_{kind}"
        self.run = f"{base}_bench_{kind}_run"
        self.key_file = OUT / f"pg-{self.cached}.key"

    def _admin(self, *statements: str) -> list:
        with self.psycopg.connect(**self.server, dbname="postgres", autocommit=True) as conn:
            return [conn.execute(s).fetchall() if s.lstrip().upper().startswith("SELECT") else conn.execute(s)
                    for s in statements]

    def url(self, name: str) -> str:
        user = self.server.get("user", "postgres")
        password = f":{self.server['password']}" if self.server.get("password") else ""
        host, port = self.server.get("host", "127.0.0.1"), self.server.get("port", "5432")
        return f"postgresql+psycopg://{user}{password}@{host}:{port}/{name}"

    def prepare(self) -> str:
        exists = self._admin(f"SELECT 1 FROM pg_database WHERE datname = '{self.cached}'")[0]
        fresh = exists and self.key_file.exists() and self.key_file.read_text() == self.key
        if not fresh:
            self._admin(f'DROP DATABASE IF EXISTS "{self.cached}" WITH (FORCE)', f'CREATE DATABASE "{self.cached}"')
            started = time.perf_counter()
            counts = _fill(self.url(self.cached), self.kind, self.seed)
            print(f"Built the {self.kind} dataset on PostgreSQL in {time.perf_counter() - started:.1f} s: "
                  + ", ".join(f"{n:,} {k}" for k, n in counts.items()), flush=True)
            self.key_file.write_text(self.key)
        self._admin(f'DROP DATABASE IF EXISTS "{self.run}" WITH (FORCE)',
                    f'CREATE DATABASE "{self.run}" TEMPLATE "{self.cached}"')
        return self.url(self.run)

    def finish(self) -> None:
        self._admin(f'DROP DATABASE IF EXISTS "{self.run}" WITH (FORCE)')


def pick_sample(url: str) -> tuple[Sample, dict[str, str | None]]:
    """The team with the most open cases, and the URLs of its heaviest records."""
    from sqlalchemy import func, select

    from app import create_app
    from supervision.extensions import db
    from supervision.models import Case

    app = create_app({"SQLALCHEMY_DATABASE_URI": url})
    with app.app_context():
        team_id = db.session.execute(select(Case.team_id).where(Case.is_open.is_(True)).group_by(Case.team_id)
                                     .order_by(func.count().desc(), Case.team_id).limit(1)).scalar()
        sample = Sample.of_team(team_id)
        with app.test_request_context():
            urls = build_urls(sample)
        db.engine.dispose()
    return sample, urls


def signed_in_app(url: str):
    """The app in process on a dataset (CSRF off), its sample, page URLs and a test client per user
    ("manager", "worker"), signed in: what the in-process benchmarks open pages with."""
    from app import create_app

    sample, urls = pick_sample(url)
    app = create_app({"SQLALCHEMY_DATABASE_URI": url, "WTF_CSRF_ENABLED": False})
    clients = {}
    for who, email in (("manager", sample.manager_email), ("worker", sample.worker_email)):
        clients[who] = app.test_client()
        clients[who].post("/sign-in", data={"email": email, "password": "demo"})
    return app, sample, urls, clients


# --- the server ---------------------------------------------------------------------------------

def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@contextmanager
def server(url: str, workers: int, profile: str | None):
    port = free_port()
    env = {**os.environ, "DATABASE_URL": url, "FLASK_SECRET_KEY": secrets.token_hex(16), "FLASK_LOG_LEVEL": "WARNING"}
    env.pop("SUPERVISION_PROFILE_SQL", None)
    if profile:
        env["SUPERVISION_PROFILE_SQL"] = profile
    process = subprocess.Popen(
        [str(ROOT / ".venv" / "bin" / "gunicorn"), "--workers", str(workers), "--bind", f"127.0.0.1:{port}",
         "--log-level", "warning", "--chdir", str(ROOT), "app:create_app()"],
        env=env, cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                if request(port, "GET", "/healthz")[0] == 200:
                    break
            except OSError:
                pass
            if process.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError("The server did not start:\n" + (process.stderr.read() if process.stderr else ""))
            time.sleep(0.2)
        yield port, process.pid
    finally:
        process.send_signal(signal.SIGTERM)
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


def resident_mb(pid: int) -> float:
    """VmRSS of the server and its workers, summed."""
    pids, todo = [], [pid]
    while todo:
        current = todo.pop()
        pids.append(current)
        for task in Path(f"/proc/{current}/task").glob("*/children"):
            todo += [int(child) for child in task.read_text().split()]
    total_kb = 0
    for each in pids:
        status = Path(f"/proc/{each}/status").read_text()
        total_kb += int(re.search(r"VmRSS:\s+(\d+) kB", status).group(1))
    return total_kb / 1024


# --- the client ---------------------------------------------------------------------------------

def request(port: int, method: str, path: str, body: dict | None = None, cookie: str | None = None):
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    try:
        headers = {"Cookie": cookie} if cookie else {}
        data = None
        if body is not None:
            data = urlencode(body)
            headers["Content-Type"] = "application/x-www-form-urlencoded"
        conn.request(method, path, body=data, headers=headers)
        response = conn.getresponse()
        payload = response.read()
        cookies = [c.split(";", 1)[0] for c in response.msg.get_all("Set-Cookie") or []]
        session = next((c for c in cookies if c.startswith("session=")), None)
        return response.status, session, payload
    finally:
        conn.close()


def sign_in(port: int, email: str, password: str = "demo") -> str:
    status, cookie, page = request(port, "GET", "/sign-in")
    token = re.search(rb'name="csrf_token"[^>]*value="([^"]+)"', page)
    form = {"email": email, "password": password, "csrf_token": token.group(1).decode() if token else ""}
    status, session, _ = request(port, "POST", "/sign-in", form, cookie)
    if status != 302 or not session:
        raise RuntimeError(f"Signing in as {email} failed ({status}).")
    return session


@dataclass
class Timing:
    name: str
    p50_ms: float
    p95_ms: float
    errors: int


def percentile(values: list[float], fraction: float) -> float:
    ordered = sorted(values)
    return ordered[max(0, math.ceil(fraction * len(ordered)) - 1)]


@dataclass(frozen=True)
class Target:
    """One thing measured: a page (or /healthz) on one of the running servers."""

    name: str
    port: int
    path: str
    cookie: str | None = None


def _burst(target: Target, requests: int, concurrency: int) -> tuple[list[float], int]:
    """`requests` requests from `concurrency` client threads: their latencies in ms, and how many failed."""
    latencies: list[float] = []
    errors = 0
    lock = threading.Lock()

    def worker(count: int) -> None:
        nonlocal errors
        for _ in range(count):
            started = time.perf_counter()
            status = request(target.port, "GET", target.path, cookie=target.cookie)[0]
            elapsed = (time.perf_counter() - started) * 1000
            with lock:
                latencies.append(elapsed)
                errors += status != 200

    with ThreadPoolExecutor(max_workers=concurrency) as pool:
        list(pool.map(worker, _shares(requests, concurrency)))
    return latencies, errors


def _shares(total: int, parts: int) -> list[int]:
    return [total // parts + (i < total % parts) for i in range(parts)]


def measure(targets: list[Target], requests: int, concurrency: int, warmup: int,
            rounds: int) -> dict[str, Timing | str]:
    """Each target's p50 and p95 over `requests` requests, made in `rounds` rounds that visit every target
    in turn: a machine that slows down or speeds up during the run weighs on every page and on /healthz
    alike, so the ratios between them hold. A target that fails while warming up is reported, not measured."""
    timings: dict[str, Timing | str] = {}
    for target in targets:
        for _ in range(warmup):
            status = request(target.port, "GET", target.path, cookie=target.cookie)[0]
            if status != 200:
                timings[target.name] = f"answered {status} during warm-up: not measured"
                break
    measured = [t for t in targets if t.name not in timings]
    latencies: dict[str, list[float]] = {t.name: [] for t in measured}
    errors = dict.fromkeys(latencies, 0)
    for share in _shares(requests, rounds):
        for target in measured:
            got, failed = _burst(target, share, concurrency)
            latencies[target.name] += got
            errors[target.name] += failed
    for name, values in latencies.items():
        timings[name] = Timing(name, percentile(values, 0.5), percentile(values, 0.95), errors[name])
    return timings


def run_pages(service_url: str, small_url: str, workers: int, names: list[str], args, profile: str):
    """Both datasets served at once, every page and /healthz measured in the same rounds."""
    sample, urls = pick_sample(service_url)
    small_sample, small_urls = pick_sample(small_url)
    with server(service_url, workers, profile) as (port, pid), \
            server(small_url, workers, profile + "-small") as (small_port, _):
        cookies = {"manager": sign_in(port, sample.manager_email), "worker": sign_in(port, sample.worker_email)}
        small_cookies = {"manager": sign_in(small_port, small_sample.manager_email),
                         "worker": sign_in(small_port, small_sample.worker_email)}
        targets = [Target("/healthz", port, "/healthz")]
        for page in PAGES:
            if page.name in names and urls[page.name]:
                targets.append(Target(page.name, port, urls[page.name], cookies[page.user]))
        for page in PAGES:
            if page.name in GROWTH_PAGES and page.name in names and small_urls[page.name]:
                targets.append(Target(f"small:{page.name}", small_port, small_urls[page.name],
                                      small_cookies[page.user]))
        timings = measure(targets, args.requests, args.concurrency, args.warmup, args.rounds)
        rss = resident_mb(pid)
    return sample, urls, timings, rss


# --- the slowest statement ----------------------------------------------------------------------

def slowest_statement(profile: str) -> dict | None:
    merged: dict[str, dict] = {}
    for path in Path(profile).parent.glob(Path(profile).name + ".*.json"):
        for row in json.loads(path.read_text()):
            seen = merged.get(row["statement"])
            if seen is None:
                merged[row["statement"]] = row
            else:
                seen["count"] += row["count"]
                seen["total_ms"] += row["total_ms"]
                seen["min_ms"] = min(seen["min_ms"], row["min_ms"])
                if row["max_ms"] > seen["max_ms"]:
                    seen.update(max_ms=row["max_ms"], parameters=row["parameters"])
    for row in merged.values():
        row["mean_ms"] = row["total_ms"] / row["count"]
    # By its fastest run: what the statement costs by itself, which other work on the machine cannot inflate;
    # among those the pages send again and again (not sign-in's, on a connection still cold).
    repeated = [r for r in merged.values() if r["count"] >= 10] or list(merged.values())
    ranked = sorted(repeated, key=lambda r: -r["min_ms"])
    return {"ranked": ranked[:5]} if ranked else None


def query_plan(url: str, row: dict) -> list[str]:
    from sqlalchemy import create_engine

    engine = create_engine(url)
    try:
        with engine.connect() as conn:
            params = row["parameters"]
            if conn.dialect.name == "sqlite":
                rows = conn.exec_driver_sql("EXPLAIN QUERY PLAN " + row["statement"], tuple(params or ())).all()
                depth: dict[int, int] = {}
                for node, parent, _, _ in rows:
                    depth[node] = depth.get(parent, -1) + 1
                return [f"{'  ' * depth[node]}{detail}" for node, _, _, detail in rows]
            result = conn.exec_driver_sql("EXPLAIN " + row["statement"], params or {})
            return [r[0] for r in result.all()]
    finally:
        engine.dispose()


# --- report -------------------------------------------------------------------------------------

def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--requests", type=int, default=200, help="measured requests per page")
    parser.add_argument("--concurrency", type=int, default=2, help="client threads (the machine has 2 cores)")
    parser.add_argument("--warmup", type=int, default=20, help="unmeasured requests per page first")
    parser.add_argument("--rounds", type=int, default=5,
                        help="rounds the requests are made in, each visiting every page and /healthz in turn")
    parser.add_argument("--seed", type=int, default=2026)
    parser.add_argument("--pages", help="comma-separated page names (default: every page)")
    args = parser.parse_args()
    OUT.mkdir(parents=True, exist_ok=True)
    names = args.pages.split(",") if args.pages else [p.name for p in PAGES]

    pg_url = os.environ.get("DATABASE_URL")
    workers = 2 if pg_url else 1
    with tempfile.TemporaryDirectory(prefix="pages-bench-") as tmp:
        def data(kind: str):
            return PostgresData(kind, args.seed, pg_url) if pg_url else SQLiteData(kind, args.seed, Path(tmp))

        profile = str(Path(tmp) / "sql")
        service, small = data("service"), data("small")
        try:
            service_url, small_url = service.prepare(), small.prepare()
            load_before = os.getloadavg()[0]
            sample, urls, timings, rss = run_pages(service_url, small_url, workers, names, args, profile)
            load_after = os.getloadavg()[0]
            slowest = slowest_statement(profile)
            plan = query_plan(service_url, slowest["ranked"][0]) if slowest else []
        finally:
            service.finish()
            small.finish()

    healthz = timings.pop("/healthz")
    database = "PostgreSQL" if pg_url else "SQLite"
    print(f"\nPages on the service dataset ({database}, gunicorn {workers} worker{'s' * (workers > 1)}, "
          f"{args.concurrency} client threads, {args.requests} requests per page in {args.rounds} rounds "
          f"after {args.warmup} warm-up)")
    print(f"Opened as the team manager / practitioner of team {sample.team_id}; case {sample.case_id}, "
          f"live session {sample.live_meeting_id}, agreed record {sample.agreed_meeting_id}.")
    cores = os.cpu_count() or 1
    print(f"Machine load average {load_before:.1f} before, {load_after:.1f} after ({cores} cores)"
          + (": other work was running, so the figures are inflated." if load_before > cores else ".") + "\n")
    print(f"{'page':16} {'p50 ms':>8} {'p95 ms':>8} {'÷ healthz':>10}  goal")
    print(f"{'/healthz':16} {healthz.p50_ms:8.1f} {healthz.p95_ms:8.1f} {1:10.1f}")
    for page in PAGES:
        if page.name not in names:
            continue
        timing = timings.get(page.name)
        if not isinstance(timing, Timing):
            why = timing or "missing: the app has no such page yet"
            print(f"{page.name:16} {'—':>8} {'—':>8} {'—':>10}  {why}")
            continue
        ratio = timing.p95_ms / healthz.p95_ms
        limit = GOAL_FAST_MS if page.name in FAST_PAGES else GOAL_P95_MS
        verdict = "ok" if timing.p95_ms < limit and ratio < GOAL_RATIO else \
            f"MISSED (p95 < {limit} ms and < {GOAL_RATIO}× healthz)"
        errors = f"  {timing.errors} errors" if timing.errors else ""
        print(f"{page.name:16} {timing.p50_ms:8.1f} {timing.p95_ms:8.1f} {ratio:10.1f}  {verdict}{errors}")
    print(f"\nServer resident memory (VmRSS, master + workers): {rss:.0f} MB "
          f"({'ok' if rss < GOAL_RSS_MB else 'MISSED'}: goal < {GOAL_RSS_MB} MB)")

    growth: dict[str, float | None] = {}
    print("\nGrowth from the small demo to the service dataset (p95):")
    for name in GROWTH_PAGES:
        big, little = timings.get(name), timings.get(f"small:{name}")
        measured = isinstance(big, Timing) and isinstance(little, Timing)
        growth[name] = round(big.p95_ms / little.p95_ms, 2) if measured else None
        if growth[name] is None:
            print(f"  {name:10} — (not measured)")
        else:
            verdict = "ok" if growth[name] < GOAL_GROWTH else "MISSED"
            print(f"  {name:10} {little.p95_ms:6.1f} ms → {big.p95_ms:6.1f} ms  ×{growth[name]:.2f}  "
                  f"({verdict}: goal < {GOAL_GROWTH}×)")

    if slowest:
        print("\nSlowest statements the server sent (ranked by their fastest run):")
        for row in slowest["ranked"]:
            print(f"  {row['min_ms']:6.2f} ms fastest, {row['mean_ms']:6.2f} mean, {row['max_ms']:7.2f} max, "
                  f"×{row['count']:<5} {' '.join(row['statement'].split())[:90]}")
        print("\nIts query plan (" + ("EXPLAIN QUERY PLAN" if not pg_url else "EXPLAIN") + "):")
        print("  " + " ".join(slowest["ranked"][0]["statement"].split())[:400])
        for line in plan:
            print(f"    {line}")

    measured = {name: t for name, t in timings.items() if isinstance(t, Timing)}
    result = {
        "pages": [{"name": p.name,
                   "p50_ms": round(measured[p.name].p50_ms, 2) if p.name in measured else None,
                   "p95_ms": round(measured[p.name].p95_ms, 2) if p.name in measured else None}
                  for p in PAGES if p.name in names],
        "healthz_p95_ms": round(healthz.p95_ms, 2),
        "rss_mb": round(rss, 1),
        "growth": growth,
    }
    print(json.dumps(result))


if __name__ == "__main__":
    main()
