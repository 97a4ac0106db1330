"""#11, first step: the preview of a merger of regions (the selector and ``klynge reorganise --dry-run``).

Region 1081 holds the worked example's clusters K1 and K2 with four released runs (one claim on K1,
partly repaid, and 751,37 kr. carried forward to net for K1); region 1082 holds three clusters of its own, one
completed; the successor 1086 is created by an administrator as the service does.
"""

from __future__ import annotations

import datetime as dt
import json
from decimal import Decimal
from io import StringIO
from pathlib import Path
from typing import Any

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.utils import translation

from klynge.accounts.models import RoleAssignment
from klynge.audit.models import AuditEntry
from klynge.ledger.models import JournalEntry
from klynge.payouts import reorganise, runs, statements
from klynge.payouts.models import PayoutRun, RepaymentClaim
from klynge.registry import services
from klynge.registry.models import GpCluster, Region

D = dt.date
ON = D(2027, 1, 1)
M = Decimal


def released(region: Any, officer: Any, approver: Any, day: dt.date) -> PayoutRun:
    run = runs.run_prepare(actor=officer, region=region, run_date=day)
    runs.run_approve(actor=approver, run=run)
    return runs.run_release(actor=officer, run=run)


@pytest.fixture
def merger(
    example: Any, region: Any, other_region: Any, officer: Any, approver: Any, admin_user: Any, make_user: Any
) -> dict[str, Any]:
    """Region 1081 with the example's runs to 15 April 2020 (a claim of 10.000,00 on K1, 2.500,00 of it
    repaid), 1082 with three clusters (one completed), and Region Østdanmark (1086) created."""
    last = None
    for day in (D(2018, 12, 10), D(2019, 2, 15), D(2020, 1, 15), D(2020, 4, 15)):
        last = released(region, officer, approver, day)
    claim = RepaymentClaim.objects.get(run=last)
    runs.repayment_record(actor=officer, claim=claim, amount="2500.00", received_on=D(2020, 5, 1))
    for name in ("Klynge Roskilde", "Klynge Næstved", "Klynge Holbæk"):
        services.cluster_create(
            actor=admin_user,
            region=other_region,
            name=name,
            founded_on=D(2019, 3, 1),
            coordinator_email=f"{name.split()[1].lower()}@example.dk",
            send_welcome=False,
        )
    GpCluster.objects.filter(name="Klynge Holbæk").update(status="completed", completed_on=D(2019, 9, 1))
    both = make_user("region_officer", username="begge", region=region)
    RoleAssignment.objects.create(user=both, role="region_officer", region=other_region)
    make_user("region_officer", username="officer-1082", region=other_region)
    make_user("finance_officer", username="okonomi-1082", organisation_code="1082")
    services.region_create(actor=admin_user, code="1086", name="Region Østdanmark", valid_from=ON)
    return {"claim": claim}


