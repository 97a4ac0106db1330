"""What is waiting for a user (#13): the first page after login lists it per role assignment, each item
with a link to where the task is done. Every figure comes from the selectors the pages themselves use
(``runs.preview`` for what a practice will be paid, ``completion.checklist``, ``rates.missing_rates``,
``runs.claim_outstanding``, ``health.services.unused``); nothing is counted a second way.

One function per role; each takes the assignment and returns its items (empty: nothing waiting).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from django.db.models import Q
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from klynge.accounts.models import Role, RoleAssignment
from klynge.common.dates import long_date
from klynge.common.money import amount_text

NEW_DAYS = 30  # "new": completed, uploaded, joined or reported within this many days


@dataclass(frozen=True)
class Item:
    text: str
    url: str
    count: int | None = None
    due: dt.date | None = None


@dataclass
class Section:
    """One role assignment of the user and what is waiting under it."""

    title: str
    items: list[Item] = field(default_factory=list)


def _about(amount: Decimal) -> str:
    """``2.200 kr.``: an expected amount rounded to whole hundreds, for "ca."."""
    rounded = (amount / 100).quantize(Decimal(1), rounding=ROUND_HALF_UP) * 100
    return _("%(amount)s kr.") % {"amount": amount_text(rounded).removesuffix(",00").removesuffix(".00")}


# --- GP clusters --------------------------------------------------------------------------------------


def approver_items(assignment: RoleAssignment, today: dt.date) -> list[Item]:
    """Runs of the region awaiting approval by someone other than their preparer."""
    from klynge.payouts.models import PayoutRun

    runs = PayoutRun.objects.filter(region=assignment.region, status=PayoutRun.Status.DRAFT).exclude(
        prepared_by_id=assignment.user_id
    )
    items = [
        Item(
            _("Kørslen %(date)s venter på din godkendelse") % {"date": long_date(run.run_date)},
            reverse("run_detail", args=[run.pk]),
            due=run.run_date,
        )
        for run in runs.order_by("run_date")
    ]
    return items + write_off_items(assignment)


def write_off_items(assignment: RoleAssignment) -> list[Item]:
    """Proposals to write off a claim (#13) awaiting this approver (not those they proposed)."""
    from klynge.payouts.bank import scope
    from klynge.payouts.models import ClaimWriteOff

    if assignment.region is None:
        return []

    proposals = (
        ClaimWriteOff.objects.filter(
            status=ClaimWriteOff.Status.PROPOSED, claim__run__region__in=scope(assignment.region)
        )
        .exclude(proposed_by_id=assignment.user_id)
        .select_related("claim__cluster")
        .order_by("proposed_at", "pk")
    )
    return [
        Item(
            _("Afskrivning af %(amount)s på krav til %(cluster)s venter på din godkendelse")
            % {
                "amount": _("%(amount)s kr.") % {"amount": amount_text(p.amount)},
                "cluster": p.claim.cluster.name,
            },
            reverse("claim_detail", args=[p.claim_id]),
        )
        for p in proposals
    ]


def officer_items(assignment: RoleAssignment, today: dt.date) -> list[Item]:
    """Newly completed clusters, overdue claims, years without a rate, new documents to check, and
    approved runs waiting to be released."""
    from klynge.payouts.models import PayoutRun, RepaymentClaim
    from klynge.payouts.rates import missing_rates
    from klynge.payouts.runs import claim_outstanding
    from klynge.registry.models import Document, GpCluster

    region = assignment.region
    if region is None:
        return []
    items: list[Item] = []
    for run in PayoutRun.objects.filter(region=region, status=PayoutRun.Status.APPROVED):
        items.append(
            Item(
                _("Kørslen %(date)s er godkendt og venter på at blive frigivet")
                % {"date": long_date(run.run_date)},
                reverse("run_detail", args=[run.pk]),
            )
        )
    since = today - dt.timedelta(days=NEW_DAYS)
    for cluster in GpCluster.objects.filter(region=region, completed_on__gte=since).order_by("completed_on"):
        items.append(
            Item(
                _("%(cluster)s blev færdigmeldt %(date)s")
                % {"cluster": cluster.name, "date": long_date(cluster.completed_on or today)},
                reverse("cluster_detail", args=[cluster.pk]),
            )
        )
    overdue = [
        claim
        for claim in RepaymentClaim.objects.filter(
            run__region=region, run__status=PayoutRun.Status.RELEASED, due_on__lt=today
        ).select_related("cluster")
        if claim_outstanding(claim) > 0
    ]
    if overdue:
        items.append(
            Item(
                ngettext(
                    "%(count)d krav er ikke betalt til fristen",
                    "%(count)d krav er ikke betalt til fristen",
                    len(overdue),
                )
                % {"count": len(overdue)},
                reverse("claim_list", args=[region.code]) + "?vis=overskredne",
                count=len(overdue),
                due=min(c.due_on for c in overdue),
            )
        )
    for missing in missing_rates(region):
        items.append(Item(missing.message(), reverse("region_dashboard", args=[region.code])))
    documents = (
        Document.objects.filter(cluster__region=region, removed_at__isnull=True, uploaded_at__date__gte=since)
        .values_list("cluster_id", "cluster__name")
        .order_by("cluster__name")
    )
    per_cluster: dict[tuple[int, str], int] = {}
    for key in documents:
        per_cluster[key] = per_cluster.get(key, 0) + 1
    for (cluster_pk, name), count in per_cluster.items():
        items.append(
            Item(
                ngettext(
                    "%(count)d nyt dokument fra %(cluster)s at se igennem",
                    "%(count)d nye dokumenter fra %(cluster)s at se igennem",
                    count,
                )
                % {"count": count, "cluster": name},
                reverse("cluster_detail", args=[cluster_pk]),
                count=count,
            )
        )
    return items


def practice_payments(cluster: Any, today: dt.date) -> list[Item]:
    """Each practice that joined the cluster (new or moved) within ``NEW_DAYS`` or joins later: from
    when and about how much it is paid in its first year, from the engine's preview of that year's end
    for this one cluster."""
    from klynge.payouts.runs import preview
    from klynge.registry.models import GpCluster, Membership

    since = today - dt.timedelta(days=NEW_DAYS)
    recent = list(
        Membership.objects.filter(cluster=cluster)
        .filter(Q(joined__gte=since) | Q(recorded_on__gte=since))
        .exclude(left__lte=today)
        .select_related("practice")
        .order_by("joined")
    )
    if not recent:
        return []
    items: list[Item] = []
    results: dict[int, Any] = {}
    for membership in recent:
        year = max(today.year, membership.joined.year)
        if year not in results:
            results[year] = preview(GpCluster.objects.filter(pk=cluster.pk), dt.date(year, 12, 31))
        number = membership.practice.provider_number
        lines = [line for payout in results[year].payouts for line in payout.lines if line.practice == number]
        url = reverse("cluster_detail", args=[cluster.pk])
        if not lines:
            items.append(
                Item(
                    _("Praksis %(number)s får endnu ikke tilskud (se klyngens tjekliste og satser)")
                    % {"number": number},
                    url,
                )
            )
            continue
        start = min(line.period_from for line in lines)
        amount = sum((line.amount for line in lines), Decimal(0))
        items.append(
            Item(
                _("Praksis %(number)s får tilskud fra %(date)s, ca. %(amount)s")
                % {"number": number, "date": long_date(start), "amount": _about(amount)},
                reverse("cluster_economy", args=[cluster.pk]),
                due=start,
            )
        )
    return items


def coordinator_items(assignment: RoleAssignment, today: dt.date) -> list[Item]:
    """The cluster's missing checklist items (until it is completed) and its new practices' payments."""
    from klynge.registry.completion import checklist

    cluster = assignment.gp_cluster
    if cluster is None:
        return []
    items: list[Item] = []
    if cluster.completed_on is None:
        url = reverse("completion", args=[cluster.pk])
        items.extend(Item(f"{item.label}: {item.fix}", url) for item in checklist(cluster) if not item.done)
    items.extend(practice_payments(cluster, today))
    return items


# --- Health clusters ----------------------------------------------------------------------------------


def _rejection(initiative: Any) -> Any:
    """The SSU's rejection of an idea, if its latest decision is one (#13); else None. An idea waits
    for an SSU decision until the SSU approves it (it is then approved) or rejects it; a decision
    "noted" leaves it waiting."""
    from klynge.health.models import SsuDecision

    latest = initiative.ssu_decisions.order_by("-meeting_date", "-id").first()
    return latest if latest is not None and latest.decision == SsuDecision.Decision.REJECTED else None


def secretariat_items(assignment: RoleAssignment, today: dt.date) -> list[Item]:
    """Initiatives waiting for an SSU decision (ideas not rejected), ideas the SSU rejected (to change
    or delete), initiatives waiting for actual costs (running or completed, none entered for last
    year), and for their evaluation (completed). Cancelled ones wait for nothing."""
    from klynge.health.models import Initiative

    cluster = assignment.health_cluster
    if cluster is None:
        return []
    items: list[Item] = []
    initiatives = Initiative.objects.filter(cluster=cluster).order_by("starts_on", "title")

    def url(initiative: Initiative) -> str:
        return reverse("health_initiative_detail", args=[cluster.pk, initiative.pk])

    last_year = today.year - 1
    for initiative in initiatives:
        if initiative.status == Initiative.Status.IDEA:
            rejected = _rejection(initiative)
            if rejected is not None:
                items.append(
                    Item(
                        _("SSU afviste %(title)s den %(date)s – ret idéen, eller slet den med en begrundelse")
                        % {"title": initiative.title, "date": long_date(rejected.meeting_date)},
                        url(initiative) + "#ssu",
                    )
                )
                continue
            items.append(
                Item(
                    _("%(title)s venter på en beslutning i SSU") % {"title": initiative.title},
                    url(initiative) + "#ssu",
                )
            )
        elif initiative.status in (Initiative.Status.RUNNING, Initiative.Status.COMPLETED):
            if (
                initiative.starts_on.year <= last_year <= initiative.ends_on.year
                and not initiative.costs.filter(year=last_year).exists()
            ):
                items.append(
                    Item(
                        _("%(title)s mangler de faktiske udgifter for %(year)s")
                        % {"title": initiative.title, "year": last_year},
                        url(initiative),
                    )
                )
            if initiative.status == Initiative.Status.COMPLETED:
                items.append(
                    Item(_("%(title)s venter på evaluering") % {"title": initiative.title}, url(initiative))
                )
    return items


def finance_items(assignment: RoleAssignment, today: dt.date) -> list[Item]:
    """Last year's unused funds of the organisation's memberships, not yet carried over or confirmed."""
    from klynge.accounts import access
    from klynge.health.models import CarryOver, HealthMember
    from klynge.health.services import unused

    codes = (
        access._with_predecessors({assignment.organisation_code}) if assignment.organisation_code else set()
    )
    year = today.year - 1
    items: list[Item] = []
    members = (
        HealthMember.objects.filter(Q(municipality__code__in=codes) | Q(region__code__in=codes))
        .select_related("cluster", "municipality", "region")
        .order_by("cluster__name")
    )
    for member in members:
        if CarryOver.objects.filter(member=member, from_year=year, withdrawn_at__isnull=True).exists():
            continue
        cluster = member.cluster
        if cluster.valid_to is not None and cluster.valid_to.year <= year:
            continue
        left = unused(member, year)
        if left <= 0:
            continue
        items.append(
            Item(
                _("%(cluster)s: %(amount)s ubrugt fra %(year)s – bekræft videreførsel til %(next)s")
                % {
                    "cluster": cluster.name,
                    "amount": _("%(amount)s kr.") % {"amount": amount_text(left)},
                    "year": year,
                    "next": year + 1,
                },
                reverse("health_finance"),
            )
        )
    return items


def ssu_items(assignment: RoleAssignment, today: dt.date) -> list[Item]:
    """Initiatives of the region's health clusters reported to the SSU within ``NEW_DAYS`` on which
    the SSU has recorded no decision since (#13: a report the SSU has decided on is dealt with)."""
    from klynge.health.models import Initiative

    since = today - dt.timedelta(days=NEW_DAYS)
    reported = (
        Initiative.objects.filter(
            cluster__region=assignment.region, status=Initiative.Status.REPORTED, reported_on__gte=since
        )
        .select_related("cluster")
        .order_by("-reported_on", "title")
    )
    return [
        Item(
            _("Ny afrapportering: %(title)s (%(cluster)s), %(date)s")
            % {"title": i.title, "cluster": i.cluster.name, "date": long_date(i.reported_on or today)},
            reverse("health_initiative_detail", args=[i.cluster_id, i.pk]),
        )
        for i in reported
        if not i.ssu_decisions.filter(meeting_date__gte=i.reported_on or today).exists()
    ]


BY_ROLE: dict[str, Callable[[RoleAssignment, dt.date], list[Item]]] = {
    Role.REGION_APPROVER: approver_items,
    Role.REGION_OFFICER: officer_items,
    Role.COORDINATOR: coordinator_items,
    Role.HEALTH_SECRETARIAT: secretariat_items,
    Role.FINANCE_OFFICER: finance_items,
    Role.SSU_READER: ssu_items,
}


def for_user(user: Any, today: dt.date | None = None) -> list[Section]:
    """One section per role assignment (an administrator's has no items: they are not assigned work)."""
    from klynge.web.context import organisation_name

    today = today or timezone.localdate()
    sections = []
    for assignment in (
        RoleAssignment.objects.filter(user=user)
        .select_related("region", "gp_cluster", "health_cluster")
        .order_by("role", "pk")
    ):
        find = BY_ROLE.get(assignment.role)
        if find is None:
            continue
        scope = (
            assignment.gp_cluster
            or assignment.health_cluster
            or assignment.region
            or organisation_name(assignment.organisation_code)
        )
        role = assignment.get_role_display()
        sections.append(Section(f"{role}, {scope}" if scope else str(role), find(assignment, today)))
    return sections
