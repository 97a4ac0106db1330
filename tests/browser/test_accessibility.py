"""axe-core on the main pages: no serious or critical WCAG 2.1 A/AA violation (the ``axe`` fixture of
the browser conftest)."""

from __future__ import annotations

import datetime as dt
import io
from collections.abc import Callable
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from playwright.sync_api import Page, expect
from pypdf import PdfWriter

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True, serialized_rollback=True)]


def minimal_pdf() -> bytes:
    """A real one-page PDF (uploads are parsed, so a file that merely starts with %PDF is refused)."""
    buffer = io.BytesIO()
    writer = PdfWriter()
    writer.add_blank_page(595, 842)
    writer.write(buffer)
    return buffer.getvalue()


@pytest.fixture
def world(
    make_cluster: Callable[..., Any], officer: Any, with_password: Callable[[Any], Any]
) -> dict[str, Any]:
    from klynge.registry import services
    from klynge.registry.models import DocumentType

    cluster = make_cluster("Klynge Nord")
    coordinator = with_password(cluster.role_assignments.get(role="coordinator").user)
    with_password(officer)
    services.practice_add(
        actor=coordinator,
        cluster=cluster,
        provider_number="100001",
        name="Praksis Nord",
        capacities=2,
        group1_patients=3100,
        joined=dt.date(2019, 6, 1),
    )
    services.document_upload(
        actor=coordinator,
        cluster=cluster,
        document_type=DocumentType.objects.get(code="vedtaegter"),
        upload=SimpleUploadedFile("vedtaegter.pdf", minimal_pdf()),
    )
    return {"cluster": cluster, "coordinator": coordinator, "region": cluster.region}


def test_the_login_page_has_no_serious_accessibility_problems(page: Page, axe: Callable[[str], None]) -> None:
    page.goto("/konto/login/")
    axe("login")
    page.get_by_role("button", name="Log ind").click()
    axe("login with errors")


def test_the_coordinators_pages_have_no_serious_accessibility_problems(
    page: Page, log_in: Callable[[str], None], axe: Callable[[str], None], world: dict[str, Any]
) -> None:
    cluster = world["cluster"]
    log_in(world["coordinator"].username)
    page.goto(f"/klynger/{cluster.pk}/")
    axe("coordinator cluster page")
    page.goto(f"/klynger/{cluster.pk}/praksis/ny/")
    page.get_by_label("Ydernummer").fill("123456")
    page.get_by_label("Lægekapaciteter").fill("2")
    page.get_by_label("Indtrådt").fill("2018-01-01")
    page.get_by_role("button", name="Tilføj praksis").click()
    expect(page.locator(".form-error-message").first).to_be_visible()
    assert page.locator(".form-error-message").count() >= 2
    axe("add practice with errors")
    page.goto(f"/klynger/{cluster.pk}/faerdigmeld/")
    axe("completion page")
    page.goto(f"/klynger/{cluster.pk}/dokumenter/upload/")
    axe("upload page")


def test_the_regions_pages_have_no_serious_accessibility_problems(
    page: Page, log_in: Callable[[str], None], axe: Callable[[str], None], world: dict[str, Any]
) -> None:
    cluster, region = world["cluster"], world["region"]
    log_in("officer")
    page.goto("/klynger/")
    axe("region cluster list")
    page.goto(f"/klynger/{cluster.pk}/")
    axe("region cluster detail")
    page.goto(f"/regioner/{region.code}/aendringer/")
    axe("changes since")
    page.goto(f"/regioner/{region.code}/indstillinger/")
    axe("region settings")
    page.goto("/regioner/")
    axe("regions")


def test_the_economy_page_and_the_dashboard_have_no_serious_accessibility_problems(
    page: Page,
    log_in: Callable[[str], None],
    axe: Callable[[str], None],
    example: Any,
    region: Any,
    officer: Any,
    approver: Any,
    make_user: Callable[..., Any],
    with_password: Callable[[Any], Any],
) -> None:
    from klynge.payouts import runs
    from klynge.registry.models import GpCluster

    for expected in example["runs"][:5]:  # up to the claim of 2020-04-15
        run = runs.run_prepare(actor=officer, region=region, run_date=dt.date.fromisoformat(expected["date"]))
        runs.run_approve(actor=approver, run=run)
        runs.run_release(actor=officer, run=run)
    k1 = GpCluster.objects.get(external_id="K1")
    make_user("coordinator", username="k1coordinator", gp_cluster=k1)
    with_password(officer)
    log_in("k1coordinator")
    page.goto(f"/klynger/{k1.pk}/oekonomi/")
    page.get_by_text("Sådan er beløbet regnet ud").first.click()
    assert page.get_by_text("× 214/365 dage").count() == 1
    axe("cluster economy page")
    log_in("officer")
    page.goto(f"/regioner/{region.code}/oversigt/")
    page.wait_for_function("() => window.Chart && Chart.getChart('payout-chart') !== undefined")
    assert page.locator("#payout-history tbody tr").count() == 5
    axe("region dashboard")


def test_at_390_px_the_cluster_page_scrolls_its_table_not_the_page(
    page: Page, log_in: Callable[[str], None], world: dict[str, Any]
) -> None:
    """The practice table's screen-reader texts ("– Praksis Nord") stay inside its scroll box."""
    page.set_viewport_size({"width": 390, "height": 844})
    log_in(world["coordinator"].username)
    page.goto(f"/klynger/{world['cluster'].pk}/")
    assert page.locator(".table--responsive-scroll .sr-only").count() > 0
    wide = page.evaluate(
        """[...document.querySelectorAll('body *')].filter(e => e.getBoundingClientRect().right > 391)
        .slice(0, 8).map(e => e.tagName + '.' + e.className + ' ' + Math.round(e.getBoundingClientRect().right)
        + ' ' + getComputedStyle(e).position)"""
    )
    assert page.evaluate("document.documentElement.scrollWidth") <= 390, wide
