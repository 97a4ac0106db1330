"""Every request gets an id: in the ``X-Request-ID`` response header, on every log line written while
it is handled, and on the 500 page, so a user can quote it and the operator find the traceback (#10)."""

from __future__ import annotations

import contextvars
import logging
import re
import uuid
from collections.abc import Callable

from django.http import HttpRequest, HttpResponse

_current: contextvars.ContextVar[str] = contextvars.ContextVar("klynge_request_id", default="-")

# An id the reverse proxy assigned (nginx's $request_id) is kept, so its log and ours agree; anything
# else a client sends is replaced.
_ACCEPTED = re.compile(r"[A-Za-z0-9._-]{8,64}")


def current_request_id() -> str:
    """The id of the request being handled in this thread, or "-" outside a request."""
    return _current.get()


class RequestIdMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        given = request.headers.get("X-Request-ID", "")
        request_id = given if _ACCEPTED.fullmatch(given) else uuid.uuid4().hex[:16]
        request.request_id = request_id  # type: ignore[attr-defined]
        token = _current.set(request_id)
        try:
            response = self.get_response(request)
        finally:
            _current.reset(token)
        response["X-Request-ID"] = request_id
        return response


class NoTracebackFilter(logging.Filter):
    """Logs a record in one line, without its traceback: for the refusals of bad requests (a wrong
    Host header) that scanners send by the thousand; the message says all there is to say."""

    def filter(self, record: logging.LogRecord) -> bool:
        record.exc_info = None
        record.exc_text = None
        return True


class RequestIdLogFilter(logging.Filter):
    """Puts ``request_id`` on every log record (``-`` outside a request)."""

    def filter(self, record: logging.LogRecord) -> bool:
        if not hasattr(record, "request_id"):
            record.request_id = _current.get()
        return True
