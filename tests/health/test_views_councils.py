"""Issue #11: the health cluster page says "Sundhedsråd" for a council and lists its predecessors; an
ended cluster says which council took over and from when; a continued initiative links both ways; a
party executing from a year says so."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any

import pytest
from django.urls import reverse

from klynge.health import services
from klynge.health.models import HealthCluster, Initiative, Municipality
from klynge.registry.models import Region

pytestmark = pytest.mark.django_db

D = dt.date


@pytest.fixture
def council(admin_user: Any, secretariat: Any, health_cluster: HealthCluster, members: dict[str, Any]) -> Any:
    initiative = services.initiative_save(
        actor=secretariat,
        cluster=health_cluster,
        title="Forebyggelse i nærmiljøet",
        function_code="4.62.88",
        key_type="equal",
        starts_on=D(2025, 1, 1),
        ends_on=D(2028, 12, 31),
        parties=[services.Party(members["101"], executes=True), services.Party(members["147"])],
    )
    services.executor_change(
        actor=secretariat,
        initiative=initiative,
        member_from=members["101"],
        member_to=members["1084"],
        from_year=2027,
    )
    return services.council_create(
        actor=admin_user,
        name="Sundhedsråd Byen",
        external_id="SR-BYEN",
        region=Region.objects.get(code="1084"),
        municipalities=[Municipality.objects.get(code=c) for c in ("101", "147")],
        predecessors=[health_cluster],
        valid_from=D(2027, 1, 1),
    )


def test_pages_show_the_council_and_its_predecessors(
    admin_user: Any, login: Callable[[Any], Any], health_cluster: HealthCluster, council: HealthCluster
) -> None:
    client = login(admin_user)
    old_page = client.get(reverse("health_cluster_detail", args=[health_cluster.pk])).content.decode()
    council_url = reverse("health_cluster_detail", args=[council.pk])
    assert (
        f'Afløst af <a href="{council_url}">Sundhedsråd Byen</a> (Sundhedsråd) fra 1. januar 2027' in old_page
    )
    assert "31. december 2026" in old_page
    page = client.get(council_url).content.decode()
    assert "<dd>Sundhedsråd</dd>" in page and "Afløst af" not in page
    old_url = reverse("health_cluster_detail", args=[health_cluster.pk])
    assert f'<a href="{old_url}">{health_cluster.name}</a>' in page
    old = Initiative.objects.get(cluster=health_cluster)
    new = Initiative.objects.get(continues=old)
    old_detail = client.get(
        reverse("health_initiative_detail", args=[health_cluster.pk, old.pk])
    ).content.decode()
    assert reverse("health_initiative_detail", args=[council.pk, new.pk]) in old_detail
    assert "til og med 2026" in old_detail and "fra 2027" in old_detail
    new_detail = client.get(reverse("health_initiative_detail", args=[council.pk, new.pk])).content.decode()
    assert reverse("health_initiative_detail", args=[health_cluster.pk, old.pk]) in new_detail


def test_the_old_clusters_secretariat_sees_the_successor_without_a_link(
    secretariat: Any, login: Callable[[Any], Any], health_cluster: HealthCluster, council: HealthCluster
) -> None:
    page = login(secretariat).get(reverse("health_cluster_detail", args=[health_cluster.pk])).content.decode()
    assert "Afløst af Sundhedsråd Byen (Sundhedsråd) fra 1. januar 2027" in page
    assert reverse("health_cluster_detail", args=[council.pk]) not in page
    assert login(secretariat).get(reverse("health_cluster_detail", args=[council.pk])).status_code == 404


def test_the_finance_officer_confirms_the_carry_over_into_the_council(
    admin_user: Any,
    secretariat: Any,
    finance: Callable[[str], Any],
    login: Callable[[Any], Any],
    health_cluster: HealthCluster,
    members: dict[str, Any],
    council: HealthCluster,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from decimal import Decimal

    from klynge.health import selectors
    from klynge.health.models import CarryOver

    services.funds_set(actor=admin_user, member=members["101"], year=2026, amount="500000.00")
    monkeypatch.setattr("django.utils.timezone.localdate", lambda *a, **k: D(2027, 1, 10))
    officer = login(finance("101"))
    page = officer.get(reverse("health_finance")).content.decode()
    url = reverse("health_council_carry_over", args=[members["101"].pk])
    assert url in page and "til sundhedsrådet Sundhedsråd Byen" in page
    refused = officer.post(url, {"sr-{}-amount".format(members["101"].pk): "500000,01"})
    assert refused.status_code == 200
    assert "er mere end de 500.000,00 kr." in refused.content.decode()
    assert not CarryOver.objects.exists()
    # Frederiksberg's finance officer may not confirm København's
    assert login(finance("147")).post(url, {f"sr-{members['101'].pk}-amount": "1,00"}).status_code == 403
    done = officer.post(
        url, {f"sr-{members['101'].pk}-amount": "120.000,00", f"sr-{members['101'].pk}-note": "Rum"}
    )
    assert done.status_code == 302
    into = council.members.get(municipality__code="101")
    assert selectors.member_year(into, 2027).carried_in == Decimal("120000.00")
    page = officer.get(reverse("health_finance")).content.decode()
    assert "(til sundhedsrådet Sundhedsråd Byen)" in page
