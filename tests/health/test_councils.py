"""Issue #11, health: a health council (sundhedsråd) succeeds health clusters on 1 January 2027. Its
running initiatives go on in it (the predecessors' years do not change, posted or not), each member's
unused funds of 2026 move only as carry-over its own finance officer confirms, a municipality sits in
one council (database), and an initiative's executing party can change from a year."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from decimal import Decimal
from typing import Any

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, connection, transaction

from klynge.audit.models import AuditEntry
from klynge.health import selectors, services
from klynge.health.models import (
    ActualCost,
    BudgetLine,
    CarryOver,
    HealthCluster,
    HealthMember,
    Initiative,
    Municipality,
    Population,
)
from klynge.registry.models import Region

pytestmark = pytest.mark.django_db

D = dt.date
M = Decimal
START = D(2027, 1, 1)


def municipalities(*codes: str) -> list[Municipality]:
    return [Municipality.objects.get(code=code) for code in codes]


def running(secretariat: Any, initiative: Initiative) -> Initiative:
    for status in ("approved", "running"):
        initiative = services.initiative_status_set(actor=secretariat, initiative=initiative, status=status)
    return initiative


@pytest.fixture
def second_cluster(admin_user: Any) -> HealthCluster:
    return services.cluster_create(
        actor=admin_user,
        external_id="SK-BALLERUP",
        name="Sundhedsklynge Ballerup",
        region=Region.objects.get(code="1084"),
        municipalities=municipalities("151"),
    )


def create_council(actor: Any, predecessors: list[HealthCluster], **changes: Any) -> HealthCluster:
    arguments: dict[str, Any] = {
        "name": "Sundhedsråd Hovedstaden Midt",
        "external_id": "SR-MIDT",
        "region": Region.objects.get(code="1084"),
        "municipalities": municipalities("101", "147", "151"),
        "predecessors": predecessors,
        "valid_from": START,
        **changes,
    }
    return services.council_create(actor=actor, **arguments)


@pytest.fixture
def history(
    secretariat: Any, health_cluster: HealthCluster, members: dict[str, Any], regional_function: Any
) -> dict[str, Initiative]:
    """A running initiative 2025–2028 (København executes, equal key, costs 2025 and 2026, budget
    lines 2026 and 2027, an own question answered), a finished one, and an idea starting in 2027.
    2025 is posted."""
    parties = [
        services.Party(members["1084"]),
        services.Party(members["101"], executes=True),
        services.Party(members["147"]),
    ]
    common = {"actor": secretariat, "cluster": health_cluster, "function_code": "4.62.88", "parties": parties}
    going = running(
        secretariat,
        services.initiative_save(
            title="Forebyggelse", key_type="equal", starts_on=D(2025, 1, 1), ends_on=D(2028, 12, 31), **common
        ),
    )
    for year, amount in ((2025, "900000.00"), (2026, "300000.01")):
        services.cost_set(
            actor=secretariat, initiative=going, executor=members["101"], year=year, amount=amount
        )
    for year in (2026, 2027):
        services.budget_line_add(
            actor=secretariat,
            initiative=going,
            executor=members["101"],
            year=year,
            activity=f"Projektleder {year}",
            hours="100",
            hourly_rate="500",
        )
    question = services.question_add(actor=secretariat, initiative=going, question="Hvor mange nås?")
    services.evaluation_save(actor=secretariat, initiative=going, answers={question.pk: "2.000 borgere"})
    finished = running(
        secretariat,
        services.initiative_save(
            title="Afsluttet", key_type="equal", starts_on=D(2025, 1, 1), ends_on=D(2025, 12, 31), **common
        ),
    )
    services.cost_set(
        actor=secretariat, initiative=finished, executor=members["101"], year=2025, amount="30000.00"
    )
    finished = services.initiative_status_set(actor=secretariat, initiative=finished, status="completed")
    idea = services.initiative_save(
        title="Idé for 2027", key_type="equal", starts_on=D(2027, 3, 1), ends_on=D(2027, 12, 31), **common
    )
    services.settlement_post(actor=secretariat, cluster=health_cluster, year=2025)
    return {"going": going, "finished": finished, "idea": idea}


def test_council_takes_over_running_initiatives_and_the_years_before_stay(
    admin_user: Any,
    health_cluster: HealthCluster,
    second_cluster: HealthCluster,
    members: dict[str, Any],
    history: dict[str, Initiative],
    secretariat: Any,
) -> None:
    for code, count in (("1084", 1_000), ("101", 600), ("147", 100)):
        services.population_set(actor=secretariat, member=members[code], year=2026, count=count)
    before = {y: selectors.year_settlement(health_cluster, y).postings for y in (2025, 2026)}
    assert before[2025] and before[2026]
    plan = services.council_preview(
        actor=admin_user,
        name="Sundhedsråd Hovedstaden Midt",
        external_id="SR-MIDT",
        region=Region.objects.get(code="1084"),
        municipalities=municipalities("101", "147", "151"),
        predecessors=[health_cluster, second_cluster],
        valid_from=START,
    )
    assert [i.pk for i in plan.continued] == [history["going"].pk]
    assert [i.pk for i in plan.moved] == [history["idea"].pk]
    assert [i.pk for i in plan.staying] == [history["finished"].pk]
    assert not HealthCluster.objects.filter(kind="council").exists()  # a preview changes nothing

    council = create_council(admin_user, [health_cluster, second_cluster])

    assert council.kind == HealthCluster.Kind.COUNCIL and council.get_kind_display() == "Sundhedsråd"
    assert [(m.kind, m.code, m.council_seat) for m in council.members.all()] == [
        ("region", "1084", False),
        ("municipality", "101", True),
        ("municipality", "147", True),
        ("municipality", "151", True),
    ]
    for old in (health_cluster, second_cluster):
        old.refresh_from_db()
        assert (old.valid_to, old.successor_id) == (D(2026, 12, 31), council.pk)
    going = Initiative.objects.get(pk=history["going"].pk)
    new = going.continued_by
    assert (going.cluster_id, going.ends_on) == (health_cluster.pk, D(2026, 12, 31))
    assert (new.cluster_id, new.starts_on, new.ends_on, new.status) == (
        council.pk,
        START,
        D(2028, 12, 31),
        "running",
    )
    council_members = {m.code: m for m in council.members.all()}
    assert [(p.member_id, p.executes, p.pays) for p in new.parties.all()] == [
        (council_members["1084"].pk, False, True),
        (council_members["101"].pk, True, True),
        (council_members["147"].pk, False, True),
    ]
    assert [(q.question, q.answer) for q in new.questions.all()] == [
        (q.question, q.answer) for q in going.questions.all()
    ]
    assert "2.000 borgere" in [q.answer for q in new.questions.all()]
    assert list(BudgetLine.objects.filter(initiative=going).values_list("year", flat=True)) == [2026]
    assert list(BudgetLine.objects.filter(initiative=new).values_list("year", "executor")) == [
        (2027, council_members["101"].pk)
    ]
    assert sorted(ActualCost.objects.filter(initiative=going).values_list("year", flat=True)) == [2025, 2026]
    finished, idea = (Initiative.objects.get(pk=history[k].pk) for k in ("finished", "idea"))
    assert finished.cluster_id == health_cluster.pk and not hasattr(finished, "continued_by")
    assert idea.cluster_id == council.pk
    assert {p.member.cluster_id for p in idea.parties.select_related("member")} == {council.pk}
    # the predecessor's years are exactly as before (2025 from its voucher, 2026 computed)
    for year in (2025, 2026):
        assert selectors.year_settlement(health_cluster, year).postings == before[year]
    assert selectors.year_settlement(health_cluster, 2025).posting is not None
    # the latest population before the council is copied (the region: the predecessors' sum)
    assert dict(
        Population.objects.filter(member__cluster=council).values_list("member__municipality__code", "count")
    ) == {"101": 600, "147": 100}
    # the council settles its own years: a 2027 cost is split equally by the council's three payers
    services.cost_set(
        actor=admin_user, initiative=new, executor=council_members["101"], year=2027, amount="300.00"
    )
    net = {
        council_members[c].pk: selectors.member_year(council_members[c], 2027).spent for c in ("1084", "101")
    }
    assert net == {council_members["1084"].pk: M("100.00"), council_members["101"].pk: M("100.00")}
    entry = AuditEntry.objects.get(action="health_council.create")
    assert entry.after is not None
    assert entry.after["continued"] == {str(going.pk): new.pk} and entry.after["moved"] == [idea.pk]


def test_one_council_per_municipality_in_the_database(
    admin_user: Any, health_cluster: HealthCluster, second_cluster: HealthCluster
) -> None:
    council = create_council(admin_user, [health_cluster])
    other = HealthCluster.objects.create(
        kind="council", external_id="SR-X", name="X", region=council.region, valid_from=START
    )
    copenhagen = Municipality.objects.get(code="101")
    with pytest.raises(IntegrityError), transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(
            "INSERT INTO health_healthmember (cluster_id, kind, municipality_id, region_id, position, council_seat)"
            " VALUES (%s, 'municipality', %s, NULL, 1, %s)",
            [other.pk, copenhagen.pk, True],
        )
    # without a seat (a health cluster's member) the same municipality is fine
    with connection.cursor() as cursor:
        cursor.execute(
            "INSERT INTO health_healthmember (cluster_id, kind, municipality_id, region_id, position, council_seat)"
            " VALUES (%s, 'municipality', %s, NULL, 1, %s)",
            [other.pk, copenhagen.pk, False],
        )
    region_member = council.members.get(kind="region")
    with pytest.raises(IntegrityError), transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(
            "UPDATE health_healthmember SET council_seat = %s WHERE id = %s", [True, region_member.pk]
        )
    with pytest.raises(IntegrityError), transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("UPDATE health_healthcluster SET valid_from = NULL WHERE id = %s", [council.pk])


def test_council_refusals_change_nothing(
    admin_user: Any,
    make_user: Callable[..., Any],
    health_cluster: HealthCluster,
    second_cluster: HealthCluster,
    secretariat: Any,
    members: dict[str, Any],
) -> None:
    north = services.cluster_create(
        actor=admin_user,
        external_id="SK-AALBORG",
        name="Sundhedsklynge Aalborg",
        region=Region.objects.get(code="1081"),
        municipalities=municipalities("851"),
    )
    cases: list[tuple[dict[str, Any], str, str]] = [
        ({"valid_from": D(2027, 3, 1)}, "valid_from", "1. januar 2028"),
        ({"valid_from": D(2099, 1, 1)}, "valid_from", "du skrev 01.01.2099"),
        ({"predecessors": [north]}, "predecessors", "hører til Region Nordjylland"),
        ({"predecessors": []}, "predecessors", "mindst én"),
        ({"municipalities": municipalities("147", "151", "851")}, "municipalities", "Aalborg"),
        ({"external_id": "SK-EKS"}, "external_id", "SK-EKS"),
        ({"name": " "}, "name", "Navn"),
    ]
    for changes, field, text in cases:
        chosen = changes.pop("predecessors", [health_cluster, second_cluster])
        with pytest.raises(ValidationError) as refused:
            create_council(admin_user, chosen, **changes)
        assert field in refused.value.message_dict, changes
        assert any(text in m for m in refused.value.message_dict[field]), refused.value.message_dict
    # København is a party of a running initiative of its cluster: it must sit in the council
    running(
        secretariat,
        services.initiative_save(
            actor=secretariat,
            cluster=health_cluster,
            title="Løbende",
            function_code="4.62.88",
            key_type="equal",
            starts_on=D(2026, 1, 1),
            ends_on=D(2027, 12, 31),
            parties=[services.Party(members["101"], executes=True), services.Party(members["147"])],
        ),
    )
    with pytest.raises(ValidationError) as refused:
        create_council(
            admin_user, [health_cluster, second_cluster], municipalities=municipalities("147", "151")
        )
    assert "København" in refused.value.message_dict["municipalities"][0]
    assert "Løbende" in refused.value.message_dict["municipalities"][0]
    with pytest.raises(PermissionDenied):
        create_council(secretariat, [health_cluster, second_cluster])
    with pytest.raises(PermissionDenied):
        create_council(make_user("region_officer", region=Region.objects.get(code="1081")), [health_cluster])
    assert not HealthCluster.objects.filter(kind="council").exists()
    health_cluster.refresh_from_db()
    assert (health_cluster.valid_to, health_cluster.successor_id) == (None, None)

    # a region officer of the council's region may; then the municipality and the predecessor are taken
    officer = make_user("region_officer", region=Region.objects.get(code="1084"))
    council = create_council(officer, [health_cluster], municipalities=municipalities("101", "147"))
    with pytest.raises(ValidationError) as refused:
        create_council(
            admin_user,
            [health_cluster, second_cluster],
            external_id="SR-2",
            municipalities=municipalities("147"),
        )
    errors = refused.value.message_dict
    assert "hører allerede til sundhedsrådet" in errors["municipalities"][0]
    assert "allerede afløst af " + council.name in errors["predecessors"][0]
    assert HealthCluster.objects.filter(kind="council").count() == 1
    second_cluster.refresh_from_db()
    assert second_cluster.successor_id is None


@pytest.fixture
def funded(
    secretariat: Any, health_cluster: HealthCluster, members: dict[str, Any], regional_function: Any
) -> Initiative:
    """2026: 1.000.000 kr. of common funds each; København executes 300.000 kr. shared equally."""
    for member in members.values():
        services.funds_set(actor=secretariat, member=member, year=2026, amount="1000000.00")
    initiative = services.initiative_save(
        actor=secretariat,
        cluster=health_cluster,
        title="Forebyggelse",
        function_code="4.62.88",
        key_type="equal",
        starts_on=D(2026, 1, 1),
        ends_on=D(2026, 12, 31),
        parties=[
            services.Party(members["1084"]),
            services.Party(members["101"], executes=True),
            services.Party(members["147"]),
        ],
    )
    initiative = running(secretariat, initiative)  # costs only once approved and running (#13)
    services.cost_set(
        actor=secretariat, initiative=initiative, executor=members["101"], year=2026, amount="300000.00"
    )
    return initiative


def test_carry_over_into_the_council_only_as_confirmed(
    admin_user: Any,
    health_cluster: HealthCluster,
    members: dict[str, Any],
    funded: Initiative,
    finance: Callable[[str], Any],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    council = create_council(admin_user, [health_cluster], municipalities=municipalities("101", "147"))
    into = {m.code: m for m in council.members.all()}
    copenhagen, frederiksberg = finance("101"), finance("147")
    # 2026 has not ended on 6 December 2026
    monkeypatch.setattr("django.utils.timezone.localdate", lambda *a, **k: D(2026, 12, 6))
    with pytest.raises(ValidationError) as refused:
        services.council_carry_over_confirm(actor=copenhagen, member=members["101"], amount="1000.00")
    assert "2026 er ikke slut endnu" in refused.value.message_dict["from_year"][0]
    monkeypatch.setattr("django.utils.timezone.localdate", lambda *a, **k: D(2027, 1, 15))
    for stranger in (frederiksberg, admin_user):
        with pytest.raises(PermissionDenied):
            services.council_carry_over_confirm(actor=stranger, member=members["101"], amount="1000.00")
    unused = selectors.member_year(members["101"], 2026).remaining
    assert unused == M("900000.00")
    with pytest.raises(ValidationError) as refused:
        services.council_carry_over_confirm(actor=copenhagen, member=members["101"], amount="900000.01")
    assert "900.000,00" in refused.value.message_dict["amount"][0]
    # an ordinary carry-over out of the last year is refused: the cluster has no 2027
    with pytest.raises(ValidationError) as refused:
        services.carry_over_confirm(actor=copenhagen, member=members["101"], from_year=2026, amount="1.00")
    assert council.name in refused.value.message_dict["from_year"][0]
    assert not CarryOver.objects.exists()

    carried = services.council_carry_over_confirm(
        actor=copenhagen, member=members["101"], amount="250000.50", note="Plads under servicerammen"
    )
    assert (carried.member_id, carried.into_id, carried.from_year) == (
        members["101"].pk,
        into["101"].pk,
        2026,
    )
    rows = {row.member.code: row for row in selectors.cluster_year(council, 2027)}
    # only what København's finance officer confirmed moved; Frederiksberg and the region: nothing
    assert {code: row.carried_in for code, row in rows.items()} == {
        "1084": M("0.00"),
        "101": M("250000.50"),
        "147": M("0.00"),
    }
    assert rows["101"].available == M("250000.50")
    old = {row.member.code: row for row in selectors.cluster_year(health_cluster, 2026)}
    assert (old["101"].carried_out, old["101"].remaining) == (M("250000.50"), M("900000.00"))
    with pytest.raises(ValidationError):
        services.council_carry_over_confirm(actor=copenhagen, member=members["101"], amount="1.00")
    # the predecessor's 2026 must keep covering it
    with pytest.raises(ValidationError) as refused:
        services.cost_set(
            actor=admin_user, initiative=funded, executor=members["101"], year=2026, amount="2400000.00"
        )
    assert "250.000,50" in refused.value.message_dict["amount"][0]
    with pytest.raises(PermissionDenied):
        services.carry_over_withdraw(actor=frederiksberg, carry_over=carried, reason="Fejl")
    services.carry_over_withdraw(actor=copenhagen, carry_over=carried, reason="Rammen er brugt")
    assert selectors.member_year(into["101"], 2027).carried_in == M("0.00")
    assert AuditEntry.objects.filter(action="health.council_carry_over").count() == 1


def test_the_executing_party_changes_from_a_year(
    secretariat: Any, health_cluster: HealthCluster, members: dict[str, Any], regional_function: Any
) -> None:
    """Prevention moves from København to the region in 2027: 2026 settles with København executing
    (and stays as posted), 2027 with the region."""
    parties = [
        services.Party(members["1084"]),
        services.Party(members["101"], executes=True),
        services.Party(members["147"]),
    ]
    initiative = running(
        secretariat,
        services.initiative_save(
            actor=secretariat,
            cluster=health_cluster,
            title="Forebyggelse",
            function_code="4.62.88",
            key_type="equal",
            starts_on=D(2025, 1, 1),
            ends_on=D(2027, 12, 31),
            parties=parties,
        ),
    )
    for year in (2025, 2026):
        services.cost_set(
            actor=secretariat, initiative=initiative, executor=members["101"], year=year, amount="600000.00"
        )
    services.settlement_post(actor=secretariat, cluster=health_cluster, year=2026)
    posted = selectors.year_settlement(health_cluster, 2026).postings
    with pytest.raises(ValidationError) as refused:  # 2026 is posted: its facts are frozen
        services.executor_change(
            actor=secretariat,
            initiative=initiative,
            member_from=members["101"],
            member_to=members["1084"],
            from_year=2026,
        )
    assert "er bogført" in refused.value.message_dict["from_year"][0]
    services.budget_line_add(
        actor=secretariat,
        initiative=initiative,
        executor=members["101"],
        year=2027,
        activity="Sundhedsplejerske",
        hours="10",
        hourly_rate="450",
    )
    services.executor_change(
        actor=secretariat,
        initiative=initiative,
        member_from=members["101"],
        member_to=members["1084"],
        from_year=2027,
    )
    assert list(BudgetLine.objects.filter(initiative=initiative).values_list("executor_id", flat=True)) == [
        members["1084"].pk
    ]
    with pytest.raises(ValidationError) as refused:
        services.cost_set(
            actor=secretariat, initiative=initiative, executor=members["101"], year=2027, amount="1.00"
        )
    assert "2025–2026, ikke i 2027" in refused.value.message_dict["executor"][0]
    services.cost_set(
        actor=secretariat, initiative=initiative, executor=members["1084"], year=2027, amount="900000.00"
    )
    assert selectors.year_settlement(health_cluster, 2026).postings == posted
    executors = {
        year: {
            p.member for p in selectors.year_settlement(health_cluster, year).postings if not p.counterparty
        }
        for year in (2026, 2027)
    }
    assert executors == {2026: {str(members["101"].pk)}, 2027: {str(members["1084"].pk)}}
    received = {
        (p.member, p.counterparty): p.amount
        for p in selectors.year_settlement(health_cluster, 2027).postings
        if p.counterparty and p.amount > 0
    }
    assert received == {
        (str(members["101"].pk), str(members["1084"].pk)): M("300000.00"),
        (str(members["147"].pk), str(members["1084"].pk)): M("300000.00"),
    }
    # editing the initiative keeps the years each party executes
    services.initiative_save(
        actor=secretariat,
        cluster=health_cluster,
        initiative=initiative,
        title="Forebyggelse (regionen fra 2027)",
        function_code="4.62.88",
        key_type="equal",
        starts_on=D(2025, 1, 1),
        ends_on=D(2027, 12, 31),
        parties=[
            services.Party(members["1084"], executes=True),
            services.Party(members["101"], executes=True),
            services.Party(members["147"]),
        ],
    )
    years = {p.member_id: (p.executes_from, p.executes_until) for p in initiative.parties.all()}
    assert years[members["101"].pk] == (None, 2026) and years[members["1084"].pk] == (2027, None)


def test_executing_party_refusals_and_the_council_continuation(
    admin_user: Any, secretariat: Any, health_cluster: HealthCluster, members: dict[str, Any]
) -> None:
    initiative = running(
        secretariat,
        services.initiative_save(
            actor=secretariat,
            cluster=health_cluster,
            title="Forebyggelse",
            function_code="4.62.88",
            key_type="equal",
            starts_on=D(2026, 1, 1),
            ends_on=D(2028, 12, 31),
            parties=[services.Party(members["101"], executes=True), services.Party(members["147"])],
        ),
    )
    services.cost_set(
        actor=secretariat, initiative=initiative, executor=members["101"], year=2027, amount="5.00"
    )

    def change(**given: Any) -> dict[str, list[str]]:
        arguments = {"member_from": members["101"], "member_to": members["1084"], "from_year": 2027, **given}
        with pytest.raises(ValidationError) as refused:
            services.executor_change(actor=secretariat, initiative=initiative, **arguments)
        return refused.value.message_dict

    assert "2027" in change()["from_year"][0]  # København's 2027 costs
    assert "Fra år" in change(from_year=2026)["from_year"][0]  # the first year: edit the parties
    assert "Fra år" in change(from_year=2029)["from_year"][0]
    assert "udfører ikke" in change(member_from=members["147"])["member_from"][0]
    assert "allerede udførende" in change(member_to=members["101"])["member_to"][0]
    ActualCost.objects.filter(initiative=initiative, year=2027).delete()  # corrected
    services.executor_change(
        actor=secretariat,
        initiative=initiative,
        member_from=members["101"],
        member_to=members["1084"],
        from_year=2027,
    )
    council = create_council(admin_user, [health_cluster], municipalities=municipalities("101", "147"))
    new = Initiative.objects.get(continues=initiative)
    council_members = {m.pk: m.code for m in council.members.all()}
    # in the council the region executes (from its start), København pays as before
    assert sorted(
        (council_members[p.member_id], p.executes, p.pays, p.executes_from, p.executes_until)
        for p in new.parties.all()
    ) == [
        ("101", False, True, None, None),
        ("1084", True, False, None, None),
        ("147", False, True, None, None),
    ]
    assert HealthMember.objects.filter(cluster=council, council_seat=True).count() == 2


def test_the_demo_council(admin_user: Any, make_user: Callable[..., Any], regional_function: Any) -> None:
    from klynge.health import demo

    cluster = demo.create_cluster(admin_user)
    secretariat = make_user("health_secretariat", health_cluster=cluster)
    demo.fill(cluster, secretariat, make_user("finance_officer", organisation_code="851"))
    before = {year: selectors.year_settlement(cluster, year).postings for year in (2023, 2024)}
    council = demo.create_council(admin_user, secretariat)
    assert (council.name, council.kind, council.valid_from) == ("Sundhedsråd Aalborg", "council", START)
    continued = Initiative.objects.get(cluster=council, continues__isnull=False)
    region = council.members.get(kind="region")
    assert [p.member_id for p in continued.parties.all() if p.executes_in(2027)] == [region.pk]
    assert {year: selectors.year_settlement(cluster, year).postings for year in (2023, 2024)} == before
    aalborg = cluster.members.get(municipality__code="851")
    assert {p.member for p in selectors.year_settlement(cluster, 2026).postings if not p.counterparty} == {
        str(aalborg.pk)
    }
    assert Initiative.objects.filter(cluster=cluster, status="reported").exists()  # finished: stays
    demo.reset([])
    assert not HealthCluster.objects.filter(external_id__in=[demo.CLUSTER_ID, demo.COUNCIL_ID]).exists()


def test_the_demo_council_draft_and_reset(
    admin_user: Any, make_user: Callable[..., Any], regional_function: Any
) -> None:
    """``klynge demo`` prepares the council as a draft (another administrator approves it); the demo's
    health part is still removed by ``demo.reset``, the draft (approved and carried out too) with it."""
    from klynge.health import councils, demo
    from klynge.health.models import CouncilDraft

    cluster = demo.create_cluster(admin_user)
    secretariat = make_user("health_secretariat", health_cluster=cluster)
    demo.fill(cluster, secretariat, make_user("finance_officer", organisation_code="851"))
    draft = demo.prepare_council(make_user("admin", username="admin-2"), secretariat)
    assert (draft.status, draft.name, draft.valid_from) == ("draft", demo.COUNCIL_NAME, START)
    assert not HealthCluster.objects.filter(external_id=demo.COUNCIL_ID).exists()
    draft = councils.council_approve(actor=admin_user, draft=draft, today=START)
    assert draft.status == "carried_out"
    demo.reset([])
    assert not CouncilDraft.objects.exists()
    assert not HealthCluster.objects.filter(external_id__in=[demo.CLUSTER_ID, demo.COUNCIL_ID]).exists()
