"""Gunicorn settings for production: `make run-prod` (docs/deploy.md).

Several worker processes, each with a pool of threads (gthread): a live screen's stream
(Server-Sent Events, supervision/events.py) holds one thread while it is open, for a bounded
time, and never a database connection; each worker keeps LIVE_PAGE_THREADS threads for pages
by refusing streams beyond the rest, so the other threads keep serving pages. Updates
reach screens on every worker through Redis (REDIS_URL).

Everything can be changed from the environment without editing this file.
"""

import gc
import os
from pathlib import Path

from gunicorn import glogging

from supervision.logs import redact_path

wsgi_app = "app:create_app()"
bind = os.environ.get("BIND", "127.0.0.1:8000")
workers = int(os.environ.get("WEB_CONCURRENCY", "4"))
worker_class = "gthread"
# Every open screen, console and phone holds one thread for as long as its stream is open (up to
# LIVE_STREAM_SECONDS, then it reconnects), so a 50-person scaling round alone needs 50+ threads.
# An idle waiting thread costs little memory and no database connection: 64 per worker by default.
threads = int(os.environ.get("GUNICORN_THREADS", "64"))
# Threads kept for ordinary pages: streams beyond the rest are refused (503) and those pages poll.
page_threads = int(os.environ.get("LIVE_PAGE_THREADS", "16"))
os.environ.setdefault("FLASK_LIVE_MAX_STREAMS", str(max(1, threads - page_threads)))
# Workers are not preloaded: each builds its own app, database pool and Redis listener after the fork.
preload_app = False
timeout = int(os.environ.get("GUNICORN_TIMEOUT", "60"))
graceful_timeout = 30
keepalive = 5
# Behind a reverse proxy on the same machine (docs/deploy.md); X-Forwarded-* from anywhere else is ignored.
forwarded_allow_ips = os.environ.get("FORWARDED_ALLOW_IPS", "127.0.0.1,::1")

# Logs name no one: the path without its query string (which may carry a search for a family
# name), no address, no user agent, no referrer. Who saw what is in the audit log instead.
accesslog = os.environ.get("ACCESS_LOG", "-")
errorlog = "-"
access_log_format = '%(t)s "%(m)s %(U)s" %(s)s %(B)s %(M)sms'


class AccessLogger(glogging.Logger):
    """The path as supervision.logs allows it: a calendar feed's address is its secret."""

    def atoms(self, resp, req, environ, request_time):
        atoms = super().atoms(resp, req, environ, request_time)
        atoms["U"] = redact_path(atoms["U"])
        return atoms


logger_class = AccessLogger


def on_starting(server):
    """Make the instance secret key once, before the workers start, unless one is given
    (FLASK_SECRET_KEY): workers racing to create it could each sign cookies differently."""
    if not os.environ.get("FLASK_SECRET_KEY"):
        from supervision.config import instance_secret_key

        instance = Path(__file__).resolve().parent / "instance"
        instance.mkdir(exist_ok=True)
        instance_secret_key(instance)


def post_worker_init(worker):
    """Once the app is loaded: what it built at start (the ORM, templates, compiled statements) lives as
    long as the worker, so the garbage collector stops walking it (gc.freeze), and collects the young
    less often. A page makes tens of thousands of short-lived objects; this takes the pauses off them."""
    gc.freeze()
    gc.set_threshold(50_000, 50, 100)
