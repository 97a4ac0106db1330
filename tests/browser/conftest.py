"""Playwright in Debian's Chromium against pytest-django's live server: one browser per session.

Playwright's sync API runs an event loop in the test's thread, so Django's guard against database
calls from async code is switched off for these tests. Each test module marks itself ``browser`` and
uses a transactional database restored after each test (``serialized_rollback``), so the shipped
regions and document types are there for every test, here and in the suites that run after.
"""

from __future__ import annotations

import datetime as dt
import os
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

from playwright.sync_api import Browser, Page, sync_playwright

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
PASSWORD = "demo-pass-123"


@pytest.fixture(scope="session")
def browser(django_db_setup: None) -> Iterator[Browser]:
    """Chromium, started after the test database exists.

    Playwright runs an asyncio loop in this thread; from then on asgiref keeps Django's connections
    in a context variable instead of the thread-local, i.e. in new connection objects. They get the
    database contents serialized at setup, so ``serialized_rollback`` can restore the shipped data.
    """
    from django.db import connections

    serialized = {
        c.alias: c._test_serialized_contents
        for c in connections.all()
        if hasattr(c, "_test_serialized_contents")
    }
    with sync_playwright() as playwright:
        for alias, contents in serialized.items():
            connections[alias]._test_serialized_contents = contents
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield browser
        browser.close()


@pytest.fixture(autouse=True)
def _document_store(document_store: Path) -> Path:
    """Every test here stores uploads in a temporary folder (tests/conftest.py)."""
    return document_store


@pytest.fixture
def page(browser: Browser, live_server: Any) -> Iterator[Page]:
    """A fresh browser context (no cookies) speaking Danish, at the live server."""
    context = browser.new_context(
        base_url=live_server.url, locale="da-DK", viewport={"width": 1280, "height": 900}
    )
    page = context.new_page()
    page.set_default_timeout(15_000)
    # Whatever the test does, the Content-Security-Policy must never have to refuse anything (#10).
    refused: list[str] = []
    page.on("console", lambda m: refused.append(m.text) if "Content Security Policy" in m.text else None)
    yield page
    context.close()
    assert refused == [], "\n".join(refused)


@pytest.fixture
def log_in(page: Page) -> Callable[[str], None]:
    """Log in through the login form as ``username`` (password ``demo-pass-123``)."""

    def log_in(username: str) -> None:
        page.context.clear_cookies()
        page.goto("/konto/login/")
        page.get_by_label("Brugernavn").fill(username)
        page.get_by_label("Adgangskode").fill(PASSWORD)
        page.get_by_role("button", name="Log ind").click()
        page.wait_for_load_state()
        assert "/konto/login/" not in page.url, page.content()

    return log_in


@pytest.fixture
def with_password() -> Callable[[Any], Any]:
    def set_password(user: Any) -> Any:
        user.set_password(PASSWORD)
        user.save()
        return user

    return set_password


@pytest.fixture
def write_pdf(tmp_path: Path) -> Callable[[str], Path]:
    """A small valid PDF file with one page of text, written to ``tmp_path``."""

    def write(name: str) -> Path:
        from fpdf import FPDF

        pdf = FPDF()
        pdf.add_page()
        pdf.set_font("Helvetica", size=12)
        pdf.cell(text=f"{name} {dt.date(2019, 1, 15):%d.%m.%Y}")
        path = tmp_path / name
        path.write_bytes(bytes(pdf.output()))
        return path

    return write


AXE = Path(__file__).resolve().parents[2] / "node_modules" / "axe-core" / "axe.min.js"
AXE_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]


@pytest.fixture
def axe(page: Page) -> Callable[[str], None]:
    """``axe("what")`` runs axe-core on the page as it is now and fails on a serious or critical
    WCAG 2.1 A/AA violation, listing them."""

    def check(what: str) -> None:
        # Evaluated through DevTools: an injected <script> would be refused by the pages' CSP (#10).
        page.evaluate(AXE.read_text("utf-8"))
        result = page.evaluate("tags => axe.run(document, {runOnly: {type: 'tag', values: tags}})", AXE_TAGS)
        found = [
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
        assert found == [], f"{what} ({page.url}):\n" + "\n".join(repr(v) for v in found)

    return check


@pytest.fixture(autouse=True)
def _ledger_flushable(ledger_flushable: None) -> None:
    """Browser tests may release payout runs; their ledger entries must go with the test's data."""
