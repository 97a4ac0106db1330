"""Fixtures for the page tests: logged-in clients, a member practice, documents to upload, a private file store."""

from __future__ import annotations

import datetime as dt
import io
import zipfile
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from django.core.management import call_command
from django.test import Client

D = dt.date


@pytest.fixture(scope="session", autouse=True)
def _translations_compiled() -> None:
    """The English catalogue is compiled (the .mo files are not in git)."""
    call_command("compiletranslations", verbosity=0)


@pytest.fixture(autouse=True)
def _document_store(document_store: Path) -> Path:
    """Every test here stores uploads in a temporary folder (tests/conftest.py)."""
    return document_store


@pytest.fixture
def login() -> Callable[[Any], Client]:
    """A test client with ``user`` logged in (CSRF is exercised by the browser tests)."""

    def make(user: Any) -> Client:
        client = Client()
        client.force_login(user)
        return client

    return make


@pytest.fixture
def foreign_officer(make_user: Callable[..., Any], other_region: Any) -> Any:
    """A region officer of another region."""
    return make_user("region_officer", username="foreign_officer", region=other_region)


@pytest.fixture
def other_cluster(make_cluster: Callable[..., Any]) -> Any:
    return make_cluster("Klynge Syd")


@pytest.fixture
def other_coordinator(other_cluster: Any) -> Any:
    """The coordinator of another cluster of the same region."""
    return other_cluster.role_assignments.get(role="coordinator").user


@pytest.fixture
def member(cluster: Any, coordinator: Any) -> Any:
    """Praksis Nord (100001) with 2 capacities, a member of ``cluster`` since 1 June 2019."""
    from klynge.registry import services

    return services.practice_add(
        actor=coordinator,
        cluster=cluster,
        provider_number="100001",
        name="Praksis Nord",
        capacities=2,
        joined=D(2019, 6, 1),
        today=D(2019, 6, 1),
    )


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
def odt_bytes() -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr(
            zipfile.ZipInfo("mimetype"), "application/vnd.oasis.opendocument.text", zipfile.ZIP_STORED
        )
        archive.writestr(
            "content.xml",
            '<?xml version="1.0"?><office:document-content xmlns:office="urn:oasis:names:tc:opendocument:xmlns:office:1.0"/>',
            zipfile.ZIP_DEFLATED,
        )
    return buffer.getvalue()


@pytest.fixture
def registry_state() -> Callable[[], dict[str, Any]]:
    """Everything a page could change, to compare before and after a refused request."""
    from klynge.audit.models import AuditEntry
    from klynge.registry.models import CapacityRecord, Document, GpCluster, Membership, PatientCount, Practice

    def state() -> dict[str, Any]:
        return {
            model.__name__: list(model.objects.order_by("pk").values())
            for model in (GpCluster, Practice, Membership, CapacityRecord, PatientCount, Document, AuditEntry)
        }

    return state
