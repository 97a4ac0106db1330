"""Two-factor login in a real browser (#10): a region officer must enrol an app, keeps the recovery
codes, logs out and back in with a code from the app; the pages pass axe at 390 px."""

from __future__ import annotations

import base64
import re
from collections.abc import Callable
from typing import Any

import pytest
from django_otp.oath import totp
from playwright.sync_api import Page, expect

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True, serialized_rollback=True)]


def test_a_region_officer_enrols_an_app_and_logs_in_with_a_code(
    page: Page,
    live_server: Any,
    settings: Any,
    officer: Any,
    with_password: Callable[[Any], Any],
    log_in: Callable[[str], None],
    axe: Callable[[str], None],
) -> None:
    settings.KLYNGE_RELAX_TWO_FACTOR = False
    with_password(officer)
    page.set_viewport_size({"width": 390, "height": 844})
    log_in("officer")
    expect(page).to_have_url(re.compile(r"/konto/totrin/tilmeld/"))
    expect(page.get_by_role("heading", level=1)).to_have_text("Slå totrinsbekræftelse til")
    expect(page.get_by_role("img", name="QR-kode til din app")).to_be_visible()
    axe("enrolment")
    secret = page.locator("#totp-secret").inner_text().replace(" ", "")
    key = base64.b32decode(secret)
    page.get_by_label("Kode fra appen").fill(f"{totp(key):06d}")
    page.get_by_role("button", name="Bekræft og slå til").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Dine reservekoder")
    assert page.locator(".klynge-codes li").count() == 10
    axe("recovery codes")
    page.get_by_role("link", name="Jeg har gemt koderne").click()
    expect(page).to_have_url(live_server.url + "/")

    log_in("officer")  # clears the cookies: a new login
    expect(page).to_have_url(re.compile(r"/konto/totrin/"))
    axe("code")
    page.get_by_label("Kode").fill(f"{totp(key, drift=1):06d}")  # the next step: not used before
    page.get_by_role("button", name="Log ind").click()
    expect(page).to_have_url(live_server.url + "/")
