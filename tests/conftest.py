"""Fixtures shared by the database tests: users in each role and a small registry to work on."""

from __future__ import annotations

import datetime as dt
import json
import os
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from django.utils import translation
from hypothesis import settings as hypothesis_settings

D = dt.date
EXAMPLES = Path(__file__).resolve().parent / "fixtures" / "examples"

# CI replays the same examples every run (reproducible); locally Hypothesis explores new ones.
hypothesis_settings.register_profile("ci", derandomize=True, print_blob=True)
if os.environ.get("CI"):
    hypothesis_settings.load_profile("ci")


@pytest.fixture(autouse=True)
def _danish() -> Any:
    with translation.override("da"):
        yield


@pytest.fixture(autouse=True)
def _empty_cache() -> None:
    """Figures kept in Django's cache (the region's overview, #12) never carry over from another test."""
    from django.core.cache import cache

    cache.clear()


@pytest.fixture(autouse=True)
def _two_factor_relaxed(settings: Any) -> None:
    """Like bin/demo, the tests let the roles that require two-factor login in without it
    (KLYNGE_RELAX_TWO_FACTOR); the tests of that requirement set it off again (tests/web/test_login_security.py)."""
    settings.KLYNGE_RELAX_TWO_FACTOR = True


@pytest.fixture
def region(db: Any) -> Any:
    from klynge.registry.models import Region

    return Region.objects.get(code="1081")


@pytest.fixture
def other_region(db: Any) -> Any:
    from klynge.registry.models import Region

    return Region.objects.get(code="1082")


@pytest.fixture
def make_user(db: Any) -> Callable[..., Any]:
    from klynge.accounts.models import RoleAssignment, User

    counter = iter(range(1, 10_000))

    def make(
        role: str | None = None, *, username: str = "", password: str = "demo-pass-123", **scope: Any
    ) -> Any:
        name = username or f"{role or 'user'}{next(counter)}"
        user = User.objects.create_user(username=name, email=f"{name}@example.dk", password=password)
        if role == "admin":
            RoleAssignment.objects.create(user=user, role="admin")
        elif role:
            RoleAssignment.objects.create(user=user, role=role, **scope)
        return user

    return make


@pytest.fixture
def admin_user(make_user: Callable[..., Any]) -> Any:
    return make_user("admin", username="admin")


@pytest.fixture
def officer(make_user: Callable[..., Any], region: Any) -> Any:
    return make_user("region_officer", username="officer", region=region)


@pytest.fixture
def make_cluster(officer: Any, region: Any) -> Callable[..., Any]:
    from klynge.registry import services

    counter = iter(range(1, 10_000))

    def make(
        name: str = "",
        *,
        region_: Any = None,
        founded_on: dt.date = D(2018, 10, 1),
        cvr: str = "29403473",
        nemkonto: dt.date | None = D(2018, 12, 1),
        actor: Any = None,
    ) -> Any:
        number = next(counter)
        return services.cluster_create(
            actor=actor or officer,
            region=region_ or region,
            name=name or f"Klynge {number}",
            founded_on=founded_on,
            cvr=cvr,
            nemkonto_confirmed_on=nemkonto,
            coordinator_email=f"koordinator{number}@example.dk",
            coordinator_name=f"Koordinator {number}",
        )

    return make


@pytest.fixture
def cluster(make_cluster: Callable[..., Any]) -> Any:
    return make_cluster("Klynge Nord")


@pytest.fixture
def coordinator(cluster: Any) -> Any:
    """The coordinator created with ``cluster``, given a password so tests can log in."""
    user = cluster.role_assignments.get(role="coordinator").user
    user.set_password("demo-pass-123")
    user.save()
    return user


@pytest.fixture
def approver(make_user: Callable[..., Any], region: Any) -> Any:
    return make_user("region_approver", username="approver", region=region)


def load_example(name: str) -> Any:
    return json.loads((EXAMPLES / name).read_text("utf-8"))


@pytest.fixture
def example_input() -> Any:
    """The worked example gp-cluster-basic as a klynge-scenario/1 document."""
    return load_example("gp-cluster-basic.json")


@pytest.fixture
def example_expected() -> Any:
    """The worked example's expected result (examples/gp-cluster-basic.expected.json)."""
    return load_example("gp-cluster-basic.expected.json")


@pytest.fixture
def example(admin_user: Any, region: Any, example_input: Any) -> Any:
    """The example's clusters K1 and K2 imported into region 1081 (which is given a bank account);
    returns the example's expected result."""
    from klynge.registry import scenario_io

    report = scenario_io.import_scenario(example_input, actor=admin_user, dry_run=False)
    assert report.ok, report.lines()
    region.payment_iban = "DK5000400440116243"
    region.payment_bic = "DABADKKK"
    region.save()
    return load_example("gp-cluster-basic.expected.json")


@pytest.fixture
def ledger_flushable(transactional_db: None) -> Any:
    """Lets a transactional test's teardown empty the ledger and the audit trail, which the database
    keeps append-only.

    PostgreSQL's flush is a TRUNCATE, which row triggers do not see. On SQLite the flush deletes rows,
    so the triggers that refuse deleting posted entries and audit entries are dropped for the purge and
    recreated from the migrations that made them. Every transactional test that writes through a
    service (and so audits) needs this fixture."""
    yield
    from importlib import import_module

    from django.db import connection

    if connection.vendor != "sqlite":
        return
    invariants = import_module("klynge.ledger.migrations.0002_ledger_invariants")
    day_balance = import_module("klynge.ledger.migrations.0005_day_balance")
    audit_only = import_module("klynge.audit.migrations.0003_append_only")
    guards = {
        "ledger_entry_undeletable",
        "ledger_posting_undeletable",
        "ledger_daybalance_undeletable",
        "audit_entry_undeletable",
    }
    with connection.cursor() as cursor:
        for name in guards:
            cursor.execute(f"DROP TRIGGER {name}")
        cursor.execute("DELETE FROM health_settlementline")  # refers to the postings
        cursor.execute("DELETE FROM health_settlementposting")  # refers to the entries
        cursor.execute("DELETE FROM ledger_daybalance")
        cursor.execute("DELETE FROM ledger_posting")
        cursor.execute("DELETE FROM ledger_journalentry")
        cursor.execute("DELETE FROM audit_auditentry")
        for statement in [*invariants.SQLITE, *day_balance.SQLITE, *audit_only.SQLITE]:
            if any(f"TRIGGER {name} " in statement for name in guards):
                cursor.execute(statement)


@pytest.fixture
def document_store(tmp_path: Path) -> Iterator[Path]:
    """Uploaded files go to a temporary folder, not the project's data folder."""
    from klynge.registry.models import document_storage

    store = tmp_path / "documents"
    saved = document_storage._location  # type: ignore[attr-defined]
    document_storage._location = str(store)  # type: ignore[attr-defined]
    for cached in ("base_location", "location"):
        document_storage.__dict__.pop(cached, None)
    yield store
    document_storage._location = saved  # type: ignore[attr-defined]
    for cached in ("base_location", "location"):
        document_storage.__dict__.pop(cached, None)


@pytest.fixture
def stored_files(document_store: Path) -> Callable[[], list[Path]]:
    """The files stored so far in this test."""
    return lambda: sorted(p for p in document_store.rglob("*") if p.is_file())
