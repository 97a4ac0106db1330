"""Issue #9 §4: one version of every figure. A year's settlement is computed from that year's facts
(its population, the keys, its costs) by one function; the postings CSV, the money-flow table (page,
Excel, PDF), the annual report and the ledger read it; "all years" is the sum of the years; a posted
year is read from its voucher. A region posts on the regional function an administrator entered."""

from __future__ import annotations

import csv
import datetime as dt
import io
from collections import defaultdict
from collections.abc import Callable
from decimal import Decimal
from typing import Any

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.test import Client
from django.urls import reverse
from openpyxl import load_workbook

from klynge.core.money import format_dkk
from klynge.health import flows, selectors, services
from klynge.health.models import ActualCost, ChartFunction, HealthCluster, SettlementLine
from klynge.health.postings import postings_csv
from klynge.health.reports import annual_report_pdf

pytestmark = pytest.mark.django_db

D = dt.date
M = Decimal
CODES = ("1084", "101", "147")
POPULATION_2023 = {"1084": 1_850_000, "101": 650_000, "147": 103_000}
POPULATION_2024 = {"1084": 100, "101": 900_000, "147": 5}  # far from 2023: any leak would show


@pytest.fixture
def two_initiatives(
    secretariat: Any,
    health_cluster: HealthCluster,
    members: dict[str, Any],
    regional_function: Any,
    start: Callable[..., Any],
) -> tuple[Any, Any]:
    """A: København carries it out, all three pay by population. B: the region and Frederiksberg
    carry it out, all three pay by fixed percentages. Both run 2023–2024 and have 2023 costs."""
    for code, count in POPULATION_2023.items():
        services.population_set(actor=secretariat, member=members[code], year=2023, count=count)
    a = services.initiative_save(
        actor=secretariat,
        cluster=health_cluster,
        title="Forebyggelse",
        function_code="4.62.88",
        key_type="population",
        starts_on=D(2023, 1, 1),
        ends_on=D(2024, 12, 31),
        parties=[
            services.Party(members["1084"]),
            services.Party(members["101"], executes=True),
            services.Party(members["147"]),
        ],
    )
    b = services.initiative_save(
        actor=secretariat,
        cluster=health_cluster,
        title="Akutteam",
        function_code="4.62.88",
        key_type="percent",
        starts_on=D(2023, 1, 1),
        ends_on=D(2024, 12, 31),
        parties=[
            services.Party(members["1084"], executes=True, percent="40"),
            services.Party(members["101"], percent="35"),
            services.Party(members["147"], executes=True, percent="25"),
        ],
    )
    a, b = start(a), start(b)  # costs only once approved and running (#13)
    for initiative, code, amount in (
        (a, "101", "754846.47"),
        (b, "1084", "333333.33"),
        (b, "147", "120000.01"),
    ):
        services.cost_set(
            actor=secretariat, initiative=initiative, executor=members[code], year=2023, amount=amount
        )
    return a, b


# --- Every way of reading a member's net frame impact ----------------------------------------------------


def from_csv(cluster: HealthCluster) -> dict[tuple[int, str], Decimal]:
    rows = list(
        csv.reader(io.StringIO(postings_csv(cluster, cluster.members.all()).lstrip("\ufeff")), delimiter=";")
    )
    totals: dict[tuple[int, str], Decimal] = defaultdict(Decimal)
    for row in rows[1:]:
        totals[(int(row[0]), row[2])] += M(row[6].replace(",", "."))
    return dict(totals)


def from_flow(cluster: HealthCluster, year: int | None) -> dict[str, Decimal]:
    return {c.member.code: c.net_frame_impact for c in flows.money_flow(cluster, year=year).columns}


