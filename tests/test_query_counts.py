"""Query discipline: no page's number of SQL statements grows with the data (no N+1).

Two services are built side by side with the service generator, a small one (2 families per
practitioner, 3 sessions a family) and a bigger one (10 families per practitioner, 8 sessions a
family, more items, scores and actions each). Every main page of bench/pages.py is opened on the
heaviest records of each, and the statements it sends are counted at the engine.
"""

from __future__ import annotations

import json
from collections import defaultdict

import pytest
from flask import before_render_template, template_rendered
from sqlalchemy import event, func, select

from bench.pages import PAGES, Sample, build_urls
from supervision.demo_service import DEMO_PASSWORD, SMALL, Scale, build, spread
from supervision.models import (
    Action,
    ActionStatus,
    Case,
    LiveSession,
    MapItem,
    Meeting,
    MeetingStatus,
    Phase,
    ScalingScore,
    ScalingState,
    Team,
    User,
)

SMALLER = Scale(teams=2, practitioners=4, families=8, sessions=24, items=24 * 10, scores=24 * 5, actions=24 * 3,
                genogram_people=(5, 12), prefix="small-")
BIGGER = Scale(teams=2, practitioners=4, families=40, sessions=320, items=320 * 25, scores=320 * 10,
               actions=320 * 5, genogram_people=(5, 40), prefix="big-")


class StatementCounter:
    """Counts the statements sent to the database, and those sent while a template renders."""

    def __init__(self, app, engine) -> None:
        self.app, self.engine = app, engine
        self.statements: list[str] = []
        self.rendering = False
        self.in_templates: list[str] = []

    def _execute(self, conn, cursor, statement, parameters, context, executemany) -> None:
        self.statements.append(statement)
        if self.rendering:
            self.in_templates.append(statement)

    def _render_starts(self, sender, **extra) -> None:
        self.rendering = True

    def _render_ends(self, sender, **extra) -> None:
        self.rendering = False

    def __enter__(self) -> StatementCounter:
        event.listen(self.engine, "before_cursor_execute", self._execute)
        before_render_template.connect(self._render_starts, self.app)
        template_rendered.connect(self._render_ends, self.app)
        return self

    def __exit__(self, *exc) -> None:
        event.remove(self.engine, "before_cursor_execute", self._execute)
        before_render_template.disconnect(self._render_starts, self.app)
        template_rendered.disconnect(self._render_ends, self.app)


@pytest.fixture()
def services(app, db):
    """The small and the bigger service, each with the sample records its pages open."""
    build(SMALLER, seed=11)
    build(BIGGER, seed=12)
    db.session.commit()
    samples = {}
    for scale in (SMALLER, BIGGER):
        team_id = db.session.scalar(select(func.min(Team.id)).where(Team.name.startswith(scale.prefix)))
        samples[scale.prefix] = Sample.of_team(team_id)
    return samples


def _signed_in(app, email: str):
    client = app.test_client()
    response = _request(app, client, "/sign-in", data={"email": email, "password": DEMO_PASSWORD})
    assert response.status_code == 302, response.get_data(as_text=True)[:500]
    return client


def _request(app, client, url: str, data: dict | None = None):
    """One request in its own app context, as in production: no `g` or session shared with the test's."""
    with app.app_context():
        return client.post(url, data=data) if data is not None else client.get(url)


def _count_pages(app, db, sample: Sample) -> tuple[dict[str, int], dict[str, list[str]]]:
    with app.test_request_context():
        urls = build_urls(sample)
    clients = {"manager": _signed_in(app, sample.manager_email), "worker": _signed_in(app, sample.worker_email)}
    counts, in_templates = {}, {}
    for page in PAGES:
        url = urls[page.name]
        if url is None:
            continue
        _request(app, clients[page.user], url)  # once first: one-off work (caches, audit windows) is not counted
        with StatementCounter(app, db.engine) as counter:
            response = _request(app, clients[page.user], url)
        assert response.status_code == 200, f"{page.name} {url} answered {response.status_code}"
        counts[page.name] = len(counter.statements)
        in_templates[page.name] = counter.in_templates
    return counts, in_templates


def _size(db, sample: Sample) -> dict[str, int]:
    def count(query) -> int:
        return db.session.scalar(select(func.count()).select_from(query.subquery()))

    return {
        "sessions of the case": count(select(Meeting.id).where(Meeting.case_id == sample.case_id)),
        "items of the record": count(select(MapItem.id).where(MapItem.meeting_id == sample.agreed_meeting_id)),
        "cases of the team": count(select(Case.id).where(Case.team_id == sample.team_id)),
        "open actions of the team": count(select(Action.id).join(Case).where(
            Case.team_id == sample.team_id, Action.status == ActionStatus.OPEN)),
    }


