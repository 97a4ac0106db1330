"""Issue #13: an organisation's postings for its own finance system, in one CSV layout
(docs/postings-export.md): the columns, sums equal to the ledger's trial balance for the
organisation, access only to one's own organisation, and bad input refused in Danish (and English)
on the page and on the command line."""

from __future__ import annotations

import csv
import datetime as dt
import io
from collections import defaultdict
from collections.abc import Callable
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.management import CommandError, call_command
from django.http import StreamingHttpResponse
from django.urls import reverse

from klynge.health import organisation_postings, services
from klynge.ledger import postings_csv, selectors
from klynge.ledger import services as ledger
from klynge.payouts import runs
from klynge.registry.models import Region

pytestmark = pytest.mark.django_db
D = dt.date
HEADER = ["Dato", "Bilag", "Organisation", "Funktion", "Art", "Beløb", "Tekst", "Reference", "Konto", "Part"]


@pytest.fixture
def books(guide_initiative: Any, health_cluster: Any, secretariat: Any, admin_user: Any) -> Any:
    """The guide's 2023 settlement posted in HK-SK-EKS, and Region Hovedstaden's (1084) GP ledger
    with a payout in 2023 and one in 2024 (outside the year exported)."""
    services.settlement_post(actor=secretariat, cluster=health_cluster, year=2023)
    gp = runs.region_ledger(Region.objects.get(code="1084"))
    for day, amount in ((D(2023, 5, 1), Decimal("14586.30")), (D(2024, 1, 10), Decimal("2200.00"))):
        ledger.entry_post(
            actor=admin_user,
            ledger=gp,
            date=day,
            text="Udbetaling K1",
            lines=[
                ledger.Line(runs.EXPENSE, amount, party="K1"),
                ledger.Line(runs.BANK, -amount, party="K1"),
            ],
            source="payout",
            source_id="17",
        )
    return gp


def parsed(text: str) -> list[dict[str, str]]:
    assert text.startswith("\ufeff") and "\r\n" in text
    reader = csv.reader(io.StringIO(text[1:]), delimiter=";")
    header = next(reader)
    assert header == HEADER
    return [dict(zip(header, row, strict=True)) for row in reader]


def kroner(text: str) -> Decimal:
    assert "." not in text  # decimal comma, no thousands separator
    return Decimal(text.replace(",", "."))


def sums(rows: list[dict[str, str]]) -> dict[tuple[str, str], Decimal]:
    """Per ledger (the voucher's prefix) and account, as a trial balance has them."""
    found: dict[tuple[str, str], Decimal] = defaultdict(Decimal)
    for row in rows:
        found[row["Bilag"].rsplit("-", 1)[0], row["Konto"]] += kroner(row["Beløb"])
    return dict(found)


def text_of(found: organisation_postings.Export) -> str:
    return "".join(found.chunks)


def test_a_regions_csv_sums_to_its_trial_balance_in_both_its_ledgers(books: Any, admin_user: Any) -> None:
    found = organisation_postings.export(actor=admin_user, organisation_code="1084", year=2023)
    rows = parsed(text_of(found))
    assert {r["Organisation"] for r in rows} == {"1084"}
    assert all(r["Dato"].startswith("2023-") for r in rows)
    hk = services.cluster_ledger(services.HealthCluster.objects.get(external_id="SK-EKS"))
    expected = {
        ("GP-1084", code): amount for code, amount in selectors.balances(books, until=D(2023, 12, 31)).items()
    }
    expected |= {
        ("HK-SK-EKS", code): amount
        for code, amount in selectors.balances_from_postings(hk, party="1084").items()
    }
    assert sums(rows) == {key: value for key, value in expected.items() if value}
    assert sum(kroner(r["Beløb"]) for r in rows) == 0  # an organisation's postings balance
    payout = next(r for r in rows if r["Konto"] == runs.EXPENSE)
    assert payout == {
        "Dato": "2023-05-01",
        "Bilag": "GP-1084-1",
        "Organisation": "1084",
        "Funktion": "",
        "Art": "",
        "Beløb": "14586,30",
        "Tekst": "Udbetaling K1",
        "Reference": "payout:17",
        "Konto": "GP-UDGIFT",
        "Part": "K1",
    }
    payment = next(r for r in rows if r["Konto"] == "HK-9.99.99-4.7")
    assert (payment["Funktion"], payment["Art"], payment["Beløb"]) == ("9.99.99", "4.7", "1000000,00")
    assert payment["Reference"] == "health.settlement:SK-EKS:2023"
    assert found.filename == "konteringer-1084-2023-01-01-2023-12-31.csv"


