"""The health-cluster pages (issue #4): the secretariat works on its own cluster, another cluster's
secretariat gets 404, an SSU reader reads without forms (403 on every change), a finance officer sees
its own organisation and confirms its carry-over; every refusal names the field and changes nothing."""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable
from decimal import Decimal
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse

from klynge.core.money import format_dkk
from klynge.health import selectors, services
from klynge.health.models import (
    ActualCost,
    BudgetLine,
    CarryOver,
    CommonFund,
    EvaluationQuestion,
    HealthCluster,
    Initiative,
    InitiativeParty,
    Population,
)

D = dt.date
M = Decimal


# --- Fixtures: the guide's example cluster (Region Hovedstaden, København, Frederiksberg) ----------------


@pytest.fixture
def health_cluster(admin_user: Any) -> Any:
    from klynge.health.models import Municipality
    from klynge.registry.models import Region

    return services.cluster_create(
        actor=admin_user,
        external_id="SK-EKS",
        name="Sundhedsklynge (guidens eksempel)",
        region=Region.objects.get(code="1084"),
        municipalities=[Municipality.objects.get(code="101"), Municipality.objects.get(code="147")],
        co_chair_region="Regionsrådsmedlem",
        co_chair_municipality="Borgmester",
    )


@pytest.fixture
def other_health_cluster(admin_user: Any) -> Any:
    from klynge.health.models import Municipality
    from klynge.registry.models import Region

    return services.cluster_create(
        actor=admin_user,
        external_id="SK-NORD",
        name="Sundhedsklynge Nord",
        region=Region.objects.get(code="1081"),
        municipalities=[Municipality.objects.get(code="851")],
    )


@pytest.fixture
def members(health_cluster: Any) -> dict[str, Any]:
    return {m.code: m for m in health_cluster.members.select_related("municipality", "region")}


@pytest.fixture
def secretariat(make_user: Callable[..., Any], health_cluster: Any) -> Any:
    return make_user("health_secretariat", username="sekretariat", health_cluster=health_cluster)


@pytest.fixture
def other_secretariat(make_user: Callable[..., Any], other_health_cluster: Any) -> Any:
    return make_user("health_secretariat", username="sekretariat_nord", health_cluster=other_health_cluster)


@pytest.fixture
def ssu_reader(make_user: Callable[..., Any], health_cluster: Any) -> Any:
    return make_user("ssu_reader", username="ssu", region=health_cluster.region)


@pytest.fixture
def finance(make_user: Callable[..., Any]) -> Callable[[str], Any]:
    return lambda code: make_user("finance_officer", organisation_code=code)


@pytest.fixture
def guide_initiative(secretariat: Any, health_cluster: Any, members: dict[str, Any]) -> Any:
    """København carries out a 3 mio. kr. initiative in 2023, shared equally by the three members."""
    initiative = services.initiative_save(
        actor=secretariat,
        cluster=health_cluster,
        title="Sundhedsfremme og forebyggelse",
        function_code="4.62.88",
        key_type="equal",
        starts_on=D(2023, 1, 1),
        ends_on=D(2023, 12, 31),
        parties=[
            services.Party(members["1084"]),
            services.Party(members["101"], executes=True),
            services.Party(members["147"]),
        ],
    )
    # costs only on an approved or running initiative (#13): approve and start it first
    for status in ("approved", "running"):
        services.initiative_status_set(actor=secretariat, initiative=initiative, status=status)
    services.cost_set(
        actor=secretariat, initiative=initiative, executor=members["101"], year=2023, amount="3000000.00"
    )
    initiative.refresh_from_db()
    return initiative


@pytest.fixture
def state() -> Callable[[], dict[str, Any]]:
    """Everything the health pages could change, to compare before and after a refused request."""
    from klynge.audit.models import AuditEntry

    models = (
        HealthCluster,
        Population,
        CommonFund,
        CarryOver,
        Initiative,
        InitiativeParty,
        EvaluationQuestion,
        BudgetLine,
        ActualCost,
        AuditEntry,
    )
    return lambda: {model.__name__: list(model.objects.order_by("pk").values()) for model in models}


def html_of(response: Any) -> str:
    return response.content.decode()


def text_of(response: Any) -> str:
    """The page's text with tags removed and white space collapsed (for sentences that span markup)."""
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html_of(response)))


def kr(amount: Decimal) -> str:
    return f"{format_dkk(amount)} kr."


def detail(cluster: Any) -> str:
    return reverse("health_cluster_detail", args=[cluster.pk])


def initiative_url(name: str, initiative: Any, *extra: Any) -> str:
    return reverse(name, args=[initiative.cluster_id, initiative.pk, *extra])


# --- Pages and scope -----------------------------------------------------------------------------------


