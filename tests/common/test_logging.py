"""A request with a wrong Host header (scanners send thousands) is logged in one line, without the
traceback Django attaches to it (#10)."""

from __future__ import annotations

import io
import logging

from django.conf import settings
from django.test import Client


def test_a_wrong_host_is_refused_and_logged_in_one_line(db: object) -> None:
    from klynge.common.middleware import NoTracebackFilter

    logger = logging.getLogger("django.security.DisallowedHost")
    assert not logger.propagate
    (handler,) = [h for h in logger.handlers if any(isinstance(f, NoTracebackFilter) for f in h.filters)]
    stream = io.StringIO()
    original = handler.setStream(stream)  # type: ignore[attr-defined]
    try:
        response = Client(HTTP_HOST="scanner.example.invalid").get("/")
    finally:
        handler.setStream(original)  # type: ignore[attr-defined]
    assert response.status_code == 400
    lines = stream.getvalue().splitlines()
    assert len(lines) == 1, lines
    assert "DisallowedHost" in lines[0] and "scanner.example.invalid" in lines[0]
    assert "Traceback" not in stream.getvalue()


def test_the_other_loggers_keep_their_tracebacks() -> None:
    assert "loggers" in settings.LOGGING
    assert set(settings.LOGGING["loggers"]) == {"django.security.DisallowedHost"}
