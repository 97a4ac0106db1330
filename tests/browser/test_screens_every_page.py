"""#13: every page a user can reach works at 390 px and at desktop width.

Each page of :data:`PAGES` (every URL pattern of ``klynge.urls`` and ``klynge.web.urls`` that answers
a GET with a page, opened by the demo login whose role uses it) is opened once and checked twice, at
1280 px and at 390 px: axe-core finds no serious or critical WCAG 2.1 A/AA violation, the document
does not scroll sideways (a wide table scrolls inside its own box: a focusable region with a name),
and on a phone the language switch can be reached. One test per group of roles builds the demo, logs
in through the login form and reuses one browser context; a failure lists every page that failed.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import Page

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True, serialized_rollback=True)]

AXE = Path(__file__).resolve().parents[2] / "node_modules" / "axe-core" / "axe.min.js"
AXE_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]  # as the ``axe`` fixture of conftest.py
PHONE = {"width": 390, "height": 844}
DESKTOP = {"width": 1280, "height": 900}

# (login, URL name): every page, by the role that works on it. URL names not here answer no GET with
# a page of their own (POST-only steps, files, htmx fragments): see NOT_PAGES.
PAGES: dict[str, list[tuple[str, str]]] = {
    "coordinators": [
        ("koordinator-thy", "home"),
        ("koordinator-thy", "cluster_detail"),
        ("koordinator-thy", "cluster_edit"),
        ("koordinator-thy", "practice_add"),
        ("koordinator-thy", "membership_counts"),
        ("koordinator-thy", "membership_end"),
        ("koordinator-thy", "membership_move"),
        ("koordinator-thy", "document_upload"),
        ("koordinator-thy", "document_remove"),
        ("koordinator-thy", "completion"),
        ("koordinator-aalborg", "cluster_edit"),  # completed: read-only fields
        ("koordinator-aalborg", "cluster_economy"),
        ("koordinator-aalborg", "notice_list"),
        ("koordinator-aalborg", "account_security"),
        ("koordinator-aalborg", "two_factor_enrol"),
    ],
    "regions": [
        ("sagsbehandler-nord", "home"),
        ("sagsbehandler-nord", "cluster_list"),
        ("sagsbehandler-nord", "cluster_create"),
        ("sagsbehandler-nord", "cluster_detail"),
        ("sagsbehandler-nord", "changes"),
        ("sagsbehandler-nord", "region_settings"),
        ("sagsbehandler-nord", "scenario_import"),
        ("sagsbehandler-nord", "run_list"),
        ("sagsbehandler-nord", "run_detail"),
        ("sagsbehandler-nord", "run_payout"),
        ("sagsbehandler-nord", "bank_files"),
        ("sagsbehandler-nord", "claim_list"),
        ("sagsbehandler-nord", "claim_detail"),
        ("sagsbehandler-nord", "rules"),
        ("sagsbehandler-nord", "region_dashboard"),
        ("sagsbehandler-nord", "health_catalogue"),
        ("sagsbehandler-nord", "health_catalogue_detail"),
        ("godkender-nord", "run_detail"),
    ],
    "health": [
        ("sekretariat-aalborg", "home"),
        ("sekretariat-aalborg", "health_cluster_list"),
        ("sekretariat-aalborg", "health_cluster_detail"),
        ("sekretariat-aalborg", "health_cost_import"),
        ("sekretariat-aalborg", "health_initiative_list"),
        ("sekretariat-aalborg", "health_initiative_create"),
        ("sekretariat-aalborg", "health_initiative_detail"),
        ("sekretariat-aalborg", "health_initiative_edit"),
        ("sekretariat-aalborg", "health_money_flow"),
        ("sekretariat-aalborg", "health_reports"),
        ("okonomi-aalborg", "health_finance"),
        ("okonomi-aalborg", "postings_export"),
        ("ssu-nord", "health_cluster_list"),
    ],
    "administrators": [
        ("admin", "home"),
        ("admin", "region_list"),
        ("admin", "region_create"),
        ("admin", "merger_list"),
        ("admin", "merger_create"),
        ("admin", "merger_detail"),
        ("admin", "health_council_drafts"),
        ("admin", "health_council_draft_create"),
        ("admin", "health_council_draft"),
        ("admin", "login_locks"),
    ],
    "anonymous": [
        ("", "login"),
        ("", "password_reset"),
        ("", "password_reset_done"),
    ],
}

# URL names that answer no GET with a page of their own: POST-only steps (they redirect to a page
# above), files (PDF, Excel, CSV, XML, journals) and htmx fragments, and the pages a user reaches
# only mid-way through a flow the other browser tests walk (two-factor, password reset by mail).
NOT_PAGES = {
    # POST-only
    "capacity_set",
    "patients_set",
    "confirm_registered",
    "complete",
    "run_approve",
    "run_release",
    "run_discard",
    "run_paid",
    "claim_repayment",
    "merger_approve",
    "merger_withdraw",
    "bank_entry_match",
    "bank_entry_resolve",
    "health_population_set",
    "health_funds_set",
    "health_funds_distribute",
    "health_initiative_status",
    "health_budget_line_add",
    "health_budget_line_remove",
    "health_cost_set",
    "health_evaluation_save",
    "health_question_add",
    "health_executor_change",
    "health_council_draft_approve",
    "health_council_draft_withdraw",
    "health_settlement_post",
    "health_settlement_reversal",
    "health_carry_over",
    "health_council_carry_over",
    "health_carry_over_withdraw",
    "health_cluster_update",
    "health_initiative_cancel",
    "health_initiative_delete",
    "health_ssu_decision",
    "health_catalogue_facts",
    "health_catalogue_adopt",
    "health_document_add",
    "health_document_remove",
    "write_off_propose",
    "write_off_approve",
    "write_off_refuse",
    "recovery_codes_renew",
    "two_factor_disable",
    "logout",
    "set_language",
    # files
    "document_download",
    "audit_export",
    "region_journal",
    "run_lines_csv",
    "run_pain001",
    "run_csv",
    "cluster_economy_xlsx",
    "claim_letter",
    "region_dashboard_xlsx",
    "health_postings_csv",
    "health_money_flow_file",
    "health_annual_report_pdf",
    "health_ssu_report_pdf",
    "health_journal",
    "health_catalogue_csv",
    "health_catalogue_ssu_report",
    # fragments
    "leaving_preview",
    # mid-way through a flow (tests/browser/test_two_factor_flow.py, tests/web/test_views_auth.py)
    "two_factor_verify",
    "two_factor_recovery_codes",
    "bank_import_detail",
    "password_change_done",
    "password_reset_confirm",
    "password_reset_complete",
    # Django's own password change pages (the admin's look), linked from no page of the product
    "password_change",
}


def _url(name: str, username: str) -> str:
    """The page ``name`` as ``username`` opens it in the demo."""
    from django.urls import reverse

    from klynge.accounts.models import User
    from klynge.health.models import CouncilDraft, HealthCluster
    from klynge.payouts.models import PayoutRun, RegionMerger
    from klynge.registry.models import GpCluster

    user = User.objects.filter(username=username).first()
    code = "1081"
    if name == "claim_detail":
        from klynge.payouts.models import RepaymentClaim

        return reverse(
            name, args=[RepaymentClaim.objects.filter(run__region__code=code).order_by("pk").first().pk]
        )
    if name in {"changes", "region_settings", "run_list", "bank_files", "region_dashboard", "claim_list"}:
        return reverse(name, args=[code])
    if name in {
        "cluster_detail",
        "cluster_edit",
        "practice_add",
        "document_upload",
        "completion",
        "cluster_economy",
    } | {"membership_counts", "membership_end", "membership_move", "document_remove"}:
        cluster = (
            GpCluster.objects.filter(role_assignments__user=user).first()
            if user and user.roles.filter(role="coordinator").exists()
            else GpCluster.objects.filter(region__code=code).order_by("pk").first()
        )
        assert cluster is not None
        if name == "document_remove":
            return reverse(name, args=[cluster.documents.order_by("pk").first().pk])
        if name.startswith("membership_"):
            membership = cluster.memberships.filter(left__isnull=True).order_by("pk").first()
            return reverse(name, args=[cluster.pk, membership.pk])
        return reverse(name, args=[cluster.pk])
    if name in {"run_detail", "run_payout"}:
        runs = PayoutRun.objects.filter(region__code=code).order_by("-run_date")
        if name == "run_payout":
            run = runs.filter(status="released", payouts__isnull=False).first()
            return reverse(name, args=[run.pk, run.payouts.order_by("pk").first().pk])
        return reverse(name, args=[(runs.filter(status="draft").first() or runs.first()).pk])
    health = HealthCluster.objects.filter(external_id="SK-AALBORG").first()
    if name in {"health_cluster_detail", "health_cost_import", "health_initiative_list"}:
        return reverse(name, args=[health.pk])
    if name in {"health_money_flow", "health_reports", "health_initiative_create"}:
        return reverse(name, args=[health.pk])
    if name in {"health_initiative_detail", "health_initiative_edit"}:
        return reverse(name, args=[health.pk, health.initiatives.order_by("pk").first().pk])
    if name == "health_catalogue_detail":
        from klynge.web.views.health_catalogue import catalogued

        return reverse(name, args=[catalogued().order_by("pk").first().pk])
    if name == "merger_detail":
        return reverse(name, args=[RegionMerger.objects.order_by("pk").first().pk])
    if name == "health_council_draft":
        return reverse(name, args=[CouncilDraft.objects.order_by("pk").first().pk])
    return reverse(name)


WIDE_TABLES = """() => [...document.querySelectorAll('table')].filter(t => {
    const box = t.parentElement.getBoundingClientRect();
    return t.getBoundingClientRect().width > box.width + 1;
  }).filter(t => {
    let e = t.parentElement;
    while (e && !['auto', 'scroll'].includes(getComputedStyle(e).overflowX)) e = e.parentElement;
    return !(e && e.tabIndex === 0 && (e.getAttribute('aria-labelledby') || e.getAttribute('aria-label')));
  }).map(t => (t.id || t.className) + ' in ' + t.parentElement.className)"""

OVERFLOW = """() => [...document.querySelectorAll('body *')]
  .filter(e => e.getBoundingClientRect().right > window.innerWidth + 1)
  .filter(e => !e.closest('.table--responsive-scroll, .mobile-drawer, .skipnav'))
  .slice(0, 6).map(e => e.tagName + '.' + e.className + ' ' + Math.round(e.getBoundingClientRect().right))"""


def _problems(page: Page, axe_run: Callable[[], list[str]], width: str) -> list[str]:
    found = [f"{width}: {v}" for v in axe_run()]
    scroll, inner = page.evaluate("[document.documentElement.scrollWidth, window.innerWidth]")
    if scroll > inner + 1:
        found.append(f"{width}: the page scrolls sideways ({scroll} > {inner}): {page.evaluate(OVERFLOW)}")
    if wide := page.evaluate(WIDE_TABLES):
        found.append(f"{width}: a wide table not in a named, focusable scroll box: {wide}")
    return found


@pytest.fixture
def axe_run(page: Page) -> Callable[[], list[str]]:
    """The serious and critical WCAG 2.1 A/AA violations axe-core finds on the page as it is now."""
    source = AXE.read_text("utf-8")

    def run() -> list[str]:
        page.evaluate(source)
        result = page.evaluate("tags => axe.run(document, {runOnly: {type: 'tag', values: tags}})", AXE_TAGS)
        return [
            f"{v['id']} ({v['impact']}): {v['help']} {[n['target'] for n in v['nodes']][:3]}"
            for v in result["violations"]
            if v["impact"] in {"serious", "critical"}
        ]

    return run


@pytest.fixture
def demo_world(settings: Any) -> None:
    from klynge.registry import demo

    demo.build()


def _log_in(page: Page, username: str) -> None:
    from klynge.registry import demo

    page.context.clear_cookies()
    page.set_viewport_size(DESKTOP)
    page.goto("/konto/login/")
    page.get_by_label("Brugernavn").fill(username)
    page.get_by_label("Adgangskode").fill(demo.PASSWORD)
    page.get_by_role("button", name="Log ind").click()
    page.wait_for_load_state()
    assert "/konto/login/" not in page.url, username


def _language_reachable_on_a_phone(page: Page) -> list[str]:
    """At 390 px the language switch is on the page or one tap away, in the menu."""
    english = page.get_by_role("button", name="English")
    if english.first.is_visible():
        return []
    menu = page.get_by_role("button", name="Menu")
    if not menu.first.is_visible():
        return ["390 px: the language switch cannot be reached (not shown, and no menu)"]
    menu.first.click()
    visible = english.first.is_visible()
    page.keyboard.press("Escape")
    return [] if visible else ["390 px: the language switch cannot be reached (not shown, not in the menu)"]


@pytest.mark.parametrize("group", sorted(PAGES))
def test_every_page_works_at_390_px_and_at_desktop_width(
    group: str, page: Page, axe_run: Callable[[], list[str]], request: pytest.FixtureRequest
) -> None:
    if group != "anonymous":
        request.getfixturevalue("demo_world")
    failures: dict[str, list[str]] = {}
    current = None
    for username, name in PAGES[group]:
        if username != current:
            if username:
                _log_in(page, username)
            current = username
        url = _url(name, username)
        page.set_viewport_size(DESKTOP)
        response = page.goto(url)
        assert response is not None and response.status == 200, (
            f"{username} {url}: {response and response.status}"
        )
        problems = _problems(page, axe_run, "1280 px")
        page.set_viewport_size(PHONE)
        problems += _problems(page, axe_run, "390 px")
        if name in {"home", "login"}:
            problems += _language_reachable_on_a_phone(page)
        if problems:
            failures[f"{username or 'anonymous'} {url}"] = problems
    assert failures == {}, "\n".join(f"{url}:\n  " + "\n  ".join(p) for url, p in failures.items())


def test_the_list_of_pages_covers_every_address() -> None:
    """Every URL pattern is a page above or named as no page of its own in NOT_PAGES."""
    from django.urls import URLPattern, URLResolver, get_resolver

    def names(patterns: Any) -> set[str]:
        found: set[str] = set()
        for p in patterns:
            if isinstance(p, URLResolver):
                if not str(p.pattern).startswith(("admin/", "api/")):  # not pages
                    found |= names(p.url_patterns)
            elif isinstance(p, URLPattern) and p.name:
                found.add(p.name)
        return found

    listed = {name for pages in PAGES.values() for _user, name in pages}
    missing = names(get_resolver().url_patterns) - listed - NOT_PAGES
    assert sorted(missing) == []
    assert listed & NOT_PAGES == set()
