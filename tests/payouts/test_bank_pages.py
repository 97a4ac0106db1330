"""The bank-file page (#13): an officer uploads a camt.054 file and sees the report, matches what waits
for a person; refusals are shown on the form; approvers, coordinators and other regions get 403/404.
The release step takes the execution date."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse
from django.utils import timezone
from test_bank_import import World, camt054, tx

from klynge.payouts import bank, runs
from klynge.payouts.models import BankEntry, BankImport, Payout, PayoutRun


def client_for(user: Any) -> Client:
    client = Client()
    client.force_login(user)
    return client


def upload(client: Client, code: str, data: bytes, **extra: Any) -> Any:
    return client.post(
        reverse("bank_files", args=[code]),
        {"file": SimpleUploadedFile("camt054.xml", data, content_type="application/xml"), **extra},
        follow=True,
    )


def test_an_officer_imports_a_file_and_matches_what_waits(
    region: Any, officer: Any, approver: Any, make_cluster: Any
) -> None:
    world = World(region, officer, approver, make_cluster)
    data = camt054(
        [
            tx(credit=False, amount="14586.30", booked=world.booked, e2e=world.e2e(world.p_nord)),
            tx(credit=True, amount="4000.00", booked=world.booked, ref=world.c_nord.payment_reference),
            tx(credit=True, amount="2500.00", booked=world.booked, name="Klynge Syd", cvr="10000017"),
        ]
    )
    client = client_for(officer)
    page = client.get(reverse("bank_files", args=[region.code])).content.decode()
    assert 'enctype="multipart/form-data"' in page and "Ingen poster venter" in page
    dry = upload(client, region.code, data, dry_run="on").content.decode()
    assert "Prøvekørsel: intet er gemt" in dry and not BankImport.objects.exists()
    response = upload(client, region.code, data)
    imported = BankImport.objects.get()
    assert response.redirect_chain[-1][0] == reverse("bank_import_detail", args=[imported.pk])
    html = response.content.decode()
    assert "1 afstemt" in html and "1 delvis afstemt" in html and "1 ikke afstemt" in html
    assert 'role="region" aria-labelledby="report-heading"' in html
    assert reverse("run_detail", args=[world.run.pk]) in html
    again = upload(client, region.code, data).content.decode()
    assert "Filen er allerede indlæst" in again and BankImport.objects.count() == 1
    # the unmatched credit waits on the page with the claims to choose from
    page = client.get(reverse("bank_files", args=[region.code])).content.decode()
    entry = BankEntry.objects.get(outcome="unmatched")
    assert reverse("bank_entry_match", args=[entry.pk]) in page and world.c_syd1.payment_reference in page
    done = client.post(reverse("bank_entry_match", args=[entry.pk]), {"claim": world.c_syd1.pk}, follow=True)
    assert "Posten er matchet." in done.content.decode()
    assert runs.claim_outstanding(world.c_syd1) == Decimal("0.00")
    refused = client.post(
        reverse("bank_entry_match", args=[entry.pk]), {"claim": world.c_syd2.pk}, follow=True
    )
    assert "allerede afklaret" in refused.content.decode()


def test_a_bad_file_is_shown_on_the_form_and_nothing_is_stored(region: Any, officer: Any) -> None:
    region.payment_iban = "DK5000400440116243"
    region.save()
    html = upload(client_for(officer), region.code, b"<Document>").content.decode()
    assert "Der er problemer" in html and "ikke gyldig XML i linje 1" in html
    assert not BankImport.objects.exists()
    html = upload(client_for(officer), region.code, b"").content.decode()
    assert "Fil:" in html


def test_only_the_regions_officers_reach_the_page(
    region: Any, officer: Any, approver: Any, make_user: Any, other_region: Any, make_cluster: Any
) -> None:
    world = World(region, officer, approver, make_cluster)
    bank.bank_import(actor=officer, data=camt054([tx(credit=True, amount="1.00", booked=world.booked)]))
    entry = BankEntry.objects.get()
    imported = entry.bank_import
    assert client_for(approver).get(reverse("bank_files", args=[region.code])).status_code == 403
    assert client_for(approver).get(reverse("bank_import_detail", args=[imported.pk])).status_code == 403
    assert (
        client_for(approver).post(reverse("bank_entry_resolve", args=[entry.pk]), {"note": "x"}).status_code
        == 403
    )
    stranger = make_user("region_officer", region=other_region)
    assert client_for(stranger).get(reverse("bank_files", args=[region.code])).status_code == 404
    assert client_for(stranger).get(reverse("bank_import_detail", args=[imported.pk])).status_code == 404
    assert client_for(stranger).post(reverse("bank_entry_match", args=[entry.pk])).status_code == 404
    resolved = client_for(officer).post(
        reverse("bank_entry_resolve", args=[entry.pk]), {"note": "Renter"}, follow=True
    )
    assert "Posten er afklaret." in resolved.content.decode()
    assert not bank.open_entries(region).exists()


def test_the_release_step_takes_the_execution_date(
    region: Any, officer: Any, approver: Any, make_cluster: Any
) -> None:
    region.payment_iban = "DK5000400440116243"
    region.save()
    cluster = make_cluster("Klynge Vest", cvr="10000033")
    run = PayoutRun.objects.create(
        region=region,
        run_date=timezone.localdate(),
        prepared_by=officer,
        approved_by=approver,
        status="approved",
    )
    Payout.objects.create(
        run=run, cluster=cluster, amount=Decimal("10.00"), arrival_from=run.run_date, arrival_to=run.run_date
    )
    client = client_for(officer)
    page = client.get(reverse("run_detail", args=[run.pk])).content.decode()
    assert 'name="execution_date"' in page
    past = (timezone.localdate() - dt.timedelta(days=1)).isoformat()
    refused = client.post(reverse("run_release", args=[run.pk]), {"execution_date": past}, follow=True)
    assert "Betalingsdato: kan ikke ligge før" in refused.content.decode()
    chosen = timezone.localdate() + dt.timedelta(days=2)
    client.post(reverse("run_release", args=[run.pk]), {"execution_date": chosen.isoformat()})
    run.refresh_from_db()
    assert run.status == "released" and run.execution_date == chosen
    assert chosen.isoformat() in bytes(run.payment_file).decode()