def from_excel(cluster: HealthCluster, year: int | None) -> dict[str, Decimal]:
    sheet = load_workbook(io.BytesIO(flows.money_flow_xlsx(flows.money_flow(cluster, year=year)))).active
    assert sheet is not None
    rows = list(sheet.iter_rows(values_only=True))
    names = rows[2][1:-1]
    net = next(r for r in rows if r[0] == "Nettoramme-påvirkning")
    by_name = {m.name: m.code for m in cluster.members.all()}
    return {
        by_name[str(name)]: M(str(value)).quantize(M("0.01"))
        for name, value in zip(names, net[1:-1], strict=True)
    }


def from_annual_report(cluster: HealthCluster, year: int) -> dict[str, Decimal]:
    return {row.member.code: row.spent for row in selectors.cluster_year(cluster, year)}


def from_ledger(cluster: HealthCluster, year: int) -> dict[str, Decimal]:
    posting = services.posted_year(cluster, year)
    assert posting is not None
    totals: dict[str, Decimal] = defaultdict(Decimal)
    for line in posting.entry.postings.select_related("account"):
        if line.account.code != services.CASH_ACCOUNT:
            totals[line.party] += line.amount
    return dict(totals)


def agree(cluster: HealthCluster, year: int, client: Client, *, posted: bool) -> dict[str, Decimal]:
    """Every reading of ``year`` gives the same figure for every member, to the øre; returns it."""
    expected = from_flow(cluster, year)
    assert set(expected) == set(CODES)
    csv_totals = from_csv(cluster)
    assert {code: csv_totals.get((year, code), M(0)) for code in CODES} == expected
    assert from_excel(cluster, year) == expected
    assert from_annual_report(cluster, year) == expected
    if posted:
        assert from_ledger(cluster, year) == {c: v for c, v in expected.items() if v}
    pdf = flows.money_flow_pdf(flows.money_flow(cluster, year=year), compress=False).decode("latin-1")
    report = annual_report_pdf(cluster, year, compress=False).decode("latin-1")
    page = client.get(reverse("health_money_flow", args=[cluster.pk]), {"aar": year}).content.decode()
    for amount in expected.values():
        assert format_dkk(amount) in pdf and format_dkk(amount) in report and format_dkk(amount) in page
    return expected


def test_a_posted_year_agrees_everywhere_to_the_ore_after_every_later_fact_changes(
    two_initiatives: tuple[Any, Any],
    secretariat: Any,
    health_cluster: HealthCluster,
    members: dict[str, Any],
    login: Callable[[Any], Client],
    start: Callable[..., Any],
) -> None:
    a, b = two_initiatives
    client = login(secretariat)
    before = agree(health_cluster, 2023, client, posted=False)
    assert sum(before.values()) == M("754846.47") + M("333333.33") + M("120000.01")
    services.settlement_post(actor=secretariat, cluster=health_cluster, year=2023)
    assert agree(health_cluster, 2023, client, posted=True) == before

    # every later fact: next year's population, funds, costs, a new initiative and its key
    for code, count in POPULATION_2024.items():
        services.population_set(actor=secretariat, member=members[code], year=2024, count=count)
        services.funds_set(actor=secretariat, member=members[code], year=2024, amount="100000")
    services.cost_set(actor=secretariat, initiative=a, executor=members["101"], year=2024, amount="99999.99")
    services.cost_set(actor=secretariat, initiative=b, executor=members["147"], year=2024, amount="5000.03")
    c = services.initiative_save(
        actor=secretariat,
        cluster=health_cluster,
        title="Ny indsats",
        function_code="4.62.88",
        key_type="equal",
        starts_on=D(2024, 1, 1),
        ends_on=D(2024, 12, 31),
        parties=[services.Party(members["101"]), services.Party(members["147"], executes=True)],
    )
    c = start(c)
    services.cost_set(actor=secretariat, initiative=c, executor=members["147"], year=2024, amount="10.01")
    services.initiative_save(
        actor=secretariat,
        cluster=health_cluster,
        initiative=c,
        title="Ny indsats",
        function_code="4.62.88",
        key_type="population",
        starts_on=D(2024, 1, 1),
        ends_on=D(2024, 12, 31),
        parties=[services.Party(members["101"]), services.Party(members["147"], executes=True)],
    )
    assert agree(health_cluster, 2023, client, posted=True) == before
    later = agree(health_cluster, 2024, client, posted=False)
    services.settlement_post(actor=secretariat, cluster=health_cluster, year=2024)
    assert agree(health_cluster, 2024, client, posted=True) == later
    # "all years" is the sum of the years, in the table and its Excel file
    every = {code: before[code] + later[code] for code in CODES}
    assert from_flow(health_cluster, None) == every and from_excel(health_cluster, None) == every


