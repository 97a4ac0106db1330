"""A health cluster like the guide's example: Region Hovedstaden, København and Frederiksberg."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any

import pytest

D = dt.date


@pytest.fixture
def health_cluster(admin_user: Any) -> Any:
    from klynge.health import services
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
def members(health_cluster: Any) -> dict[str, Any]:
    """The members by organisation code: 1084 (the region), 101, 147."""
    return {m.code: m for m in health_cluster.members.select_related("municipality", "region")}


@pytest.fixture
def secretariat(make_user: Callable[..., Any], health_cluster: Any) -> Any:
    return make_user("health_secretariat", username="sekretariat", health_cluster=health_cluster)


@pytest.fixture
def finance(make_user: Callable[..., Any]) -> Callable[[str], Any]:
    def make(code: str) -> Any:
        return make_user("finance_officer", organisation_code=code)

    return make


TEST_REGIONAL_CODE = "9.99.99"  # a test value: no regional function code is shipped (issue #9)


@pytest.fixture
def regional_function(admin_user: Any) -> Any:
    """4.62.88 with a regional function code entered by an administrator, so a region's lines post."""
    from klynge.health import services
    from klynge.health.models import ChartFunction

    return services.chart_function_regional_set(
        actor=admin_user,
        function=ChartFunction.objects.get(code="4.62.88"),
        regional_code=TEST_REGIONAL_CODE,
        regional_name="Testfunktion",
    )


@pytest.fixture
def guide_initiative(
    secretariat: Any, health_cluster: Any, members: dict[str, Any], regional_function: Any
) -> Any:
    """The guide's example: København carries out a 3 mio. kr. initiative shared equally by three
    (running, with its 2023 costs)."""
    from klynge.health import services

    initiative = services.initiative_save(
        actor=secretariat,
        cluster=health_cluster,
        title="Sundhedsfremme og forebyggelse",
        function_code="4.62.88",
        key_type="equal",
        starts_on=D(2023, 1, 1),
        ends_on=D(2023, 12, 31),
        parties=[
            services.Party(members["1084"], pays=True),
            services.Party(members["101"], executes=True, pays=True),
            services.Party(members["147"], pays=True),
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
def login() -> Callable[[Any], Any]:
    """A test client with ``user`` logged in."""
    from django.test import Client

    def make(user: Any) -> Client:
        client = Client()
        client.force_login(user)
        return client

    return make


@pytest.fixture
def start(secretariat: Any) -> Callable[..., Any]:
    """Approve and start an initiative through the services (costs need it approved or running, #13)."""
    from klynge.health import services

    def make(initiative: Any, actor: Any = None) -> Any:
        for status in ("approved", "running"):
            initiative = services.initiative_status_set(
                actor=actor or secretariat, initiative=initiative, status=status
            )
        return initiative

    return make
