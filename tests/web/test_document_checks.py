"""Uploaded documents are checked by parsing them, through the web form and the API alike: a PDF must
open as a PDF, a DOCX/ODT must be a well-formed package without macros or executables, the inflated size
is limited, and a refusal says why; API downloads get the web download's sandbox headers."""

from __future__ import annotations

import io
import zipfile
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client, override_settings
from django.urls import reverse
from pypdf import PdfWriter

from klynge.registry import documents
from klynge.registry.models import Document, DocumentType

W = "http://schemas.openxmlformats.org/wordprocessingml/2006/main"
DOCUMENT_XML = f'<?xml version="1.0"?><w:document xmlns:w="{W}"/>'
TYPES = '<?xml version="1.0"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">{}</Types>'


def docx(*extra: tuple[str, bytes | str], types: str = "", document: str = DOCUMENT_XML) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("[Content_Types].xml", TYPES.format(types))
        archive.writestr("word/document.xml", document)
        for name, data in extra:
            archive.writestr(name, data)
    return buffer.getvalue()


def odt(*extra: tuple[str, bytes | str]) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("mimetype", "application/vnd.oasis.opendocument.text")
        archive.writestr(
            "content.xml", '<?xml version="1.0"?><office:document-content xmlns:office="urn:o"/>'
        )
        for name, data in extra:
            archive.writestr(name, data)
    return buffer.getvalue()


def encrypted_pdf() -> bytes:
    writer = PdfWriter()
    writer.add_blank_page(595, 842)
    writer.encrypt("hemmelig")
    buffer = io.BytesIO()
    writer.write(buffer)
    return buffer.getvalue()