def test_a_posted_year_is_read_from_its_voucher(
    two_initiatives: tuple[Any, Any], secretariat: Any, health_cluster: HealthCluster
) -> None:
    posted = services.settlement_post(actor=secretariat, cluster=health_cluster, year=2023)
    before = from_flow(health_cluster, 2023)
    assert (
        SettlementLine.objects.filter(posting=posted).count()
        == posted.entry.postings.exclude(account__code=services.CASH_ACCOUNT).count()
    )
    # a fact changed behind the services' back (they refuse it) does not move the posted year
    ActualCost.objects.filter(year=2023).update(amount=M("1.00"))
    assert from_flow(health_cluster, 2023) == before == from_ledger(health_cluster, 2023)
    assert selectors.year_settlement(health_cluster, 2023).posting == posted


def test_next_years_population_does_not_move_this_years_figures(
    two_initiatives: tuple[Any, Any], secretariat: Any, health_cluster: HealthCluster, members: dict[str, Any]
) -> None:
    """The bug of #9: the CSV applied the newest population to every year."""
    before_csv, before_flow = from_csv(health_cluster), from_flow(health_cluster, 2023)
    for code, count in POPULATION_2024.items():
        services.population_set(actor=secretariat, member=members[code], year=2024, count=count)
    assert from_csv(health_cluster) == before_csv
    assert from_flow(health_cluster, 2023) == before_flow == from_annual_report(health_cluster, 2023)
    assert from_flow(health_cluster, None) == before_flow  # no 2024 costs: all years = 2023


def test_a_year_without_its_own_population_uses_the_latest_earlier_one_but_cannot_be_posted(
    two_initiatives: tuple[Any, Any], secretariat: Any, health_cluster: HealthCluster, members: dict[str, Any]
) -> None:
    a, _b = two_initiatives
    services.cost_set(actor=secretariat, initiative=a, executor=members["101"], year=2024, amount="1000.00")
    from klynge.core.sharing import allocate

    by_2023 = allocate(M("1000.00"), [(code, M(POPULATION_2023[code])) for code in CODES])
    assert from_flow(health_cluster, 2024) == by_2023
    with pytest.raises(ValidationError) as refused:
        services.settlement_post(actor=secretariat, cluster=health_cluster, year=2024)
    message = refused.value.message_dict["year"][0]
    assert message.startswith("Indbyggere: 2024-tallet mangler for") and "skriv årets indbyggertal" in message


def test_the_budget_is_split_by_the_key_on_its_total_not_line_by_line(
    guide_initiative: Any, secretariat: Any, health_cluster: HealthCluster, members: dict[str, Any]
) -> None:
    """The guide's example: three lines of 1 mio. kr. split three ways are 1.000.000,00 each (line by
    line one member got 3 × 333.333,33 = 999.999,99 against an actual cost of 1.000.000,00)."""
    for activity in ("Projektleder", "Sygeplejersker", "Kampagne"):
        services.budget_line_add(
            actor=secretariat,
            initiative=guide_initiative,
            executor=members["101"],
            year=2023,
            activity=activity,
            hours="1000",
            hourly_rate="1000",
        )
    rows = selectors.cluster_year(health_cluster, 2023)
    assert [(r.member.code, r.budgeted, r.spent) for r in rows] == [
        (code, M("1000000.00"), M("1000000.00")) for code in CODES
    ]


