"""Claims to the end on the pages (#13): the region's claim list and claim page with each status, the
write-off proposed and approved on the claim page with clear Danish messages, rule codes in words for
coordinators and with the rule for staff, and the claim letter's text read back with pypdf."""

from __future__ import annotations

import datetime as dt
import io
from collections.abc import Callable
from decimal import Decimal
from typing import Any

import pytest
from django.core.exceptions import ValidationError
from django.test import Client
from django.urls import reverse
from pypdf import PdfReader

from klynge.core.money import format_dkk
from klynge.payouts import claims, runs, statements
from klynge.payouts.models import ClaimWriteOff, RepaymentClaim

D = dt.date


def kr(amount: str) -> str:
    return f"{format_dkk(Decimal(amount))} kr."


@pytest.fixture
def released(example: Any, region: Any, officer: Any, approver: Any) -> RepaymentClaim:
    """The example's runs to 2020-04-15 released; K1's claim of 10.000 kr. for practice 100003 (A7)."""
    for expected in example["runs"]:
        day = D.fromisoformat(expected["date"])
        if day > D(2020, 4, 15):
            break
        run = runs.run_prepare(actor=officer, region=region, run_date=day)
        runs.run_approve(actor=approver, run=run)
        runs.run_release(actor=officer, run=run)
    return RepaymentClaim.objects.select_related("run", "cluster").get(cluster__external_id="K1")


@pytest.fixture
def k1_coordinator(make_user: Callable[..., Any], released: RepaymentClaim) -> Any:
    return make_user("coordinator", username="k1coordinator", gp_cluster=released.cluster)


def page(client: Client, name: str, *args: Any) -> str:
    response = client.get(reverse(name, args=args))
    assert response.status_code == 200
    return response.content.decode()


def pdf_text(data: bytes) -> str:
    return "\n".join(p.extract_text() for p in PdfReader(io.BytesIO(data)).pages)


def test_the_claim_letter_reads_as_a_letter_fit_to_send(
    login: Callable[[Any], Client], released: RepaymentClaim, k1_coordinator: Any
) -> None:
    response = login(k1_coordinator).get(reverse("claim_letter", args=[released.pk]))
    text = pdf_text(response.content)
    flat = " ".join(text.split())
    assert f"Krav om tilbagebetaling af klyngemidler: {kr('10000')}" in flat
    assert "10000.00" not in flat and ".:" not in flat  # the old "10000.00 kr." and its stray ".:"
    assert "praksis udtrådte før første årsdag (10.000,00 kr. pr. kapacitet): 10.000,00 kr." in flat
    assert "opstartshonoraret skal derfor betales tilbage." in flat  # the reason in plain Danish
    assert "regel" not in flat.lower() and "A7" not in flat  # no rule codes for the coordinator
    assert "15. april 2020" in flat  # the letter's date: the run that raised it
    assert f"senest {released.due_on.day}. " in flat and str(released.due_on.year) in flat
    assert "DK5000400440116243" in flat  # the region's account
    assert released.payment_reference in flat  # and the claim's payment reference


def test_the_region_sees_each_claims_status_on_the_list_and_the_claim_page(
    login: Callable[[Any], Client], released: RepaymentClaim, officer: Any, region: Any
) -> None:
    client = login(officer)
    html = page(client, "claim_list", region.code)
    assert reverse("claim_detail", args=[released.pk]) in html
    assert 'data-claim-status="raised"' in html and ">Rejst<" in html
    assert "Opstartshonorar (" in html and 'href="/regler/#regel-A7"' in html  # staff: words, code, rule
    runs.repayment_record(actor=officer, claim=released, amount="2500", received_on=D(2020, 4, 20))
    html = page(client, "claim_detail", released.pk)
    assert 'data-claim-status="partly_repaid"' in html and "Delvist betalt" in html
    assert kr("7500") in html
    assert "Foreslå afskrivning" in html  # the officer may propose
    assert 'name="amount"' in html and 'value="7500,00"' in html  # all that is outstanding
    rules = page(client, "rules")
    assert 'id="regel-A7"' in rules and "mindst et år" in rules


def test_the_coordinator_reads_plain_words_and_the_status_but_no_rule_codes(
    login: Callable[[Any], Client], released: RepaymentClaim, k1_coordinator: Any
) -> None:
    html = page(login(k1_coordinator), "cluster_economy", released.cluster.pk)
    assert "(Opstartshonorar)" in html and 'data-claim-status="raised"' in html
    for code in ("(A2)", "(A5)", "(A6)", "(A7)", "(A9)", "regel-A"):
        assert code not in html
    # the claim's own page and the list are for the region
    assert login(k1_coordinator).get(reverse("claim_detail", args=[released.pk])).status_code == 404


