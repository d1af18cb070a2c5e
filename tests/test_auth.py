from supervision.models import Role
from tests.conftest import PASSWORD


def test_healthz_answers_without_a_session(client):
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.data == b"ok"


def test_pages_need_sign_in(client):
    for url in ("/", "/cases"):
        response = client.get(url)
        assert response.status_code == 302
        assert "/sign-in" in response.location


def test_sign_in_with_a_wrong_password_keeps_the_email_and_says_why(client, make_user):
    user = make_user()
    response = client.post("/sign-in", data={"email": user.email, "password": "wrong"})
    assert response.status_code == 400
    assert b"do not match an account" in response.data
    assert user.email.encode() in response.data


def test_sign_in_and_out(client, make_user):
    user = make_user(Role.TEAM_MANAGER)
    response = client.post("/sign-in", data={"email": user.email.upper(), "password": PASSWORD})
    assert response.status_code == 302
    assert client.get("/").status_code == 200
    client.post("/sign-out")
    assert client.get("/").status_code == 302


def test_passwords_are_stored_as_argon2_hashes(make_user):
    user = make_user()
    assert user.password_hash.startswith("$argon2id$")
    assert PASSWORD not in user.password_hash


def test_sign_out_everywhere_ends_other_sessions(app, client, make_user):
    user = make_user()
    other_browser = app.test_client()
    for c in (client, other_browser):
        c.post("/sign-in", data={"email": user.email, "password": PASSWORD})
    client.post("/sign-out-everywhere")
    assert other_browser.get("/").status_code == 302


def test_next_url_never_leaves_the_site(client, make_user):
    user = make_user()
    response = client.post("/sign-in?next=https://evil.example/", data={"email": user.email, "password": PASSWORD})
    assert response.location == "/"
    client.post("/sign-out")
    response = client.post("/sign-in?next=/cases", data={"email": user.email, "password": PASSWORD})
    assert response.location == "/cases"


def test_demo_accounts_are_shown_only_in_demo_mode(app, client):
    assert b"manager@demo.test" in client.get("/sign-in").data
    app.config["DEMO_MODE"] = False
    try:
        assert b"manager@demo.test" not in client.get("/sign-in").data
    finally:
        app.config["DEMO_MODE"] = True


def test_security_headers(client):
    response = client.get("/sign-in")
    csp = response.headers["Content-Security-Policy"]
    assert "script-src 'self'" in csp and "unsafe-inline" not in csp
    assert "frame-ancestors 'none'" in csp
    assert response.headers["X-Content-Type-Options"] == "nosniff"


def test_csrf_is_required_on_changes(app, make_user):
    user = make_user()
    app.config["WTF_CSRF_ENABLED"] = True
    try:
        response = app.test_client().post("/sign-in", data={"email": user.email, "password": PASSWORD})
        assert response.status_code == 400
        assert b"expired or was sent from somewhere else" in response.data
    finally:
        app.config["WTF_CSRF_ENABLED"] = False
