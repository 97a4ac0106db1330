"""Parts of pages kept until the next recorded change (#12, ``{% kept %}`` and ``klynge.web.kept``):
a change through a service, a change in Django's admin and a change of someone's roles each show at
once, and people with other roles or scopes never see what was kept for someone else."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.contrib.admin.models import CHANGE, LogEntry
from django.contrib.contenttypes.models import ContentType
from django.test import Client
from django.urls import reverse

from klynge.accounts.models import RoleAssignment
from klynge.registry import services
from klynge.registry.models import GpCluster
from klynge.web.kept import recorded_version


def test_a_change_through_a_service_shows_on_the_kept_cluster_page(
    login: Callable[[Any], Client], cluster: Any, officer: Any
) -> None:
    client = login(officer)
    url = reverse("cluster_detail", args=[cluster.pk])
    assert "Klynge Nord" in client.get(url).content.decode()
    services.cluster_update(actor=officer, cluster=cluster, name="Klynge Nordvest")
    page = client.get(url).content.decode()
    assert "Klynge Nordvest" in page
    # the kept part (the change log) shows the new change too
    assert page.count("Klynge Nordvest") >= 2


def test_a_change_in_djangos_admin_ends_what_was_kept(
    login: Callable[[Any], Client], cluster: Any, officer: Any, admin_user: Any
) -> None:
    client = login(officer)
    before = client.get(reverse("cluster_list")).content.decode()
    assert "Klynge Nord" in before
    version = recorded_version()
    # What the admin does: change the row and log it (no audit entry of ours).
    GpCluster.objects.filter(pk=cluster.pk).update(name="Klynge Admin")
    LogEntry.objects.create(
        user=admin_user,
        content_type=ContentType.objects.get_for_model(GpCluster),
        object_id=str(cluster.pk),
        object_repr="Klynge Admin",
        action_flag=CHANGE,
    )
    assert recorded_version() != version
    after = client.get(reverse("cluster_list")).content.decode()
    assert "Klynge Admin" in after and "Klynge Nord<" not in after


def test_what_was_kept_for_one_scope_is_not_shown_to_another(
    login: Callable[[Any], Client],
    cluster: Any,
    make_cluster: Callable[..., Any],
    other_region: Any,
    admin_user: Any,
    officer: Any,
    foreign_officer: Any,
) -> None:
    other_cluster = make_cluster("Klynge Fjern", region_=other_region, actor=admin_user)
    mine = login(officer).get(reverse("cluster_list")).content.decode()
    theirs = login(foreign_officer).get(reverse("cluster_list")).content.decode()
    assert cluster.name in mine and other_cluster.name not in mine
    assert other_cluster.name in theirs and cluster.name not in theirs


def test_a_new_role_shows_in_the_menu_without_an_audit_entry(
    login: Callable[[Any], Client], make_user: Callable[..., Any], region: Any, cluster: Any
) -> None:
    user = make_user("region_approver", region=region)
    client = login(user)
    menu = client.get(reverse("home")).content.decode()
    assert "Indstillinger" not in menu
    version = recorded_version()
    RoleAssignment.objects.create(user=user, role="region_officer", region=region)
    assert recorded_version() == version  # nothing recorded, yet the menu follows the roles
    assert "Indstillinger" in client.get(reverse("home")).content.decode()


def test_the_health_cluster_pages_kept_tables_show_new_funds_at_once(
    login: Callable[[Any], Client], admin_user: Any
) -> None:
    from klynge.health import services as health
    from klynge.health.models import Municipality
    from klynge.registry.models import Region

    cluster = health.cluster_create(
        actor=admin_user,
        external_id="SK-K",
        name="Sundhedsklynge K",
        region=Region.objects.get(code="1084"),
        municipalities=[Municipality.objects.get(code="101")],
    )
    member = cluster.members.get(municipality__code="101")
    client = login(admin_user)
    url = reverse("health_cluster_detail", args=[cluster.pk])
    health.funds_set(actor=admin_user, member=member, year=2025, amount="1000.00")
    assert "1.000,00 kr." in client.get(url).content.decode()
    health.funds_set(actor=admin_user, member=member, year=2025, amount="2345.00")
    page = client.get(url).content.decode()
    assert "2.345,00 kr." in page and "1.000,00 kr." not in page


def test_no_kept_part_of_a_page_holds_a_form_or_the_person() -> None:
    """What is kept is shared by everyone with the same roles: never a CSRF token, a form or the
    user's own name in it (the rule in klynge.web.kept)."""
    import re
    from pathlib import Path

    import klynge.web

    templates = Path(klynge.web.__file__).parent / "templates"
    found = 0
    for path in templates.rglob("*.html"):
        for block in re.findall(r"{% kept .*?%}(.*?){% endkept %}", path.read_text(encoding="utf-8"), re.S):
            found += 1
            for forbidden in ("csrf_token", "<form", "{{ user", "request.user", "prepared_by"):
                assert forbidden not in block, f"{path.name}: a kept part holds {forbidden}"
    assert found >= 8  # the parts kept today (#12)


