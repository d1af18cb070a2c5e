"""Cross-cutting protections: response headers, idle time-out, safe redirects."""

from __future__ import annotations

import json
import time
from urllib.parse import urlsplit

from flask import Flask, Request, abort, flash, has_request_context, redirect, request, session, url_for
from flask_login import current_user, logout_user, user_logged_in
from flask_wtf import FlaskForm
from flask_wtf.form import _Auto
from werkzeug.datastructures import ImmutableMultiDict
from werkzeug.middleware.proxy_fix import ProxyFix

# The largest id a URL may carry: PostgreSQL's integer. A bigger one is simply not there (404),
# never a database error.
MAX_ID = 2**31 - 1

CSP = "; ".join([
    "default-src 'self'",
    "script-src 'self'",
    "style-src 'self'",
    "img-src 'self' data:",
    "connect-src 'self'",
    "object-src 'none'",
    "base-uri 'none'",
    "form-action 'self'",
    "frame-ancestors 'none'",
])

# On every response, unless the view set the header itself.
HEADERS = (
    ("Content-Security-Policy", CSP),
    ("X-Content-Type-Options", "nosniff"),
    ("Referrer-Policy", "same-origin"),
    ("X-Frame-Options", "DENY"),
    ("Permissions-Policy", "camera=(), microphone=(), geolocation=()"),
)
SIGNED_IN_HEADERS = (*HEADERS, ("Cache-Control", "no-store"))


def safe_next_url(target: str | None) -> str | None:
    """Only a path on this site: never an open redirect."""
    if not target:
        return None
    parts = urlsplit(target)
    if parts.scheme or parts.netloc or not target.startswith("/") or target.startswith("//"):
        return None
    return target


class _NoNulForm(ImmutableMultiDict):
    """Form and query values without NUL characters: no typed text has one, and PostgreSQL
    cannot store it. Removing it keeps the rest of what the user typed."""

    def __init__(self, mapping=None):
        if mapping is not None and not isinstance(mapping, dict):
            mapping = [(k.replace("\x00", ""), v.replace("\x00", "") if isinstance(v, str) else v)
                       for k, v in (mapping.items(multi=True) if hasattr(mapping, "items") else mapping)]
        super().__init__(mapping)


class SafeRequest(Request):
    parameter_storage_class = _NoNulForm


def _as_text(value) -> str:
    return value if isinstance(value, str) else json.dumps(value)


def _form_data_as_text(self, form, formdata):
    """Flask-WTF hands a JSON body to a form as its data. Keep it to what a browser's form can send,
    text: a number, list or object where text is expected is then a validation message (400), never
    a TypeError (500). JSON endpoints that want JSON read request.get_json() themselves."""
    if formdata is not _Auto or not has_request_context() or request.method not in SUBMIT_METHODS \
            or request.form or request.files or not request.is_json:
        return _wrap_formdata(self, form, formdata)
    body = request.get_json(silent=True)
    if not isinstance(body, dict):
        return ImmutableMultiDict()
    pairs = []
    for key, value in body.items():
        for item in value if isinstance(value, list) else [value]:
            pairs.append((str(key), _as_text(item).replace("\x00", "")))
    return ImmutableMultiDict(pairs)


_wrap_formdata = FlaskForm.Meta.wrap_formdata
SUBMIT_METHODS = frozenset({"POST", "PUT", "PATCH", "DELETE"})  # Flask-WTF's own
FlaskForm.Meta.wrap_formdata = _form_data_as_text


def init_app(app: Flask) -> None:
    app.request_class = SafeRequest
    if app.config.get("TRUSTED_PROXIES"):
        hops = int(app.config["TRUSTED_PROXIES"])
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=hops, x_proto=hops, x_host=hops)

    @app.url_value_preprocessor
    def ids_in_range(endpoint, values):
        if values and any(isinstance(v, int) and not 0 <= v <= MAX_ID for v in values.values()):
            abort(404)

    @user_logged_in.connect_via(app)
    def remember_sign_in_time(sender, user, **extra):
        session["signed_in_at"] = session["last_seen"] = int(time.time())

    @app.before_request
    def idle_timeout():
        if not current_user.is_authenticated:
            return None
        now = int(time.time())
        last_seen = session.get("last_seen", now)
        signed_in_at = session.get("signed_in_at", now)
        idle = now - last_seen > app.config["IDLE_TIMEOUT_MINUTES"] * 60
        # The cookie is re-sent whenever the idle clock moves (at most once a minute, LAST_SEEN_EVERY_SECONDS),
        # so its own expiry slides: the absolute lifetime of a sign-in is checked here against the time of
        # signing in.
        expired = now - signed_in_at > app.permanent_session_lifetime.total_seconds()
        if idle or expired:
            logout_user()
            session.clear()
            flash("You were signed out after a while without activity. Please sign in again." if idle else
                  "You were signed out because you signed in a long time ago. Please sign in again.")
            return redirect(url_for("auth.sign_in", next=request.full_path if request.method == "GET" else None))
        if now - last_seen >= app.config["LAST_SEEN_EVERY_SECONDS"]:
            session["last_seen"] = now
        return None

    @app.after_request
    def headers(response):
        # Records about children are never kept in shared caches or the back-forward cache.
        wanted = SIGNED_IN_HEADERS if current_user.is_authenticated else HEADERS
        present = {key.lower() for key in response.headers.keys()}
        # A header the view set itself (a feed's own Cache-Control) is kept.
        response.headers.extend([(key, value) for key, value in wanted if key.lower() not in present])
        return response
