"""After the meeting, at the size of a whole service: my actions, the tracker, caseloads, the case page.

    .venv/bin/python bench/after_meeting_bench.py              # SQLite (dataset cached under bench/out/)
    .venv/bin/python bench/after_meeting_bench.py --database-url postgresql://postgres@127.0.0.1:5432/after_bench

The dataset is `flask demo-data --scale service` (supervision.demo_service: 6 teams, 40 practitioners,
800 families, 6,000 sessions, 25,000 actions) plus twelve past weeks of caseload snapshots
(supervision.caseloads.demo.seed_history), as the weekly command would have written them. On SQLite it is
built once and cached; each run works on a copy. With --database-url the named PostgreSQL database is
emptied and filled (give it a scratch database).

Each page is requested through the Flask test client, signed in as the person who would open it
(the team with the most open cases: its team manager, and its practitioner with the most open
actions), after a warm-up, round-robin (every page once per round, so a busy moment on the machine
falls on all pages alike), with /healthz (which touches nothing) in the same rounds as the floor.
Goal: every page's p95 under 100 ms. Prints a table; the last line is one JSON object.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import logging
import os
import random
import shutil
import statistics
import sys
import tempfile
import time
from datetime import date
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
OUT = ROOT / "bench" / "out"
sys.path.insert(0, str(ROOT))

GOAL_MS = 100.0
SEED = 2026
HISTORY_WEEKS = 12


def _cache_key() -> str:
    """Changes when the generators or the schema change, so a stale dataset is never used."""
    digest = hashlib.sha256(f"after-meeting:{SEED}:{date.today()}".encode())
    for path in sorted([ROOT / "supervision" / "demo_service.py", ROOT / "supervision" / "caseloads" / "demo.py",
                        *(ROOT / "migrations" / "versions").glob("*.py")]):
        digest.update(path.name.encode())
        digest.update(path.read_bytes())
    return digest.hexdigest()[:12]


def build(url: str, fresh_schema: bool) -> dict[str, int]:
    """Migrate and fill one database with the service and its caseload history."""
    import sqlalchemy as sa
    from flask_migrate import upgrade

    from app import create_app
    from supervision import demo_service
    from supervision.caseloads.demo import seed_history
    from supervision.extensions import db
    from supervision.models import Team

    app = create_app({"SQLALCHEMY_DATABASE_URI": url, "LOG_LEVEL": "WARNING"})
    with app.app_context():
        if fresh_schema:
            with db.engine.begin() as conn:
                conn.execute(sa.text("DROP SCHEMA public CASCADE; CREATE SCHEMA public"))
        upgrade()
        counts = demo_service.build(demo_service.SERVICE, seed=SEED)
        db.session.flush()
        teams = list(db.session.scalars(db.select(Team).order_by(Team.id)))
        counts["caseload snapshots"] = seed_history(teams, date.today(), random.Random(SEED), weeks=HISTORY_WEEKS)
        db.session.commit()
        if not url.startswith("sqlite"):
            with db.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
                conn.execute(sa.text("ANALYZE"))  # planner statistics after a bulk load, as autovacuum would
        db.engine.dispose()
    return counts


def sqlite_dataset(workdir: Path, rebuild: bool) -> str:
    OUT.mkdir(parents=True, exist_ok=True)
    cached = OUT / f"after-meeting-service-{_cache_key()}.sqlite"
    if rebuild or not cached.exists():
        for stale in OUT.glob("after-meeting-service-*.sqlite*"):
            stale.unlink()
        building = cached.with_suffix(".building")
        building.unlink(missing_ok=True)
        started = time.perf_counter()
        counts = build(f"sqlite:///{building}", fresh_schema=False)
        print(f"Built the service dataset in {time.perf_counter() - started:.1f} s: "
              + ", ".join(f"{n:,} {k}" for k, n in counts.items()), flush=True)
        building.rename(cached)
    copy = workdir / "service.sqlite"
    shutil.copyfile(cached, copy)
    return f"sqlite:///{copy}"


def pick(app) -> dict:
    """The team with the most open cases, its manager, its busiest practitioner and heaviest case."""
    from sqlalchemy import func, select

    from supervision.extensions import db
    from supervision.models import Action, ActionStatus, Case, Meeting, MeetingStatus, Role, User
    from supervision.services.actions import new_calendar_token

    with app.app_context():
        team_id = db.session.execute(select(Case.team_id).where(Case.is_open.is_(True)).group_by(Case.team_id)
                                     .order_by(func.count().desc(), Case.team_id).limit(1)).scalar_one()
        manager = db.session.scalars(select(User).where(User.team_id == team_id, User.role == Role.TEAM_MANAGER)
                                     .order_by(User.id)).first()
        worker = db.session.scalars(
            select(User).join(Action, Action.owner_id == User.id)
            .where(User.team_id == team_id, User.role == Role.PRACTITIONER, Action.status == ActionStatus.OPEN)
            .group_by(User.id).order_by(func.count(Action.id).desc(), User.id)).first()
        case_id = db.session.execute(
            select(Case.id).join(Meeting, Meeting.case_id == Case.id)
            .where(Case.team_id == team_id, Case.is_open.is_(True))
            .group_by(Case.id).order_by(func.count(Meeting.id).desc(), Case.id).limit(1)).scalar_one()
        agreed = db.session.execute(
            select(Meeting.id).where(Meeting.case_id == case_id, Meeting.status == MeetingStatus.AGREED)
            .order_by(Meeting.scheduled_at.desc()).limit(1)).scalar_one()
        token = new_calendar_token(worker)
        db.session.commit()
        open_actions = db.session.scalar(select(func.count(Action.id)).join(Case)
                                         .where(Case.team_id == team_id, Action.status == ActionStatus.OPEN))
        sessions = db.session.scalar(select(func.count(Meeting.id)).where(Meeting.case_id == case_id))
        return dict(team_id=team_id, manager=manager.email, worker=worker.email, worker_id=worker.id,
                    case_id=case_id, meeting_id=agreed, token=token, team_open_actions=open_actions,
                    case_sessions=sessions)


def signed_in(app, email: str):
    client = app.test_client()
    response = client.post("/sign-in", data={"email": email, "password": "demo"})
    assert response.status_code == 302, f"could not sign in as {email}"
    return client


def measure(pages: list[tuple[str, object, str]], runs: int, warmup: int) -> tuple[dict, dict]:
    """Round-robin: every page once per round, so a busy moment on the machine hits all pages alike.

    Gives wall-clock times and this thread's CPU times (the request runs in this thread with the test
    client): CPU time is the work a page costs, whatever else the machine is doing at the moment.
    """
    for _name, client, path in pages:
        for _ in range(warmup):
            response = client.get(path)
            assert response.status_code == 200, f"{path} answered {response.status_code}"
    times: dict[str, list[float]] = {name: [] for name, _client, _path in pages}
    cpu: dict[str, list[float]] = {name: [] for name, _client, _path in pages}
    for _ in range(runs):
        for name, client, path in pages:
            started, started_cpu = time.perf_counter(), time.thread_time()
            response = client.get(path)
            times[name].append((time.perf_counter() - started) * 1000)
            cpu[name].append((time.thread_time() - started_cpu) * 1000)
            assert response.status_code == 200, f"{path} answered {response.status_code}"
    return times, cpu


def p95(times: list[float]) -> float:
    return statistics.quantiles(times, n=20, method="inclusive")[-1]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--runs", type=int, default=60)
    parser.add_argument("--warmup", type=int, default=5)
    parser.add_argument("--rebuild", action="store_true", help="Rebuild the cached SQLite dataset.")
    parser.add_argument("--database-url", help="A scratch PostgreSQL database to fill and measure instead.")
    parser.add_argument("--no-build", action="store_true",
                        help="With --database-url: measure the data already there (from an earlier run).")
    args = parser.parse_args()
    logging.disable(logging.INFO)

    from app import create_app
    from supervision.config import Config

    with tempfile.TemporaryDirectory(prefix="after-meeting-bench-") as workdir:
        if args.database_url:
            url = Config.normalise_db_url(args.database_url)
            if not args.no_build:
                started = time.perf_counter()
                counts = build(url, fresh_schema=True)
                print(f"Built the service dataset on PostgreSQL in {time.perf_counter() - started:.1f} s: "
                      + ", ".join(f"{n:,} {k}" for k, n in counts.items()), flush=True)
            database = "postgresql"
        else:
            url = sqlite_dataset(Path(workdir), args.rebuild)
            database = "sqlite"
        app = create_app({"SQLALCHEMY_DATABASE_URI": url, "WTF_CSRF_ENABLED": False, "LOG_LEVEL": "WARNING",
                          "SECRET_KEY": "bench"})
        sample = pick(app)
        manager, worker = signed_in(app, sample["manager"]), signed_in(app, sample["worker"])
        anonymous = app.test_client()
        pages = [
            ("my actions", worker, "/actions"),
            ("tracker", manager, "/actions/team"),
            ("tracker, overdue by practitioner", manager, "/actions/team?show=overdue&sort=practitioner"),
            ("caseloads (team)", manager, "/caseloads"),
            ("my caseload", worker, "/caseloads/mine"),
            ("case page (chart, statements)", manager, f"/cases/{sample['case_id']}"),
            ("case page, every session", manager, f"/cases/{sample['case_id']}?history=all"),
            ("share out: choose cases", manager, f"/caseloads/moves?source={sample['worker_id']}"),
            ("calendar feed (ICS)", anonymous, f"/calendar/{sample['token']}.ics"),
            ("record as JSON", manager, f"/sessions/{sample['meeting_id']}/record.json"),
            ("record as Markdown", manager, f"/sessions/{sample['meeting_id']}/record.md"),
        ]
        times, cpu = measure([*pages, ("/healthz", anonymous, "/healthz")], args.runs, args.warmup)
        healthz = times.pop("/healthz")
        cpu.pop("/healthz")
        results = [{"name": name, "p50_ms": round(statistics.median(t), 2), "p95_ms": round(p95(t), 2),
                    "cpu_p50_ms": round(statistics.median(cpu[name]), 2), "cpu_p95_ms": round(p95(cpu[name]), 2)}
                   for name, t in times.items()]
        healthz_p95 = round(p95(healthz), 2)

    print(f"\nAfter the meeting, {database}: team {sample['team_id']} ({sample['team_open_actions']:,} open "
          f"actions), case {sample['case_id']} ({sample['case_sessions']} sessions); {args.runs} requests per "
          f"page after {args.warmup} warm-up, round-robin, Flask test client, one process.")
    load = os.getloadavg()[0]
    print(f"Load average when done: {load:.1f} on {os.cpu_count()} cores (other work on the machine slows "
          f"wall-clock times; CPU times are this process's own work).")
    print(f"{'page':<36}{'p50 ms':>9}{'p95 ms':>9}{'cpu p50':>9}{'cpu p95':>9}  goal p95 < {GOAL_MS:g} ms")
    for row in results:
        verdict = "ok" if row["p95_ms"] < GOAL_MS else "SLOW"
        print(f"{row['name']:<36}{row['p50_ms']:>9.1f}{row['p95_ms']:>9.1f}{row['cpu_p50_ms']:>9.1f}"
              f"{row['cpu_p95_ms']:>9.1f}  {verdict}")
    print(f"{'/healthz (floor)':<36}{statistics.median(healthz):>9.2f}{healthz_p95:>9.2f}")
    all_ok = all(r["p95_ms"] < GOAL_MS for r in results)
    print("Every page under the goal." if all_ok else "Some pages are over the goal.")
    print(json.dumps({"pages": results, "healthz_p95_ms": healthz_p95, "goal_p95_ms": GOAL_MS,
                      "all_under_goal": all_ok, "database": database, "runs": args.runs,
                      "load_average": round(load, 2)}))


if __name__ == "__main__":
    main()