def test_what_pages_keep_is_shared_through_the_production_cache_on_disk(
    login: Callable[[Any], Client], example: Any, region: Any, officer: Any, tmp_path: Any, settings: Any
) -> None:
    """Production keeps the figures and parts of pages in files shared by the server processes
    (KLYNGE_CACHE=files): everything kept must survive pickling to disk and give the same page."""
    import re

    from django.core.cache import caches

    settings.CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.filebased.FileBasedCache",
            "LOCATION": str(tmp_path / "cache"),
        }
    }
    caches["default"].clear()
    cluster = GpCluster.objects.filter(region=region).order_by("pk").first()
    client = login(officer)
    addresses = [
        reverse("region_dashboard", args=[region.code]),
        reverse("cluster_list"),
        reverse("cluster_detail", args=[cluster.pk]),
        reverse("cluster_economy", args=[cluster.pk]),
    ]

    def page(address: str) -> str:  # without the CSRF token, masked anew on every page
        return re.sub(r'name="csrfmiddlewaretoken" value="[^"]+"', "", client.get(address).content.decode())

    first = {a: page(a) for a in addresses}
    assert len(list((tmp_path / "cache").iterdir())) >= len(addresses)
    again = {a: page(a) for a in addresses}
    for address in addresses:
        assert again[address] == first[address], address


def test_a_get_request_reads_the_state_once_and_nothing_outside_it_reuses_it(
    login: Callable[[Any], Client], cluster: Any, officer: Any
) -> None:
    from klynge.web import kept

    client = login(officer)
    client.get(reverse("cluster_detail", args=[cluster.pk]))  # a request: the state read once in it
    before = kept.recorded_version()
    services.cluster_update(actor=officer, cluster=cluster, name="Klynge Ny")
    assert kept.recorded_version() != before  # outside a request it is read every time


def test_one_process_computes_a_kept_value_while_the_others_wait_for_it(tmp_path: Any, settings: Any) -> None:
    """After a change, the server's processes asking for the same figure at once must not all compute
    it (≈ 3 s for a region overview at ten times the national data): one does, the others wait and
    read what it kept. Threads stand in for the processes: each takes the lock through its own file."""
    import threading
    import time

    from django.core.cache import caches

    from klynge.web.kept import kept_value

    settings.CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.filebased.FileBasedCache",
            "LOCATION": str(tmp_path / "cache"),
        }
    }
    caches["default"].clear()
    computed: list[int] = []
    got: list[Any] = []
    start = threading.Barrier(4)

    def compute() -> dict[str, int]:
        computed.append(1)
        time.sleep(0.3)
        return {"total": 42}

    def ask() -> None:
        start.wait()
        got.append(kept_value("klynge:test-figure:1", compute, lock=("test-figure", 1)))

    threads = [threading.Thread(target=ask) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert got == [{"total": 42}] * 4
    assert len(computed) == 1
    assert list((tmp_path / "cache-locks").iterdir())  # the lock files lie beside the cache, not in it


def test_a_kept_value_made_inside_another_on_the_same_lock_does_not_wait_for_itself(
    tmp_path: Any, settings: Any, monkeypatch: Any
) -> None:
    """A kept fragment showing kept figures takes two locks; when both names fall on the same lock
    file (here: one lock file for all), the inner one must not wait for the outer one for ever."""
    from django.core.cache import caches

    from klynge.web import kept

    settings.CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.filebased.FileBasedCache",
            "LOCATION": str(tmp_path / "cache"),
        }
    }
    caches["default"].clear()
    monkeypatch.setattr(kept, "LOCKS", 1)
    import threading

    inner = lambda: kept.kept_value("klynge:inner", lambda: 2, lock=("inner",))  # noqa: E731
    got: list[int] = []
    thread = threading.Thread(
        target=lambda: got.append(kept.kept_value("klynge:outer", lambda: inner() + 1, lock=("outer",))),
        daemon=True,  # if it waits for itself, the test fails instead of hanging
    )
    thread.start()
    thread.join(timeout=10)
    assert got == [3]
    assert kept.kept_value("klynge:outer", lambda: 0, lock=("outer",)) == 3  # kept


def test_two_processes_making_kept_values_inside_others_in_opposite_order_never_wait_for_each_other(
    tmp_path: Any, settings: Any
) -> None:
    """A kept fragment of one cluster's payouts makes the kept lines of its payouts; another cluster's
    fragment may need the lines' locks in the opposite order. Holding one lock while waiting for the
    next would leave both waiting for ever; only the outermost value takes a lock."""
    import threading

    from django.core.cache import caches

    from klynge.web import kept

    settings.CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.filebased.FileBasedCache",
            "LOCATION": str(tmp_path / "cache"),
        }
    }
    caches["default"].clear()
    first, second = ("fragment", 1), ("fragment", 2)
    assert kept.lock_path(first) != kept.lock_path(second)
    both_inside = threading.Barrier(2, timeout=5)
    got: list[str] = []

    def make(outer: tuple[object, ...], inner: tuple[object, ...]) -> None:
        def compute() -> str:
            both_inside.wait()  # each holds its own value's lock (if it takes one) before the next
            return (
                kept.kept_value(f"klynge:inner:{inner[1]}", lambda: "lines", lock=inner) + f" of {outer[1]}"
            )

        got.append(kept.kept_value(f"klynge:outer:{outer[1]}", compute, lock=outer))

    threads = [
        threading.Thread(target=make, args=(first, second), daemon=True),
        threading.Thread(target=make, args=(second, first), daemon=True),
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=10)
    assert sorted(got) == ["lines of 1", "lines of 2"]
