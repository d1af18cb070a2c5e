"""Error pages: a clear message and a 4xx, never a traceback."""

from __future__ import annotations

import logging

from flask import Flask, render_template, request
from flask_wtf.csrf import CSRFError
from werkzeug.exceptions import HTTPException

log = logging.getLogger(__name__)

MESSAGES = {
    400: "Something in that request was not right. Please go back and try again.",
    403: "You do not have permission to do that.",
    404: "There is nothing here, or you do not have access to it.",
    405: "That action is not available here.",
    413: "That was too large to accept. Please shorten it and try again.",
    429: "Too many attempts. Please wait a few minutes and try again.",
    500: "Something went wrong on our side. Nothing you had saved is lost; please try again.",
}


def _render(code: int, message: str | None = None):
    text = message or MESSAGES.get(code, "Something was not right with that request.")
    if request.accept_mimetypes.best == "application/json":
        return {"error": text}, code
    return render_template("errors/error.html", code=code, message=text), code


def init_app(app: Flask) -> None:
    @app.errorhandler(CSRFError)
    def csrf_error(error: CSRFError):
        return _render(400, "This form had expired or was sent from somewhere else. "
                            "Please go back, reload the page and send it again.")

    @app.errorhandler(HTTPException)
    def http_error(error: HTTPException):
        return _render(error.code or 500)

    @app.errorhandler(Exception)
    def unexpected(error: Exception):
        # The path only: query strings and form bodies may name a child.
        log.exception("Unhandled error on %s %s", request.method, request.path)
        return _render(500)
