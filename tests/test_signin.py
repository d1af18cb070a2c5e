"""Sign-in hardening: throttling, a fresh session, time-outs, cookie flags, CSRF lifetime, sign-out everywhere."""

from __future__ import annotations

import time

from itsdangerous import TimestampSigner, URLSafeTimedSerializer

from app import create_app
from supervision.models import Role, SignInFailure
from tests.conftest import PASSWORD
from tests.routes import isolated_client


def _sign_in(client, email: str, password: str, address: str = "203.0.113.7"):
    return client.post("/sign-in", data={"email": email, "password": password},
                       environ_base={"REMOTE_ADDR": address})


def test_five_failures_throttle_the_account_even_with_the_right_password(client, make_user, db):
    user = make_user()
    for _ in range(5):
        assert _sign_in(client, user.email, "wrong password").status_code == 400
    response = _sign_in(client, user.email, PASSWORD)
    assert response.status_code == 429
    page = response.data.decode()
    assert "Too many sign-in attempts" in page and "wait 15 minutes" in page
    assert user.email in page  # the email is kept in the box
    # Another account from the same address is not blocked by this one's failures.
    other = make_user()
    assert _sign_in(client, other.email, PASSWORD).status_code == 302


def test_failures_are_counted_in_the_database_across_server_processes(app, make_user, db):
    """Two apps (as two gunicorn workers) share the count: it lives in a table, not in memory."""
    user = make_user()
    second_worker = create_app({**{k: app.config[k] for k in ("SQLALCHEMY_DATABASE_URI", "SECRET_KEY")},
                                "TESTING": True, "WTF_CSRF_ENABLED": False})
    clients = [isolated_client(app), isolated_client(second_worker)]
    for n in range(5):
        _sign_in(clients[n % 2], user.email, "wrong")
    assert db.session.scalar(db.select(db.func.count(SignInFailure.id))) == 5
    assert _sign_in(clients[1], user.email, PASSWORD).status_code == 429
    with second_worker.app_context():
        from supervision.extensions import db as second_db
        second_db.engine.dispose()


def test_twenty_failures_from_one_address_throttle_it(client, make_user, db):
    emails = [f"nobody{n}@example.test" for n in range(20)]
    for email in emails:  # unknown accounts count too: guessing emails is throttled
        db.session.add(SignInFailure(email=email, address="198.51.100.9"))
    db.session.commit()
    user = make_user()
    assert _sign_in(client, user.email, PASSWORD, address="198.51.100.9").status_code == 429
    assert _sign_in(client, user.email, PASSWORD, address="198.51.100.10").status_code == 302


def test_failures_older_than_the_window_do_not_count(client, make_user, db):
    from datetime import timedelta

    from supervision.models.types import utcnow

    user = make_user()
    for _ in range(5):
        db.session.add(SignInFailure(email=user.email, address="192.0.2.1", at=utcnow() - timedelta(minutes=16)))
    db.session.commit()
    assert _sign_in(client, user.email, PASSWORD).status_code == 302


def test_success_clears_the_accounts_failures(client, make_user, db):
    user = make_user()
    for _ in range(4):
        _sign_in(client, user.email, "wrong")
    assert _sign_in(client, user.email, PASSWORD).status_code == 302
    assert db.session.scalar(db.select(db.func.count(SignInFailure.id)).filter_by(email=user.email)) == 0


def test_sign_in_starts_a_fresh_session(app, make_user, db):
    """Nothing planted in the session before sign-in survives it (no session fixation)."""
    user = make_user()
    client = isolated_client(app)
    with client.session_transaction() as session:
        session["planted"] = "by an attacker"
        session["_user_id"] = "999:forged"
    before = client.get_cookie("session").value
    assert _sign_in(client, user.email, PASSWORD).status_code == 302
    assert client.get_cookie("session").value != before
    with client.session_transaction() as session:
        assert "planted" not in session
        assert session["_user_id"] == user.get_id()


def test_idle_timeout_signs_out_after_30_minutes(app, make_user, db):
    user = make_user()
    client = isolated_client(app)
    _sign_in(client, user.email, PASSWORD)
    assert client.get("/").status_code == 200
    with client.session_transaction() as session:
        session["last_seen"] = int(time.time()) - 29 * 60
    assert client.get("/").status_code == 200  # 29 minutes idle: still signed in, and the clock restarts
    with client.session_transaction() as session:
        session["last_seen"] = int(time.time()) - 31 * 60
    response = client.get("/cases")
    assert response.status_code == 302 and "/sign-in" in response.location
    assert client.get("/").status_code == 302


def test_the_idle_clock_moves_at_most_once_a_minute_and_only_then_is_the_cookie_sent_again(app, make_user, db):
    user = make_user()
    client = isolated_client(app)
    _sign_in(client, user.email, PASSWORD)
    assert client.get("/").status_code == 200  # the first page after signing in
    assert "Set-Cookie" not in client.get("/cases").headers  # seconds later: nothing to send again
    ten_minutes_ago = int(time.time()) - 10 * 60
    with client.session_transaction() as session:
        session["last_seen"] = ten_minutes_ago
    response = client.get("/cases")
    assert response.status_code == 200 and "session=" in response.headers["Set-Cookie"]
    with client.session_transaction() as session:
        assert session["last_seen"] > ten_minutes_ago