def test_the_preview_lists_what_each_region_moves_and_the_totals_before_and_after(
    merger: Any, region: Any, other_region: Any
) -> None:
    entries_before = JournalEntry.objects.count()
    audit_before = AuditEntry.objects.count()
    preview = reorganise.merger_preview([region, other_region], "1086", ON)
    nord, midt = preview.predecessors
    assert preview.refusals == ()
    assert preview.ok
    assert [(p.code, p.name) for p in preview.predecessors] == [
        ("1081", "Region Nordjylland"),
        ("1082", "Region Midtjylland"),
    ]
    assert preview.successor is not None and (preview.successor.code, preview.successor.name) == (
        "1086",
        "Region Østdanmark",
    )
    # GP clusters by state.
    assert [(c.external_id, c.completed) for c in nord.clusters] == [("K1", True), ("K2", True)]
    assert [(c.name, c.completed) for c in midt.clusters] == [
        ("Klynge Holbæk", True),
        ("Klynge Næstved", False),
        ("Klynge Roskilde", False),
    ]
    assert (nord.totals.clusters, nord.totals.completed, nord.totals.not_completed) == (2, 2, 0)
    assert (midt.totals.clusters, midt.totals.completed, midt.totals.not_completed) == (3, 1, 2)
    # The open claim, and what is outstanding on it.
    assert [(c.cluster, c.run_date, c.due_on, c.amount, c.outstanding) for c in nord.open_claims] == [
        ("K1", D(2020, 4, 15), D(2020, 5, 15), M("10000.00"), M("7500.00"))
    ]
    assert midt.open_claims == ()
    # Carried forward, settled totals (statements) and the ledger GP-1081 (ledger selectors).
    assert [(c.cluster, c.amount) for c in nord.carried_forward] == [("K1", M("751.37"))]
    assert nord.carried_forward == tuple(
        reorganise.Carried(c.cluster.external_id, c.cluster.name, c.amount)
        for c in statements.carried_forward(region)
    )
    paid = M("30501.37") + M("33756.16") + M("3000.00") + M("14586.30") + M("3000.00")
    assert (nord.totals.paid, nord.totals.claimed, nord.totals.repaid) == (paid, M("10000.00"), M("2500.00"))
    assert nord.totals.outstanding == M("7500.00")
    assert nord.totals.settled == paid - M("10000.00") == M("74843.83")
    assert nord.totals.carried_forward == M("751.37")
    assert nord.ledger_code == "GP-1081"
    assert nord.totals.ledger == {
        "BANK": M("2500.00"),
        "GP-SKYLDIG": -paid,
        "GP-TILGODE": M("7500.00"),
        "GP-UDGIFT": M("74843.83"),
    }
    overview = statements.region_overview(region, ON).total
    assert (nord.totals.entitled, nord.totals.unsettled) == (overview.entitled, overview.unsettled)
    assert midt.totals.ledger == {} and midt.totals.settled == M("0.00") and midt.open_run is None
    # Roles scoped to each region, and the successor's settings.
    assert [(r.username, r.role) for r in nord.roles] == [
        ("approver", "region_approver"),
        ("begge", "region_officer"),
        ("officer", "region_officer"),
    ]
    assert [(r.username, r.role) for r in midt.roles] == [
        ("okonomi-1082", "finance_officer"),
        ("begge", "region_officer"),
        ("officer-1082", "region_officer"),
    ]
    assert (nord.settings.processing_days_min, nord.settings.processing_days_max) == (14, 28)
    assert nord.settings.annual_regulation == "net"
    # After: the sums; "begge" holds one officer role in the successor, not two.
    after = preview.after
    assert (after.clusters, after.completed, after.not_completed) == (5, 3, 2)
    assert (after.open_claims, after.outstanding, after.carried_forward) == (1, M("7500.00"), M("751.37"))
    assert (after.paid, after.claimed, after.repaid, after.settled) == (
        paid,
        M("10000.00"),
        M("2500.00"),
        M("74843.83"),
    )
    assert after.ledger == nord.totals.ledger
    assert (nord.totals.role_assignments, midt.totals.role_assignments, after.role_assignments) == (3, 3, 5)
    # A preview writes nothing.
    assert (JournalEntry.objects.count(), AuditEntry.objects.count()) == (entries_before, audit_before)
    assert Region.objects.get(code="1081").successor is None


def test_an_open_payout_run_blocks_the_merger_and_the_preview_says_so(
    merger: Any, region: Any, other_region: Any, make_user: Any
) -> None:
    officer_1082 = make_user("region_officer", username="sagsbehandler-1082", region=other_region)
    runs.run_prepare(actor=officer_1082, region=other_region, run_date=D(2027, 1, 15))
    preview = reorganise.merger_preview([region, other_region], "1086", ON)
    assert not preview.ok
    assert [(r.region, r.code, r.message) for r in preview.refusals] == [
        (
            "1082",
            "open_run",
            "Region Midtjylland har en åben udbetalingskørsel 15. januar 2027: godkend og frigiv den eller "
            "kassér den først",
        )
    ]
    assert preview.predecessors[1].open_run == reorganise.OpenRun(D(2027, 1, 15), "draft")
    with translation.override("en"):
        english = reorganise.merger_preview([region, other_region], "1086", ON)
    assert [r.message for r in english.refusals] == [
        "Region Midtjylland has an open payout run on 15 January 2027: approve and release it or discard it first"
    ]


def test_a_missing_successor_is_made_by_the_merger_and_a_released_run_after_the_merger_date_is_refused(
    merger: Any, region: Any, other_region: Any
) -> None:
    """No region has the code 1087: the merger creates it (no refusal). A run released and entries
    booked on or after the date are refused (the closing entry must be the old ledger's last)."""
    preview = reorganise.merger_preview([region, other_region], "1087", D(2020, 4, 1))
    assert [(r.region, r.code) for r in preview.refusals] == [
        ("1081", "released_after"),
        ("1081", "ledger_after"),
    ]
    assert preview.refusals[0].message == (
        "Region Nordjylland har en frigivet udbetalingskørsel 15. april 2020, samme dag som eller efter "
        "sammenlægningen 1. april 2020: vælg en senere dato for sammenlægningen."
    )
    assert preview.refusals[1].message.startswith("Region Nordjylland har bogført bilag ")
    assert preview.successor is None
    assert preview.after.clusters == 5