def test_a_municipality_gets_only_its_own_lines_of_the_shared_ledger(
    books: Any, finance: Callable[[str], Any]
) -> None:
    rows = parsed(
        text_of(organisation_postings.export(actor=finance("101"), organisation_code="101", year=2023))
    )
    hk = services.cluster_ledger(services.HealthCluster.objects.get(external_id="SK-EKS"))
    assert {r["Part"] for r in rows} == {"101"} and not any(r["Bilag"].startswith("GP-") for r in rows)
    assert sums(rows) == {
        ("HK-SK-EKS", c): a for c, a in selectors.balances_from_postings(hk, party="101").items()
    }
    kinds = {(r["Funktion"], r["Art"]): kroner(r["Beløb"]) for r in rows if r["Funktion"]}
    assert kinds == {
        ("4.62.88", "4.0"): Decimal("3000000.00"),
        ("4.62.88", "7.7"): Decimal("-1000000.00"),
        ("4.62.88", "7.8"): Decimal("-1000000.00"),
    }


def test_a_date_range_is_inclusive_and_a_year_without_postings_is_the_header_alone(
    books: Any, admin_user: Any
) -> None:
    ranged = parsed(
        text_of(
            organisation_postings.export(
                actor=admin_user, organisation_code="1084", first=D(2023, 5, 1), last=D(2024, 1, 10)
            )
        )
    )
    assert [r["Dato"] for r in ranged if r["Konto"] == runs.EXPENSE] == ["2023-05-01", "2024-01-10"]
    assert (
        parsed(text_of(organisation_postings.export(actor=admin_user, organisation_code="1084", year=2020)))
        == []
    )