def test_the_secretariat_sees_its_cluster_with_members_funds_and_forms(
    login: Callable[[Any], Client], secretariat: Any, health_cluster: Any, guide_initiative: Any
) -> None:
    client = login(secretariat)
    listing = html_of(client.get(reverse("health_cluster_list")))
    assert health_cluster.name in listing and detail(health_cluster) in listing
    page = client.get(detail(health_cluster))
    html = html_of(page)
    assert page.status_code == 200
    for text in ("Region Hovedstaden", "København", "Frederiksberg", "Regionsrådsmedlem", "Borgmester"):
        assert text in html
    for name in (
        "health_cluster_update",
        "health_population_set",
        "health_funds_set",
        "health_funds_distribute",
    ):
        assert reverse(name, args=[health_cluster.pk]) in html
    assert "Fordel en pulje" in html and guide_initiative.title in html
    # the overview: each member's equal share of the 3 mio. spent in 2023
    assert 'id="overblik-2023"' in html and kr(M("1000000.00")) in html


def test_each_initiative_page_renders_for_the_secretariat(
    login: Callable[[Any], Client], secretariat: Any, health_cluster: Any, guide_initiative: Any
) -> None:
    client = login(secretariat)
    listing = html_of(client.get(reverse("health_initiative_list", args=[health_cluster.pk])))
    assert guide_initiative.title in listing and "København" in listing and kr(M("3000000.00")) in listing
    page = html_of(client.get(initiative_url("health_initiative_detail", guide_initiative)))
    for question in EvaluationQuestion.Standard.labels[1:]:
        assert str(question) in page
    assert "Afslut indsatsen" in page  # running → completed (the fixture started it)
    assert initiative_url("health_budget_line_add", guide_initiative) in page
    assert client.get(reverse("health_initiative_create", args=[health_cluster.pk])).status_code == 200
    assert client.get(initiative_url("health_initiative_edit", guide_initiative)).status_code == 200
    assert client.get(reverse("health_cost_import", args=[health_cluster.pk])).status_code == 200


def all_urls(cluster: Any, initiative: Any, line: Any) -> tuple[list[str], list[str]]:
    """(pages read with GET, changes made with POST) of ``cluster``."""
    pk = cluster.pk
    reads = [
        reverse("health_cluster_detail", args=[pk]),
        reverse("health_initiative_list", args=[pk]),
        initiative_url("health_initiative_detail", initiative),
    ]
    changes = [
        reverse("health_cluster_update", args=[pk]),
        reverse("health_population_set", args=[pk]),
        reverse("health_funds_set", args=[pk]),
        reverse("health_funds_distribute", args=[pk]),
        reverse("health_cost_import", args=[pk]),
        reverse("health_initiative_create", args=[pk]),
        initiative_url("health_initiative_edit", initiative),
        initiative_url("health_initiative_status", initiative),
        initiative_url("health_budget_line_add", initiative),
        initiative_url("health_budget_line_remove", initiative, line.pk),
        initiative_url("health_cost_set", initiative),
        initiative_url("health_evaluation_save", initiative),
        initiative_url("health_question_add", initiative),
    ]
    return reads, changes


@pytest.fixture
def line(secretariat: Any, guide_initiative: Any, members: dict[str, Any]) -> Any:
    return services.budget_line_add(
        actor=secretariat,
        initiative=guide_initiative,
        executor=members["101"],
        year=2023,
        activity="Projektleder",
        hours="100",
        hourly_rate="500",
    )


def test_another_clusters_secretariat_gets_404_on_every_page_and_change(
    login: Callable[[Any], Client],
    other_secretariat: Any,
    health_cluster: Any,
    guide_initiative: Any,
    line: Any,
    state: Callable[[], dict[str, Any]],
) -> None:
    client = login(other_secretariat)
    assert health_cluster.name not in html_of(client.get(reverse("health_cluster_list")))
    reads, changes = all_urls(health_cluster, guide_initiative, line)
    before = state()
    for url in reads:
        assert client.get(url).status_code == 404, url
    for url in changes:
        assert client.post(url, {"stamdata-name": "Overtaget", "status": "approved"}).status_code == 404, url
    assert state() == before


