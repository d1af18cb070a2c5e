"""Configuration: defaults here, overridden by FLASK_* environment variables."""

from __future__ import annotations

import secrets
from datetime import timedelta
from pathlib import Path


class Config:
    # Off unless asked for: `make run` turns it on (FLASK_DEMO_MODE=true) for the fictional demo. Off means
    # Secure cookies, no demo accounts on the sign-in page and no demo banner, however the app is started.
    DEMO_MODE = False
    SQLALCHEMY_ENGINE_OPTIONS: dict = {}
    WTF_CSRF_TIME_LIMIT = 12 * 3600  # a token outlives a 90-minute meeting with room to spare
    SESSION_COOKIE_HTTPONLY = True
    SESSION_COOKIE_SAMESITE = "Lax"
    REMEMBER_COOKIE_HTTPONLY = True
    PERMANENT_SESSION_LIFETIME = timedelta(hours=10)  # absolute lifetime of a sign-in
    IDLE_TIMEOUT_MINUTES = 30
    # The idle clock is written to the session cookie at most this often, and the cookie is sent back only
    # when the session changed: re-signing it on every request was a sixth of a small page's work. So a
    # sign-in ends between 30 and 31 minutes without activity.
    LAST_SEEN_EVERY_SECONDS = 60
    SESSION_REFRESH_EACH_REQUEST = False
    # Sign-in throttling: failures counted per account and per address in this window.
    SIGN_IN_WINDOW_MINUTES = 15
    SIGN_IN_MAX_FAILURES_PER_ACCOUNT = 5
    SIGN_IN_MAX_FAILURES_PER_ADDRESS = 20
    # Behind a reverse proxy: how many proxies set X-Forwarded-For/-Proto (0: none, direct).
    TRUSTED_PROXIES = 0
    # A person reopening the same record page within this many seconds is audited once.
    AUDIT_VIEW_WINDOW_SECONDS = 60
    MAX_CONTENT_LENGTH = 2 * 1024 * 1024
    MAX_FORM_MEMORY_SIZE = 1024 * 1024
    REDIS_URL = None
    LOG_LEVEL = "INFO"

    @staticmethod
    def normalise_db_url(url: str) -> str:
        """Use psycopg 3 for PostgreSQL URLs given in the common short forms."""
        for prefix in ("postgres://", "postgresql://"):
            if url.startswith(prefix):
                return "postgresql+psycopg://" + url[len(prefix):]
        return url

    @staticmethod
    def apply_engine_options(config: dict) -> None:
        """Pool settings per database; SQLite pragmas are set on connect (see models)."""
        uri = config["SQLALCHEMY_DATABASE_URI"]
        options = dict(config.get("SQLALCHEMY_ENGINE_OPTIONS") or {})
        if uri.startswith("sqlite"):
            options.setdefault("connect_args", {"timeout": 30})
        else:
            options.setdefault("pool_pre_ping", True)
            # A worker serves up to LIVE_PAGE_THREADS (16) pages at once (gunicorn.conf.py); streams
            # hold no connection. 4 workers x 20 stays under PostgreSQL's default 100 connections.
            options.setdefault("pool_size", 10)
            options.setdefault("max_overflow", 10)
        config["SQLALCHEMY_ENGINE_OPTIONS"] = options
        if not config.get("DEMO_MODE"):
            config["SESSION_COOKIE_SECURE"] = True
            config["REMEMBER_COOKIE_SECURE"] = True


def instance_secret_key(instance: Path) -> str:
    """The secret key kept in the instance folder, made on first run (never committed)."""
    path = instance / "secret_key"
    if not path.exists():
        path.write_text(secrets.token_hex(32))
        path.chmod(0o600)
    return path.read_text().strip()
