"""#11: after Region Hovedstaden merges into a successor, its finance officer (now with the successor's
code) still reads the health cluster where the old region is a member, its postings and carry-overs;
an officer of an unrelated organisation does not."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from klynge.accounts import access
from klynge.payouts import mergers, reorganise


def _merge_hovedstaden_and_sjaelland(make_user: Callable[..., Any]) -> None:
    document, problems = reorganise.check_document(
        {
            "format": "klynge-reorganise/1",
            "date": "2026-07-01",
            "regions": {"merge": ["1084", "1085"], "into": {"code": "1086", "name": "Region Østdanmark"}},
        }
    )
    assert problems == [] and document is not None
    first, second = make_user("admin", username="admin-a"), make_user("admin", username="admin-b")
    merger = mergers.merger_approve(
        actor=second, merger=mergers.merger_prepare(actor=first, document=document)
    )
    assert merger.status == "carried_out"


def test_the_old_regions_finance_officer_keeps_its_health_postings(
    health_cluster: Any, finance: Callable[[str], Any], make_user: Callable[..., Any]
) -> None:
    officer = finance("1084")
    outsider = finance("851")
    assert access.can_see_postings_of(officer, health_cluster, "1084")
    _merge_hovedstaden_and_sjaelland(make_user)
    officer = type(officer).objects.get(pk=officer.pk)  # a new request: roles are read again
    assert officer.roles.get().organisation_code == "1086"
    assert {"1084", "1085", "1086"} <= (access.organisations(officer) or set())
    assert access.health_clusters(officer).filter(pk=health_cluster.pk).exists()
    assert access.can_see_postings_of(officer, health_cluster, "1084")
    assert not access.can_see_postings_of(officer, health_cluster, "101")  # a municipality's own
    assert not access.health_clusters(outsider).filter(pk=health_cluster.pk).exists()
    assert not access.can_see_postings_of(outsider, health_cluster, "1084")
