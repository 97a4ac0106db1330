"""Finding the objects a request names, always within what the user may see (``klynge.accounts.access``).

An object outside the user's scope answers 404, exactly like one that does not exist, so nobody can
probe which clusters, practices or documents exist.
"""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet
from django.shortcuts import get_object_or_404

from klynge.accounts import access
from klynge.accounts.access import Action
from klynge.accounts.models import User
from klynge.api import present
from klynge.registry.models import Document, GpCluster, Membership, Practice


def visible_clusters(user: Any) -> QuerySet[GpCluster]:
    return access.gp_clusters(user, Action.VIEW).select_related("region")


def cluster(user: Any, cluster_id: int) -> GpCluster:
    return get_object_or_404(visible_clusters(user), pk=cluster_id)


def practice(user: Any, provider_number: str) -> Practice:
    practices = access.practices(user).select_related("region")
    return get_object_or_404(present.with_counts(practices), provider_number=provider_number)


def membership(user: Any, membership_id: int) -> Membership:
    return get_object_or_404(
        Membership.objects.select_related("cluster__region", "practice").filter(
            cluster__in=access.gp_clusters(user, Action.VIEW)
        ),
        pk=membership_id,
    )


def document(user: Any, document_id: int) -> Document:
    return get_object_or_404(
        Document.objects.select_related("cluster__region", "document_type", "uploaded_by").filter(
            cluster__in=access.gp_clusters(user, Action.VIEW)
        ),
        pk=document_id,
    )


def actor(request: Any) -> User:
    """The user the request acts as (session or bearer token), set by the API's authentication."""
    user: User = request.auth
    return user