def test_a_region_already_merged_cannot_be_merged_again(
    region: Any, other_region: Any, admin_user: Any
) -> None:
    successor = services.region_create(actor=admin_user, code="1086", name="Region Østdanmark", valid_from=ON)
    Region.objects.filter(pk=region.pk).update(successor=successor, valid_to=D(2026, 12, 31))
    region.refresh_from_db()
    preview = reorganise.merger_preview([region, other_region], "1086", ON)
    assert [(r.region, r.code, r.message) for r in preview.refusals] == [
        (
            "1086",
            "successor_in_use",
            "Regionskode 1086 er allerede i brug af Region Østdanmark, som har klynger, kørsler, bogføringer "
            "eller en historik; skriv den nye regions egen kode.",
        ),
        ("1081", "already_merged", "Region Nordjylland er allerede lagt sammen med Region Østdanmark."),
    ]


# --- The command ------------------------------------------------------------------------------------


def document(**changes: Any) -> dict[str, Any]:
    doc: dict[str, Any] = {
        "format": "klynge-reorganise/1",
        "date": "2027-01-01",
        "regions": {"merge": ["1081", "1082"], "into": {"code": "1086", "name": "Region Østdanmark"}},
    }
    doc.update(changes)
    return doc


def write(tmp_path: Path, content: Any) -> str:
    path = tmp_path / "reform.json"
    path.write_text(content if isinstance(content, str) else json.dumps(content), "utf-8")
    return str(path)


def run(*args: str) -> tuple[str, str]:
    out, err = StringIO(), StringIO()
    call_command("reorganise", *args, stdout=out, stderr=err)
    return out.getvalue(), err.getvalue()


def test_the_command_prints_the_preview_as_text(merger: Any, tmp_path: Path) -> None:
    out, err = run(write(tmp_path, document()), "--dry-run")
    lines = out.splitlines()
    assert lines[0] == (
        "Prøvekørsel: intet er gemt. Sammenlægning 1. januar 2027: Region Nordjylland (1081) + "
        "Region Midtjylland (1082) → Region Østdanmark (1086)"
    )
    assert lines[1] == "Intet står i vejen for sammenlægningen."
    assert "    Praksisklynger: 2 (færdigmeldt 2, ikke færdigmeldt 0)" in lines
    assert "    Praksisklynger: 3 (færdigmeldt 1, ikke færdigmeldt 2)" in lines
    assert (
        "    Krav på Klynge Nord (K1), kørsel 15. april 2020, frist 15. maj 2020: 10.000,00 kr., "
        "udestående 7.500,00 kr."
    ) in lines
    assert "  Praksisklynger: 5 (færdigmeldt 3, ikke færdigmeldt 2)" in lines
    assert "  Åbne krav: 1, udestående 7.500,00 kr." in lines
    assert "Efter (Region Østdanmark (1086)):" in lines
    assert "    Til modregning hos Klynge Nord (K1): 751,37 kr." in lines
    assert (
        "    Saldi: BANK 2.500,00 kr., GP-SKYLDIG -84.843,83 kr., GP-TILGODE 7.500,00 kr., "
        "GP-UDGIFT 74.843,83 kr."
    ) in lines
    assert err == ""


def test_the_command_prints_the_preview_as_json(merger: Any, tmp_path: Path) -> None:
    out, _err = run(write(tmp_path, document()), "--dry-run", "--json")
    data = json.loads(out)
    assert (data["format"], data["date"], data["ok"], data["refusals"]) == (
        "klynge-reorganise/1",
        "2027-01-01",
        True,
        [],
    )
    assert [p["code"] for p in data["predecessors"]] == ["1081", "1082"]
    assert data["predecessors"][0]["open_claims"] == [
        {
            "cluster": "K1",
            "run_date": "2020-04-15",
            "due_on": "2020-05-15",
            "amount": "10000.00",
            "outstanding": "7500.00",
        }
    ]
    assert data["successor"]["code"] == "1086" and data["successor"]["clusters"] == []
    assert (data["after"]["clusters"], data["after"]["settled"], data["after"]["role_assignments"]) == (
        5,
        "74843.83",
        5,
    )
    assert data["after"]["ledger"] == {
        "BANK": "2500.00",
        "GP-SKYLDIG": "-84843.83",
        "GP-TILGODE": "7500.00",
        "GP-UDGIFT": "74843.83",
    }