def test_absolute_lifetime_ends_a_busy_sign_in(app, make_user, db):
    """Activity keeps the idle clock fresh, but not past the lifetime of a sign-in (10 hours)."""
    user = make_user()
    client = isolated_client(app)
    _sign_in(client, user.email, PASSWORD)
    with client.session_transaction() as session:
        session["signed_in_at"] = int(time.time()) - 10 * 3600 - 60
    response = client.get("/")
    assert response.status_code == 302
    assert b"signed in a long time ago" in client.get(response.location).data


def test_cookies_are_httponly_samesite_and_secure_outside_demo_mode(app, make_user, db):
    user = make_user()
    council = create_app({"SQLALCHEMY_DATABASE_URI": app.config["SQLALCHEMY_DATABASE_URI"], "TESTING": True,
                          "WTF_CSRF_ENABLED": False, "SECRET_KEY": "x" * 32, "DEMO_MODE": False})
    client = isolated_client(council)
    response = client.post("/sign-in", data={"email": user.email, "password": PASSWORD},
                           base_url="https://supervision.council.example")
    assert response.status_code == 302
    cookie = response.headers["Set-Cookie"]
    assert "HttpOnly" in cookie and "SameSite=Lax" in cookie and "Secure" in cookie
    demo_cookie = _sign_in(isolated_client(app), user.email, PASSWORD).headers["Set-Cookie"]
    assert "HttpOnly" in demo_cookie and "SameSite=Lax" in demo_cookie and "Secure" not in demo_cookie
    with council.app_context():
        from supervision.extensions import db as council_db
        council_db.engine.dispose()


def _aged_token(app, client, seconds: int) -> str:
    """A CSRF token as the browser would hold it after `seconds` on an open page."""
    with client.session_transaction() as session:
        raw = session.get("csrf_token")

    class Then(TimestampSigner):
        def get_timestamp(self) -> int:
            return int(time.time()) - seconds

    serializer = URLSafeTimedSerializer(app.config["SECRET_KEY"], salt="wtf-csrf-token", signer=Then)
    return serializer.dumps(raw)


def test_a_csrf_token_outlives_a_90_minute_meeting(app, make_user, db):
    user = make_user()
    client = isolated_client(app)
    _sign_in(client, user.email, PASSWORD)
    app.config["WTF_CSRF_ENABLED"] = True
    try:
        assert 'name="csrf_token"' in client.get("/account").data.decode()  # the page made the session's secret
        ok = client.post("/actions/calendar/stop", data={"csrf_token": _aged_token(app, client, 95 * 60)})
        assert ok.status_code == 302, "a token from 95 minutes ago must still be accepted"
        stale = client.post("/actions/calendar/stop", data={"csrf_token": _aged_token(app, client, 13 * 3600)})
        assert stale.status_code == 400 and b"expired" in stale.data
    finally:
        app.config["WTF_CSRF_ENABLED"] = False


def test_sign_out_everywhere_from_the_account_page(app, make_user, db):
    user = make_user(Role.PRACTITIONER)
    laptop, phone = isolated_client(app), isolated_client(app)
    for device in (laptop, phone):
        _sign_in(device, user.email, PASSWORD)
    page = laptop.get("/account").data.decode()
    assert "Sign out on every device" in page and 'action="/sign-out-everywhere"' in page
    assert laptop.post("/sign-out-everywhere").status_code == 302
    assert phone.get("/").status_code == 302
    assert laptop.get("/").status_code == 302
    assert _sign_in(phone, user.email, PASSWORD).status_code == 302  # signing in again works


def test_ids_beyond_any_database_integer_are_simply_not_found(login_as, team_setup):
    client = login_as(team_setup["manager"])
    for url in ("/cases/99999999999999999999", "/sessions/2147483648", "/sessions/2147483648/record.txt"):
        assert client.get(url).status_code == 404, url
    assert client.post("/sessions/99999999999999999999/scores", data={"score": "1"}).status_code == 404


def test_nul_characters_are_dropped_not_stored_or_refused(login_as, team_setup, db):
    client = login_as(team_setup["manager"])
    meeting = team_setup["meeting"]
    response = client.post(f"/sessions/{meeting.id}/sections/worries/items", data={"text": "Dad\x00 shouts"})
    assert response.status_code == 302
    db.session.refresh(meeting)
    assert [i.text for i in meeting.items] == ["Dad shouts"]


def test_demo_mode_is_off_unless_asked_for(tmp_path):
    """However the app is started, it is a council's until told it is the demo (`make run` tells it)."""
    from app import create_app

    app = create_app({"SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path / 'plain.sqlite'}", "SECRET_KEY": "x" * 32})
    assert app.config["DEMO_MODE"] is False
    assert app.config["SESSION_COOKIE_SECURE"] is True and app.config["REMEMBER_COOKIE_SECURE"] is True
