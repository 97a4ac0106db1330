"""A 500 never shows a traceback (#10): the page (or the API's JSON) gives the request's id, and the
logged traceback carries the same id, so support can find it."""

from __future__ import annotations

import io
import logging
import re
from typing import Any

import pytest
from django.http import HttpRequest, HttpResponse
from django.test import Client
from django.urls import include, path

from klynge.urls import handler500


class Boom(Exception):
    pass


def explode(request: HttpRequest) -> HttpResponse:
    raise Boom("secret detail from deep inside")


urlpatterns = [
    path("boom/", explode),
    path("api/boom/", explode),
    path("", include("klynge.urls")),
]

__all__ = ["handler500"]  # this URLconf answers a 500 as klynge.urls does

pytestmark = pytest.mark.urls(__name__)


@pytest.fixture
def client_500(settings: Any) -> Client:
    settings.DEBUG = False
    return Client(raise_request_exception=False)


def test_a_500_shows_the_request_id_and_no_traceback(
    client_500: Client, caplog: pytest.LogCaptureFixture
) -> None:
    with caplog.at_level(logging.ERROR, logger="django.request"):
        response = client_500.get("/boom/")
    assert response.status_code == 500
    html = response.content.decode()
    request_id = response["X-Request-ID"]
    assert re.fullmatch(r"[0-9a-f]{16}", request_id)
    assert f'<strong class="request-id">{request_id}</strong>' in html
    assert "Der skete en fejl" in html
    for leak in ("Traceback", "secret detail", "Boom", "explode", "File &quot;"):
        assert leak not in html
    assert "Content-Security-Policy" in response
    # The traceback is logged (the next test reads the id on the log line).
    [record] = [r for r in caplog.records if r.name == "django.request"]
    assert record.exc_info and record.exc_info[0] is Boom


def test_the_log_line_carries_the_request_id(client_500: Client) -> None:
    """settings.LOGGING's console handler (standard output in production) writes the id on the line."""
    from klynge.common.middleware import RequestIdLogFilter

    [console] = [
        h for h in logging.getLogger().handlers if any(isinstance(f, RequestIdLogFilter) for f in h.filters)
    ]
    assert isinstance(console, logging.StreamHandler)
    buffer = io.StringIO()
    saved = console.setStream(buffer)
    try:
        response = client_500.get("/boom/")
    finally:
        console.setStream(saved)
    out = buffer.getvalue()
    assert f"ERROR django.request [{response['X-Request-ID']}] Internal Server Error: /boom/" in out
    assert "Boom: secret detail from deep inside" in out  # the operator gets the traceback


def test_the_500_page_is_in_english_for_english_readers(client_500: Client) -> None:
    response = client_500.get("/boom/", HTTP_ACCEPT_LANGUAGE="en")
    html = response.content.decode()
    assert response.status_code == 500
    assert "Something went wrong" in html
    assert f'Error number: <strong class="request-id">{response["X-Request-ID"]}</strong>' in html


def test_the_api_answers_a_500_as_json_with_the_request_id(client_500: Client) -> None:
    response = client_500.get("/api/boom/")
    assert response.status_code == 500
    body = response.json()
    assert body["request_id"] == response["X-Request-ID"]
    assert body["request_id"] in body["detail"]
    assert "secret detail" not in response.content.decode()


def test_a_request_id_from_the_proxy_is_kept_and_a_strange_one_replaced(client: Client, db: Any) -> None:
    kept = client.get("/konto/login/", HTTP_X_REQUEST_ID="0123456789abcdef0123")
    assert kept["X-Request-ID"] == "0123456789abcdef0123"
    replaced = client.get("/konto/login/", HTTP_X_REQUEST_ID="<script>alert(1)</script>")
    assert re.fullmatch(r"[0-9a-f]{16}", replaced["X-Request-ID"])


def test_if_the_error_page_itself_fails_the_answer_is_plain_text_with_the_id(
    client_500: Client, monkeypatch: pytest.MonkeyPatch
) -> None:
    from klynge.web.views import errors

    def broken(*args: object, **kwargs: object) -> str:
        raise RuntimeError("template storage unavailable")

    monkeypatch.setattr(errors.loader, "render_to_string", broken)
    response = client_500.get("/boom/")
    assert response.status_code == 500
    assert response["Content-Type"].startswith("text/plain")
    assert f"Fejlnummer: {response['X-Request-ID']}" in response.content.decode()
    assert "secret detail" not in response.content.decode()