def test_the_command_lists_the_open_run_refusal_in_english(
    merger: Any, other_region: Any, make_user: Any, tmp_path: Path
) -> None:
    officer_1082 = make_user("region_officer", username="sagsbehandler-1082", region=other_region)
    runs.run_prepare(actor=officer_1082, region=other_region, run_date=D(2027, 1, 15))
    out, _err = run(write(tmp_path, document()), "--dry-run", "--lang", "en")
    lines = out.splitlines()
    assert lines[1:3] == [
        "The merger cannot be carried out yet:",
        "  - Region Midtjylland has an open payout run on 15 January 2027: approve and release it or discard "
        "it first",
    ]


def test_without_dry_run_or_user_the_command_refuses_in_one_line(db: Any, tmp_path: Path) -> None:
    with pytest.raises(
        CommandError, match=r"^--user: angiv den forberedende administrators brugernavn"
    ) as caught:
        run(write(tmp_path, document()))
    assert caught.value.returncode == 1
    assert "\n" not in str(caught.value)
    with pytest.raises(
        CommandError, match=r"^--user: give the preparing administrator's username"
    ) as english:
        run(write(tmp_path, document()), "--lang", "en")
    assert english.value.returncode == 1


@pytest.mark.parametrize(
    ("content", "expected"),
    [
        (
            "{",
            [
                "  {file}: Filen er ikke gyldig JSON: linje 1, kolonne 2: Expecting property name enclosed in double quotes."
            ],
        ),
        ("[]", ['  {file}: Filen skal være et JSON-objekt: {"format": "klynge-reorganise/1", ...}.']),
        (
            {"format": "klynge-reorganise/2", "date": "1.1.2027", "regions": {"merge": ["1081"], "into": {}}},
            [
                '  format: Formatet skal være "klynge-reorganise/1".',
                '  date: Datoen skal skrives ÅÅÅÅ-MM-DD, fx "2027-01-01".',
                '  regions.merge: Skal være en liste med mindst to regionskoder, fx ["1084", "1085"].',
                "  regions.into.code: Mangler: skriv 'code'.",
                "  regions.into.name: Mangler: skriv 'name'.",
            ],
        ),
        (
            document(
                date="2099-01-01",
                regions={"merge": ["1081", "1081", "9999", 1082], "into": {"code": "1081", "name": ""}},
                extra=1,
            ),
            [
                "  extra: Ukendt nøgle; fjern den (se docs/reorganise.md).",
                "  date: Datoen skal ligge mellem 1. januar 2000 og 31. december 2031.",
                "  regions.merge[1]: Region 1081 står to gange; fjern den ene.",
                "  regions.merge[2]: Der er ingen region med koden 9999.",
                '  regions.merge[3]: En regionskode er 4 cifre i anførselstegn, fx "1084".',
                '  regions.into.code: Region 1081 står også under "merge"; den overtagende region skal være en anden.',
                '  regions.into.name: Skriv den nye regions navn (højst 100 tegn), fx "Region Østdanmark".',
            ],
        ),
        (
            document(
                regions={"merge": ["1081", "1082"], "into": {"code": "1084", "name": "Region Østdanmark"}}
            ),
            ['  regions.into.name: Region 1084 hedder "Region Hovedstaden"; skriv samme navn.'],
        ),
    ],
)
def test_a_bad_file_gets_every_problem_with_its_place(
    db: Any, tmp_path: Path, content: Any, expected: list[str]
) -> None:
    path = write(tmp_path, content)
    err = StringIO()
    with pytest.raises(CommandError, match=r"^Filen er afvist\. \d+ problem") as caught:
        call_command("reorganise", path, "--dry-run", stdout=StringIO(), stderr=err)
    assert caught.value.returncode == 1
    assert err.getvalue().splitlines() == [line.replace("{file}", path) for line in expected]
    assert (
        str(caught.value)
        == f"Filen er afvist. {len(expected)} {'problemer' if len(expected) != 1 else 'problem'} (ovenfor)."
    )


def test_a_bad_file_in_english(db: Any, tmp_path: Path) -> None:
    path = write(tmp_path, document(date="2027-02-30"))
    err = StringIO()
    with pytest.raises(CommandError, match=r"^The file is rejected\. 1 problem \(above\)\.$"):
        call_command("reorganise", path, "--dry-run", "--lang", "en", stdout=StringIO(), stderr=err)
    assert err.getvalue().splitlines() == ['  date: The date must be written YYYY-MM-DD, e.g. "2027-01-01".']


def test_a_missing_file_is_one_line(db: Any, tmp_path: Path) -> None:
    with pytest.raises(
        CommandError, match=r"reform\.json: filen kan ikke læses \(No such file or directory\)\."
    ) as caught:
        run(str(tmp_path / "reform.json"), "--dry-run")
    assert caught.value.returncode == 1
