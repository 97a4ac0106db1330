"""axe-core on the main pages: no serious or critical WCAG 2.1 A/AA violation."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from django.conf import settings
from django.core.files.uploadedfile import SimpleUploadedFile
from playwright.sync_api import Page, expect

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True, serialized_rollback=True)]

AXE = Path(settings.PROJECT_DIR) / "node_modules" / "axe-core" / "axe.min.js"
TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]


def serious_violations(page: Page) -> list[dict[str, Any]]:
    """Run axe on the page as it is now; the violations of impact serious or critical."""
    page.add_script_tag(path=str(AXE))
    result = page.evaluate("tags => axe.run(document, {runOnly: {type: 'tag', values: tags}})", TAGS)
    return [
        {
            "id": v["id"],
            "impact": v["impact"],
            "help": v["help"],
            "nodes": [n["target"] for n in v["nodes"]][:5],
            "summary": v["nodes"][0].get("failureSummary", "") if v["nodes"] else "",
        }
        for v in result["violations"]
        if v["impact"] in {"serious", "critical"}
    ]


def assert_accessible(page: Page, what: str) -> None:
    found = serious_violations(page)
    assert found == [], f"{what} ({page.url}):\n" + "\n".join(repr(v) for v in found)


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
        upload=SimpleUploadedFile("vedtaegter.pdf", b"%PDF-1.4\n%%EOF\n"),
    )
    return {"cluster": cluster, "coordinator": coordinator, "region": cluster.region}


def test_the_login_page_has_no_serious_accessibility_problems(page: Page) -> None:
    page.goto("/konto/login/")
    assert_accessible(page, "login")
    page.get_by_role("button", name="Log ind").click()
    assert_accessible(page, "login with errors")


def test_the_coordinators_pages_have_no_serious_accessibility_problems(
    page: Page, log_in: Callable[[str], None], world: dict[str, Any]
) -> None:
    cluster = world["cluster"]
    log_in(world["coordinator"].username)
    page.goto(f"/klynger/{cluster.pk}/")
    assert_accessible(page, "coordinator cluster page")
    page.goto(f"/klynger/{cluster.pk}/praksis/ny/")
    page.get_by_label("Ydernummer").fill("123456")
    page.get_by_label("Lægekapaciteter").fill("2")
    page.get_by_label("Indtrådt").fill("2018-01-01")
    page.get_by_role("button", name="Tilføj praksis").click()
    expect(page.locator(".form-error-message").first).to_be_visible()
    assert page.locator(".form-error-message").count() >= 2
    assert_accessible(page, "add practice with errors")
    page.goto(f"/klynger/{cluster.pk}/faerdigmeld/")
    assert_accessible(page, "completion page")
    page.goto(f"/klynger/{cluster.pk}/dokumenter/upload/")
    assert_accessible(page, "upload page")


def test_the_regions_pages_have_no_serious_accessibility_problems(
    page: Page, log_in: Callable[[str], None], world: dict[str, Any]
) -> None:
    cluster, region = world["cluster"], world["region"]
    log_in("officer")
    page.goto("/klynger/")
    assert_accessible(page, "region cluster list")
    page.goto(f"/klynger/{cluster.pk}/")
    assert_accessible(page, "region cluster detail")
    page.goto(f"/regioner/{region.code}/aendringer/")
    assert_accessible(page, "changes since")
    page.goto(f"/regioner/{region.code}/indstillinger/")
    assert_accessible(page, "region settings")
    page.goto("/regioner/")
    assert_accessible(page, "regions")


def test_the_economy_page_and_the_dashboard_have_no_serious_accessibility_problems(
    page: Page,
    log_in: Callable[[str], None],
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
    assert_accessible(page, "cluster economy page")
    log_in("officer")
    page.goto(f"/regioner/{region.code}/oversigt/")
    page.wait_for_function("() => window.Chart && Chart.getChart('payout-chart') !== undefined")
    assert page.locator("#payout-history tbody tr").count() == 5
    assert_accessible(page, "region dashboard")
