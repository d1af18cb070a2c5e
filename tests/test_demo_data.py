"""`flask demo-data`: the small demo by default, a whole service with --scale service."""

from __future__ import annotations

from supervision.demo_service import SERVICE
from supervision.models import Case, Role, Team, User


def test_the_small_demo_is_the_default_and_if_empty_keeps_existing_data(app, db):
    runner = app.test_cli_runner()
    result = runner.invoke(args=["demo-data", "--seed", "7"])
    assert result.exit_code == 0, result.output
    assert "Fictional small demo data added" in result.output
    cases = db.session.scalar(db.select(db.func.count(Case.id)))
    assert cases > 0

    again = runner.invoke(args=["demo-data", "--if-empty", "--scale", "service"])
    assert again.exit_code == 0
    assert "already has data" in again.output
    assert db.session.scalar(db.select(db.func.count(Case.id))) == cases


def test_the_service_is_not_added_twice(app, db, make_team):
    team = make_team()
    db.session.add(User(email=f"head@{SERVICE.domain}", name="Head", role=Role.HEAD_OF_SERVICE, team=team,
                        password_hash="x"))
    db.session.commit()
    result = app.test_cli_runner().invoke(args=["demo-data", "--scale", "service"])
    assert result.exit_code != 0
    assert "already in this database" in result.output
    assert db.session.scalar(db.select(db.func.count(Team.id))) == 1


def test_an_unknown_scale_is_refused_with_the_choices(app, db):
    result = app.test_cli_runner().invoke(args=["demo-data", "--scale", "huge"])
    assert result.exit_code == 2
    assert "small" in result.output and "service" in result.output
