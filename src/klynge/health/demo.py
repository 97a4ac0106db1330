"""Demo data for health clusters, built through the services by the demo's own users (called by
:mod:`klynge.registry.demo`): Sundhedsklynge Aalborg with the region and five municipalities, common
funds by population, two initiatives (one evaluated and recommended for spreading, one with two
executing parties), budgets, actual costs and a confirmed carry-over."""

from __future__ import annotations

import datetime as dt
from typing import Any

from klynge.audit.models import AuditEntry
from klynge.health import services
from klynge.health.models import CarryOver, ChartFunction, HealthCluster, Initiative, Municipality
from klynge.registry.models import Region

D = dt.date
CLUSTER_ID = "SK-AALBORG"
MUNICIPALITIES = (
    "851",
    "840",
    "849",
    "820",
    "846",
)  # Aalborg, Rebild, Jammerbugt, Vesthimmerland, Mariagerfjord
POPULATION = {"851": 221_082, "840": 30_875, "849": 38_255, "820": 36_701, "846": 41_676}
POTS = {2023: "4000000.00", 2024: "4200000.00", 2025: "4200000.00"}


def create_cluster(admin: Any) -> HealthCluster:
    return services.cluster_create(
        actor=admin,
        external_id=CLUSTER_ID,
        name="Sundhedsklynge Aalborg",
        region=Region.objects.get(code="1081"),
        municipalities=[Municipality.objects.get(code=code) for code in MUNICIPALITIES],
        co_chair_region="Ulla Astman",
        co_chair_municipality="Lasse Frimand Jensen",
    )


