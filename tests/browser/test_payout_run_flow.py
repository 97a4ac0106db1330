"""A payout run in a real browser: an officer prepares it, an approver approves it, the officer
releases it and downloads the payment file; every page passes axe (WCAG 2.1 AA)."""

from __future__ import annotations

import re
from collections.abc import Callable
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import Page, expect

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True, serialized_rollback=True)]


def test_prepare_approve_release_and_download_the_payment_file(
    page: Page,
    log_in: Callable[[str], None],
    axe: Callable[[str], None],
    example: Any,
    region: Any,
    officer: Any,
    approver: Any,
    with_password: Callable[[Any], Any],
) -> None:
    with_password(officer)
    with_password(approver)

    log_in(officer.username)
    page.get_by_role("link", name="Udbetalinger").first.click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("Udbetalingskørsler")
    axe("run list")
    page.get_by_label("Kørselsdato").fill("2019-02-15")
    page.get_by_role("button", name="Forbered kladde").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("Udbetalingskørsel 15. februar 2019")
    expect(page.get_by_text("Kladde", exact=True).first).to_be_visible()
    expect(page.get_by_role("button", name="Godkend kørslen")).to_have_count(0)
    run_url = page.url
    # a payout's lines are explained on its own page (#12)
    page.get_by_role("link", name=re.compile(r"^\d+ linjer")).first.click()
    expect(page.get_by_text("i opstartshonorar").first).to_be_visible()
    axe("payout's lines")
    page.goto(run_url)
    axe("draft run")

    log_in(approver.username)
    page.goto(run_url)
    page.get_by_role("button", name="Godkend kørslen").click()
    expect(page.get_by_text("Kørslen er godkendt og kan nu frigives.")).to_be_visible()

    log_in(officer.username)
    page.goto(run_url)
    page.get_by_role("button", name="Frigiv og dan betalingsfil").click()
    expect(
        page.get_by_text("Betalingsfilen er klar, og koordinatorerne har fået besked.", exact=False)
    ).to_be_visible()
    axe("released run")
    with page.expect_download() as download:
        page.get_by_role("link", name="ISO 20022 pain.001 (til banken)").click()
    content = Path(download.value.path()).read_bytes()
    # Nothing was paid before: this first run pays what the example's first two runs paid together.
    total = sum(Decimal(p["amount"]) for run in example["runs"][:2] for p in run["payouts"])
    assert f"<CtrlSum>{total:.2f}</CtrlSum>".encode() in content
