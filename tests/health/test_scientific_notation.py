"""Amounts and hours in scientific notation ("1e5"), infinite or not a number are refused by the
health clusters' readers too: the costs CSV import and budget lines (#9 §6)."""

from __future__ import annotations

from typing import Any

import pytest
from django.core.exceptions import ValidationError

from klynge.health import imports, services
from klynge.health.models import ActualCost, BudgetLine


@pytest.mark.parametrize("amount", ["1e5", "1E5", "1E+5", "2,5e3", "Infinity", "NaN"])
def test_the_costs_import_refuses_an_amount_in_scientific_notation(
    secretariat: Any, health_cluster: Any, guide_initiative: Any, amount: str
) -> None:
    text = f"initiativ;udfoerende;aar;beloeb\n{guide_initiative.pk};101;2023;{amount}\n"
    before = list(ActualCost.objects.values_list("pk", "amount"))
    report = imports.costs_import(actor=secretariat, cluster=health_cluster, raw=text.encode(), dry_run=False)
    assert not report.ok
    messages = [str(p) for p in report.problems]
    assert any("Linje 2" in m and "Beløb: skal være et beløb" in m and amount in m for m in messages), (
        messages
    )
    assert list(ActualCost.objects.values_list("pk", "amount")) == before


@pytest.mark.parametrize(
    ("field", "values"), [("hours", {"hours": "1e2"}), ("hourly_rate", {"hourly_rate": "5E+2"})]
)
def test_a_budget_line_in_scientific_notation_is_refused(
    secretariat: Any, guide_initiative: Any, members: dict[str, Any], field: str, values: dict[str, str]
) -> None:
    arguments = {"hours": "100", "hourly_rate": "500", **values}
    with pytest.raises(ValidationError) as caught:
        services.budget_line_add(
            actor=secretariat,
            initiative=guide_initiative,
            executor=members["101"],
            year=2023,
            activity="Screening",
            **arguments,
        )
    assert values[field] in caught.value.message_dict[field][0]
    assert not BudgetLine.objects.filter(activity="Screening").exists()
