"""Cross-cutting protections: response headers, idle time-out, safe redirects."""

from __future__ import annotations

import time
from urllib.parse import urlsplit

from flask import Flask, flash, redirect, request, session, url_for
from flask_login import current_user, logout_user

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


def safe_next_url(target: str | None) -> str | None:
    """Only a path on this site: never an open redirect."""
    if not target:
        return None
    parts = urlsplit(target)
    if parts.scheme or parts.netloc or not target.startswith("/") or target.startswith("//"):
        return None
    return target


def init_app(app: Flask) -> None:
    @app.before_request
    def idle_timeout():
        if not current_user.is_authenticated:
            return None
        now = int(time.time())
        last_seen = session.get("last_seen", now)
        if now - last_seen > app.config["IDLE_TIMEOUT_MINUTES"] * 60:
            logout_user()
            session.clear()
            flash("You were signed out after a while without activity. Please sign in again.")
            return redirect(url_for("auth.sign_in", next=request.full_path if request.method == "GET" else None))
        session["last_seen"] = now
        return None

    @app.after_request
    def headers(response):
        response.headers.setdefault("Content-Security-Policy", CSP)
        response.headers.setdefault("X-Content-Type-Options", "nosniff")
        response.headers.setdefault("Referrer-Policy", "same-origin")
        response.headers.setdefault("X-Frame-Options", "DENY")
        response.headers.setdefault("Permissions-Policy", "camera=(), microphone=(), geolocation=()")
        if current_user and getattr(current_user, "is_authenticated", False):
            # Records about children are never kept in shared caches or the back-forward cache.
            response.headers.setdefault("Cache-Control", "no-store")
        return response
