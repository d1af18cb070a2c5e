"""Running Graphviz: one place that knows the command, the time limit, the error messages.

Starting ``dot`` costs about 20 ms (loading plugins, fonts) — more than laying out a small family.
So for the text formats we read most (``plain`` for layout, ``svg`` for drawings) we keep one
long-running ``dot`` per format and per process, fed one graph at a time on stdin: it answers each
graph as soon as it has read it, and we know where each answer ends (``stop`` / ``</svg>``). If that
worker is busy (another thread), broken or disabled, or the graph is large, a fresh ``dot`` is run
instead; every call has a time limit after which the process is killed. Binary formats (PNG, PDF)
always use a fresh ``dot``.
"""

from __future__ import annotations

import atexit
import os
import re
import select
import shutil
import subprocess
import tempfile
import threading
import time
from typing import IO

from genogram.problems import RenderError

DEFAULT_TIMEOUT = 120.0  # seconds; a 3,000-person family takes a few
_MAX_GRAPHS_PER_WORKER = 200  # then start afresh, so any slow leak in Graphviz stays small
# Bytes of DOT from which a fresh dot is used: starting one (~20 ms) is small beside such a layout,
# and a long-running dot lays a large graph out more slowly (3,000 people: 1.0-1.1 s against 0.88 s).
_BIG_GRAPH = 100_000

# Fixed dates inside PDFs keep renders byte-for-byte repeatable: cairo 1.18 honours SOURCE_DATE_EPOCH;
# older cairo (Debian 12 has 1.16) writes the clock's second, which is put back to the same date here.
_ENV = {**os.environ, "SOURCE_DATE_EPOCH": "0"}
_PDF_DATE = re.compile(rb"/CreationDate \(D:\d{14}Z\)")
_FIXED_PDF_DATE = b"/CreationDate (D:19700101000000Z)"  # the same length: the PDF's offsets stay true
_ENDINGS = {"plain": b"\nstop\n", "svg": b"</svg>\n"}
_use_workers = os.environ.get("GENOGRAM_DOT_WORKERS", "1") != "0"


def dot_path() -> str:
    """The ``dot`` program, or a RenderError saying how to install it."""
    found = shutil.which("dot")
    if found is None:
        raise RenderError(
            "Graphviz is not installed: the 'dot' program was not found on PATH. "
            "Install it (Debian/Ubuntu: apt-get install graphviz) to draw genograms."
        )
    return found


def use_workers(enabled: bool) -> None:
    """Turn the long-running dot workers on or off (off: a fresh dot for every call)."""
    global _use_workers
    _use_workers = enabled
    if not enabled:
        _close_workers()


def run_dot(source: str, output_format: str, *, timeout: float = DEFAULT_TIMEOUT) -> bytes:
    """Run ``dot -T<format>`` on DOT source and return its output; RenderError on failure or timeout."""
    data = source.encode("utf-8")
    if not data.endswith(b"\n"):
        data += b"\n"
    worker = _worker_for(output_format) if _use_workers and len(data) < _BIG_GRAPH else None
    if worker is not None and worker.lock.acquire(blocking=False):
        try:
            return worker.run(data, timeout)
        finally:
            worker.lock.release()
    drawn = _run_once(data, output_format, timeout)
    return _PDF_DATE.sub(_FIXED_PDF_DATE, drawn, count=1) if output_format == "pdf" else drawn


def _run_once(data: bytes, output_format: str, timeout: float) -> bytes:
    command = [dot_path(), f"-T{output_format}"]
    try:
        done = subprocess.run(command, input=data, capture_output=True, timeout=timeout, env=_ENV, check=False)
    except subprocess.TimeoutExpired:
        raise RenderError(f"Graphviz took longer than {timeout:g} seconds to draw this genogram.") from None
    except OSError as exc:
        raise RenderError(f"Graphviz could not be started: {exc}.") from None
    if done.returncode != 0:
        message = done.stderr.decode("utf-8", "replace").strip() or f"exit status {done.returncode}"
        raise RenderError(f"Graphviz failed to draw the genogram: {message}")
    return done.stdout


