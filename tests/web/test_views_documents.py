"""Uploading, downloading and removing a cluster's documents through the pages."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client, override_settings
from django.urls import reverse

from klynge.registry import services
from klynge.registry.models import Document, DocumentType

DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
ODT = "application/vnd.oasis.opendocument.text"


def statutes() -> DocumentType:
    return DocumentType.objects.get(code="vedtaegter")


def upload(
    client: Client, cluster: Any, name: str, content: bytes, doc_type: DocumentType | None = None
) -> Any:
    return client.post(
        reverse("document_upload", args=[cluster.pk]),
        {"document_type": (doc_type or statutes()).pk, "file": SimpleUploadedFile(name, content)},
        follow=True,
    )


@pytest.fixture
def document(cluster: Any, coordinator: Any, pdf_bytes: bytes) -> Document:
    return services.document_upload(
        actor=coordinator,
        cluster=cluster,
        document_type=statutes(),
        upload=SimpleUploadedFile("vedtaegter.pdf", pdf_bytes),
    )


@pytest.mark.parametrize(
    ("name", "fixture", "mime"),
    [
        ("vedtaegter.pdf", "pdf_bytes", "application/pdf"),
        ("vedtaegter.docx", "docx_bytes", DOCX),
        ("vedtaegter.odt", "odt_bytes", ODT),
    ],
)
def test_a_real_pdf_docx_or_odt_is_accepted(
    login: Callable[[Any], Client],
    cluster: Any,
    coordinator: Any,
    request: pytest.FixtureRequest,
    name: str,
    fixture: str,
    mime: str,
) -> None:
    response = upload(login(coordinator), cluster, name, request.getfixturevalue(fixture))
    stored = Document.objects.get(cluster=cluster)
    assert stored.content_type == mime
    assert stored.original_name == name
    assert response.redirect_chain[-1][0] == reverse("cluster_detail", args=[cluster.pk])
    assert name in response.content.decode()


@pytest.mark.parametrize(
    ("name", "content"),
    [
        ("vedtaegter.pdf", b"MZ\x90\x00\x03\x00\x00\x00\x04\x00\x00\x00\xff\xff" + b"\x00" * 64),
        ("referat.docx", b"Referat af stiftende generalforsamling\n"),
        ("noter.txt", b"Bare tekst\n"),
    ],
    ids=["renamed-exe", "renamed-txt", "txt"],
)
def test_anything_but_a_document_is_refused_with_the_message_at_the_file_field(
    login: Callable[[Any], Client],
    cluster: Any,
    coordinator: Any,
    registry_state: Callable[[], dict[str, Any]],
    stored_files: Callable[[], list[Any]],
    name: str,
    content: bytes,
) -> None:
    before = registry_state()
    html = upload(login(coordinator), cluster, name, content).content.decode()
    assert f"Fil: {name} er ikke et PDF-, DOCX- eller ODT-dokument" in html
    assert 'id="id_file-error"' in html and 'href="#id_file"' in html
    assert registry_state() == before
    assert stored_files() == []


@override_settings(DOCUMENT_MAX_BYTES=50)
def test_a_too_large_file_is_refused_saying_how_large_it_may_be(
    login: Callable[[Any], Client],
    cluster: Any,
    coordinator: Any,
    pdf_bytes: bytes,
    registry_state: Callable[[], dict[str, Any]],
) -> None:
    before = registry_state()
    html = upload(login(coordinator), cluster, "stor.pdf", pdf_bytes + b"%" * 100).content.decode()
    size = len(pdf_bytes) + 100
    assert f"Fil: filen er for stor: {size} bytes; højst 50 bytes." in html
    assert registry_state() == before


def test_an_empty_upload_names_the_file_field(
    login: Callable[[Any], Client], cluster: Any, coordinator: Any
) -> None:
    html = upload(login(coordinator), cluster, "tom.pdf", b"").content.decode()
    assert "Fil: filen er tom. Vælg dokumentet igen." in html
    assert not Document.objects.exists()


def test_the_upload_page_shows_the_regions_required_documents_and_instructions(
    login: Callable[[Any], Client], cluster: Any, coordinator: Any, region: Any
) -> None:
    region.instructions = "Send også bestyrelsens navne."
    region.save()
    html = login(coordinator).get(reverse("document_upload", args=[cluster.pk])).content.decode()
    assert "Send også bestyrelsens navne." in html
    for doc_type in region.required_documents.all():
        assert f"{doc_type.name} – mangler" in html


@pytest.mark.parametrize("who", ["coordinator", "officer", "approver", "admin_user"])
def test_the_cluster_and_its_region_may_download_a_document(
    login: Callable[[Any], Client],
    document: Document,
    pdf_bytes: bytes,
    request: pytest.FixtureRequest,
    who: str,
) -> None:
    response = login(request.getfixturevalue(who)).get(reverse("document_download", args=[document.pk]))
    assert response.status_code == 200
    assert b"".join(response.streaming_content) == pdf_bytes  # type: ignore[attr-defined]
    assert response["Content-Type"] == "application/pdf"
    assert response["Content-Disposition"] == 'attachment; filename="vedtaegter.pdf"'
    assert response["X-Content-Type-Options"] == "nosniff"


@pytest.mark.parametrize("who", ["other_coordinator", "foreign_officer"])
def test_another_cluster_or_region_gets_404_for_a_document(
    login: Callable[[Any], Client], document: Document, request: pytest.FixtureRequest, who: str
) -> None:
    client = login(request.getfixturevalue(who))
    assert client.get(reverse("document_download", args=[document.pk])).status_code == 404
    assert client.post(reverse("document_remove", args=[document.pk])).status_code == 404
    document.refresh_from_db()
    assert document.removed_at is None


def test_a_document_is_removed_after_a_confirmation(
    login: Callable[[Any], Client], cluster: Any, coordinator: Any, document: Document
) -> None:
    client = login(coordinator)
    url = reverse("document_remove", args=[document.pk])
    assert "Vil du fjerne Vedtægter (vedtaegter.pdf)?" in client.get(url).content.decode()
    document.refresh_from_db()
    assert document.removed_at is None
    html = client.post(url, follow=True).content.decode()
    document.refresh_from_db()
    assert document.removed_at is not None
    assert "vedtaegter.pdf er fjernet." in html


def test_a_region_approver_may_not_remove_a_document(
    login: Callable[[Any], Client], approver: Any, document: Document
) -> None:
    assert login(approver).post(reverse("document_remove", args=[document.pk])).status_code == 403
    document.refresh_from_db()
    assert document.removed_at is None
