"""The one thing a merger of regions (#11) changes in the health app: the region of municipalities and
health clusters. Called by :func:`klynge.payouts.mergers.merger_carry_out` inside its transaction;
members (``HealthClusterMember.region``) and postings keep the region they were made with."""

from __future__ import annotations

from collections.abc import Sequence

from klynge.health.models import HealthCluster, Municipality
from klynge.registry.models import Region


def regions_move(predecessors: Sequence[Region], successor: Region) -> dict[str, int]:
    """Move the municipalities and health clusters of ``predecessors`` to ``successor``; how many."""
    return {
        "municipalities": Municipality.objects.filter(region__in=list(predecessors)).update(region=successor),
        "health_clusters": HealthCluster.objects.filter(region__in=list(predecessors)).update(
            region=successor
        ),
    }