def test_the_file_is_streamed_in_pieces_that_join_to_the_same_text(
    books: Any, admin_user: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    whole = text_of(organisation_postings.export(actor=admin_user, organisation_code="1084", year=2023))
    monkeypatch.setattr(postings_csv, "ROWS_PER_CHUNK", 2)
    pieces = list(organisation_postings.export(actor=admin_user, organisation_code="1084", year=2023).chunks)
    assert len(pieces) > 2 and "".join(pieces) == whole


def test_nobody_gets_another_organisations_postings(
    books: Any, finance: Callable[[str], Any], officer: Any, make_user: Callable[..., Any]
) -> None:
    with pytest.raises(PermissionDenied, match="kun adgang til din egen organisations"):
        organisation_postings.export(actor=finance("147"), organisation_code="101", year=2023)
    with pytest.raises(PermissionDenied):  # the officer of Region Nordjylland (1081)
        organisation_postings.export(actor=officer, organisation_code="1084", year=2023)
    hovedstaden = make_user("region_approver", region=Region.objects.get(code="1084"))
    assert [o.code for o in organisation_postings.exportable(hovedstaden)] == ["1084"]
    assert [o.code for o in organisation_postings.exportable(finance("147"))] == ["147"]


@pytest.mark.parametrize(
    ("kwargs", "field", "message"),
    [
        ({"organisation_code": "9999", "year": 2023}, "organisation", "«9999» er hverken en kommunekode"),
        ({"organisation_code": "", "year": 2023}, "organisation", "Organisation: skal udfyldes"),
        ({"organisation_code": "101"}, "aar", "År: vælg et år, eller skriv en fra- og en til-dato"),
        ({"organisation_code": "101", "year": 1990}, "aar", "År: skriv et årstal mellem 2000"),
        (
            {"organisation_code": "101", "year": 2023, "first": D(2023, 1, 1)},
            "aar",
            "vælg enten et år eller en periode",
        ),
        ({"organisation_code": "101", "first": D(2023, 1, 1)}, "til", "Til: skal udfyldes, når en fra-dato"),
        (
            {"organisation_code": "101", "first": D(2023, 6, 1), "last": D(2023, 5, 31)},
            "til",
            "Til: datoen skal ligge på eller efter fra-datoen (1. juni 2023)",
        ),
        (
            {"organisation_code": "101", "first": D(1990, 1, 1), "last": D(2023, 5, 31)},
            "fra",
            "Fra: datoen skal",
        ),
    ],
)
def test_bad_input_is_refused_naming_the_field(
    books: Any, admin_user: Any, kwargs: dict[str, Any], field: str, message: str
) -> None:
    with pytest.raises(ValidationError) as caught:
        organisation_postings.export(actor=admin_user, **kwargs)
    assert message in " ".join(caught.value.message_dict[field])


# --- The page ----------------------------------------------------------------------------------------


def test_the_page_streams_the_csv_and_shows_refusals_in_danish_and_english(
    books: Any, finance: Callable[[str], Any], login: Callable[[Any], Any]
) -> None:
    client = login(finance("101"))
    page = client.get("/konteringer/")
    assert page.status_code == 200 and 'value="101"' in page.content.decode()
    response = client.get("/konteringer/", {"hent": "1", "organisation": "101", "aar": "2023"})
    assert isinstance(response, StreamingHttpResponse)
    assert (
        response["Content-Disposition"] == 'attachment; filename="konteringer-101-2023-01-01-2023-12-31.csv"'
    )
    rows = parsed(b"".join(response.streaming_content).decode("utf-8"))  # type: ignore[arg-type]
    assert rows and {r["Organisation"] for r in rows} == {"101"}

    refused = client.get("/konteringer/", {"hent": "1", "organisation": "147", "aar": "2023"})
    assert refused.status_code == 403
    bad = client.get(
        "/konteringer/",
        {"hent": "1", "organisation": "101", "aar": "", "fra": "2023-06-01", "til": "31.02.2023"},
    )
    assert bad.status_code == 200 and "Til: skriv en gyldig dato" in bad.content.decode()
    unknown = client.get("/konteringer/", {"hent": "1", "organisation": "abc", "aar": "2023"})
    assert "«abc» er hverken en kommunekode eller en regionskode" in unknown.content.decode()
    client.post(reverse("set_language"), {"language": "en", "next": "/konteringer/"})
    english = client.get(
        "/konteringer/", {"hent": "1", "organisation": "101", "aar": "2023", "fra": "2023-01-01"}
    )
    assert "Year: choose either a year or a period" in english.content.decode()


def test_the_page_says_so_when_a_period_has_no_postings_instead_of_an_empty_file(
    books: Any, finance: Callable[[str], Any], login: Callable[[Any], Any]
) -> None:
    client = login(finance("101"))
    empty = client.get("/konteringer/", {"hent": "1", "organisation": "101", "aar": "2019"})
    assert not isinstance(empty, StreamingHttpResponse) and empty.status_code == 200
    assert "Der er ingen konteringer for" in empty.content.decode()
    assert "fra 1. januar 2019 til 31. december 2019" in empty.content.decode()
    full = client.get("/konteringer/", {"hent": "1", "organisation": "101", "aar": "2023"})
    assert isinstance(full, StreamingHttpResponse)


def test_the_page_is_linked_next_to_the_ledger_exports_and_refuses_people_without_an_organisation(
    books: Any, officer: Any, coordinator: Any, login: Callable[[Any], Any]
) -> None:
    runs_page = login(officer).get("/regioner/1081/koersler/")
    assert runs_page.status_code == 200
    assert "/konteringer/?organisation=1081" in runs_page.content.decode()
    assert login(coordinator).get("/konteringer/").status_code == 403


# --- The command line ----------------------------------------------------------------------------------


def test_the_command_writes_the_same_file_for_the_users_own_organisation(
    books: Any, finance: Callable[[str], Any], tmp_path: Path
) -> None:
    officer = finance("101")
    target = tmp_path / "101.csv"
    call_command(
        "postings-export",
        "--organisation",
        "101",
        "--year",
        "2023",
        "--user",
        officer.username,
        "-o",
        str(target),
    )
    expected = text_of(organisation_postings.export(actor=officer, organisation_code="101", year=2023))
    assert target.read_bytes().decode("utf-8") == expected
    out = io.StringIO()
    call_command(
        "postings-export",
        "--organisation",
        "101",
        "--from",
        "01.01.2023",
        "--to",
        "2023-12-31",
        "--user",
        officer.username,
        stdout=out,
    )
    assert out.getvalue() == expected


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (
            ["--organisation", "147", "--year", "2023"],
            "Du har kun adgang til din egen organisations konteringer",
        ),
        (
            ["--organisation", "9999", "--year", "2023"],
            "«9999» er hverken en kommunekode eller en regionskode",
        ),
        (["--organisation", "101", "--year", "tyve"], "År: «tyve» er ikke et årstal"),
        (
            ["--organisation", "101", "--from", "31.02.2023", "--to", "2023-12-31"],
            "Fra: «31.02.2023» er ikke en dato",
        ),
        (
            ["--organisation", "101", "--from", "2023-06-01", "--to", "2023-05-01"],
            "Til: datoen skal ligge på eller efter",
        ),
        (["--organisation", "101"], "År: vælg et år"),
    ],
)
def test_the_command_refuses_in_danish_with_exit_status_1_and_writes_nothing(
    books: Any, finance: Callable[[str], Any], tmp_path: Path, args: list[str], message: str
) -> None:
    target = tmp_path / "out.csv"
    with pytest.raises(CommandError) as caught:
        call_command("postings-export", *args, "--user", finance("101").username, "-o", str(target))
    assert message in str(caught.value) and caught.value.returncode == 1
    assert list(tmp_path.iterdir()) == []


def test_the_command_speaks_english_when_asked(books: Any, finance: Callable[[str], Any]) -> None:
    with pytest.raises(CommandError, match="is neither a municipality code nor a region code"):
        call_command(
            "postings-export",
            "--organisation",
            "9999",
            "--year",
            "2023",
            "--user",
            finance("101").username,
            "--lang",
            "en",
        )