def test_an_ssu_reader_reads_everything_without_forms_and_gets_403_on_every_change(
    login: Callable[[Any], Client],
    ssu_reader: Any,
    health_cluster: Any,
    guide_initiative: Any,
    line: Any,
    state: Callable[[], dict[str, Any]],
) -> None:
    client = login(ssu_reader)
    reads, changes = all_urls(health_cluster, guide_initiative, line)
    for url in reads:
        response = client.get(url)
        assert response.status_code == 200, url
        posting_forms = re.findall(r'<form method="post" action="([^"]*)"', html_of(response))
        # the one form an SSU member has: the SSU's decision (#13), which the SSU member records
        changing = [a for a in posting_forms if "sundhedsklynger" in a and not a.endswith("/ssu-beslutning/")]
        assert changing == [], url
    assert "Hvad er succeskriterierne?" in html_of(client.get(reads[2]))
    before = state()
    for url in changes:
        assert client.post(url, {"stamdata-name": "Overtaget", "status": "approved"}).status_code == 403, url
    assert client.get(reverse("health_initiative_create", args=[health_cluster.pk])).status_code == 403
    assert state() == before


def test_the_navigation_gives_each_role_its_health_pages(
    login: Callable[[Any], Client],
    secretariat: Any,
    ssu_reader: Any,
    finance: Callable[[str], Any],
    health_cluster: Any,
) -> None:
    nav = r'<a href="([^"]+)" class="nav-link"[^>]*><span>([^<]+)</span>'
    assert (detail(health_cluster), "Sundhedsklynge") in re.findall(
        nav, html_of(login(secretariat).get(reverse("home")))
    )
    assert (reverse("health_cluster_list"), "Sundhedsklynger") in re.findall(
        nav, html_of(login(ssu_reader).get(reverse("home")))
    )
    assert (reverse("health_finance"), "Økonomi") in re.findall(
        nav, html_of(login(finance("147")).get(reverse("home")))
    )


# --- Master data, population and funds -----------------------------------------------------------------


def test_the_secretariat_changes_the_co_chairs(
    login: Callable[[Any], Client], secretariat: Any, health_cluster: Any
) -> None:
    response = login(secretariat).post(
        reverse("health_cluster_update", args=[health_cluster.pk]),
        {
            "stamdata-name": health_cluster.name,
            "stamdata-co_chair_region": "Ny medformand",
            "stamdata-co_chair_municipality": "",
        },
        follow=True,
    )
    assert "Stamdata er gemt." in html_of(response)
    health_cluster.refresh_from_db()
    assert (health_cluster.co_chair_region, health_cluster.co_chair_municipality) == ("Ny medformand", "")


def test_an_empty_name_is_refused_naming_the_field(
    login: Callable[[Any], Client], secretariat: Any, health_cluster: Any, state: Callable[[], dict[str, Any]]
) -> None:
    before = state()
    response = login(secretariat).post(
        reverse("health_cluster_update", args=[health_cluster.pk]), {"stamdata-name": ""}
    )
    assert "Navn: skal udfyldes." in html_of(response)
    assert state() == before


def test_population_and_funds_per_member_and_year(
    login: Callable[[Any], Client], secretariat: Any, health_cluster: Any, members: dict[str, Any]
) -> None:
    client = login(secretariat)
    client.post(
        reverse("health_population_set", args=[health_cluster.pk]),
        {"befolkning-member": members["147"].pk, "befolkning-year": 2024, "befolkning-count": 105322},
    )
    response = client.post(
        reverse("health_funds_set", args=[health_cluster.pk]),
        {"midler-member": members["147"].pk, "midler-year": 2024, "midler-amount": "1.234.567,89"},
        follow=True,
    )
    assert Population.objects.get(member=members["147"], year=2024).count == 105322
    assert CommonFund.objects.get(member=members["147"], year=2024).amount == M("1234567.89")
    html = html_of(response)
    assert "105322" in html and kr(M("1234567.89")) in html


@pytest.mark.parametrize(
    ("amount", "words"),
    [
        ("1000,123", "Beløb: skal være højst to decimaler"),
        ("-5", "Beløb: skal være 0 eller mere"),
        ("mange", "Beløb: skal være et beløb"),
    ],
)
def test_a_bad_fund_amount_is_refused_naming_the_field(
    login: Callable[[Any], Client],
    secretariat: Any,
    health_cluster: Any,
    members: dict[str, Any],
    state: Callable[[], dict[str, Any]],
    amount: str,
    words: str,
) -> None:
    before = state()
    response = login(secretariat).post(
        reverse("health_funds_set", args=[health_cluster.pk]),
        {"midler-member": members["101"].pk, "midler-year": 2024, "midler-amount": amount},
    )
    html = html_of(response)
    assert words in html and 'id="id_midler-amount-error"' in html
    assert state() == before