def test_no_page_sends_more_statements_when_the_data_grows(app, db, services):
    small, big = services[SMALLER.prefix], services[BIGGER.prefix]
    small_size, big_size = _size(db, small), _size(db, big)
    for what in small_size:  # the bigger service really is bigger where the pages look
        assert big_size[what] > small_size[what], (what, small_size[what], big_size[what])

    small_counts, _ = _count_pages(app, db, small)
    big_counts, big_templates = _count_pages(app, db, big)
    assert small_counts, "no page of bench/pages.py is registered"
    assert small_counts.keys() == big_counts.keys()
    table = "\n".join(f"{name:16} {small_counts[name]:4} {big_counts[name]:4}" for name in small_counts)
    grown = [name for name in small_counts if big_counts[name] > small_counts[name]]
    assert not grown, f"statements per page grow with the data (N+1) in {grown}:\npage          small  big\n{table}"
    print(f"\nstatements per page (small, bigger service):\n{table}")


def test_the_main_pages_templates_send_no_queries(app, db, services):
    """Templates render what the view loaded: a lazy load while rendering is an N+1 waiting to happen."""
    _, in_templates = _count_pages(app, db, services[BIGGER.prefix])
    lazy = {name: statements for name, statements in in_templates.items()
            if name in TEMPLATES_WITHOUT_QUERIES and statements}
    assert not lazy, "\n".join(f"{name}: {len(s)} statements while rendering, e.g. {s[0][:200]}"
                               for name, s in lazy.items())


# The pages whose templates are known to render without touching the database.
TEMPLATES_WITHOUT_QUERIES = {"home", "cases", "case", "session editor", "record"}


def test_the_generator_meets_its_totals_and_is_deterministic(app, db):
    first = build(SMALL, seed=5)
    db.session.commit()
    fingerprint = _fingerprint(db)
    assert first["families"] == SMALL.families and first["sessions"] == SMALL.sessions
    assert first["map items"] == SMALL.items and first["actions"] == SMALL.actions
    assert first["teams"] == SMALL.teams
    assert 0.9 * SMALL.scores <= first["scaling scores"] <= SMALL.scores

    again = Scale(**{**SMALL.__dict__, "prefix": "again-"})
    second = build(again, seed=5)
    db.session.commit()
    assert second == first
    assert _fingerprint(db, prefix="AGAIN-") == fingerprint


def test_the_sessions_under_way_stand_at_an_open_scaling(app, db, client):
    """One session per team is happening now, its scores given: the room is at the scaling, open and not
    revealed, so the pages show what a room two thirds through shows, not scores with the scaling unopened."""
    build(SMALL, seed=5)
    db.session.commit()
    under_way = db.session.scalars(select(Meeting).where(Meeting.status == MeetingStatus.IN_PROGRESS)).all()
    assert len(under_way) == SMALL.teams
    for meeting in under_way:
        room = db.session.get(LiveSession, meeting.id)
        assert (room.phase, room.scaling, room.revealed_at) == (Phase.SCALING, ScalingState.OPEN, None)
    meeting = under_way[0]
    scorer = db.session.scalar(select(User).join(ScalingScore, ScalingScore.user_id == User.id)
                               .where(ScalingScore.meeting_id == meeting.id).limit(1))
    assert client.post("/sign-in", data={"email": scorer.email, "password": DEMO_PASSWORD}).status_code == 302
    page = client.get(f"/sessions/{meeting.id}/take-part").get_data(as_text=True)
    assert f"{len(meeting.scores)} of " in page and "Your answer is in" in page
    assert '<div data-scaling-when="open" >' in page  # shown: the other two states are hidden


def _fingerprint(db, prefix: str = "") -> list:
    """What the families went through, independent of ids and of the prefix."""
    rows = db.session.execute(
        select(Case.family_label, Case.genogram_json, Meeting.scheduled_at, Meeting.status,
               func.count(MapItem.id))
        .join(Meeting, Meeting.case_id == Case.id).join(MapItem, MapItem.meeting_id == Meeting.id)
        .where(Case.reference.startswith(f"{prefix}SVC-"))
        .group_by(Case.family_label, Case.genogram_json, Meeting.scheduled_at, Meeting.status, Meeting.id)
        .order_by(Meeting.scheduled_at, Meeting.id)
    ).all()
    return [tuple(row) for row in rows]


def test_generated_genograms_follow_the_interchange_format(app, db):
    from genogram.validate import validate

    build(SMALL, seed=9)
    db.session.commit()
    families = db.session.scalars(select(Case.genogram_json)).all()
    sizes = defaultdict(int)
    for raw in families:
        family = json.loads(raw)
        assert validate(family) == [], family["title"]
        sizes[len(family["people"])] += 1
    assert min(sizes) >= SMALL.genogram_people[0] and max(sizes) <= SMALL.genogram_people[1]


@pytest.mark.parametrize(("total", "weights", "minimum"), [
    (10, [1, 1, 1], 0), (6000, [60, 700, 365, 90], 1), (3, [5, 1, 1, 1], 1), (0, [1, 2], 0)])
def test_spread_shares_a_total_exactly(total, weights, minimum):
    shares = spread(total, weights, minimum)
    assert sum(shares) == max(total, minimum * len(weights))
    assert all(share >= minimum for share in shares)
