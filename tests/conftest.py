"""Fixtures shared by the database tests: users in each role and a small registry to work on."""

from __future__ import annotations

import datetime as dt
import os
from collections.abc import Callable
from typing import Any

import pytest
from django.utils import translation
from hypothesis import settings as hypothesis_settings

D = dt.date

# CI replays the same examples every run (reproducible); locally Hypothesis explores new ones.
hypothesis_settings.register_profile("ci", derandomize=True, print_blob=True)
if os.environ.get("CI"):
    hypothesis_settings.load_profile("ci")


@pytest.fixture(autouse=True)
def _danish() -> Any:
    with translation.override("da"):
        yield


@pytest.fixture
def region(db: Any) -> Any:
    from klynge.registry.models import Region

    return Region.objects.get(code="1081")


@pytest.fixture
def other_region(db: Any) -> Any:
    from klynge.registry.models import Region

    return Region.objects.get(code="1082")


@pytest.fixture
def make_user(db: Any) -> Callable[..., Any]:
    from klynge.accounts.models import RoleAssignment, User

    counter = iter(range(1, 10_000))

    def make(
        role: str | None = None, *, username: str = "", password: str = "demo-pass-123", **scope: Any
    ) -> Any:
        name = username or f"{role or 'user'}{next(counter)}"
        user = User.objects.create_user(username=name, email=f"{name}@example.dk", password=password)
        if role == "admin":
            RoleAssignment.objects.create(user=user, role="admin")
        elif role:
            RoleAssignment.objects.create(user=user, role=role, **scope)
        return user

    return make


@pytest.fixture
def admin_user(make_user: Callable[..., Any]) -> Any:
    return make_user("admin", username="admin")


@pytest.fixture
def officer(make_user: Callable[..., Any], region: Any) -> Any:
    return make_user("region_officer", username="officer", region=region)


@pytest.fixture
def make_cluster(officer: Any, region: Any) -> Callable[..., Any]:
    from klynge.registry import services

    counter = iter(range(1, 10_000))

    def make(
        name: str = "",
        *,
        region_: Any = None,
        founded_on: dt.date = D(2018, 10, 1),
        cvr: str = "29403473",
        nemkonto: dt.date | None = D(2018, 12, 1),
        actor: Any = None,
    ) -> Any:
        number = next(counter)
        return services.cluster_create(
            actor=actor or officer,
            region=region_ or region,
            name=name or f"Klynge {number}",
            founded_on=founded_on,
            cvr=cvr,
            nemkonto_confirmed_on=nemkonto,
            coordinator_email=f"koordinator{number}@example.dk",
            coordinator_name=f"Koordinator {number}",
        )

    return make


@pytest.fixture
def cluster(make_cluster: Callable[..., Any]) -> Any:
    return make_cluster("Klynge Nord")


@pytest.fixture
def coordinator(cluster: Any) -> Any:
    """The coordinator created with ``cluster``, given a password so tests can log in."""
    user = cluster.role_assignments.get(role="coordinator").user
    user.set_password("demo-pass-123")
    user.save()
    return user
