"""The ledger benchmark's journal (issue #12): deterministic, exactly the postings asked for, every
entry balanced and postable. No timing here: the figures are in docs/benchmarks.md."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from klynge.audit.verify import verify
from klynge.bench.ledger import KINDS, account_codes, journal
from klynge.ledger import selectors, services
from klynge.ledger.models import Account, Posting


def test_the_journal_has_the_postings_asked_for_each_entry_balanced() -> None:
    for postings in (2, 5, 1000, 2345):
        drafts = list(journal(postings))
        assert sum(len(d.lines) for d in drafts) == postings
        assert all(len(d.lines) >= 2 and sum(line.amount for line in d.lines) == 0 for d in drafts)
        assert all(line.amount != 0 for d in drafts for line in d.lines)
        assert [d.date for d in drafts] == sorted(d.date for d in drafts)
    assert list(journal(500, seed=3)) == list(journal(500, seed=3)) != list(journal(500, seed=4))


def test_the_journal_posts_through_the_service_and_verifies(db: Any, admin_user: Any) -> None:
    for i, code in enumerate(account_codes()):
        Account.objects.create(code=code, name=code, kind=KINDS[i % 5])
    ledger = services.ledger_get_or_create(code="BENCH-300", name="Benchmark")
    services.entries_post(actor=admin_user, ledger=ledger, drafts=list(journal(300)))
    assert Posting.objects.filter(entry__ledger=ledger).count() == 300
    assert selectors.balances(ledger) == selectors.balances_from_postings(ledger)
    assert sum(selectors.balances(ledger).values(), Decimal(0)) == 0
    assert verify().ok


def test_hledger_and_ledger_cli_read_the_same_totals_from_the_exported_journal(
    db: Any, admin_user: Any, tmp_path: Any
) -> None:
    """The benchmark times `hledger bal` and `ledger bal` beside our trial balance; the comparison is
    fair only if both tools read the exported journal to the same totals (bin/setup --browser installs
    them from Debian)."""
    import shutil

    import pytest

    from klynge.bench.ledger import _tools
    from klynge.ledger.export import to_hledger

    installed = [tool for tool in ("hledger", "ledger") if shutil.which(tool)]
    if not installed:
        pytest.skip("neither hledger nor ledger-cli is installed")
    for i, code in enumerate(account_codes()):
        Account.objects.create(code=code, name=code, kind=KINDS[i % 5])
    ledger = services.ledger_get_or_create(code="BENCH-TOOLS", name="Benchmark")
    services.entries_post(actor=admin_user, ledger=ledger, drafts=list(journal(400)))
    journal_file = tmp_path / "bench.hledger"
    journal_file.write_text(to_hledger(ledger), encoding="utf-8")
    ours = selectors.balances(ledger)
    found = _tools(journal_file, ours, repeat=1)
    for tool in installed:
        assert found[tool]["agrees"] is True, tool
    wrong = {**ours, next(iter(ours)): ours[next(iter(ours))] + 1}
    assert all(_tools(journal_file, wrong, repeat=1)[tool]["agrees"] is False for tool in installed)
