"""The app as production runs it (gunicorn with gunicorn.conf.py), started and stopped by a benchmark."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def start_server(database_url: str, log: Path, *, workers: int, threads: int | None = None,
                 redis: str | None = None, secret_key: str = "bench-" + "k" * 32) -> tuple[subprocess.Popen, int]:
    """gunicorn on a free loopback port, its output in `log`; returns once it answers /healthz."""
    port = free_port()
    env = {**os.environ, "DATABASE_URL": database_url, "FLASK_SECRET_KEY": secret_key, "BIND": f"127.0.0.1:{port}",
           "WEB_CONCURRENCY": str(workers), "ACCESS_LOG": "/dev/null", "FLASK_LOG_LEVEL": "WARNING"}
    if threads is not None:
        env["GUNICORN_THREADS"] = str(threads)
    env.pop("REDIS_URL", None)
    if redis:
        env["REDIS_URL"] = redis
    server = subprocess.Popen([sys.executable, "-m", "gunicorn", "--config", str(ROOT / "gunicorn.conf.py")],
                              cwd=ROOT, env=env, stdout=log.open("wb"), stderr=subprocess.STDOUT,
                              start_new_session=True)  # its own process group: stopping it stops the workers
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=1) as s:
                s.sendall(b"GET /healthz HTTP/1.0\r\n\r\n")
                if b" 200 " in s.recv(100):
                    return server, port
        except OSError:
            time.sleep(0.2)
    stop_server(server)
    raise SystemExit("The server did not start:\n" + log.read_text())


def stop_server(server: subprocess.Popen) -> None:
    try:
        os.killpg(server.pid, signal.SIGTERM)
        server.wait(timeout=20)
    except (ProcessLookupError, subprocess.TimeoutExpired):
        os.killpg(server.pid, signal.SIGKILL)
        server.wait()
