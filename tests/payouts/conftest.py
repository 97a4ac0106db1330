"""A region with the worked example (gp-cluster-basic) in its registry, and the people who run payouts."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

EXAMPLES = Path(__file__).resolve().parents[3] / "shared" / "domain" / "examples"


def load(name: str) -> Any:
    return json.loads((EXAMPLES / name).read_text("utf-8"))


@pytest.fixture
def approver(make_user: Callable[..., Any], region: Any) -> Any:
    return make_user("region_approver", username="approver", region=region)


@pytest.fixture
def second_approver(make_user: Callable[..., Any], region: Any) -> Any:
    return make_user("region_approver", username="approver2", region=region)


@pytest.fixture
def example_input() -> Any:
    return load("gp-cluster-basic.json")


@pytest.fixture
def example(admin_user: Any, region: Any) -> Any:
    """The example's clusters K1 and K2 imported into region 1081, which has a bank account."""
    from klynge.registry import scenario_io

    report = scenario_io.import_scenario(load("gp-cluster-basic.json"), actor=admin_user, dry_run=False)
    assert report.ok, report.lines()
    region.payment_iban = "DK5000400440116243"
    region.payment_bic = "DABADKKK"
    region.save()
    return load("gp-cluster-basic.expected.json")
