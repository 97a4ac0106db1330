"""The catalogue of evaluated initiatives (issue #4): every logged-in user sees the evaluated and
reported initiatives of all health clusters (and nothing still running), can search and filter them by
address, gets only the results from htmx, and reads one initiative's evaluation summary."""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse

from klynge.health import services
from klynge.health.models import Initiative, Municipality
from klynge.registry.models import Region
from klynge.web.views import health_catalogue

D = dt.date
KOL = "Tidlig opsporing af KOL"
AKUT = "Fælles akutteam"
DIGITAL = "Digital genoptræning"
RUNNING = "Sund aldring i eget hjem"
EVALUATED = (KOL, AKUT, DIGITAL)


def html_of(response: Any) -> str:
    return response.content.decode()


def titles(response: Any) -> list[str]:
    """The titles of the initiatives listed, in order."""
    return re.findall(
        r'<th scope="row" class="weight-normal"><a href="[^"]+">([^<]+)</a></th>', html_of(response)
    )


def catalogue(client: Client, **params: str) -> Any:
    return client.get(reverse("health_catalogue"), params)


# --- Two clusters in two regions, three evaluated initiatives and one still running --------------------


@pytest.fixture
def hovedstaden(admin_user: Any) -> Any:
    return services.cluster_create(
        actor=admin_user,
        external_id="SK-HOVED",
        name="Sundhedsklynge Hovedstaden",
        region=Region.objects.get(code="1084"),
        municipalities=[Municipality.objects.get(code="101"), Municipality.objects.get(code="147")],
    )


@pytest.fixture
def nord(admin_user: Any) -> Any:
    return services.cluster_create(
        actor=admin_user,
        external_id="SK-NORD",
        name="Sundhedsklynge Nord",
        region=Region.objects.get(code="1081"),
        municipalities=[Municipality.objects.get(code="851")],
    )


@pytest.fixture
def make_initiative(admin_user: Any) -> Callable[..., Initiative]:
    def make(
        cluster: Any,
        title: str,
        *,
        theme: str,
        challenge: str = "",
        status: str = "evaluated",
        result: str = "",
        summary: str = "",
        spread: bool = False,
        note: str = "",
        answers: dict[str, str] | None = None,
        reported_on: dt.date | None = None,
        cost: str = "",
    ) -> Initiative:
        members = list(cluster.members.select_related("municipality", "region"))
        initiative = services.initiative_save(
            actor=admin_user,
            cluster=cluster,
            title=title,
            theme=theme,
            challenge=challenge,
            function_code="4.62.88",
            key_type="equal",
            starts_on=D(2023, 1, 1),
            ends_on=D(2024, 12, 31),
            parties=[services.Party(members[0], executes=True)] + [services.Party(m) for m in members[1:]],
        )

        def evaluate() -> None:
            services.evaluation_save(
                actor=admin_user,
                initiative=initiative,
                answers={
                    q.pk: (answers or {})[q.standard]
                    for q in initiative.questions.all()
                    if q.standard in (answers or {})
                },
                result=result,
                result_summary=summary,
                recommend_spread=spread,
                spread_note=note,
            )

        # along the statuses through the services: costs once it is running (#13), the evaluation
        # before it is marked evaluated
        path = ["approved", "running", "completed", "evaluated", "reported"]
        steps = path[: path.index(status) + 1] if status in path else []
        for step in steps:
            if step == "evaluated" and result:
                evaluate()
            services.initiative_status_set(
                actor=admin_user, initiative=initiative, status=step, reported_on=reported_on
            )
            if step == "running" and cost:
                services.cost_set(
                    actor=admin_user, initiative=initiative, executor=members[0], year=2023, amount=cost
                )
        if result and "evaluated" not in steps:
            evaluate()
        initiative.refresh_from_db()
        return initiative

    return make


@pytest.fixture
def initiatives(make_initiative: Callable[..., Initiative], hovedstaden: Any, nord: Any) -> dict[str, Any]:
    return {
        KOL: make_initiative(
            hovedstaden,
            KOL,
            theme="Kronisk sygdom",
            challenge="Borgere med lungesygdom opdages sent.",
            status="reported",
            reported_on=D(2025, 3, 12),
            result="achieved",
            summary="38 % flere tidlige diagnoser i almen praksis.",
            spread=True,
            note="Kan bruges i alle klynger med spirometri i praksis.",
            answers={
                "criteria": "30 % flere diagnoser i et tidligt stadie.",
                "when": "Ved udgangen af 2024.",
            },
            cost="842315.50",
        ),
        AKUT: make_initiative(
            nord,
            AKUT,
            theme="Akutte forløb",
            challenge="Ældre medicinske patienter genindlægges for ofte.",
            status="evaluated",
            result="partly",
            summary="Færre genindlæggelser om natten, ikke om dagen.",
            cost="100000.00",
        ),
        DIGITAL: make_initiative(
            nord,
            DIGITAL,
            theme="Kronisk sygdom",
            challenge="Lange ventetider på genoptræning.",
            status="reported",
            reported_on=D(2024, 6, 1),
            result="not_achieved",
            summary="Borgerne brugte ikke appen.",
            spread=True,
            note="Prøv den med personlig opstart.",
        ),
        RUNNING: make_initiative(
            hovedstaden,
            RUNNING,
            theme="Forebyggelse i hjemmet",
            challenge="Mange ældre falder derhjemme.",
            status="running",
        ),
    }