def test_a_pot_by_fixed_percentages_is_split_to_the_ore(
    login: Callable[[Any], Client], secretariat: Any, health_cluster: Any, members: dict[str, Any]
) -> None:
    percents = {"1084": "50", "101": "33,3333", "147": "16,6667"}
    pot = M("1000000.01")
    data = {"pulje-year": 2025, "pulje-pot": "1.000.000,01", "pulje-key_type": "percent"}
    data.update({f"pulje-percent_{members[code].pk}": value for code, value in percents.items()})
    response = login(secretariat).post(
        reverse("health_funds_distribute", args=[health_cluster.pk]), data, follow=True
    )
    assert "Puljen for 2025 er fordelt mellem 3 medlemmer." in html_of(response)
    funds = {
        f.member.code: f.amount
        for f in CommonFund.objects.filter(year=2025).select_related("member__municipality", "member__region")
    }
    assert sum(funds.values()) == pot
    for code, value in percents.items():  # each within an øre of its exact share
        exact = pot * M(value.replace(",", ".")) / 100
        assert abs(funds[code] - exact) < M("0.01")


def test_percentages_not_summing_to_100_are_refused_on_the_key_field(
    login: Callable[[Any], Client],
    secretariat: Any,
    health_cluster: Any,
    members: dict[str, Any],
    state: Callable[[], dict[str, Any]],
) -> None:
    before = state()
    data = {"pulje-year": 2025, "pulje-pot": "1000", "pulje-key_type": "percent"}
    data.update(
        {
            f"pulje-percent_{members[code].pk}": value
            for code, value in {"1084": "50", "101": "30", "147": "10"}.items()
        }
    )
    html = html_of(
        login(secretariat).post(reverse("health_funds_distribute", args=[health_cluster.pk]), data)
    )
    assert "Fordelingsnøgle: procenterne skal give 100 % i alt; de giver 90" in html
    assert 'id="id_pulje-key_type-error"' in html
    assert state() == before


# --- The member × year overview and the finance officer ------------------------------------------------


@pytest.fixture
def funds_2023(secretariat: Any, members: dict[str, Any]) -> dict[str, Decimal]:
    amounts = {"1084": M("1500000.00"), "101": M("1200000.00"), "147": M("400000.00")}
    for code, amount in amounts.items():
        services.funds_set(actor=secretariat, member=members[code], year=2023, amount=amount)
    return amounts


def test_an_overspending_member_is_warned_in_words_on_the_cluster_page(
    login: Callable[[Any], Client],
    secretariat: Any,
    health_cluster: Any,
    guide_initiative: Any,
    funds_2023: dict[str, Decimal],
) -> None:
    share = M("3000000.00") / 3
    page = text_of(login(secretariat).get(detail(health_cluster)))
    assert "Overforbrug i 2023" in page
    assert (
        f"Frederiksberg har {kr(funds_2023['147'])} til rådighed, men har budgetteret {kr(M(0))} og brugt {kr(share)}."
        in page
    )
    assert "København har" not in page  # 1.2 mio. covers its 1 mio.
    assert kr(funds_2023["101"] - share) in page  # what København has left


def test_a_finance_officer_sees_only_its_own_organisation(
    login: Callable[[Any], Client],
    finance: Callable[[str], Any],
    health_cluster: Any,
    members: dict[str, Any],
    guide_initiative: Any,
    funds_2023: dict[str, Decimal],
) -> None:
    response = login(finance("101")).get(reverse("health_finance"))
    html = html_of(response)
    assert response.status_code == 200
    assert f'id="medlem-{members["101"].pk}"' in html
    assert f'id="medlem-{members["147"].pk}"' not in html and f'id="medlem-{members["1084"].pk}"' not in html
    assert reverse("health_carry_over", args=[members["101"].pk]) in html
    assert kr(funds_2023["101"] - M("1000000.00")) in html


def test_someone_without_a_finance_role_gets_403_on_the_finance_page(
    login: Callable[[Any], Client], secretariat: Any
) -> None:
    assert login(secretariat).get(reverse("health_finance")).status_code == 403


def test_the_finance_officer_confirms_a_carry_over_and_the_page_shows_who_and_when(
    login: Callable[[Any], Client],
    finance: Callable[[str], Any],
    members: dict[str, Any],
    guide_initiative: Any,
    funds_2023: dict[str, Decimal],
) -> None:
    officer = finance("101")
    left = funds_2023["101"] - M("1000000.00")
    prefix = f"co-{members['101'].pk}"
    response = login(officer).post(
        reverse("health_carry_over", args=[members["101"].pk]),
        {
            f"{prefix}-from_year": 2023,
            f"{prefix}-amount": format_dkk(left),
            f"{prefix}-note": "Råderum fundet",
        },
        follow=True,
    )
    carry = CarryOver.objects.get()
    assert (carry.member, carry.from_year, carry.amount, carry.confirmed_by) == (
        members["101"],
        2023,
        left,
        officer,
    )
    page = text_of(response)
    assert f"{kr(left)} fra 2023 til 2024, bekræftet af {officer.username}" in page
    assert selectors.member_year(members["101"], 2024).carried_in == left


