"""Færdigmeld klyngen: the page says exactly what is missing, and completes when nothing is."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.core import mail
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse

from klynge.registry import services
from klynge.registry.models import DocumentType, GpCluster


def test_the_completion_page_lists_what_is_missing_and_the_button_is_disabled(
    login: Callable[[Any], Client], make_cluster: Callable[..., Any]
) -> None:
    cluster = make_cluster("Klynge Øst", cvr="", nemkonto=None)
    coordinator = cluster.role_assignments.get(role="coordinator").user
    html = login(coordinator).get(reverse("completion", args=[cluster.pk])).content.decode()
    for fix in (
        "Indtast klyngens CVR-nummer (8 cifre, modulus 11).",
        "Regionen skal registrere, at klyngens NemKonto er bekræftet.",
        "Tilføj klyngens praksis.",
        "Bekræft, at alle klyngens praksis er registreret.",
        "Upload Vedtægter.",
        "Upload Referat af stiftende generalforsamling.",
    ):
        assert fix in html
    assert "Der mangler 6 punkter." in html
    assert 'class="button button-primary" disabled aria-describedby="complete-help"' in html


def test_pressing_complete_while_something_is_missing_changes_nothing_and_says_what(
    login: Callable[[Any], Client], cluster: Any, coordinator: Any
) -> None:
    html = login(coordinator).post(reverse("complete", args=[cluster.pk])).content.decode()
    assert "Klyngen kan ikke færdigmeldes endnu. Mangler:" in html
    cluster.refresh_from_db()
    assert cluster.completed_on is None


def test_a_coordinator_confirms_all_registered_and_completes_the_cluster(
    login: Callable[[Any], Client],
    cluster: Any,
    coordinator: Any,
    member: Any,
    officer: Any,
    pdf_bytes: bytes,
    django_capture_on_commit_callbacks: Any,
) -> None:
    for doc_type in cluster.region.required_documents.all():
        services.document_upload(
            actor=coordinator,
            cluster=cluster,
            document_type=doc_type,
            upload=SimpleUploadedFile("d.pdf", pdf_bytes),
        )
    client = login(coordinator)
    page = client.get(reverse("completion", args=[cluster.pk])).content.decode()
    assert "Der mangler 1 punkt." in page
    client.post(reverse("confirm_registered", args=[cluster.pk]), {"all_practices_registered": "on"})
    cluster.refresh_from_db()
    assert cluster.all_practices_registered
    page = client.get(reverse("completion", args=[cluster.pk])).content.decode()
    assert "disabled" not in page.split('action="/klynger/')[-1]
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("complete", args=[cluster.pk]), follow=True)
    cluster.refresh_from_db()
    assert cluster.status == GpCluster.Status.COMPLETED
    assert "Færdigmeldt" in response.content.decode()
    assert [m.to for m in mail.outbox] == [[officer.email]]


def test_the_checklist_links_a_missing_document_to_the_upload_with_its_type_chosen(
    login: Callable[[Any], Client], cluster: Any, coordinator: Any
) -> None:
    client = login(coordinator)
    html = client.get(reverse("completion", args=[cluster.pk])).content.decode()
    url = reverse("document_upload", args=[cluster.pk]) + "?type=vedtaegter"
    assert f'href="{url}"' in html
    statutes = DocumentType.objects.get(code="vedtaegter")
    assert f'<option value="{statutes.pk}" selected>' in client.get(url).content.decode()


def test_a_region_approver_sees_the_checklist_without_the_buttons(
    login: Callable[[Any], Client], cluster: Any, approver: Any
) -> None:
    client = login(approver)
    html = client.get(reverse("completion", args=[cluster.pk])).content.decode()
    assert "Tjekliste" in html and 'action="/klynger/' not in html
    assert client.post(reverse("complete", args=[cluster.pk])).status_code == 403