def fill(cluster: HealthCluster, secretariat: Any, finance_aalborg: Any, *, post: bool = False) -> None:
    """The demo cluster's figures; ``post``: also post the 2023 settlement in the cluster's ledger
    (append-only, so only with the demo's payout runs, which make a reset impossible anyway) — once an
    administrator has entered the regional function code of 4.62.88, as the region pays in 2023."""
    members = services.members_by_code(cluster)
    region_total = sum(POPULATION.values())
    for year in POTS:
        for code, count in POPULATION.items():
            services.population_set(
                actor=secretariat, member=members[code], year=year, count=count + (year - 2023) * 150
            )
        services.population_set(
            actor=secretariat, member=members["1081"], year=year, count=region_total + (year - 2023) * 750
        )
        services.funds_distribute(
            actor=secretariat, cluster=cluster, year=year, pot=POTS[year], key_type="population"
        )

    copd = services.initiative_save(
        actor=secretariat,
        cluster=cluster,
        title="Tidlig opsporing af KOL",
        theme="Kronisk sygdom",
        challenge="Mange borgere med KOL opdages først, når sygdommen er fremskreden.",
        function_code="4.62.88",
        key_type="population",
        starts_on=D(2023, 2, 1),
        ends_on=D(2024, 12, 31),
        parties=[services.Party(members["851"], executes=True)]
        + [services.Party(members[code]) for code in ("1081", *MUNICIPALITIES[1:])],
    )
    services.budget_line_add(
        actor=secretariat,
        initiative=copd,
        executor=members["851"],
        year=2023,
        activity="Projektleder",
        hours="800",
        annual_salary="520000",
        annual_norm_hours=1924,
    )
    services.budget_line_add(
        actor=secretariat,
        initiative=copd,
        executor=members["851"],
        year=2023,
        activity="Spirometri i almen praksis",
        hours="1500",
        hourly_rate="450",
    )
    services.budget_line_add(
        actor=secretariat,
        initiative=copd,
        executor=members["851"],
        year=2024,
        activity="Spirometri i almen praksis",
        hours="1700",
        hourly_rate="460",
    )
    # approved and started before its costs are recorded (#13: costs only when approved or running)
    for status in ("approved", "running"):
        services.initiative_status_set(actor=secretariat, initiative=copd, status=status)
    services.cost_set(
        actor=secretariat,
        initiative=copd,
        executor=members["851"],
        year=2023,
        amount="842315.50",
        source="Aalborg Kommune, regnskab 2023",
    )
    services.cost_set(
        actor=secretariat,
        initiative=copd,
        executor=members["851"],
        year=2024,
        amount="791220.00",
        source="Aalborg Kommune, regnskab 2024",
    )
    services.initiative_status_set(actor=secretariat, initiative=copd, status="completed")
    answers = {
        "challenge": "Sen opsporing af KOL i klyngens kommuner.",
        "criteria": "30 % flere borgere får stillet diagnosen i et tidligt stadie.",
        "measure": "Antal spirometrier og diagnoser i almen praksis, før og efter.",
        "when": "Ved udgangen af 2023 og 2024.",
        "responsible": "Kommunen (Aalborg Kommunes sundhedsafdeling).",
    }
    services.evaluation_save(
        actor=secretariat,
        initiative=copd,
        answers={q.pk: answers[q.standard] for q in copd.questions.all() if q.standard in answers},
        result=Initiative.Result.ACHIEVED,
        result_summary="38 % flere tidlige diagnoser; borgerne er glade for tilbuddet i egen praksis.",
        recommend_spread=True,
        spread_note="Kan bruges i alle klynger med samme samarbejde med almen praksis.",
    )
    services.initiative_status_set(actor=secretariat, initiative=copd, status="evaluated")
    services.initiative_status_set(
        actor=secretariat, initiative=copd, status="reported", reported_on=D(2025, 3, 12)
    )

    acute = services.initiative_save(
        actor=secretariat,
        cluster=cluster,
        title="Fælles akutteam",
        theme="Akutte forløb",
        challenge="Ældre medicinske patienter genindlægges for ofte.",
        function_code="4.62.88",
        key_type="percent",
        starts_on=D(2024, 1, 1),
        ends_on=D(2025, 12, 31),
        parties=[
            services.Party(members["1081"], executes=True, percent="40"),
            services.Party(members["851"], executes=True, percent="35"),
            services.Party(members["840"], percent="6.25"),
            services.Party(members["849"], percent="6.25"),
            services.Party(members["820"], percent="6.25"),
            services.Party(members["846"], percent="6.25"),
        ],
    )
    services.budget_line_add(
        actor=secretariat,
        initiative=acute,
        executor=members["1081"],
        year=2024,
        activity="Akutsygeplejersker",
        hours="3200",
        annual_salary="560000",
        annual_norm_hours=1924,
    )
    services.budget_line_add(
        actor=secretariat,
        initiative=acute,
        executor=members["851"],
        year=2024,
        activity="Kommunale akutsygeplejersker",
        hours="2400",
        hourly_rate="395",
    )
    for status in ("approved", "running"):
        services.initiative_status_set(actor=secretariat, initiative=acute, status=status)
    services.cost_set(
        actor=secretariat, initiative=acute, executor=members["1081"], year=2024, amount="905400.00"
    )
    services.cost_set(
        actor=secretariat, initiative=acute, executor=members["851"], year=2024, amount="612875.25"
    )
    services.question_add(
        actor=secretariat, initiative=acute, question="Hvordan oplever de pårørende forløbet?", added_by="ssu"
    )

    left = services.unused(members["851"], 2023)
    services.carry_over_confirm(
        actor=finance_aalborg,
        member=members["851"],
        from_year=2023,
        amount=min(left, services.clean_amount("500000", "amount", "")),
        note="Der er plads inden for servicerammen 2024.",
    )
    if post and ChartFunction.objects.filter(code="4.62.88").exclude(regional_code="").exists():
        # the region pays its share on the regional chart, whose function code an administrator
        # enters (none is shipped); until then 2023 stays open and the reports page says why
        services.settlement_post(actor=secretariat, cluster=cluster, year=2023)


COUNCIL_ID = "SR-AALBORG"
COUNCIL_NAME = "Sundhedsråd Aalborg"
COUNCIL_START = D(2027, 1, 1)


def create_council(admin: Any, secretariat: Any) -> HealthCluster:
    """Turn the demo's Sundhedsklynge Aalborg into Sundhedsråd Aalborg from 1 January 2027 (#11) at
    once, by one person (the tests' shortcut; ``klynge demo`` prepares it as a draft instead,
    :func:`prepare_council`).

    First a running prevention initiative of 2026–2028 that Aalborg Kommune carries out in 2026 and
    the region from 2027 (the reform moves prevention to the regions), with 2026 costs; then the
    council, with the region and the same five municipalities, as the cluster's successor: the
    running initiatives go on in it, the finished ones stay. (The members' unused funds of 2026 move
    only when their finance officers confirm them, from 1 January 2027.)"""
    cluster = _prevention(secretariat)
    return services.council_create(actor=admin, **_council_facts(cluster))


