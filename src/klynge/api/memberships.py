"""Memberships: list a cluster's, deregister a practice, move it to another cluster."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import ValidationError
from django.db.models import Q
from django.http import HttpRequest
from django.utils.translation import gettext as _
from ninja import Router, Status

from klynge.accounts import access
from klynge.accounts.access import Action
from klynge.accounts.models import User
from klynge.api import lookups, present
from klynge.api.clusters import REFUSALS
from klynge.api.errors import fields_renamed
from klynge.api.schemas import DetailOut, MembershipEndIn, MembershipMoveIn, MembershipOut
from klynge.registry import services
from klynge.registry.models import GpCluster, Membership

router = Router(tags=["Medlemskaber"])


@router.get(
    "/clusters/{cluster_id}/memberships",
    response={200: list[MembershipOut], 404: DetailOut},
    summary="Memberships",
)
def membership_list(request: HttpRequest, cluster_id: int) -> Any:
    """Every membership of the cluster, past and present, in the order the practices joined."""
    cluster = lookups.cluster(lookups.actor(request), cluster_id)
    memberships = cluster.memberships.select_related("practice").order_by(
        "joined", "practice__provider_number", "pk"
    )
    return [present.membership(m) for m in memberships]


@router.post(
    "/memberships/{membership_id}/end", response={200: MembershipOut, **REFUSALS}, summary="Deregister"
)
def membership_end(request: HttpRequest, membership_id: int, payload: MembershipEndIn) -> Any:
    """Deregister the practice: `left` is its first day no longer a member."""
    user = lookups.actor(request)
    ended = services.membership_end(
        actor=user, membership=lookups.membership(user, membership_id), left=payload.left
    )
    return present.membership(ended)


def move_target(user: User, membership: Membership, cluster_id: int) -> GpCluster:
    """The receiving cluster: in the leaving cluster's region, or one the user administers.

    This is the rule ``services.practice_move`` states; a coordinator may move a practice to a
    neighbouring cluster they cannot otherwise see. Anything else answers as if it did not exist.
    """
    administered = access.gp_clusters(user, Action.ADMINISTER).values("pk")
    target = (
        GpCluster.objects.filter(Q(region_id=membership.cluster.region_id) | Q(pk__in=administered))
        .filter(pk=cluster_id)
        .first()
    )
    if target is None:
        raise ValidationError(
            {"to_cluster": [_("Ny klynge: der findes ingen klynge med id %(id)s.") % {"id": cluster_id}]}
        )
    return target


@router.post(
    "/memberships/{membership_id}/move", response={201: MembershipOut, **REFUSALS}, summary="Move a practice"
)
def membership_move(request: HttpRequest, membership_id: int, payload: MembershipMoveIn) -> Any:
    """Move the practice to another cluster on `on`: it leaves this one and joins the other (A8)."""
    user = lookups.actor(request)
    membership = lookups.membership(user, membership_id)
    access.require(user, Action.EDIT, membership.cluster)
    with fields_renamed({"left": "on", "joined": "on"}):
        new = services.practice_move(
            actor=user,
            membership=membership,
            to_cluster=move_target(user, membership, payload.to_cluster),
            on=payload.on,
        )
    return Status(201, present.membership(new))
