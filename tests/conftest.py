"""Fixtures: app → db → client → login_as, and factories that return callables.

The suite runs on SQLite by default and on PostgreSQL when TEST_DATABASE_URL is set.
The schema is built by the real migrations, once per run.
"""

from __future__ import annotations

import itertools
import os
from datetime import datetime, timedelta

import pytest
import sqlalchemy as sa
from flask_migrate import upgrade

from app import create_app
from supervision.config import Config
from supervision.extensions import db as _db
from supervision.identity import hash_password
from supervision.models import Case, Child, LegalStatus, Meeting, MeetingKind, Role, Team, User
from supervision.models.audit import APPEND_ONLY_TABLES
from supervision.testdb import drop_database, ensure_database

PASSWORD = "correct horse battery staple"
_PASSWORD_HASH = hash_password(PASSWORD)  # hashed once: argon2 is slow on purpose
_counter = itertools.count(1)


@pytest.fixture(scope="session")
def database_url(tmp_path_factory):
    """A database of this run's own: a temp SQLite file, or a fresh PostgreSQL database
    named after TEST_DATABASE_URL's plus this process id (so runs side by side never collide)."""
    base = os.environ.get("TEST_DATABASE_URL")
    if not base:
        yield f"sqlite:///{tmp_path_factory.mktemp('db') / 'test.sqlite'}"
        return
    url = sa.engine.make_url(Config.normalise_db_url(base))
    url = url.set(database=f"{url.database}_{os.getpid()}")
    rendered = url.render_as_string(hide_password=False)
    drop_database(rendered)
    assert ensure_database(rendered), "PostgreSQL did not answer"
    yield rendered
    drop_database(rendered)


@pytest.fixture(scope="session")
def app(database_url):
    app = create_app({
        "TESTING": True,
        "SQLALCHEMY_DATABASE_URI": database_url,
        "WTF_CSRF_ENABLED": False,
        "SECRET_KEY": "test-secret-key",
        "DEMO_MODE": True,
    })
    with app.app_context():
        upgrade()
    yield app
    with app.app_context():
        _db.engine.dispose()  # let the database be dropped


@pytest.fixture()
def db(app):
    """The database, emptied after each test."""
    with app.app_context():
        yield _db
        _db.session.rollback()
        _db.session.remove()
        with _db.engine.begin() as conn:
            for table in reversed(_db.metadata.sorted_tables):
                if table.name in APPEND_ONLY_TABLES:
                    _clear_append_only(conn, table.name)
                else:
                    conn.execute(table.delete())


def _clear_append_only(conn, name: str) -> None:
    """Tests only: the audit log refuses DELETE by trigger, so lift the trigger, empty, restore it."""
    if conn.dialect.name == "postgresql":
        conn.execute(sa.text(f"TRUNCATE {name}"))  # row triggers do not fire on TRUNCATE
        return
    triggers = conn.execute(sa.text("SELECT name, sql FROM sqlite_master WHERE type = 'trigger' AND tbl_name = :t"),
                            {"t": name}).all()
    for trigger, _ in triggers:
        conn.execute(sa.text(f"DROP TRIGGER {trigger}"))
    conn.execute(sa.text(f"DELETE FROM {name}"))
    for _, create in triggers:
        conn.execute(sa.text(create))


@pytest.fixture()
def client(app, db):
    return app.test_client()


@pytest.fixture()
def make_team(db):
    def make(name: str | None = None, caseload_limit: int = 17) -> Team:
        team = Team(name=name or f"Team {next(_counter)}", caseload_limit=caseload_limit)
        db.session.add(team)
        db.session.commit()
        return team
    return make


@pytest.fixture()
def make_user(db, make_team):
    def make(role: Role = Role.PRACTITIONER, team: Team | None = None, name: str | None = None) -> User:
        n = next(_counter)
        user = User(email=f"user{n}@example.test", name=name or f"Worker {n}", role=role,
                    team=team or make_team(), password_hash=_PASSWORD_HASH)
        db.session.add(user)
        db.session.commit()
        return user
    return make


@pytest.fixture()
def make_case(db):
    def make(team: Team, practitioner: User | None = None, children: int = 2,
             legal_status: LegalStatus = LegalStatus.CHILD_PROTECTION) -> Case:
        n = next(_counter)
        case = Case(reference=f"T-{n}", family_label=f"Family {n}", team=team, practitioner=practitioner,
                    legal_status=legal_status)
        case.children = [Child(name=f"Child {n}.{i}", date_of_birth=datetime(2018 + i, 5, 1).date())
                         for i in range(children)]
        db.session.add(case)
        db.session.commit()
        return case
    return make


@pytest.fixture()
def make_meeting(db):
    def make(case: Case, facilitator: User, *, days_from_now: int = 0, participants=(),
             kind: MeetingKind = MeetingKind.GROUP_SUPERVISION) -> Meeting:
        meeting = Meeting(case=case, kind=kind, facilitator=facilitator, presenter=case.practitioner,
                          scheduled_at=datetime.now().replace(microsecond=0) + timedelta(days=days_from_now),
                          participants=list(participants))
        db.session.add(meeting)
        db.session.commit()
        return meeting
    return make


@pytest.fixture()
def login_as(client):
    """Sign a user in through the real sign-in form."""
    def login(user: User):
        response = client.post("/sign-in", data={"email": user.email, "password": PASSWORD})
        assert response.status_code == 302, response.data
        return client
    return login


@pytest.fixture()
def team_setup(make_team, make_user, make_case, make_meeting):
    """A team with a manager, a practitioner, a case and a draft session; and another team."""
    team = make_team("South West")
    manager = make_user(Role.TEAM_MANAGER, team, name="Priya Manager")
    worker = make_user(Role.PRACTITIONER, team, name="Grace Worker")
    case = make_case(team, worker)
    meeting = make_meeting(case, manager, participants=[manager, worker])
    other_team = make_team("Children in Care")
    outsider = make_user(Role.TEAM_MANAGER, other_team, name="Chris Outsider")
    other_case = make_case(other_team, outsider)
    return dict(team=team, manager=manager, worker=worker, case=case, meeting=meeting,
                other_team=other_team, outsider=outsider, other_case=other_case)