@pytest.fixture
def reader(make_user: Callable[..., Any], hovedstaden: Any) -> Any:
    """An SSU reader of Region Hovedstaden: sees the catalogue across regions all the same."""
    return make_user("ssu_reader", username="ssu_hoved", region=hovedstaden.region)


# --- Who sees what -------------------------------------------------------------------------------------


@pytest.mark.parametrize("role", ["officer", "reader", "finance", "secretariat"])
def test_every_logged_in_user_sees_the_evaluated_initiatives_of_every_cluster(
    role: str,
    request: pytest.FixtureRequest,
    make_user: Callable[..., Any],
    login: Callable[[Any], Client],
    initiatives: dict[str, Any],
    nord: Any,
) -> None:
    users = {
        "officer": lambda: request.getfixturevalue("officer"),
        "reader": lambda: request.getfixturevalue("reader"),
        "finance": lambda: make_user("finance_officer", organisation_code="147"),
        "secretariat": lambda: make_user("health_secretariat", health_cluster=nord),
    }
    response = catalogue(login(users[role]()))
    assert response.status_code == 200
    assert sorted(titles(response)) == sorted(EVALUATED)
    html = html_of(response)
    assert RUNNING not in html
    assert "Sundhedsklynge Hovedstaden" in html and "Sundhedsklynge Nord" in html
    assert "3 indsatser fundet" in html


def test_recommended_first_then_the_newest_reported(
    login: Callable[[Any], Client], officer: Any, initiatives: dict[str, Any]
) -> None:
    assert titles(catalogue(login(officer))) == [KOL, DIGITAL, AKUT]


def test_the_page_is_accessible_and_shareable(
    login: Callable[[Any], Client], officer: Any, initiatives: dict[str, Any]
) -> None:
    html = html_of(catalogue(login(officer)))
    assert html.count("<h1") == 1
    assert '<form method="get" action="/sundhedsklynger/katalog/" role="search"' in html
    for name in ("q", "tema", "resultat", "region", "udbredes"):
        assert f'for="id_{name}"' in html and f'id="id_{name}"' in html, name
    assert 'hx-get="/sundhedsklynger/katalog/" hx-target="#catalogue-results" hx-push-url="true"' in html
    assert '<div id="catalogue-results" class="mt-6" aria-live="polite">' in html
    assert 'aria-labelledby="catalogue-count"' in html
    assert 'name="udbredes" value="1"' in html
    # the themes offered are those of the catalogued initiatives (not of the running one)
    assert '<option value="Akutte forløb">' in html and '<option value="Kronisk sygdom">' in html
    assert "Forebyggelse i hjemmet" not in html


def test_the_navigation_links_to_the_catalogue(
    login: Callable[[Any], Client], officer: Any, reader: Any, coordinator: Any
) -> None:
    link = f'<a href="{reverse("health_catalogue")}" class="nav-link"'
    assert link in html_of(login(officer).get(reverse("cluster_list")))
    assert link in html_of(login(reader).get(reverse("health_catalogue")))
    assert link not in html_of(login(coordinator).get(reverse("home"), follow=True))


def test_anonymous_is_sent_to_log_in(initiatives: dict[str, Any]) -> None:
    client = Client()
    for url in (reverse("health_catalogue"), reverse("health_catalogue_detail", args=[initiatives[KOL].pk])):
        response = client.get(url)
        assert response.status_code == 302
        assert response["Location"].startswith(reverse("login"))


# --- Search and filters --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("params", "expected"),
    [
        ({"q": "genoptræning"}, [DIGITAL]),  # the title
        ({"q": "kronisk"}, [KOL, DIGITAL]),  # the theme, in any case
        ({"q": "genindlægges"}, [AKUT]),  # the challenge
        ({"q": "tidlige diagnoser"}, [KOL]),  # the results
        ({"q": "derhjemme"}, []),  # only the running initiative says it
        ({"tema": "Kronisk sygdom"}, [KOL, DIGITAL]),
        ({"tema": "Akutte forløb"}, [AKUT]),
        ({"resultat": "partly"}, [AKUT]),
        ({"resultat": "achieved"}, [KOL]),
        ({"udbredes": "1"}, [KOL, DIGITAL]),
        ({"region": "1081"}, [DIGITAL, AKUT]),
        ({"region": "1084"}, [KOL]),
        ({"region": "1081", "udbredes": "1", "tema": "Kronisk sygdom"}, [DIGITAL]),
        ({"resultat": "findes-ikke", "region": "1084"}, [KOL]),  # an invalid filter is left out
    ],
)
def test_each_filter_narrows_the_catalogue(
    params: dict[str, str],
    expected: list[str],
    login: Callable[[Any], Client],
    officer: Any,
    initiatives: dict[str, Any],
) -> None:
    response = catalogue(login(officer), **params)
    assert response.status_code == 200
    assert titles(response) == expected
    html = html_of(response)
    for title in {*EVALUATED, RUNNING} - set(expected):
        assert f">{title}</a>" not in html, title
    if not expected:
        assert "0 indsatser fundet" in html and "Ingen evaluerede indsatser passer til søgningen." in html
    elif len(expected) == 1:
        assert "1 indsats fundet" in html