def test_a_carry_over_beyond_the_unused_amount_is_refused(
    login: Callable[[Any], Client],
    finance: Callable[[str], Any],
    members: dict[str, Any],
    guide_initiative: Any,
    funds_2023: dict[str, Decimal],
    state: Callable[[], dict[str, Any]],
) -> None:
    left = funds_2023["101"] - M("1000000.00")
    prefix = f"co-{members['101'].pk}"
    before = state()
    html = html_of(
        login(finance("101")).post(
            reverse("health_carry_over", args=[members["101"].pk]),
            {f"{prefix}-from_year": 2023, f"{prefix}-amount": format_dkk(left + M("0.01"))},
        )
    )
    assert f"Beløb: {format_dkk(left + M('0.01'))} kr. er mere end de {format_dkk(left)} kr." in html
    assert f'id="id_{prefix}-amount-error"' in html
    assert state() == before


def test_a_carry_over_by_another_organisations_finance_officer_is_403(
    login: Callable[[Any], Client],
    finance: Callable[[str], Any],
    members: dict[str, Any],
    guide_initiative: Any,
    funds_2023: dict[str, Decimal],
    state: Callable[[], dict[str, Any]],
) -> None:
    prefix = f"co-{members['101'].pk}"
    before = state()
    response = login(finance("147")).post(
        reverse("health_carry_over", args=[members["101"].pk]),
        {f"{prefix}-from_year": 2023, f"{prefix}-amount": "100"},
    )
    assert response.status_code == 403
    assert state() == before


# --- Initiatives ---------------------------------------------------------------------------------------


def initiative_data(members: dict[str, Any], **changes: Any) -> dict[str, Any]:
    data = {
        "title": "Opsporing af KOL",
        "theme": "Kronisk sygdom",
        "challenge": "Sen opsporing",
        "function_code": "4.62.88",
        "key_type": "percent",
        "starts_on": "2024-01-01",
        "ends_on": "2025-12-31",
        f"executes_{members['101'].pk}": "on",
        f"pays_{members['1084'].pk}": "on",
        f"pays_{members['101'].pk}": "on",
        f"pays_{members['147'].pk}": "on",
        f"percent_{members['1084'].pk}": "50",
        f"percent_{members['101'].pk}": "30",
        f"percent_{members['147'].pk}": "20",
    }
    data.update(changes)
    return {k: v for k, v in data.items() if v is not None}


def test_the_secretariat_creates_an_initiative_with_parties_and_percentages(
    login: Callable[[Any], Client], secretariat: Any, health_cluster: Any, members: dict[str, Any]
) -> None:
    response = login(secretariat).post(
        reverse("health_initiative_create", args=[health_cluster.pk]), initiative_data(members), follow=True
    )
    initiative = Initiative.objects.get()
    assert response.redirect_chain[-1][0] == initiative_url("health_initiative_detail", initiative)
    assert "Indsatsen Opsporing af KOL er oprettet." in html_of(response)
    parties = {
        p.member.code: (p.executes, p.pays, p.percent)
        for p in initiative.parties.select_related("member__municipality", "member__region")
    }
    assert parties == {"1084": (False, True, M(50)), "101": (True, True, M(30)), "147": (False, True, M(20))}
    assert initiative.questions.count() == 5


@pytest.mark.parametrize(
    ("changes", "field", "words"),
    [
        ({"percent_PAYER": "10"}, "key_type", "procenterne skal give 100 % i alt; de giver 90"),
        (
            {"function_code": "9.99.99"},
            "function_code",
            "Funktion (kontoplan): vælg en af mulighederne på listen.",
        ),
        ({"ends_on": "2023-12-31"}, "ends_on", "Slut: skal være samme dag som eller efter start."),
        ({"title": ""}, "title", "Titel: skal udfyldes."),
    ],
)
def test_a_bad_initiative_is_refused_naming_the_field_and_nothing_is_made(
    login: Callable[[Any], Client],
    secretariat: Any,
    health_cluster: Any,
    members: dict[str, Any],
    state: Callable[[], dict[str, Any]],
    changes: dict[str, str],
    field: str,
    words: str,
) -> None:
    if "percent_PAYER" in changes:
        changes = {f"percent_{members['147'].pk}": changes["percent_PAYER"]}
    before = state()
    html = html_of(
        login(secretariat).post(
            reverse("health_initiative_create", args=[health_cluster.pk]), initiative_data(members, **changes)
        )
    )
    assert words in html and f'id="id_{field}-error"' in html
    assert state() == before


