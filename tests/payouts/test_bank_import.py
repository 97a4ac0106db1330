"""Bank files (#13): camt.054 notifications and pain.002 status reports, built here and validated
against the ISO 20022 schemas in tests/fixtures/iso20022, imported with matched, partly matched and
unmatched entries; a second import changes nothing, a dry run stores nothing, bad files are refused."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from io import StringIO
from pathlib import Path
from typing import Any
from xml.sax.saxutils import escape

import pytest
import xmlschema
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.management import call_command
from django.core.management.base import CommandError
from django.utils import timezone

from klynge.audit.models import AuditEntry
from klynge.payouts import bank, bankfiles, runs
from klynge.payouts.models import BankEntry, BankImport, Payout, PayoutRun, Repayment, RepaymentClaim

SCHEMAS = Path(__file__).resolve().parents[1] / "fixtures" / "iso20022"
CAMT054_XSD = xmlschema.XMLSchema(str(SCHEMAS / "camt.054.001.02.xsd"))
PAIN002_XSD = xmlschema.XMLSchema(str(SCHEMAS / "pain.002.001.03.xsd"))
IBAN = "DK5000400440116243"
CVR_NORD, CVR_SYD, CVR_OEST = "10000009", "10000017", "10000025"


# --- Building the bank's documents -----------------------------------------------------------------


def tx(
    *,
    credit: bool,
    amount: str,
    booked: dt.date,
    e2e: str = "",
    ref: str = "",
    text: str = "",
    name: str = "",
    cvr: str = "",
    bank_ref: str = "",
    status: str = "BOOK",
) -> dict[str, Any]:
    return locals()


def camt054(entries: list[dict[str, Any]], *, iban: str = IBAN, message: str = "BANK-2026-1") -> bytes:
    parts = []
    for e in entries:
        party = "Dbtr" if e["credit"] else "Cdtr"
        related = ""
        if e["name"] or e["cvr"]:
            related = f"<RltdPties><{party}>"
            related += f"<Nm>{escape(e['name'])}</Nm>" if e["name"] else ""
            related += f"<Id><OrgId><Othr><Id>{e['cvr']}</Id></Othr></OrgId></Id>" if e["cvr"] else ""
            related += f"</{party}></RltdPties>"
        remittance = ""
        if e["text"] or e["ref"]:
            remittance = "<RmtInf>"
            remittance += f"<Ustrd>{escape(e['text'])}</Ustrd>" if e["text"] else ""
            remittance += f"<Strd><CdtrRefInf><Ref>{e['ref']}</Ref></CdtrRefInf></Strd>" if e["ref"] else ""
            remittance += "</RmtInf>"
        refs = ""
        if e["bank_ref"] or e["e2e"]:
            refs = "<Refs>"
            refs += f"<AcctSvcrRef>{e['bank_ref']}</AcctSvcrRef>" if e["bank_ref"] else ""
            refs += f"<EndToEndId>{e['e2e']}</EndToEndId>" if e["e2e"] else ""
            refs += "</Refs>"
        parts.append(
            f"""<Ntry><Amt Ccy="DKK">{e["amount"]}</Amt><CdtDbtInd>{"CRDT" if e["credit"] else "DBIT"}</CdtDbtInd>
<Sts>{e["status"]}</Sts><BookgDt><Dt>{e["booked"].isoformat()}</Dt></BookgDt><ValDt><Dt>{e["booked"].isoformat()}</Dt></ValDt>
<BkTxCd><Domn><Cd>PMNT</Cd><Fmly><Cd>{"RCDT" if e["credit"] else "ICDT"}</Cd><SubFmlyCd>DMCT</SubFmlyCd></Fmly></Domn></BkTxCd>
<NtryDtls><TxDtls>{refs}<AmtDtls><TxAmt><Amt Ccy="DKK">{e["amount"]}</Amt></TxAmt></AmtDtls>{related}{remittance}</TxDtls></NtryDtls></Ntry>"""
        )
    document = f"""<?xml version="1.0" encoding="UTF-8"?>
