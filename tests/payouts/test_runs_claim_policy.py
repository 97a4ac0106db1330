"""Policy "claim" (A9) in the application: a negative annual total is one claim on the cluster per run,
stored with every settled annual key of that run; what is stored is what the engine made."""

from __future__ import annotations

import datetime as dt
from typing import Any

from klynge.core import payouts as engine
from klynge.payouts import runs
from klynge.payouts.models import RepaymentClaim
from klynge.registry import scenario_io
from klynge.registry.models import GpCluster

D = dt.date


def test_an_annual_overpayment_is_one_claim_on_the_cluster_holding_every_annual_key(
    admin_user: Any, region: Any, officer: Any, approver: Any, example_input: Any
) -> None:
    example_input["regions"][0]["policy"]["annual_regulation"] = "claim"
    report = scenario_io.import_scenario(example_input, actor=admin_user, dry_run=False)
    assert report.ok, report.lines()
    region.refresh_from_db()
    assert region.annual_regulation == "claim"
    region.payment_iban, region.payment_bic = "DK5000400440116243", "DABADKKK"
    region.save()
    annual_claims = 0
    for day in (D.fromisoformat(d) for d in example_input["runs"]):
        facts = runs.facts_for(GpCluster.objects.filter(region=region))
        outcome = engine.run_payouts(facts.scenario, day, facts.settled)
        run = runs.run_prepare(actor=officer, region=region, run_date=day)
        runs.run_approve(actor=approver, run=run)
        runs.run_release(actor=officer, run=run)
        assert [
            (c.cluster.external_id, c.reason, c.practice, c.amount) for c in run.claims.order_by("id")
        ] == [(c.cluster, c.reason, c.practice, c.amount) for c in outcome.result.claims]
        for claim in run.claims.filter(reason=engine.ANNUAL_OVERPAYMENT):
            annual_claims += 1
            assert claim.practice == ""
            # the claim holds exactly the run's settled annual keys of its cluster, and they add up to it
            keys = run.settled.filter(cluster=claim.cluster, kind=engine.ANNUAL)
            assert keys.exists() and all(s.claim_id == claim.pk for s in keys)
            assert -sum(s.amount for s in keys) == claim.amount
            assert sum(line.amount for line in claim.lines.all()) == claim.amount
            assert not run.payouts.filter(cluster=claim.cluster, lines__kind=engine.ANNUAL).exists()
    assert annual_claims == RepaymentClaim.objects.filter(reason=engine.ANNUAL_OVERPAYMENT).count() > 0
    # K1 on 2020-04-15: 100003 left on 1 April, 2020 had been paid in advance: 1.000 - 248,63 too much
    april = RepaymentClaim.objects.get(reason=engine.ANNUAL_OVERPAYMENT, run__run_date=D(2020, 4, 15))
    assert (april.cluster.external_id, str(april.amount)) == ("K1", "751.37")