def test_an_initiative_without_an_executing_party_is_refused(
    login: Callable[[Any], Client],
    secretariat: Any,
    health_cluster: Any,
    members: dict[str, Any],
    state: Callable[[], dict[str, Any]],
) -> None:
    before = state()
    html = html_of(
        login(secretariat).post(
            reverse("health_initiative_create", args=[health_cluster.pk]),
            initiative_data(members, **{f"executes_{members['101'].pk}": None}),
        )
    )
    assert "Parter: vælg mindst én udførende part." in html
    assert state() == before


def test_an_initiative_whose_function_was_retired_is_refused_by_the_service(
    login: Callable[[Any], Client],
    secretariat: Any,
    guide_initiative: Any,
    members: dict[str, Any],
    state: Callable[[], dict[str, Any]],
) -> None:
    from klynge.health.models import ChartFunction

    ChartFunction.objects.filter(code="4.62.88").update(active=False)
    before = state()
    html = html_of(
        login(secretariat).post(
            initiative_url("health_initiative_edit", guide_initiative),
            initiative_data(
                members, title="Ny titel", starts_on="2023-01-01", ends_on="2023-12-31", key_type="equal"
            ),
        )
    )
    assert "Funktion: 4.62.88 findes ikke i kontoplanen" in html
    assert state() == before


def test_editing_changes_the_title_and_key(
    login: Callable[[Any], Client], secretariat: Any, guide_initiative: Any, members: dict[str, Any]
) -> None:
    login(secretariat).post(
        initiative_url("health_initiative_edit", guide_initiative),
        initiative_data(
            members, title="Nyt navn", starts_on="2023-01-01", ends_on="2023-12-31", key_type="population"
        ),
    )
    guide_initiative.refresh_from_db()
    assert (guide_initiative.title, guide_initiative.key_type) == ("Nyt navn", "population")


def test_status_moves_along_the_allowed_steps_only(
    login: Callable[[Any], Client], secretariat: Any, guide_initiative: Any
) -> None:
    client = login(secretariat)
    url = initiative_url("health_initiative_status", guide_initiative)
    html = html_of(client.post(url, {"status": "completed"}, follow=True))  # the fixture's is running
    assert "Indsatsen er nu: Afsluttet." in html
    html = html_of(client.post(url, {"status": "reported"}, follow=True))
    assert "Status: en indsats, der er afsluttet, kan ikke blive afrapporteret til ssu." in html
    guide_initiative.refresh_from_db()
    assert guide_initiative.status == "completed"


def test_budget_lines_by_rate_and_by_salary_are_added_and_removed(
    login: Callable[[Any], Client], secretariat: Any, guide_initiative: Any, members: dict[str, Any]
) -> None:
    client = login(secretariat)
    url = initiative_url("health_budget_line_add", guide_initiative)
    base = {"budget-member": members["101"].pk, "budget-year": 2023}
    client.post(
        url, {**base, "budget-activity": "Sygeplejerske", "budget-hours": "37,5", "budget-hourly_rate": "450"}
    )
    html = html_of(
        client.post(
            url,
            {
                **base,
                "budget-activity": "Projektleder",
                "budget-hours": "800",
                "budget-annual_salary": "520.000,00",
                "budget-annual_norm_hours": 1924,
            },
            follow=True,
        )
    )
    by_rate = (M("37.5") * 450).quantize(M("0.01"))
    by_salary = (M(800) * 520000 / 1924).quantize(M("0.01"))
    assert sorted(BudgetLine.objects.values_list("amount", flat=True)) == sorted([by_rate, by_salary])
    assert kr(by_rate + by_salary) in html and "800 timer × 520.000,00 kr. / 1924 timer" in html
    line = BudgetLine.objects.get(activity="Sygeplejerske")
    client.post(initiative_url("health_budget_line_remove", guide_initiative, line.pk))
    assert list(BudgetLine.objects.values_list("activity", flat=True)) == ["Projektleder"]


def test_a_budget_line_without_a_rate_is_refused_naming_the_field(
    login: Callable[[Any], Client],
    secretariat: Any,
    guide_initiative: Any,
    members: dict[str, Any],
    state: Callable[[], dict[str, Any]],
) -> None:
    before = state()
    html = html_of(
        login(secretariat).post(
            initiative_url("health_budget_line_add", guide_initiative),
            {
                "budget-member": members["101"].pk,
                "budget-year": 2023,
                "budget-activity": "X",
                "budget-hours": "10",
            },
        )
    )
    assert "Timesats: skriv en timesats, eller en årsløn og en årsnorm." in html
    assert 'id="id_budget-hourly_rate-error"' in html
    assert state() == before