REFUSED = {
    "only-a-pdf-header": (b"%PDF-1.4\n%%EOF\n", "kan ikke åbnes som en"),
    "pdf-header-then-garbage": (b"%PDF-1.7\n" + bytes(range(256)) * 4, "kan ikke åbnes som en"),
    "password-pdf": (encrypted_pdf(), "adgangskode"),
    "docm-vba-project": (
        docx(("word/vbaProject.bin", b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"0" * 64)),
        "makroer",
    ),
    "macro-enabled-content-type": (
        docx(
            types='<Override PartName="/word/document.xml" ContentType="application/vnd.ms-word.document.macroEnabled.main+xml"/>'
        ),
        "makroer",
    ),
    "embedded-exe": (docx(("word/embeddings/setup.exe", b"MZ" + b"\0" * 64)), "programfil"),
    "renamed-executable-inside": (docx(("word/media/image1.png", b"MZ\x90\x00" + b"\0" * 64)), "programfil"),
    "ole-object": (docx(("word/embeddings/oleObject1.bin", b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1")), "objekt"),
    "odt-basic-macro": (odt(("Basic/Standard/Module1.xml", "<x/>")), "makroer"),
    "zip-bomb": (docx(("word/media/big.xml", b"0" * (3 * 1024 * 1024))), "pakkes ud"),
}
REFUSED["malformed-document-xml"] = (
    docx(document='<?xml version="1.0"?><w:document>'),
    "ikke et gyldigt DOCX",
)
REFUSED["doctype-in-a-part"] = (
    docx(document='<?xml version="1.0"?><!DOCTYPE x [<!ENTITY a "a">]><x>&a;</x>'),
    "ikke et gyldigt DOCX",
)


def web_upload(client: Client, cluster: Any, name: str, content: bytes) -> tuple[int, str]:
    response = client.post(
        reverse("document_upload", args=[cluster.pk]),
        {
            "document_type": DocumentType.objects.get(code="vedtaegter").pk,
            "file": SimpleUploadedFile(name, content),
        },
    )
    form = response.context["form"] if response.context else None
    message = " ".join(form.errors.get("file", [])) if form is not None else ""
    return response.status_code, message


def api_upload(client: Client, cluster: Any, name: str, content: bytes) -> tuple[int, str]:
    response = client.post(
        f"/api/clusters/{cluster.pk}/documents",
        {"document_type": "vedtaegter", "file": SimpleUploadedFile(name, content)},
    )
    [item] = response.json()["errors"]
    assert item["field"] == "file"
    return response.status_code, item["message"]


CHANNELS = {"web": (web_upload, 200, 200), "api": (api_upload, 422, 413)}


@pytest.fixture
def coordinator_client(coordinator: Any) -> Client:
    client = Client()
    client.force_login(coordinator)
    return client


@pytest.mark.parametrize("channel", CHANNELS)
@pytest.mark.parametrize("case", REFUSED)
@override_settings(DOCUMENT_MAX_BYTES=10 * 1024 * 1024)
def test_a_file_that_is_not_what_it_claims_is_refused_with_the_reason(
    coordinator_client: Client,
    cluster: Any,
    stored_files: Callable[[], list[Path]],
    case: str,
    channel: str,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(documents, "MAX_INFLATED", 2 * 1024 * 1024)
    content, reason = REFUSED[case]
    send, refused_status, too_large_status = CHANNELS[channel]
    status, message = send(coordinator_client, cluster, "vedtaegter.docx", content)
    assert status == (too_large_status if case == "zip-bomb" else refused_status)
    assert message.startswith("Fil: ")
    if reason:
        assert reason in message, message
    assert not Document.objects.exists() and stored_files() == []


@pytest.mark.parametrize("channel", CHANNELS)
def test_too_large_says_too_large_with_sizes_in_one_unit_that_do_not_contradict(
    coordinator_client: Client, cluster: Any, pdf_bytes: bytes, channel: str
) -> None:
    send, _refused, too_large_status = CHANNELS[channel]
    with override_settings(DOCUMENT_MAX_BYTES=len(pdf_bytes) - 1):
        status, message = send(coordinator_client, cluster, "vedtaegter.pdf", pdf_bytes)
    assert status == too_large_status
    assert "er for stor:" in message and "højst" in message
    shown, most = message.split("for stor: ")[1].split(". ")[0].split("; højst ")
    assert shown.split()[-1] == most.split()[-1]  # one unit
    assert shown != most  # never "12,0 MB; højst 12,0 MB"
    assert not Document.objects.exists()


def test_sizes_never_look_equal_and_use_the_limits_unit() -> None:
    from klynge.common.sizes import size_and_limit

    mb = 1024 * 1024
    assert size_and_limit(12 * mb + mb // 2, 10 * mb) == ("12,5 MB", "10,0 MB")
    assert size_and_limit(10 * mb + 1, 10 * mb) == ("10.485.761 bytes", "10.485.760 bytes")
    assert size_and_limit(11 * mb + 5000, 11 * mb) == ("11,004 MB", "11,000 MB")
    assert size_and_limit(1843, 1000) == ("1843 bytes", "1000 bytes")


@pytest.mark.parametrize("channel", CHANNELS)
def test_real_documents_are_still_accepted(
    coordinator_client: Client,
    cluster: Any,
    pdf_bytes: bytes,
    docx_bytes: bytes,
    odt_bytes: bytes,
    channel: str,
) -> None:
    send = CHANNELS[channel][0]
    for name, content in [("a.pdf", pdf_bytes), ("b.docx", docx_bytes), ("c.odt", odt_bytes)]:
        response = (
            coordinator_client.post(
                reverse("document_upload", args=[cluster.pk]),
                {
                    "document_type": DocumentType.objects.get(code="vedtaegter").pk,
                    "file": SimpleUploadedFile(name, content),
                },
            )
            if send is web_upload
            else coordinator_client.post(
                f"/api/clusters/{cluster.pk}/documents",
                {"document_type": "vedtaegter", "file": SimpleUploadedFile(name, content)},
            )
        )
        assert response.status_code in {201, 302}, (name, response.content[:300])
    assert Document.objects.count() == 3


def test_api_downloads_send_the_same_sandbox_headers_as_web_downloads(
    coordinator_client: Client, cluster: Any, pdf_bytes: bytes
) -> None:
    api_upload_response = coordinator_client.post(
        f"/api/clusters/{cluster.pk}/documents",
        {"document_type": "vedtaegter", "file": SimpleUploadedFile("v.pdf", pdf_bytes)},
    )
    document_id = api_upload_response.json()["id"]
    web = coordinator_client.get(reverse("document_download", args=[document_id]))
    api = coordinator_client.get(f"/api/documents/{document_id}/download")
    assert web.status_code == api.status_code == 200
    for header in ("Content-Security-Policy", "X-Content-Type-Options", "Cache-Control"):
        assert api[header] == web[header], header
    assert "sandbox" in api["Content-Security-Policy"] and api["X-Content-Type-Options"] == "nosniff"