<Document xmlns="urn:iso:std:iso:20022:tech:xsd:camt.054.001.02"><BkToCstmrDbtCdtNtfctn>
<GrpHdr><MsgId>{message}</MsgId><CreDtTm>2026-03-01T06:00:00</CreDtTm></GrpHdr>
<Ntfctn><Id>{message}-1</Id><CreDtTm>2026-03-01T06:00:00</CreDtTm><Acct><Id><IBAN>{iban}</IBAN></Id></Acct>
{"".join(parts)}
</Ntfctn></BkToCstmrDbtCdtNtfctn></Document>""".encode()
    CAMT054_XSD.validate(document)
    return document


def pain002(
    original: str, statuses: list[tuple[str, str, str]], *, group: str = "", message: str = "STS-1"
) -> bytes:
    """A status report on the payment file ``original``: (end-to-end id, status, reason code)."""
    txs = "".join(
        f"<TxInfAndSts><OrgnlEndToEndId>{e2e}</OrgnlEndToEndId><TxSts>{status}</TxSts>"
        + (
            f"<StsRsnInf><Rsn><Cd>{reason}</Cd></Rsn><AddtlInf>Konto lukket</AddtlInf></StsRsnInf>"
            if reason
            else ""
        )
        + "</TxInfAndSts>"
        for e2e, status, reason in statuses
    )
    group_status = f"<GrpSts>{group}</GrpSts>" if group else ""
    payment_info = (
        f"<OrgnlPmtInfAndSts><OrgnlPmtInfId>{original}</OrgnlPmtInfId>{txs}</OrgnlPmtInfAndSts>"
        if txs
        else ""
    )
    document = f"""<?xml version="1.0" encoding="UTF-8"?>