def test_an_actual_cost_is_set_and_overspending_the_budget_is_warned(
    login: Callable[[Any], Client],
    secretariat: Any,
    guide_initiative: Any,
    members: dict[str, Any],
    line: Any,
) -> None:
    html = text_of(
        login(secretariat).post(
            initiative_url("health_cost_set", guide_initiative),
            {"udgift-member": members["101"].pk, "udgift-year": 2023, "udgift-amount": "60.000,50"},
            follow=True,
        )
    )
    assert ActualCost.objects.get().amount == M("60000.50")
    assert "Forbruget overstiger budgettet" in html
    assert f"2023: brugt {kr(M('60000.50'))} af et budget på {kr(line.amount)}" in html
    assert "kr.." not in html


def test_a_cost_year_outside_the_period_is_refused(
    login: Callable[[Any], Client],
    secretariat: Any,
    guide_initiative: Any,
    members: dict[str, Any],
    state: Callable[[], dict[str, Any]],
) -> None:
    before = state()
    html = html_of(
        login(secretariat).post(
            initiative_url("health_cost_set", guide_initiative),
            {"udgift-member": members["101"].pk, "udgift-year": 2025, "udgift-amount": "100"},
        )
    )
    assert "År: 2025 ligger uden for indsatsens periode (2023–2023)." in html
    assert 'id="id_udgift-year-error"' in html
    assert state() == before


def test_a_cost_with_three_decimals_is_refused(
    login: Callable[[Any], Client],
    secretariat: Any,
    guide_initiative: Any,
    members: dict[str, Any],
    state: Callable[[], dict[str, Any]],
) -> None:
    before = state()
    html = html_of(
        login(secretariat).post(
            initiative_url("health_cost_set", guide_initiative),
            {"udgift-member": members["101"].pk, "udgift-year": 2023, "udgift-amount": "100,005"},
        )
    )
    assert "Beløb: skal være højst to decimaler" in html
    assert state() == before


def test_a_cost_by_a_party_that_does_not_execute_cannot_even_be_chosen(
    login: Callable[[Any], Client],
    secretariat: Any,
    guide_initiative: Any,
    members: dict[str, Any],
    state: Callable[[], dict[str, Any]],
) -> None:
    before = state()
    html = html_of(
        login(secretariat).post(
            initiative_url("health_cost_set", guide_initiative),
            {"udgift-member": members["147"].pk, "udgift-year": 2023, "udgift-amount": "100"},
        )
    )
    assert "Udførende part: vælg en af mulighederne på listen." in html
    assert state() == before


def test_the_evaluation_is_answered_and_a_question_added_by_the_ssu(
    login: Callable[[Any], Client], secretariat: Any, ssu_reader: Any, guide_initiative: Any
) -> None:
    client = login(secretariat)
    questions = list(guide_initiative.questions.all())
    client.post(
        initiative_url("health_question_add", guide_initiative),
        {"spoergsmaal-question": "Hvor mange borgere blev nået?", "spoergsmaal-added_by": "ssu"},
    )
    added = guide_initiative.questions.get(added_by="ssu")
    data = {f"evaluering-answer_{q.pk}": f"Svar {n}" for n, q in enumerate([*questions, added])}
    data.update(
        {
            "evaluering-result": "achieved",
            "evaluering-result_summary": "Flere opsporet",
            "evaluering-recommend_spread": "on",
            "evaluering-spread_note": "Til alle klynger",
        }
    )
    html = html_of(client.post(initiative_url("health_evaluation_save", guide_initiative), data, follow=True))
    assert "Evalueringen er gemt." in html
    guide_initiative.refresh_from_db()
    assert (guide_initiative.result, guide_initiative.recommend_spread) == ("achieved", True)
    assert list(guide_initiative.questions.values_list("answer", flat=True)) == [
        f"Svar {n}" for n in range(6)
    ]
    read = text_of(login(ssu_reader).get(initiative_url("health_initiative_detail", guide_initiative)))
    assert "Hvor mange borgere blev nået? (tilføjet af SSU) Svar 5" in read
    assert "Succeskriterierne er nået" in read


def test_an_empty_question_is_refused(
    login: Callable[[Any], Client],
    secretariat: Any,
    guide_initiative: Any,
    state: Callable[[], dict[str, Any]],
) -> None:
    before = state()
    html = html_of(
        login(secretariat).post(
            initiative_url("health_question_add", guide_initiative),
            {"spoergsmaal-question": " ", "spoergsmaal-added_by": "cluster"},
        )
    )
    assert "Spørgsmål: skal udfyldes." in html
    assert state() == before


# --- The CSV import page -------------------------------------------------------------------------------


def upload(client: Client, cluster: Any, text: str | bytes, *, dry_run: bool) -> Any:
    raw = text.encode() if isinstance(text, str) else text
    data: dict[str, Any] = {"file": SimpleUploadedFile("udgifter.csv", raw, content_type="text/csv")}
    if dry_run:
        data["dry_run"] = "on"
    return client.post(reverse("health_cost_import", args=[cluster.pk]), data)


