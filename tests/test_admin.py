"""Administrators manage their team's accounts in the app; the same from the command line."""

from __future__ import annotations

import pytest

from supervision.models import Role, User
from tests.conftest import PASSWORD
from tests.routes import isolated_client

NEW_PASSWORD = "granite teapot orchard"


@pytest.fixture()
def admin(make_team, make_user):
    team = make_team("South West")
    return make_user(Role.ADMIN, team, name="Alex Admin")


def _client(app, user, password=PASSWORD):
    client = isolated_client(app)
    response = client.post("/sign-in", data={"email": user.email, "password": password})
    assert response.status_code == 302
    return client


def test_an_admin_lists_only_their_teams_accounts(app, admin, make_user, make_team):
    colleague = make_user(Role.PRACTITIONER, admin.team, name="Grace Colleague")
    stranger = make_user(Role.PRACTITIONER, make_team("Elsewhere"), name="Sam Stranger")
    page = _client(app, admin).get("/admin/users").data.decode()
    assert "Grace Colleague" in page and colleague.email in page
    assert "Sam Stranger" not in page
    assert _client(app, admin).get(f"/admin/users/{stranger.id}").status_code == 404


def test_an_admin_creates_an_account_that_can_sign_in(app, admin, db):
    client = _client(app, admin)
    response = client.post("/admin/users/new", data={
        "name": "Nia New", "email": "Nia.New@Council.example", "role": "senior_practitioner",
        "password": NEW_PASSWORD, "confirm": NEW_PASSWORD})
    assert response.status_code == 302
    user = db.session.scalar(db.select(User).filter_by(email="nia.new@council.example"))
    assert user.team_id == admin.team_id and user.role is Role.SENIOR_PRACTITIONER
    assert user.password_hash.startswith("$argon2id$")
    assert isolated_client(app).post("/sign-in", data={"email": user.email, "password": NEW_PASSWORD}
                                     ).status_code == 302


@pytest.mark.parametrize("fields, message", [
    ({"password": "short", "confirm": "short"}, "Use 10 to 200 characters"),
    ({"confirm": "something else entirely"}, "not the same"),
    ({"email": "not an email"}, "name@council.gov.uk"),
    ({"name": ""}, "Give the person"),
])
def test_a_bad_new_account_is_refused_next_to_the_field(app, admin, fields, message):
    data = {"name": "Nia New", "email": "nia@council.example", "role": "practitioner",
            "password": NEW_PASSWORD, "confirm": NEW_PASSWORD, **fields}
    response = _client(app, admin).post("/admin/users/new", data=data)
    assert response.status_code == 400
    page = response.data.decode()
    assert message in page
    assert 'value="Nia New"' in page or not data["name"]  # what was typed is kept


def test_a_duplicate_email_is_refused(app, admin, make_user):
    existing = make_user(Role.PRACTITIONER, admin.team)
    response = _client(app, admin).post("/admin/users/new", data={
        "name": "Again", "email": existing.email.upper(), "role": "practitioner",
        "password": NEW_PASSWORD, "confirm": NEW_PASSWORD})
    assert response.status_code == 400 and b"already exists" in response.data


def test_resetting_a_password_signs_the_person_out_everywhere(app, admin, make_user):
    colleague = make_user(Role.PRACTITIONER, admin.team)
    their_browser = _client(app, colleague)
    assert their_browser.get("/").status_code == 200
    response = _client(app, admin).post(f"/admin/users/{colleague.id}/password",
                                        data={"password": NEW_PASSWORD, "confirm": NEW_PASSWORD})
    assert response.status_code == 302
    assert their_browser.get("/").status_code == 302
    _client(app, colleague, NEW_PASSWORD)


def test_deactivating_stops_sign_in_and_reactivating_restores_it(app, admin, make_user):
    colleague = make_user(Role.PRACTITIONER, admin.team)
    their_browser = _client(app, colleague)
    client = _client(app, admin)
    assert client.post(f"/admin/users/{colleague.id}/deactivate").status_code == 302
    assert their_browser.get("/").status_code == 302
    assert isolated_client(app).post("/sign-in", data={"email": colleague.email, "password": PASSWORD}
                                     ).status_code == 400
    assert "Deactivated" in client.get("/admin/users").data.decode()
    client.post(f"/admin/users/{colleague.id}/reactivate")
    _client(app, colleague)


def test_an_admin_cannot_deactivate_themselves(app, admin, db):
    client = _client(app, admin)
    response = client.post(f"/admin/users/{admin.id}/deactivate", follow_redirects=True)
    assert b"cannot deactivate your own account" in response.data
    db.session.refresh(admin)
    assert admin.active


def test_administrators_do_not_read_case_records(app, admin, make_case, make_user):
    case = make_case(admin.team, make_user(Role.PRACTITIONER, admin.team))
    client = _client(app, admin)
    assert client.get(f"/cases/{case.id}").status_code == 403
    assert case.family_label not in client.get("/cases").data.decode()


# --- the command line -------------------------------------------------------------

def test_cli_creates_a_user_and_resets_a_password(app, admin, db):
    runner = app.test_cli_runner()
    result = runner.invoke(args=["users", "create", "--email", "Cli.User@Council.example", "--name", "Cli User",
                                 "--team", admin.team.name, "--role", "team_manager",
                                 "--password", NEW_PASSWORD])
    assert result.exit_code == 0, result.output
    assert "Created team_manager account cli.user@council.example" in result.output
    user = db.session.scalar(db.select(User).filter_by(email="cli.user@council.example"))
    assert user.role is Role.TEAM_MANAGER
    _client(app, user, NEW_PASSWORD)

    result = runner.invoke(args=["users", "reset-password", "--email", user.email, "--password", "another long one"])
    assert result.exit_code == 0 and "signed out everywhere" in result.output
    _client(app, user, "another long one")

    result = runner.invoke(args=["users", "deactivate", "--email", user.email])
    assert result.exit_code == 0
    db.session.refresh(user)
    assert not user.active


@pytest.mark.parametrize("args, message", [
    (["--team", "No such team"], "There is no team called"),
    (["--password", "short"], "at least 10 characters"),
])
def test_cli_refuses_bad_input_with_a_message(app, admin, args, message):
    base = {"--email": "x@council.example", "--name": "X", "--team": admin.team.name, "--password": NEW_PASSWORD}
    base.update(dict(zip(args[::2], args[1::2], strict=True)))
    result = app.test_cli_runner().invoke(args=["users", "create", *[v for kv in base.items() for v in kv]])
    assert result.exit_code != 0 and message in result.output


def test_cli_reset_of_an_unknown_email_says_so(app, db):
    result = app.test_cli_runner().invoke(args=["users", "reset-password", "--email", "ghost@example.test",
                                                "--password", NEW_PASSWORD])
    assert result.exit_code != 0 and "No account has that email" in result.output
