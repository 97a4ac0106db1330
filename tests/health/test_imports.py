"""Importing actual costs from CSV: every problem with its line and column, in Danish, and nothing
written when there is one; a clean file stores every row through cost_set (audited)."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

import pytest
from django.core.exceptions import PermissionDenied

from klynge.audit.models import AuditEntry
from klynge.health import imports, services
from klynge.health.models import ActualCost

D = dt.date
M = Decimal


@pytest.fixture
def two_year(secretariat: Any, health_cluster: Any, members: dict[str, Any]) -> Any:
    """2024–2025, executed by the region and København, paid by all three; running (costs only on
    an approved or running initiative, #13)."""
    initiative = services.initiative_save(
        actor=secretariat,
        cluster=health_cluster,
        title="Opsporing af KOL",
        function_code="4.62.88",
        key_type="equal",
        starts_on=D(2024, 1, 1),
        ends_on=D(2025, 12, 31),
        parties=[
            services.Party(members["1084"], executes=True),
            services.Party(members["101"], executes=True),
            services.Party(members["147"]),
        ],
    )
    for status in ("approved", "running"):
        initiative = services.initiative_status_set(actor=secretariat, initiative=initiative, status=status)
    return initiative


def costs() -> list[tuple[Any, ...]]:
    return list(
        ActualCost.objects.order_by("pk").values_list("initiative_id", "executor_id", "year", "amount")
    )


def run(actor: Any, cluster: Any, text: str | bytes, *, dry_run: bool = False) -> imports.CostImportReport:
    raw = text.encode("utf-8") if isinstance(text, str) else text
    return imports.costs_import(actor=actor, cluster=cluster, raw=raw, dry_run=dry_run)


def test_a_clean_file_stores_every_row_through_cost_set_and_audits_each(
    secretariat: Any, health_cluster: Any, members: dict[str, Any], two_year: Any, guide_initiative: Any
) -> None:
    text = (
        "\ufeffinitiativ;udfoerende;aar;beloeb\n"
        f"{two_year.pk};1084;2024;1.234,50\n"
        "Opsporing af KOL;101;2025;1234.50\n"
        f"{guide_initiative.title};101;2023;2500000\n"
    )
    audits = AuditEntry.objects.filter(action="initiative.cost").count()
    report = run(secretariat, health_cluster, text)
    assert report.ok and report.saved, [str(p) for p in report.problems]
    assert costs() == [
        (guide_initiative.pk, members["101"].pk, 2023, M("2500000.00")),  # replaced, same row
        (two_year.pk, members["1084"].pk, 2024, M("1234.50")),
        (two_year.pk, members["101"].pk, 2025, M("1234.50")),
    ]
    assert AuditEntry.objects.filter(action="initiative.cost").count() == audits + 3
    assert report.rows[2].previous == M("3000000.00")
    assert ActualCost.objects.get(initiative=two_year, year=2025).source == "CSV-import, linje 3"


def test_a_dry_run_reports_the_rows_and_changes_nothing(
    secretariat: Any, health_cluster: Any, two_year: Any
) -> None:
    report = run(
        secretariat,
        health_cluster,
        "initiativ,udfoerende,aar,beloeb\nOpsporing af KOL,101,2024,1000\n",
        dry_run=True,
    )
    assert report.ok and not report.saved
    assert [(r.line, r.year, r.amount) for r in report.rows] == [(2, 2024, M("1000.00"))]
    assert costs() == []


def test_comma_separated_with_quoted_danish_amounts(
    secretariat: Any, health_cluster: Any, two_year: Any
) -> None:
    report = run(
        secretariat,
        health_cluster,
        'initiativ,udfoerende,aar,beloeb\nOpsporing af KOL,101,2024,"12.345,67"\n',
    )
    assert report.saved
    assert costs()[0][3] == M("12345.67")


HEADER = "initiativ;udfoerende;aar;beloeb\n"
GOOD = "Opsporing af KOL;1084;2025;500\n"  # a good row first: it must not be stored either


@pytest.mark.parametrize(
    ("text", "line", "column", "words"),
    [
        ("initiativ;udfoerende;aar\nOpsporing af KOL;101;2024\n", 1, "beloeb", "kolonnen mangler"),
        (
            "initiativ;udfoerende;aar;beloeb;note\nOpsporing af KOL;101;2024;1;x\n",
            1,
            "note",
            "ukendt kolonne",
        ),
        (HEADER + GOOD + "Ukendt indsats;101;2024;100\n", 3, "initiativ", "ingen indsats"),
        (HEADER + GOOD + "999999;101;2024;100\n", 3, "initiativ", "ingen indsats"),
        (HEADER + GOOD + "Opsporing af KOL;851;2024;100\n", 3, "udfoerende", "ikke medlem"),
        (HEADER + GOOD + "Opsporing af KOL;147;2024;100\n", 3, "udfoerende", "ikke udførende part"),
        (HEADER + GOOD + "Opsporing af KOL;101;2023;100\n", 3, "aar", "uden for indsatsens periode"),
        (HEADER + GOOD + "Opsporing af KOL;101;tyve;100\n", 3, "aar", "skriv et årstal"),
        (HEADER + GOOD + "Opsporing af KOL;101;2024;100,123\n", 3, "beloeb", "højst to decimaler"),
        (HEADER + GOOD + "Opsporing af KOL;101;2024;-100\n", 3, "beloeb", "0 eller mere"),
        (HEADER + GOOD + "Opsporing af KOL;101;2024;mange\n", 3, "beloeb", "et beløb"),
        (HEADER + GOOD + "Opsporing af KOL;101;2024\n", 3, "", "3 felter, men skal have 4"),
    ],
)
def test_a_bad_file_is_refused_with_the_line_and_column_and_nothing_is_written(
    secretariat: Any, health_cluster: Any, two_year: Any, text: str, line: int, column: str, words: str
) -> None:
    report = run(secretariat, health_cluster, text)
    assert not report.ok and not report.saved
    problem = next(p for p in report.problems if words in p.message)
    assert (problem.line, problem.column) == (line, column)
    assert str(problem).startswith(f"Linje {line}")
    assert costs() == []


def test_every_problem_of_a_file_is_listed_not_only_the_first(
    secretariat: Any, health_cluster: Any, two_year: Any
) -> None:
    text = "initiativ;udfoerende;aar;beloeb\nUkendt;999;1800;1,234\nOpsporing af KOL;101;2024;100\nOpsporing af KOL;101;2024;200\n"
    report = run(secretariat, health_cluster, text)
    assert [(p.line, p.column) for p in report.problems] == [
        (2, "initiativ"),
        (2, "udfoerende"),
        (2, "aar"),
        (2, "beloeb"),
        (4, "aar"),  # the same initiative, party and year twice
    ]
    assert costs() == []


@pytest.mark.parametrize(
    ("raw", "words"),
    [
        (b"%PDF-1.4\n\x00\x01\x02binary", "ikke en CSV-fil"),
        (b"initiativ;udfoerende;aar;beloeb\n\xff\xfe\xfa;101;2024;100\n", "ikke gemt som UTF-8"),
        (b"", "Filen er tom"),
        (b"initiativ;udfoerende;aar;beloeb\n", "ingen rækker"),
    ],
)
def test_a_file_that_is_not_csv_is_refused(
    secretariat: Any, health_cluster: Any, two_year: Any, raw: bytes, words: str
) -> None:
    report = run(secretariat, health_cluster, raw)
    assert not report.ok and words in report.problems[0].message
    assert costs() == []


def test_a_file_over_5_mb_is_refused_before_it_is_read(
    secretariat: Any, health_cluster: Any, two_year: Any
) -> None:
    row = "Opsporing af KOL;101;2024;100\n"
    text = "initiativ;udfoerende;aar;beloeb\n" + row * (imports.MAX_BYTES // len(row) + 1)
    report = run(secretariat, health_cluster, text)
    assert [p.line for p in report.problems] == [None]
    assert "højst fylde 5 MB" in report.problems[0].message
    assert costs() == []


def test_more_than_10000_rows_are_refused(secretariat: Any, health_cluster: Any, two_year: Any) -> None:
    rows = "".join(f"Opsporing af KOL;101;2024;{n}\n" for n in range(imports.MAX_ROWS + 1))
    report = run(secretariat, health_cluster, "initiativ;udfoerende;aar;beloeb\n" + rows)
    assert any(
        "mere end 10.000 rækker" in p.message and p.line == imports.MAX_ROWS + 2 for p in report.problems
    )
    assert costs() == []


def test_a_reader_may_not_import(make_user: Any, health_cluster: Any, two_year: Any) -> None:
    reader = make_user("ssu_reader", region=health_cluster.region)
    with pytest.raises(PermissionDenied, match="Du har ikke adgang til sundhedsklyngen"):
        run(reader, health_cluster, "initiativ;udfoerende;aar;beloeb\nOpsporing af KOL;101;2024;100\n")
    assert costs() == []