def test_the_import_page_previews_then_imports(
    login: Callable[[Any], Client], secretariat: Any, health_cluster: Any, guide_initiative: Any
) -> None:
    client = login(secretariat)
    text = f"initiativ;udfoerende;aar;beloeb\n{guide_initiative.pk};101;2023;2.500.000,00\n"
    preview = html_of(upload(client, health_cluster, text, dry_run=True))
    assert "Prøvekørsel: intet er gemt endnu" in preview and kr(M("3000000.00")) in preview
    assert ActualCost.objects.get().amount == M("3000000.00")
    html = html_of(upload(client, health_cluster, text, dry_run=False))
    assert "Importeret" in html
    assert ActualCost.objects.get().amount == M("2500000.00")


def test_the_import_page_lists_every_problem_and_saves_nothing(
    login: Callable[[Any], Client],
    secretariat: Any,
    health_cluster: Any,
    guide_initiative: Any,
    state: Callable[[], dict[str, Any]],
) -> None:
    before = state()
    text = (
        "initiativ;udfoerende;aar;beloeb\nUkendt;101;2023;1\nSundhedsfremme og forebyggelse;101;2030;1,001\n"
    )
    html = html_of(upload(login(secretariat), health_cluster, text, dry_run=False))
    assert "Filen er afvist; intet er gemt" in html
    assert "Linje 2, kolonne initiativ:" in html
    assert "Linje 3, kolonne aar: 2030 ligger uden for indsatsens periode" in html
    assert "Linje 3, kolonne beloeb: Beløb: skal være højst to decimaler" in html
    assert state() == before


def test_a_binary_upload_is_refused(
    login: Callable[[Any], Client],
    secretariat: Any,
    health_cluster: Any,
    guide_initiative: Any,
    state: Callable[[], dict[str, Any]],
) -> None:
    before = state()
    html = html_of(upload(login(secretariat), health_cluster, b"\x89PNG\r\n\x1a\n\x00\x00", dry_run=False))
    assert "Filen er ikke en CSV-fil" in html
    assert state() == before


def test_an_upload_over_5_mb_is_refused_without_being_read(
    login: Callable[[Any], Client],
    secretariat: Any,
    health_cluster: Any,
    guide_initiative: Any,
    state: Callable[[], dict[str, Any]],
) -> None:
    from klynge.health.imports import MAX_BYTES

    before = state()
    row = f"{guide_initiative.pk};101;2023;1\n"
    text = "initiativ;udfoerende;aar;beloeb\n" + row * (MAX_BYTES // len(row) + 1)
    html = html_of(upload(login(secretariat), health_cluster, text, dry_run=False))
    assert "den må højst fylde 5 MB" in html
    assert state() == before


def test_a_share_in_scientific_notation_is_refused_on_the_pot_and_the_initiative_forms(
    login: Callable[[Any], Client],
    secretariat: Any,
    health_cluster: Any,
    members: dict[str, Any],
    state: Callable[[], dict[str, Any]],
) -> None:
    before = state()
    client = login(secretariat)
    data = {"pulje-year": 2025, "pulje-pot": "1000", "pulje-key_type": "percent"}
    data.update(
        {f"pulje-percent_{members[c].pk}": v for c, v in {"1084": "1e1", "101": "60", "147": "30"}.items()}
    )
    html = html_of(client.post(reverse("health_funds_distribute", args=[health_cluster.pk]), data))
    assert "skriv et tal, fx 33,3333" in html
    form = initiative_data(members, **{f"percent_{members['1084'].pk}": "5E+1"})
    html = html_of(client.post(reverse("health_initiative_create", args=[health_cluster.pk]), form))
    assert "skriv et tal, fx 33,3333" in html
    assert not Initiative.objects.exists()
    assert state() == before


@pytest.mark.parametrize("count", ["0", "-5", "1e5", "10000001"])
def test_an_inhabitant_count_that_is_not_a_whole_number_of_at_least_one_is_refused(
    login: Callable[[Any], Client],
    secretariat: Any,
    health_cluster: Any,
    members: dict[str, Any],
    state: Callable[[], dict[str, Any]],
    count: str,
) -> None:
    before = state()
    html = html_of(
        login(secretariat).post(
            reverse("health_population_set", args=[health_cluster.pk]),
            {"befolkning-member": members["147"].pk, "befolkning-year": 2026, "befolkning-count": count},
        )
    )
    assert "Indbyggere:" in html and ("mellem 1 og 10.000.000" in html or "helt tal" in html)
    assert state() == before