<Document xmlns="urn:iso:std:iso:20022:tech:xsd:pain.002.001.03"><CstmrPmtStsRpt>
<GrpHdr><MsgId>{message}</MsgId><CreDtTm>2026-03-01T06:00:00</CreDtTm></GrpHdr>
<OrgnlGrpInfAndSts><OrgnlMsgId>{original}</OrgnlMsgId><OrgnlMsgNmId>pain.001.001.03</OrgnlMsgNmId>{group_status}</OrgnlGrpInfAndSts>
{payment_info}
</CstmrPmtStsRpt></Document>""".encode()
    PAIN002_XSD.validate(document)
    return document


# --- A released run with two payouts and three claims --------------------------------------------


class World:
    def __init__(self, region: Any, officer: Any, approver: Any, make_cluster: Any) -> None:
        region.payment_iban = IBAN
        region.save(update_fields=["payment_iban"])
        self.region, self.officer = region, officer
        self.day = timezone.localdate() - dt.timedelta(days=20)
        self.booked = timezone.localdate() - dt.timedelta(days=5)
        self.nord = make_cluster("Klynge Nord", cvr=CVR_NORD)
        self.syd = make_cluster("Klynge Syd", cvr=CVR_SYD)
        self.oest = make_cluster("Klynge Øst", cvr=CVR_OEST)
        self.run = PayoutRun.objects.create(
            region=region,
            run_date=self.day,
            status=PayoutRun.Status.RELEASED,
            prepared_by=officer,
            approved_by=approver,
            released_by=officer,
            released_at=timezone.now(),
        )
        self.p_nord = self.payout(self.nord, "14586.30")
        self.p_syd = self.payout(self.syd, "3000.00")
        self.c_nord = self.claim(self.nord, "10000.00", "100001")
        self.c_syd1 = self.claim(self.syd, "2500.00", "100002")
        self.c_syd2 = self.claim(self.syd, "2500.00", "100003")
        self.c_oest = self.claim(self.oest, "800.00", "100004")

    def payout(self, cluster: Any, amount: str) -> Payout:
        return Payout.objects.create(
            run=self.run, cluster=cluster, amount=Decimal(amount), arrival_from=self.day, arrival_to=self.day
        )

    def claim(self, cluster: Any, amount: str, practice: str) -> RepaymentClaim:
        return RepaymentClaim.objects.create(
            run=self.run,
            cluster=cluster,
            amount=Decimal(amount),
            reason="startup_fee_repayment",
            rule="A7",
            practice=practice,
            due_on=self.day + dt.timedelta(days=30),
        )

    def e2e(self, payout: Payout) -> str:
        return next(
            t.end_to_end_id for t in runs.transfers(self.run) if t.end_to_end_id.endswith(f"-{payout.pk}")
        )


@pytest.fixture
def world(region: Any, officer: Any, approver: Any, make_cluster: Any) -> World:
    return World(region, officer, approver, make_cluster)


def outcomes(report: bank.BankImportReport) -> list[tuple[str, str]]:
    return [(line.outcome, line.text) for line in report.lines]


# --- Payment references ----------------------------------------------------------------------------


def test_a_claims_payment_reference_is_a_valid_creditor_reference_found_in_any_text(world: World) -> None:
    reference = world.c_nord.payment_reference
    assert reference.startswith("RF") and reference.endswith(f"KLYNGE1081{world.c_nord.pk}")
    assert bankfiles.iso11649.is_valid(reference)
    spaced = " ".join(reference[i : i + 4] for i in range(0, len(reference), 4)).lower()
    assert bankfiles.claim_keys(f"Tilbagebetaling {spaced} tak") == [("1081", world.c_nord.pk)]
    broken = reference[:2] + ("00" if reference[2:4] != "00" else "01") + reference[4:]
    assert bankfiles.claim_keys(broken) == []  # wrong check digits: not ours
    assert bankfiles.claim_keys("KRAV-1081-7") == [("1081", 7)]  # the letters' older reference


# --- camt.054: matched, partly matched, unmatched ---------------------------------------------------


def test_a_notification_marks_payouts_paid_and_records_repayments_and_lists_the_rest(world: World) -> None:
    b = world.booked
    data = camt054(
        [
            tx(credit=False, amount="14586.30", booked=b, e2e=world.e2e(world.p_nord), name="Klynge Nord"),
            tx(credit=True, amount="4000.00", booked=b, ref=world.c_nord.payment_reference, bank_ref="B1"),
            tx(
                credit=True,
                amount="800.00",
                booked=b,
                text="tilbagebetaling",
                name="KLYNGE ØST",
                bank_ref="B2",
            ),
            tx(credit=True, amount="2500.00", booked=b, name="Klynge Syd", cvr=CVR_SYD, bank_ref="B3"),
            tx(
                credit=True,
                amount="99.00",
                booked=b,
                ref=bankfiles.creditor_reference("1081", 99999),
                bank_ref="B4",
            ),
            tx(credit=False, amount="50.00", booked=b, e2e="HUSLEJE-MARTS"),
        ]
    )
    report = bank.bank_import(actor=world.officer, data=data)
    got = [line.outcome for line in report.lines]
    assert got == ["matched", "partly", "matched", "unmatched", "unmatched", "unmatched"], outcomes(report)
    world.p_nord.refresh_from_db()
    world.p_syd.refresh_from_db()
    assert world.p_nord.paid_on == b and world.p_syd.paid_on is None  # one payout of two
    assert report.runs_unpaid == [(world.day, 1, 2)]
    assert runs.claim_outstanding(world.c_nord) == Decimal("6000.00")  # a partial repayment
    assert runs.claim_outstanding(world.c_oest) == Decimal("0.00")  # by amount and payer's name
    assert runs.claim_outstanding(world.c_syd1) == runs.claim_outstanding(world.c_syd2) == Decimal("2500.00")
    assert "2 krav" in report.lines[3].text  # the amount matches two claims of the payer
    assert "passer ikke med noget frigivet krav" in report.lines[4].text
    assert "6.000,00" in report.lines[1].text
    imported = BankImport.objects.get()
    assert (imported.matched_count, imported.partly_count, imported.unmatched_count) == (2, 1, 3)
    assert AuditEntry.objects.filter(action="bank.import").count() == 1
    assert AuditEntry.objects.filter(action="payout.paid").count() == 1
    assert AuditEntry.objects.filter(action="claim.repayment").count() == 2
    assert len(bank.open_entries(world.region)) == 3
    summary = report.summary()
    assert summary[1:4] == ["Afstemt: 2", "Delvis afstemt: 1", "Ikke afstemt: 3"]


def test_an_overpayment_records_what_is_outstanding_and_lists_the_remainder(world: World) -> None:
    data = camt054(
        [
            tx(
                credit=True,
                amount="900.00",
                booked=world.booked,
                ref=world.c_oest.payment_reference,
                bank_ref="X",
            )
        ]
    )
    report = bank.bank_import(actor=world.officer, data=data)
    line = report.lines[0]
    assert line.outcome == "partly" and line.remainder == Decimal("100.00"), outcomes(report)
    assert Repayment.objects.get().amount == Decimal("800.00")
    entry = bank.open_entries(world.region).get()
    assert entry.remainder == Decimal("100.00")
    bank.bank_entry_resolve(actor=world.officer, entry=entry, note="Tilbageført til klyngen")
    assert not bank.open_entries(world.region).exists()


def test_importing_the_same_file_again_changes_nothing_and_says_so(world: World) -> None:
    data = camt054(
        [
            tx(credit=False, amount="14586.30", booked=world.booked, e2e=world.e2e(world.p_nord)),
            tx(
                credit=True,
                amount="4000.00",
                booked=world.booked,
                ref=world.c_nord.payment_reference,
                bank_ref="B1",
            ),
        ]
    )
    bank.bank_import(actor=world.officer, data=data)
    counts = (Repayment.objects.count(), BankEntry.objects.count(), AuditEntry.objects.count())
    again = bank.bank_import(actor=world.officer, data=data)
    assert again.already and "allerede indlæst" in again.summary()[0]
    assert (Repayment.objects.count(), BankEntry.objects.count(), AuditEntry.objects.count()) == counts
    # the same entries in another file (another message id): paid and already imported, nothing twice
    other = bank.bank_import(
        actor=world.officer,
        data=camt054(
            [
                tx(credit=False, amount="14586.30", booked=world.booked, e2e=world.e2e(world.p_nord)),
                tx(
                    credit=True,
                    amount="4000.00",
                    booked=world.booked,
                    ref=world.c_nord.payment_reference,
                    bank_ref="B1",
                ),
            ],
            message="BANK-2026-2",
        ),
    )
    assert [line.outcome for line in other.lines] == ["info", "info"], outcomes(other)
    assert Repayment.objects.count() == 1
    assert runs.claim_outstanding(world.c_nord) == Decimal("6000.00")


def test_a_dry_run_reports_the_import_and_stores_nothing(world: World) -> None:
    data = camt054(
        [
            tx(credit=False, amount="14586.30", booked=world.booked, e2e=world.e2e(world.p_nord)),
            tx(credit=True, amount="800.00", booked=world.booked, ref=world.c_oest.payment_reference),
        ]
    )
    audits = AuditEntry.objects.count()
    report = bank.bank_import(actor=world.officer, data=data, dry_run=True)
    assert report.dry_run and [line.outcome for line in report.lines] == ["matched", "matched"]
    assert not BankImport.objects.exists() and not Repayment.objects.exists()
    assert AuditEntry.objects.count() == audits
    world.p_nord.refresh_from_db()
    assert world.p_nord.paid_on is None
    assert not bank.bank_import(actor=world.officer, data=data).already  # the real import still runs


def test_a_person_matches_an_unmatched_credit_and_debit(world: World) -> None:
    data = camt054(
        [
            tx(credit=True, amount="2500.00", booked=world.booked, name="Klynge Syd", bank_ref="S1"),
            tx(credit=False, amount="3000.00", booked=world.booked, e2e="UKENDT"),
        ]
    )
    bank.bank_import(actor=world.officer, data=data)
    credit, debit = bank.open_entries(world.region).order_by("position")
    with pytest.raises(ValidationError, match=r"14\.586,30"):
        bank.bank_entry_match(actor=world.officer, entry=debit, payout=world.p_nord)
    bank.bank_entry_match(actor=world.officer, entry=credit, claim=world.c_syd2)
    bank.bank_entry_match(actor=world.officer, entry=debit, payout=world.p_syd)
    assert runs.claim_outstanding(world.c_syd2) == 0 and runs.claim_outstanding(world.c_syd1) == Decimal(
        "2500.00"
    )
    world.p_syd.refresh_from_db()
    assert world.p_syd.paid_on == world.booked
    assert not bank.open_entries(world.region).exists()
    with pytest.raises(ValidationError, match="allerede afklaret"):
        bank.bank_entry_match(actor=world.officer, entry=credit, claim=world.c_syd1)
    assert AuditEntry.objects.filter(action="bank.match").count() == 2


# --- pain.002 ---------------------------------------------------------------------------------------


def test_a_status_report_lists_a_rejected_payout_and_marks_nothing_paid(world: World) -> None:
    original = f"KLYNGE-1081-{world.run.pk}"
    data = pain002(
        original,
        [(world.e2e(world.p_nord), "ACSC", ""), (world.e2e(world.p_syd), "RJCT", "AC04")],
        group="PART",
    )
    report = bank.bank_import(actor=world.officer, data=data)
    assert [line.outcome for line in report.lines] == ["accepted", "rejected"], outcomes(report)
    assert "AC04" in report.lines[1].text
    assert not Payout.objects.filter(paid_on__isnull=False).exists()
    assert [e.payout_id for e in bank.open_entries(world.region)] == [world.p_syd.pk]


def test_a_status_report_of_a_whole_rejected_file_lists_every_payout(world: World) -> None:
    data = pain002(f"KLYNGE-1081-{world.run.pk}", [], group="RJCT")
    report = bank.bank_import(actor=world.officer, data=data)
    assert [line.outcome for line in report.lines] == ["rejected", "rejected"]


def test_a_status_report_on_a_file_that_is_not_ours_is_refused(world: World) -> None:
    with pytest.raises(ValidationError, match="ikke er en af vores frigivne"):
        bank.bank_import(actor=world.officer, data=pain002("ANDET-1", [("X", "RJCT", "")]))


# --- Refusals ---------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (b"", "filen er tom"),
        (b"<Document><unclosed></Document>", "ikke gyldig XML i linje 1"),
        (b'<?xml version="1.0"?><!DOCTYPE d [<!ENTITY x "y">]><d>&x;</d>', "DOCTYPE"),
        (b"\xff\xfe<\x00", "ikke UTF-8"),
        (b'<?xml version="1.0" encoding="ISO-8859-1"?><a/>', "ISO-8859-1"),
        (b'<Document xmlns="urn:iso:std:iso:20022:tech:xsd:camt.053.001.02"/>', "camt.053.001.02"),
        (b'<Document xmlns="urn:iso:std:iso:20022:tech:xsd:camt.054.001.02"/>', "BkToCstmrDbtCdtNtfctn"),
    ],
)
def test_a_malformed_file_is_refused_with_a_message_naming_the_place(
    world: World, data: bytes, message: str
) -> None:
    with pytest.raises(ValidationError, match=message):
        bank.bank_import(actor=world.officer, data=data)
    assert not BankImport.objects.exists()


def test_a_file_over_the_size_limit_is_refused(world: World, monkeypatch: Any) -> None:
    data = camt054([tx(credit=True, amount="1.00", booked=world.booked)])
    monkeypatch.setattr(bankfiles, "MAX_BYTES", len(data) - 1)
    with pytest.raises(ValidationError, match="højst 0 MB"):
        bank.bank_import(actor=world.officer, data=data)
    monkeypatch.setattr(bankfiles, "MAX_BYTES", len(data))
    assert bank.bank_import(actor=world.officer, data=data).lines


def test_a_file_of_an_unknown_account_or_without_rights_is_refused(
    world: World, approver: Any, other_region: Any
) -> None:
    with pytest.raises(ValidationError, match="DK0000000000000000 er ikke konto for nogen region"):
        bank.bank_import(actor=world.officer, data=camt054([], iban="DK0000000000000000"))
    data = camt054([tx(credit=True, amount="1.00", booked=world.booked)])
    with pytest.raises(PermissionDenied):
        bank.bank_import(actor=approver, data=data)  # approvers do not handle bank files
    with pytest.raises(ValidationError, match="hører til"):
        bank.bank_import(actor=world.officer, data=data, region=other_region)


# --- The command --------------------------------------------------------------------------------------


def test_the_command_imports_prints_a_summary_and_refuses_in_one_line(world: World, tmp_path: Path) -> None:
    path = tmp_path / "camt054.xml"
    path.write_bytes(
        camt054([tx(credit=False, amount="14586.30", booked=world.booked, e2e=world.e2e(world.p_nord))])
    )
    out = StringIO()
    call_command("bank-import", str(path), "--dry-run", "--user", "officer", stdout=out)
    assert "Prøvekørsel" in out.getvalue() and "Afstemt: 1" in out.getvalue()
    assert not BankImport.objects.exists()
    out = StringIO()
    call_command("bank-import", str(path), "--user", "officer", "--lang", "en", stdout=out)
    assert "Matched: 1" in out.getvalue(), out.getvalue()
    out = StringIO()
    call_command("bank-import", str(path), "--user", "officer", "--lang", "en", stdout=out)
    assert "already imported" in out.getvalue()
    bad = tmp_path / "bad.xml"
    bad.write_bytes(b"<a>")
    with pytest.raises(CommandError, match="line 1") as refused:
        call_command("bank-import", str(bad), "--user", "officer", "--lang", "en")
    assert refused.value.returncode == 1 and "\n" not in str(refused.value)
    with pytest.raises(CommandError, match="ingen aktiv bruger"):
        call_command("bank-import", str(path), "--user", "nobody")


# --- The execution date -------------------------------------------------------------------------------


def test_the_payment_file_carries_the_chosen_execution_date(
    world: World, region: Any, officer: Any, approver: Any
) -> None:
    run = PayoutRun.objects.create(region=region, run_date=timezone.localdate(), prepared_by=officer)
    Payout.objects.create(
        run=run,
        cluster=world.nord,
        amount=Decimal("10.00"),
        arrival_from=run.run_date,
        arrival_to=run.run_date,
    )
    run.status, run.approved_by = PayoutRun.Status.APPROVED, approver
    run.save()
    with pytest.raises(ValidationError, match="Betalingsdato: kan ikke ligge før"):
        runs.run_release(actor=officer, run=run, execution_date=timezone.localdate() - dt.timedelta(days=1))
    chosen = timezone.localdate() + dt.timedelta(days=3)
    runs.run_release(actor=officer, run=run, execution_date=chosen)
    run.refresh_from_db()
    assert run.execution_date == chosen
    assert f"<ReqdExctnDt>{chosen.isoformat()}</ReqdExctnDt>" in bytes(run.payment_file).decode()
    assert chosen.isoformat() in runs.csv_file(run)
