"""What the server logs may hold: no one's address and no secret in a path.

Who saw what is in the audit log, not in the server's logs. The one secret a path carries is the
private calendar (ICS) address of a user's actions; both servers' request lines go through here.
"""

from __future__ import annotations

import logging
import re

_SECRET_IN_PATH = re.compile(r"(/calendar/)[^/\s?]+")
_ADDRESS = re.compile(r"^\S+ - - ")  # how the development server (werkzeug) starts a request line


def redact_path(text: str) -> str:
    """A path, or a request line, fit for a log."""
    return _SECRET_IN_PATH.sub(r"\1(private address)", text)


class DevServerLogFilter(logging.Filter):
    """`make run` serves with werkzeug, which logs each request with the address and the whole path."""

    def filter(self, record: logging.LogRecord) -> bool:
        if isinstance(record.msg, str):
            record.msg = _ADDRESS.sub("", record.msg, count=1)
        if isinstance(record.args, tuple):
            record.args = tuple(redact_path(arg) if isinstance(arg, str) else arg for arg in record.args)
        return True


def init_app() -> None:
    logger = logging.getLogger("werkzeug")
    if not any(isinstance(f, DevServerLogFilter) for f in logger.filters):
        logger.addFilter(DevServerLogFilter())