class _Worker:
    """One long-running ``dot -T<format>``, used by one thread at a time (hold ``lock``)."""

    def __init__(self, output_format: str) -> None:
        self.output_format = output_format
        self.ending = _ENDINGS[output_format]
        self.lock = threading.Lock()
        self.process: subprocess.Popen[bytes] | None = None
        self.errors: IO[bytes] | None = None
        self.owner = os.getpid()
        self.graphs = 0

    def run(self, data: bytes, timeout: float) -> bytes:
        if self.process is None or self.process.poll() is not None:
            self.start()
        assert self.process is not None and self.process.stdin is not None and self.process.stdout is not None
        try:
            output = self._exchange(self.process.stdin.fileno(), self.process.stdout.fileno(), data, timeout)
        except BaseException:
            self.close(kill=True)
            raise
        self.graphs += 1
        if self.graphs >= _MAX_GRAPHS_PER_WORKER:
            self.close()
        if self.output_format == "svg":
            # Graphviz 2.43 numbers the top group "page0,1_graph0" from a process's second graph on; a fresh
            # dot writes "graph0". Undo it so a drawing is the same bytes whichever way it was made.
            output = output.replace(b'<g id="page0,1_graph0" class="graph"', b'<g id="graph0" class="graph"', 1)
        return output

    def start(self) -> None:
        self.close()
        self.errors = tempfile.TemporaryFile()
        try:
            self.process = subprocess.Popen([dot_path(), f"-T{self.output_format}"], stdin=subprocess.PIPE,
                                            stdout=subprocess.PIPE, stderr=self.errors, env=_ENV)
        except OSError as exc:
            raise RenderError(f"Graphviz could not be started: {exc}.") from None
        assert self.process.stdin is not None and self.process.stdout is not None
        os.set_blocking(self.process.stdin.fileno(), False)
        os.set_blocking(self.process.stdout.fileno(), False)
        self.graphs = 0
        self.owner = os.getpid()

    def _exchange(self, stdin: int, stdout: int, data: bytes, timeout: float) -> bytes:
        """Write the graph while reading the answer (so neither pipe can fill up and stall), until it ends."""
        deadline = time.monotonic() + timeout
        view = memoryview(data)
        chunks: list[bytes] = []
        tail = b""
        while True:
            left = deadline - time.monotonic()
            if left <= 0:
                raise RenderError(f"Graphviz took longer than {timeout:g} seconds to draw this genogram.")
            readable, writable, _ = select.select([stdout], [stdin] if view else [], [], left)
            if writable:
                written = os.write(stdin, view[:65536])
                view = view[written:]
            if readable:
                chunk = os.read(stdout, 1 << 20)
                if not chunk:
                    raise RenderError(f"Graphviz failed to draw the genogram: {self._error_text()}")
                chunks.append(chunk)
                tail = (tail + chunk)[-len(self.ending):]
                if tail == self.ending and not view:
                    return b"".join(chunks)

    def _error_text(self) -> str:
        if self.errors is None:
            return "it stopped unexpectedly"
        self.errors.seek(0)
        return self.errors.read().decode("utf-8", "replace").strip() or "it stopped unexpectedly"

    def close(self, kill: bool = False) -> None:
        process, self.process = self.process, None
        if process is not None and self.owner == os.getpid():
            if kill:
                process.kill()
            for stream in (process.stdin, process.stdout):
                if stream is not None:
                    stream.close()
            try:
                process.wait(timeout=2)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()
        if self.errors is not None:
            self.errors.close()
            self.errors = None


_workers: dict[str, _Worker] = {}
_workers_lock = threading.Lock()


def _worker_for(output_format: str) -> _Worker | None:
    if output_format not in _ENDINGS:
        return None
    with _workers_lock:
        worker = _workers.get(output_format)
        if worker is None or worker.owner != os.getpid():
            # A forked child (e.g. a gunicorn worker) must not share its parent's pipes: start its own.
            worker = _workers[output_format] = _Worker(output_format)
        return worker


def _close_workers() -> None:
    with _workers_lock:
        workers = list(_workers.values())
        _workers.clear()
    for worker in workers:
        with worker.lock:
            worker.close()


atexit.register(_close_workers)
