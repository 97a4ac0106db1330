"""The payout-run pages: prepare, review a draft in plain Danish, approve (another person), release,
download the payment files, record paid dates and repayments; refusals shown, nothing changed."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any

from django.test import Client
from django.urls import reverse

from klynge.payouts import runs
from klynge.payouts.models import PayoutRun, Repayment

D = dt.date


def prepare(client: Client, region: Any, day: str) -> Any:
    return client.post(reverse("run_list", args=[region.code]), {"run_date": day}, follow=True)


def test_an_officer_prepares_a_draft_that_explains_every_amount_in_plain_danish(
    login: Callable[[Any], Client], example: Any, region: Any, officer: Any
) -> None:
    response = prepare(login(officer), region, "2019-02-15")
    html = response.content.decode()
    run = PayoutRun.objects.get()
    assert response.redirect_chain[-1][0] == reverse("run_detail", args=[run.pk])
    assert "Kladde" in html and "33.756,16 kr." in html
    assert "Du har selv forberedt kørslen" not in html  # an officer is not an approver
    # Each payout's lines are explained on its own page, linked from the run page (#12).
    client = login(officer)
    pages = ""
    for payout in run.payouts.all():
        url = reverse("run_payout", args=[run.pk, payout.pk])
        assert url in html
        pages += client.get(url).content.decode()
    assert "3 kapaciteter × 10.000,00 kr. i opstartshonorar" in pages
    assert "× 1.000,00 kr. × " in pages and "/365 dage" in pages
    assert "i opstartshonorar" not in html  # not rendered on the run page itself


def test_every_line_of_a_run_is_in_its_csv_and_one_payout_per_page(
    login: Callable[[Any], Client], example: Any, region: Any, officer: Any, approver: Any, monkeypatch: Any
) -> None:
    from decimal import Decimal

    from klynge.payouts.models import PayoutLine
    from klynge.web.views import runs as run_views

    for day in ("2018-12-10", "2019-02-15", "2019-06-15", "2020-01-15", "2020-04-15"):
        run = runs.run_prepare(actor=officer, region=region, run_date=D.fromisoformat(day))
        runs.run_approve(actor=approver, run=run)
        runs.run_release(actor=officer, run=run)
    client = login(officer)
    kinds: set[str] = set()
    for run in PayoutRun.objects.all():
        response = client.get(reverse("run_lines_csv", args=[run.pk]))
        text = b"".join(response.streaming_content).decode("utf-8-sig")  # type: ignore[attr-defined]
        rows = [row.split(";") for row in text.splitlines()]
        stored = PayoutLine.objects.filter(payout__run=run).count()
        stored += PayoutLine.objects.filter(claim__run=run).count()
        assert rows[0][0] == "Klynge" and len(rows) == 1 + stored
        kinds |= {row[2] for row in rows[1:]}
        paid = sum(
            (Decimal(row[7].replace(",", ".")) for row in rows[1:] if row[2] == "Udbetaling"), Decimal(0)
        )
        assert paid == run.total_payouts
        assert all(row[8] for row in rows[1:])  # every line explained
    assert kinds == {"Udbetaling", "Krav"}
    # One payout to a page: the second page shows the second cluster's payout and its booking only.
    monkeypatch.setattr(run_views, "PAGE", 1)
    run = max(PayoutRun.objects.all(), key=lambda r: r.payouts.count())
    payouts = list(run.payouts.order_by("cluster__name", "pk"))
    assert len(payouts) == 2
    first = client.get(reverse("run_detail", args=[run.pk])).content.decode()
    second = client.get(reverse("run_detail", args=[run.pk]) + "?side=2").content.decode()
    assert "Side 2 af 2" in second
    assert reverse("run_payout", args=[run.pk, payouts[1].pk]) in second
    assert reverse("run_payout", args=[run.pk, payouts[0].pk]) not in second
    assert reverse("run_payout", args=[run.pk, payouts[0].pk]) in first
    # A payout of another run is not found under this run.
    older = PayoutRun.objects.exclude(pk=run.pk).filter(payouts__isnull=False).first()
    assert older is not None
    other = older.payouts.first()
    assert other is not None
    assert client.get(reverse("run_payout", args=[run.pk, other.pk])).status_code == 404


def test_a_bad_run_date_is_shown_on_the_form_and_nothing_is_made(
    login: Callable[[Any], Client], example: Any, region: Any, officer: Any
) -> None:
    html = prepare(login(officer), region, "15-02-2019x").content.decode()
    assert "Kørselsdato: skriv en gyldig dato" in html
    assert not PayoutRun.objects.exists()


def test_approval_by_another_person_then_release_and_downloads(
    login: Callable[[Any], Client], example: Any, region: Any, officer: Any, approver: Any
) -> None:
    prepare(login(officer), region, "2018-12-10")
    run = PayoutRun.objects.get()
    as_approver = login(approver)
    page = as_approver.get(reverse("run_detail", args=[run.pk])).content.decode()
    assert "Godkend kørslen" in page
    html = as_approver.post(reverse("run_approve", args=[run.pk]), follow=True).content.decode()
    assert "Kørslen er godkendt" in html
    html = login(officer).post(reverse("run_release", args=[run.pk]), follow=True).content.decode()
    assert "Kørslen er frigivet" in html
    run.refresh_from_db()
    assert run.status == "released"
    xml = login(officer).get(reverse("run_pain001", args=[run.pk]))
    assert (
        xml["Content-Type"] == "application/xml" and b'<InstdAmt Ccy="DKK">30501.37</InstdAmt>' in xml.content
    )
    csv = login(approver).get(reverse("run_csv", args=[run.pk])).content.decode("utf-8-sig")
    assert "30501,37" in csv and "29403473" in csv
    streamed = login(officer).get(reverse("region_journal", args=[region.code, "hledger"]))
    journal = b"".join(streamed.streaming_content).decode()  # type: ignore[attr-defined]
    assert "Expenses:KGP-UDGIFT  30501,37 DKK  ; party:K2" in journal
    assert login(officer).get(reverse("region_journal", args=[region.code, "excel"])).status_code == 404


def test_an_approver_who_prepared_the_run_sees_why_they_cannot_approve_it(
    login: Callable[[Any], Client], example: Any, region: Any, approver: Any
) -> None:
    from klynge.accounts.models import RoleAssignment

    RoleAssignment.objects.create(user=approver, role="region_officer", region=region)
    client = login(approver)
    prepare(client, region, "2018-12-10")
    run = PayoutRun.objects.get()
    page = client.get(reverse("run_detail", args=[run.pk])).content.decode()
    assert "Godkend kørslen" not in page and "fire øjne" in page
    html = client.post(reverse("run_approve", args=[run.pk]), follow=True).content.decode()
    assert "Godkender: du har selv forberedt kørslen" in html
    run.refresh_from_db()
    assert run.status == "draft"


def test_a_second_run_while_one_is_open_is_refused_on_the_page(
    login: Callable[[Any], Client], example: Any, region: Any, officer: Any
) -> None:
    client = login(officer)
    prepare(client, region, "2018-12-10")
    # The form is hidden while a run is open; a request sent anyway is refused with the reason.
    html = prepare(client, region, "2019-02-15").content.decode()
    assert "allerede en åben kørsel" in html
    assert PayoutRun.objects.count() == 1


def test_paid_dates_and_a_repayment_are_recorded_from_the_run_page(
    login: Callable[[Any], Client], example: Any, region: Any, officer: Any, approver: Any
) -> None:
    for day in ("2018-12-10", "2019-02-15", "2019-06-15", "2020-01-15", "2020-04-15"):
        run = runs.run_prepare(actor=officer, region=region, run_date=D.fromisoformat(day))
        runs.run_approve(actor=approver, run=run)
        runs.run_release(actor=officer, run=run)
    client = login(officer)
    first = PayoutRun.objects.order_by("run_date").first()
    assert first is not None
    html = client.post(
        reverse("run_paid", args=[first.pk]), {"paid_on": "2018-12-20"}, follow=True
    ).content.decode()
    assert "registreret som betalt 20. december 2018" in html
    claim = run.claims.get()
    html = client.post(
        reverse("claim_repayment", args=[claim.pk]),
        {"amount": "20.000,00", "received_on": "2020-05-01"},
        follow=True,
    ).content.decode()
    assert "Beløb: 20.000,00 kr. er mere end de 10.000,00 kr." in html
    assert not Repayment.objects.exists()
    html = client.post(
        reverse("claim_repayment", args=[claim.pk]),
        {"amount": "10.000,00", "received_on": "2020-05-01"},
        follow=True,
    ).content.decode()
    assert "Indbetalingen er registreret" in html
    assert Repayment.objects.get().amount == 10000


def test_runs_of_another_region_are_not_found_and_coordinators_cannot_see_runs(
    login: Callable[[Any], Client], example: Any, region: Any, officer: Any, make_user: Any, other_region: Any
) -> None:
    run = runs.run_prepare(actor=officer, region=region, run_date=D(2018, 12, 10))
    foreign = make_user("region_officer", region=other_region)
    assert login(foreign).get(reverse("run_detail", args=[run.pk])).status_code == 404
    payout = run.payouts.first()
    assert payout is not None
    assert login(foreign).get(reverse("run_payout", args=[run.pk, payout.pk])).status_code == 404
    assert login(foreign).get(reverse("run_lines_csv", args=[run.pk])).status_code == 404
    assert login(foreign).post(reverse("run_approve", args=[run.pk])).status_code == 404
    assert login(foreign).get(reverse("run_list", args=[region.code])).status_code == 404
    from klynge.registry.models import GpCluster

    k1 = GpCluster.objects.get(external_id="K1")
    coordinator = make_user("coordinator", gp_cluster=k1)
    assert login(coordinator).get(reverse("run_detail", args=[run.pk])).status_code == 404
    assert (
        login(approver_like(make_user, region))
        .post(reverse("run_list", args=[region.code]), {"run_date": "2019-01-01"})
        .status_code
        == 403
    )


def approver_like(make_user: Any, region: Any) -> Any:
    return make_user("region_approver", region=region)