def prepare_council(preparer: Any, secretariat: Any) -> Any:
    """The running prevention initiative (:func:`create_council`), then Sundhedsråd Aalborg from
    1 January 2027 prepared as a draft by ``preparer``, for another administrator to approve (the demo's
    visitor "admin"). Its secretariat gets the role on the council when it is carried out."""
    from klynge.health import councils

    cluster = _prevention(secretariat)
    return councils.council_prepare(actor=preparer, **_council_facts(cluster))


def _council_facts(cluster: HealthCluster) -> dict[str, Any]:
    return {
        "name": COUNCIL_NAME,
        "external_id": COUNCIL_ID,
        "region": cluster.region,
        "municipalities": [Municipality.objects.get(code=code) for code in MUNICIPALITIES],
        "predecessors": [cluster],
        "valid_from": COUNCIL_START,
        "co_chair_region": cluster.co_chair_region,
        "co_chair_municipality": cluster.co_chair_municipality,
    }


def _prevention(secretariat: Any) -> HealthCluster:
    """A running prevention initiative 2026–2028 of the demo cluster: Aalborg Kommune executes in 2026
    (with 2026 costs), the region from 2027; and the 2026 population."""
    cluster = HealthCluster.objects.get(external_id=CLUSTER_ID)
    members = services.members_by_code(cluster)
    prevention = services.initiative_save(
        actor=secretariat,
        cluster=cluster,
        title="Forebyggende hjemmebesøg til ældre",
        theme="Forebyggelse",
        challenge="Ældre borgere med begyndende skrøbelighed opdages for sent.",
        function_code="4.62.88",
        key_type="population",
        starts_on=D(2026, 1, 1),
        ends_on=D(2028, 12, 31),
        parties=[services.Party(members["851"], executes=True)]
        + [services.Party(members[code]) for code in ("1081", *MUNICIPALITIES[1:])],
    )
    for status in ("approved", "running"):
        services.initiative_status_set(actor=secretariat, initiative=prevention, status=status)
    for code, count in POPULATION.items():
        services.population_set(actor=secretariat, member=members[code], year=2026, count=count + 450)
    services.population_set(
        actor=secretariat, member=members["1081"], year=2026, count=sum(POPULATION.values()) + 2_250
    )
    services.cost_set(
        actor=secretariat,
        initiative=prevention,
        executor=members["851"],
        year=2026,
        amount="412500.00",
        source="Aalborg Kommune, forventet regnskab 2026",
    )
    services.budget_line_add(
        actor=secretariat,
        initiative=prevention,
        executor=members["851"],
        year=2027,
        activity="Forebyggelseskonsulenter",
        hours="1800",
        hourly_rate="480",
    )
    services.executor_change(
        actor=secretariat,
        initiative=prevention,
        member_from=members["851"],
        member_to=members["1081"],
        from_year=2027,
    )
    return cluster


def reset(usernames: list[str]) -> None:
    """Remove the demo health cluster with everything in it, and the demo users' audit entries about
    health clusters (the demo users act only on the demo cluster)."""
    AuditEntry.objects.filter(object_type__startswith="health.", actor__username__in=usernames).delete()
    # the council's draft first (it points at the council and the cluster), then the council
    # (create_council): its initiatives continue the cluster's
    from klynge.health.models import CouncilDraft

    CouncilDraft.objects.filter(external_id=COUNCIL_ID).delete()
    found = list(HealthCluster.objects.filter(external_id__in=[COUNCIL_ID, CLUSTER_ID]).order_by("-kind"))
    CarryOver.objects.filter(member__cluster__in=found).delete()
    for cluster in found:  # council before cluster ("council" > "cluster")
        for initiative in cluster.initiatives.all():
            initiative.delete()
    HealthCluster.objects.filter(
        pk__in=[c.pk for c in found if c.kind == HealthCluster.Kind.CLUSTER]
    ).delete()
    HealthCluster.objects.filter(pk__in=[c.pk for c in found]).delete()