# --- A region posts on the regional function an administrator entered ------------------------------------


def test_without_a_regional_function_the_regions_postings_are_refused_and_flagged(
    secretariat: Any,
    health_cluster: HealthCluster,
    members: dict[str, Any],
    admin_user: Any,
    start: Callable[..., Any],
) -> None:
    initiative = services.initiative_save(
        actor=secretariat,
        cluster=health_cluster,
        title="Forebyggelse",
        function_code="4.62.88",
        key_type="equal",
        starts_on=D(2023, 1, 1),
        ends_on=D(2023, 12, 31),
        parties=[services.Party(m, executes=m.code == "101") for m in members.values()],
    )
    initiative = start(initiative)
    services.cost_set(
        actor=secretariat, initiative=initiative, executor=members["101"], year=2023, amount="3000"
    )
    with pytest.raises(ValidationError) as refused:
        services.settlement_post(actor=secretariat, cluster=health_cluster, year=2023)
    assert refused.value.message_dict["year"][0].startswith(
        "Regional funktion: 4.62.88 har ingen regional funktionskode"
    )
    rows = list(
        csv.reader(
            io.StringIO(postings_csv(health_cluster, [members["1084"]]).lstrip("\ufeff")), delimiter=";"
        )
    )
    assert [(r[4], "REGIONAL FUNKTION MANGLER" in r[9]) for r in rows[1:]] == [("", True)]
    municipal = list(
        csv.reader(
            io.StringIO(postings_csv(health_cluster, [members["147"]]).lstrip("\ufeff")), delimiter=";"
        )
    )
    assert [r[4] for r in municipal[1:]] == ["4.62.88"]

    services.chart_function_regional_set(
        actor=admin_user, function=ChartFunction.objects.get(code="4.62.88"), regional_code="9.99.99"
    )
    rows = list(
        csv.reader(
            io.StringIO(postings_csv(health_cluster, [members["1084"]]).lstrip("\ufeff")), delimiter=";"
        )
    )
    assert [r[4] for r in rows[1:]] == ["9.99.99"]
    posted = services.settlement_post(actor=secretariat, cluster=health_cluster, year=2023)
    accounts = {(p.account.code, p.party) for p in posted.entry.postings.select_related("account")}
    assert ("HK-9.99.99-4.7", "1084") in accounts and ("HK-4.62.88-4.7", "147") in accounts


def test_only_an_administrator_enters_a_regional_function_and_it_must_look_like_a_code(
    secretariat: Any, admin_user: Any
) -> None:
    function = ChartFunction.objects.get(code="4.62.88")
    with pytest.raises(PermissionDenied, match="Kun en systemadministrator"):
        services.chart_function_regional_set(actor=secretariat, function=function, regional_code="1.2.3")
    with pytest.raises(ValidationError) as bad:
        services.chart_function_regional_set(actor=admin_user, function=function, regional_code="abc")
    assert bad.value.message_dict["regional_code"][0].startswith("Regional funktion: skriv koden med tal")
    function.refresh_from_db()
    assert function.regional_code == ""


def test_the_admin_enters_the_regional_function_through_the_service(
    login: Callable[[Any], Client], admin_user: Any
) -> None:
    admin_user.is_staff = admin_user.is_superuser = True
    admin_user.save()
    function = ChartFunction.objects.get(code="4.62.88")
    url = reverse("admin:health_chartfunction_change", args=[function.pk])
    client = login(admin_user)
    bad = client.post(url, {"regional_code": "x.y", "regional_name": ""})
    assert "Regional funktion: skriv koden med tal" in bad.content.decode()
    client.post(url, {"regional_code": "9.99.99", "regional_name": "Test"})
    function.refresh_from_db()
    assert (function.regional_code, function.regional_name) == ("9.99.99", "Test")
    from klynge.audit.models import AuditEntry

    assert AuditEntry.objects.filter(action="health.chart_regional", actor=admin_user).count() == 1
