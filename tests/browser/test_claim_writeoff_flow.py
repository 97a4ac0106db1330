"""Writing off a claim in a real browser (#13): the region officer proposes it on the claim's page
with a reason, a region approver approves it from the inbox, and the claim shows as written off; the
pages pass axe at 1280 and 390 px."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from decimal import Decimal
from typing import Any

import pytest
from django.utils import timezone
from playwright.sync_api import Page, expect

from klynge.payouts.models import PayoutRun, RepaymentClaim

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True, serialized_rollback=True)]


def test_the_officer_proposes_the_approver_approves_and_the_claim_is_written_off(
    page: Page,
    log_in: Callable[[str], None],
    axe: Callable[[str], None],
    officer: Any,
    approver: Any,
    cluster: Any,
    region: Any,
    with_password: Callable[[Any], Any],
) -> None:
    today = timezone.localdate()
    run = PayoutRun.objects.create(
        region=region,
        run_date=today - dt.timedelta(days=40),
        status=PayoutRun.Status.RELEASED,
        prepared_by=officer,
        approved_by=approver,
        approved_at=timezone.now(),
        released_by=officer,
        released_at=timezone.now(),
    )
    claim = RepaymentClaim.objects.create(
        run=run,
        cluster=cluster,
        amount=Decimal("2500.00"),
        reason="startup_fee_repayment",
        rule="A7",
        practice="100001",
        due_on=today - dt.timedelta(days=10),
    )
    with_password(officer)
    with_password(approver)

    log_in(officer.username)
    page.goto(f"/regioner/{region.code}/krav/?vis=overskredne")
    expect(page.get_by_text("Rejst")).to_be_visible()
    axe("the region's claims, 1280 px")
    page.get_by_role("link", name="Klynge Nord, praksis 100001").click()
    expect(page.get_by_role("heading", name="Krav til Klynge Nord: 2.500,00 kr.")).to_be_visible()
    axe("the claim's page with the write-off form")
    page.get_by_label("Begrundelse").fill("")
    page.get_by_role("button", name="Foreslå afskrivning").click()
    expect(page.get_by_role("link", name="Begrundelse: skal udfyldes.")).to_be_visible()
    page.get_by_label("Begrundelse").fill("Klyngen er opløst og har ingen midler.")
    page.get_by_role("button", name="Foreslå afskrivning").click()
    expect(page.get_by_text("Forslaget om at afskrive 2.500,00 kr. er gemt.")).to_be_visible()
    expect(page.get_by_text("Du har selv foreslået afskrivningen.")).to_be_visible()

    log_in(approver.username)
    page.set_viewport_size({"width": 390, "height": 844})
    page.get_by_role("link", name="Afskrivning af 2.500,00 kr. på krav til Klynge Nord").click()
    axe("the claim's page with the proposal, 390 px")
    page.get_by_role("button", name="Godkend afskrivningen").click()
    expect(page.get_by_text("Afskrivningen er godkendt og bogført.")).to_be_visible()
    expect(page.locator("#claim-status")).to_have_text("Afskrevet")
    expect(page.locator("#claim-outstanding")).to_have_text("0,00 kr.")
    axe("the written-off claim, 390 px")
    assert claim.write_offs.get().status == "approved"