def test_the_write_off_is_proposed_and_approved_on_the_claim_page(
    login: Callable[[Any], Client], released: RepaymentClaim, officer: Any, approver: Any, region: Any
) -> None:
    officer_client = login(officer)
    url = reverse("write_off_propose", args=[released.pk])
    refused = officer_client.post(url, {"amount": "10.000,01", "reason": ""})
    html = refused.content.decode()
    assert refused.status_code == 200
    assert "Begrundelse: skal udfyldes." in html
    assert not ClaimWriteOff.objects.exists()
    refused = officer_client.post(url, {"amount": "10.000,01", "reason": "Klyngen er opløst"})
    assert "er mere end de 10.000,00 kr., der mangler på kravet" in refused.content.decode()
    done = officer_client.post(url, {"amount": "10.000,00", "reason": "Klyngen er opløst"}, follow=True)
    html = done.content.decode()
    assert "Forslaget om at afskrive 10.000,00 kr. er gemt" in html
    assert "Du har selv foreslået afskrivningen" in html and "Godkend afskrivningen" not in html
    proposal = ClaimWriteOff.objects.get()
    # the officer who tries to approve is told that approval needs the approver role
    tried = officer_client.post(reverse("write_off_approve", args=[proposal.pk]), follow=True)
    assert "Godkendelse: kræver rollen som godkender i regionen" in tried.content.decode()
    approver_client = login(approver)
    html = page(approver_client, "claim_detail", released.pk)
    assert "Godkend afskrivningen" in html and "Klyngen er opløst" in html
    done = approver_client.post(reverse("write_off_approve", args=[proposal.pk]), follow=True)
    html = done.content.decode()
    assert "Afskrivningen er godkendt og bogført" in html
    assert 'data-claim-status="written_off"' in html and "Afskrevet" in html
    assert claims.claim_facts(released).outstanding == 0
    total = statements.cluster_statement(released.cluster, D(2020, 4, 20)).total
    assert total.written_off == Decimal("10000.00") and total.outstanding == 0  # the statement agrees
    assert released.pk not in [i["claim"].pk for i in _open(approver_client, region)]


def _open(client: Client, region: Any) -> list[dict[str, Any]]:
    response = client.get(reverse("claim_list", args=[region.code]))
    return list(response.context["items"])


def test_a_refusal_leaves_the_claim_to_be_paid(
    login: Callable[[Any], Client], released: RepaymentClaim, officer: Any, approver: Any
) -> None:
    proposal = claims.write_off_propose(actor=officer, claim=released, amount="100", reason="Rest")
    done = login(approver).post(
        reverse("write_off_refuse", args=[proposal.pk]), {"refusal_reason": "Klyngen kan betale"}, follow=True
    )
    html = done.content.decode()
    assert "Forslaget om afskrivning er afvist" in html and "Klyngen kan betale" in html
    proposal.refresh_from_db()
    assert proposal.status == "refused" and claims.claim_facts(released).outstanding == Decimal("10000.00")


def test_outsiders_do_not_find_the_claim_pages(
    login: Callable[[Any], Client], released: RepaymentClaim, foreign_officer: Any, officer: Any
) -> None:
    proposal = claims.write_off_propose(actor=officer, claim=released, amount="100", reason="Rest")
    client = login(foreign_officer)
    assert client.get(reverse("claim_detail", args=[released.pk])).status_code == 404
    assert client.post(reverse("write_off_propose", args=[released.pk]), {"amount": "1"}).status_code == 404
    assert client.post(reverse("write_off_approve", args=[proposal.pk])).status_code == 404
    assert client.get(reverse("claim_list", args=["1081"])).status_code == 404


def test_a_draft_runs_claim_has_no_page(
    login: Callable[[Any], Client], example: Any, region: Any, officer: Any, approver: Any
) -> None:
    for expected in example["runs"]:
        day = D.fromisoformat(expected["date"])
        if day > D(2020, 1, 15):
            break
        run = runs.run_prepare(actor=officer, region=region, run_date=day)
        runs.run_approve(actor=approver, run=run)
        runs.run_release(actor=officer, run=run)
    draft = runs.run_prepare(actor=officer, region=region, run_date=D(2020, 4, 15))
    claim = RepaymentClaim.objects.get(run=draft)
    assert login(officer).get(reverse("claim_detail", args=[claim.pk])).status_code == 404
    with pytest.raises(ValidationError, match="ikke frigivet"):
        claims.write_off_propose(actor=officer, claim=claim, amount="1", reason="Rest")
