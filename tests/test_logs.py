"""The servers' logs name no one and hold no secret (supervision/logs.py)."""

from __future__ import annotations

import logging
import threading
import urllib.request

from werkzeug.serving import make_server

from tests.test_durability import Browser, _free_port, _kill, _seed, _start

SECRET = "s3cret-calendar-token-4711"


def test_gunicorns_access_log_hides_the_calendar_address(tmp_path):
    database, log = tmp_path / "logs.sqlite", tmp_path / "gunicorn.log"
    _seed(database)
    port = _free_port()
    server = _start(f"sqlite:///{database}", port, log)
    try:
        browser = Browser(port)
        assert browser.request("GET", f"/calendar/{SECRET}.ics")[0] == 404  # no such address: 404 as any
        assert browser.request("GET", "/healthz")[0] == 200
    finally:
        _kill(server)
    text = log.read_text()
    assert '"GET /calendar/(private address)" 404' in text and '"GET /healthz" 200' in text
    assert SECRET not in text and "127.0.0.1 " not in text


def test_the_development_servers_log_hides_the_calendar_address_and_the_address(app, caplog):
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        with caplog.at_level(logging.INFO, logger="werkzeug"):
            for path in (f"/calendar/{SECRET}.ics", "/healthz"):
                try:
                    urllib.request.urlopen(f"http://127.0.0.1:{server.server_port}{path}", timeout=5)
                except urllib.error.HTTPError as error:
                    assert error.code == 404
    finally:
        server.shutdown()
    lines = [r.getMessage() for r in caplog.records if r.name == "werkzeug"]
    assert any("GET /calendar/(private address) " in line for line in lines), lines
    assert any("GET /healthz" in line for line in lines), lines
    assert not any(SECRET in line or line.startswith("127.0.0.1") for line in lines), lines
