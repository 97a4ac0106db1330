"""Fixtures for the API tests: clients logged in as a given user, documents to upload, a private file store."""

from __future__ import annotations

import io
import json
import zipfile
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from django.test import Client


@pytest.fixture(autouse=True)
def _document_store(document_store: Path) -> Path:
    """Every test here stores uploads in a temporary folder (tests/conftest.py)."""
    return document_store


@pytest.fixture
def client_for() -> Callable[..., Client]:
    """A test client logged in (Django session) as ``user``; ``enforce_csrf_checks`` as a browser would."""

    def make(user: Any, *, enforce_csrf_checks: bool = False) -> Client:
        client = Client(enforce_csrf_checks=enforce_csrf_checks)
        client.force_login(user)
        return client

    return make


def minimal_pdf() -> bytes:
    """A real one-page PDF (uploads are parsed, so a file that merely starts with %PDF is refused)."""
    from pypdf import PdfWriter

    writer = PdfWriter()
    writer.add_blank_page(595, 842)
    buffer = io.BytesIO()
    writer.write(buffer)
    return buffer.getvalue()


@pytest.fixture
def pdf_bytes() -> bytes:
    return minimal_pdf()


@pytest.fixture
def docx_bytes() -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("[Content_Types].xml", '<?xml version="1.0"?><Types/>')
        archive.writestr(
            "word/document.xml",
            '<?xml version="1.0"?><w:document xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main"/>',
        )
    return buffer.getvalue()


@pytest.fixture
def registry_state() -> Callable[[], dict[str, Any]]:
    """Everything an API call could change, to compare before and after a refused request."""
    from klynge.accounts.models import RoleAssignment, User
    from klynge.api.models import ApiToken
    from klynge.audit.models import AuditEntry
    from klynge.registry.models import (
        CapacityRecord,
        Document,
        GpCluster,
        Membership,
        PatientCount,
        Practice,
    )

    def state() -> dict[str, Any]:
        return {
            model.__name__: list(model.objects.order_by("pk").values())
            for model in (
                GpCluster,
                Practice,
                Membership,
                CapacityRecord,
                PatientCount,
                Document,
                AuditEntry,
                RoleAssignment,
                User,
                ApiToken,
            )
        }

    return state


@pytest.fixture
def post_json() -> Callable[..., Any]:
    """POST (or PATCH) a JSON body with a client; extra headers as keyword arguments."""

    def send(client: Client, url: str, body: Any, *, method: str = "post", **headers: str) -> Any:
        data = body if isinstance(body, str | bytes) else json.dumps(body)
        return getattr(client, method)(url, data, content_type="application/json", headers=headers)

    return send


@pytest.fixture
def field_errors() -> Callable[[Any], dict[str | None, str]]:
    """The 422 body as field → message (messages of one field joined); fails on any other answer."""

    def parse(response: Any) -> dict[str | None, str]:
        assert response.status_code == 422, (response.status_code, response.content)
        found: dict[str | None, str] = {}
        for item in response.json()["errors"]:
            assert set(item) == {"field", "message"}
            found[item["field"]] = " ".join(filter(None, [found.get(item["field"]), item["message"]]))
        return found

    return parse