def test_the_search_stays_in_the_form(
    login: Callable[[Any], Client], officer: Any, initiatives: dict[str, Any]
) -> None:
    html = html_of(catalogue(login(officer), q="kronisk", resultat="achieved", region="1084", udbredes="1"))
    assert 'value="kronisk"' in html
    assert '<option value="achieved" selected>' in html
    assert '<option value="1084" selected>' in html
    assert re.search(r'<input type="checkbox" name="udbredes" value="1"[^>]* checked', html)


def test_htmx_gets_only_the_results(
    login: Callable[[Any], Client], officer: Any, initiatives: dict[str, Any]
) -> None:
    response = login(officer).get(reverse("health_catalogue"), {"udbredes": "1"}, HTTP_HX_REQUEST="true")
    html = html_of(response)
    assert "<html" not in html and "<form" not in html
    assert html.lstrip().startswith('<h2 class="h3 mt-0" id="catalogue-count">2 indsatser fundet</h2>')
    assert titles(response) == [KOL, DIGITAL]
    assert "HX-Request" in response["Vary"]
    # going back to a page htmx no longer holds: the whole page
    restore = login(officer).get(
        reverse("health_catalogue"), HTTP_HX_REQUEST="true", HTTP_HX_HISTORY_RESTORE_REQUEST="true"
    )
    assert "<html" in html_of(restore)


def test_the_pages_keep_the_search(
    monkeypatch: pytest.MonkeyPatch, login: Callable[[Any], Client], officer: Any, initiatives: dict[str, Any]
) -> None:
    monkeypatch.setattr(health_catalogue, "PER_PAGE", 2)
    client = login(officer)
    assert "Side 1 af" not in html_of(catalogue(client, tema="Kronisk sygdom"))  # two of two: one page
    page_one = catalogue(client, q="")
    assert titles(page_one) == [KOL, DIGITAL]
    assert "Side 1 af 2" in html_of(page_one)
    link = re.search(r'<a href="([^"]+)" hx-get="[^"]+" hx-target="#catalogue-results"', html_of(page_one))
    assert link is not None
    url = link.group(1).replace("&amp;", "&")
    assert url == reverse("health_catalogue") + "?q=&side=2"
    assert titles(client.get(url)) == [AKUT]
    assert "Side 2 af 2" in html_of(client.get(url))


# --- One initiative's evaluation summary ---------------------------------------------------------------


def test_the_summary_shows_the_evaluation(
    login: Callable[[Any], Client], reader: Any, initiatives: dict[str, Any]
) -> None:
    """An SSU reader of Hovedstaden reads an initiative of Nordjylland's cluster, and Hovedstaden's."""
    client = login(reader)
    response = client.get(reverse("health_catalogue_detail", args=[initiatives[KOL].pk]))
    assert response.status_code == 200
    html = html_of(response)
    assert html.count("<h1") == 1 and KOL in html
    assert "Sundhedsklynge Hovedstaden (Region Hovedstaden)" in html
    assert "Hvad er succeskriterierne?" in html and "30 % flere diagnoser i et tidligt stadie." in html
    assert "Ved udgangen af 2024." in html
    assert "Succeskriterierne er nået" in html
    assert "38 % flere tidlige diagnoser i almen praksis." in html
    assert "Kan bruges i alle klynger med spirometri i praksis." in html
    assert "842.315,50 kr." in html
    # no member-level finance: neither the executing member nor budget lines or postings
    assert (
        "København" not in html
        and "Budgetlinjer" not in html
        and '<form method="post" action="/sund' not in html
    )

    other = client.get(reverse("health_catalogue_detail", args=[initiatives[AKUT].pk]))
    assert other.status_code == 200
    assert "Delvist nået" in html_of(other) and "Sundhedsklynge Nord (Region Nordjylland)" in html_of(other)


def test_an_initiative_not_evaluated_is_not_in_the_catalogue(
    login: Callable[[Any], Client], admin_user: Any, initiatives: dict[str, Any]
) -> None:
    client = login(admin_user)
    assert client.get(reverse("health_catalogue_detail", args=[initiatives[RUNNING].pk])).status_code == 404
    assert client.get(reverse("health_catalogue_detail", args=[999_999])).status_code == 404
