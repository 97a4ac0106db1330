"""A health council (sundhedsråd) prepared as a draft with its preview, approved by a second person,
carried out on its first day in one transaction, audited (#11, brief §7). The pattern of a merger of
regions (:mod:`klynge.payouts.mergers`); the carrying out is :func:`klynge.health.services.council_make`.

The API (docs/health-councils.md):

* :func:`council_prepare` ``(*, actor, name, external_id, region, municipalities, predecessors,
  valid_from, secretariat=None, …) -> CouncilDraft``: an administrator or an officer of the council's
  region prepares a draft; its preview is stored;
* :func:`council_approve` ``(*, actor, draft, today=None)``: another such person approves it; on or
  after its first day it is carried out at once, else by the nightly ``klynge councils --due``;
* :func:`council_withdraw` ``(*, actor, draft, reason)``: before it is carried out;
* :func:`council_carry_out` ``(*, draft, today=None, actor=None)``: an approved draft whose day has come;
* :func:`councils_due` ``(today=None)``; :func:`draft_preview` ``(draft)``: what it would move now and
  what stands in its way.

Refusals raise ``ValidationError`` ({field: [Danish message]}, English under ``translation.override``)
or ``PermissionDenied``; nothing is changed then. Every refusal of the council is checked again at
the approval and at the carrying out.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from klynge.accounts.access import Action, can_in_region, is_admin
from klynge.accounts.models import Role, RoleAssignment
from klynge.audit.log import record
from klynge.common.dates import long_date
from klynge.health import services
from klynge.health.models import (
    ActualCost,
    BudgetLine,
    CouncilDraft,
    HealthCluster,
    HealthMember,
    Initiative,
    Municipality,
    Population,
)
from klynge.registry.models import Region

OPEN = (CouncilDraft.Status.DRAFT, CouncilDraft.Status.APPROVED)


def _refuse(field: str, message: str) -> ValidationError:
    return ValidationError({field: [message]})


def may_handle(actor: Any, region: Region) -> bool:
    """An administrator, or an officer of the council's region (who administers its organisation)."""
    return is_admin(actor) or can_in_region(actor, Action.ADMINISTER, region)


def _require(actor: Any, region: Region, message: str) -> None:
    if not may_handle(actor, region):
        raise PermissionDenied(message)


# --- Reading --------------------------------------------------------------------------------------


def predecessors_of(draft: CouncilDraft) -> list[HealthCluster]:
    return list(draft.predecessors.select_related("region", "successor").order_by("name", "pk"))


def municipalities_of(draft: CouncilDraft) -> list[Municipality]:
    """The council's municipalities in member order (by name)."""
    return list(draft.municipalities.select_related("region").order_by("name", "pk"))


def secretariat_of(predecessors: Sequence[HealthCluster]) -> QuerySet[Any]:
    """The users with the secretariat role on one of ``predecessors``."""
    from django.contrib.auth import get_user_model

    return (
        get_user_model()
        .objects.filter(
            roles__role=Role.HEALTH_SECRETARIAT, roles__health_cluster__in=[c.pk for c in predecessors]
        )
        .distinct()
        .order_by("username")
    )


def _initiative_row(initiative: Initiative, start: dt.date) -> dict[str, Any]:
    return {
        "id": initiative.pk,
        "cluster_id": initiative.cluster_id,
        "cluster": initiative.cluster.name,
        "title": initiative.title,
        "status": initiative.get_status_display(),
        "starts_on": initiative.starts_on.isoformat(),
        "ends_on": initiative.ends_on.isoformat(),
        "budget_lines": BudgetLine.objects.filter(initiative=initiative, year__gte=start.year).count(),
        "costs": ActualCost.objects.filter(initiative=initiative, year__gte=start.year).count(),
    }


def preview(
    *,
    region: Region,
    municipalities: Sequence[Municipality],
    predecessors: Sequence[HealthCluster],
    valid_from: dt.date,
    secretariat: Sequence[Any],
) -> dict[str, Any]:
    """What carrying out the council moves, as JSON-safe data (stored with the draft): the running
    initiatives (continued from ``valid_from``, the old one keeping the years before; or moved whole),
    those that stay, the members and the population copied, each predecessor member's unused funds of
    the last year (a carry-over only when its finance officer confirms it), and the roles given."""
    plan = services._plan(predecessors, valid_from)
    last = plan.last_year
    counts = list(
        Population.objects.filter(member__cluster__in=predecessors, year=last).select_related("member")
    )
    by_municipality = {
        row.member.municipality_id: row.count
        for row in counts
        if row.member.kind == HealthMember.Kind.MUNICIPALITY
    }
    regional = [row.count for row in counts if row.member.kind == HealthMember.Kind.REGION]
    region_count = sum(regional) if regional and len(regional) == len(predecessors) else None
    roles = []
    for user in secretariat:
        clusters = [
            c.name
            for c in predecessors
            if RoleAssignment.objects.filter(
                user=user, role=Role.HEALTH_SECRETARIAT, health_cluster=c
            ).exists()
        ]
        roles.append(
            {
                "user_id": user.pk,
                "username": user.get_username(),
                "name": user.get_full_name(),
                "from": clusters,
            }
        )
    return {
        "valid_from": valid_from.isoformat(),
        "last_year": last,
        "predecessors": [{"id": c.pk, "name": c.name, "external_id": c.external_id} for c in predecessors],
        "members": [
            {"kind": "region", "code": region.code, "name": region.name, "population": region_count},
            *(
                {
                    "kind": "municipality",
                    "code": m.code,
                    "name": m.name,
                    "population": by_municipality.get(m.pk),
                }
                for m in municipalities
            ),
        ],
        "population_total": sum(by_municipality.get(m.pk) or 0 for m in municipalities),
        "continued": [_initiative_row(i, valid_from) for i in plan.continued],
        "moved": [_initiative_row(i, valid_from) for i in plan.moved],
        "staying": [_initiative_row(i, valid_from) for i in plan.staying],
        "carry_overs": [
            {
                "cluster": member.cluster.name,
                "member": member.name,
                "code": member.code,
                "amount": f"{amount:f}",
            }
            for member, amount in plan.unused
            if amount > 0
        ],
        "roles": roles,
    }


def _errors(draft: CouncilDraft, predecessors: Sequence[HealthCluster]) -> dict[str, list[str]]:
    errors = services._council_errors(
        name=draft.name,
        external_id=draft.external_id,
        region=draft.region,
        municipalities=municipalities_of(draft),
        predecessors=predecessors,
        valid_from=draft.valid_from,
        exclude_draft=draft.pk,
    )
    return errors


def draft_preview(draft: CouncilDraft) -> dict[str, Any]:
    """The preview of an open draft as it is now, with what stands in its way (``refusals``: messages)."""
    predecessors = predecessors_of(draft)
    shown = preview(
        region=draft.region,
        municipalities=municipalities_of(draft),
        predecessors=predecessors,
        valid_from=draft.valid_from,
        secretariat=list(draft.secretariat.order_by("username")),
    )
    shown["refusals"] = [m for messages in _errors(draft, predecessors).values() for m in messages]
    return shown


def councils_due(today: dt.date | None = None) -> QuerySet[CouncilDraft]:
    """The approved drafts whose first day has come, oldest first."""
    today = today or timezone.localdate()
    return CouncilDraft.objects.filter(status=CouncilDraft.Status.APPROVED, valid_from__lte=today).order_by(
        "valid_from", "pk"
    )


def _summary(draft: CouncilDraft, predecessors: Sequence[HealthCluster]) -> dict[str, Any]:
    return {
        "name": draft.name,
        "external_id": draft.external_id,
        "region": draft.region.code,
        "valid_from": draft.valid_from.isoformat(),
        "predecessors": [c.pk for c in predecessors],
        "municipalities": [m.code for m in municipalities_of(draft)],
        "secretariat": sorted(draft.secretariat.values_list("username", flat=True)),
        "status": draft.status,
    }


# --- Preparing, approving, withdrawing ------------------------------------------------------------


@transaction.atomic
def council_prepare(
    *,
    actor: Any,
    name: str,
    external_id: str,
    region: Region,
    municipalities: Sequence[Municipality],
    predecessors: Sequence[HealthCluster],
    valid_from: Any,
    secretariat: Sequence[Any] | None = None,
    co_chair_region: str = "",
    co_chair_municipality: str = "",
) -> CouncilDraft:
    """Prepare a council as a draft with its preview (nothing moves yet). ``secretariat``: the users
    whose secretariat role on a predecessor is given on the council too (default: all of them).

    Refused: not an administrator or an officer of ``region``; every refusal of the council
    (:func:`klynge.health.services.council_preview`); an open draft with the same id or predecessor; a
    ``secretariat`` user without the role on a predecessor."""
    _require(
        actor,
        region,
        _("Kun en systemadministrator eller regionens sagsbehandler kan forberede et sundhedsråd."),
    )
    # one draft per predecessor at a time: lock them
    predecessors = list(
        HealthCluster.objects.select_for_update(of=("self",))
        .filter(pk__in=[c.pk for c in predecessors])
        .select_related("region", "successor")
        .order_by("name", "pk")
    )
    errors = services._council_errors(
        name=name,
        external_id=external_id,
        region=region,
        municipalities=municipalities,
        predecessors=predecessors,
        valid_from=valid_from,
    )
    allowed = {u.pk: u for u in secretariat_of(predecessors)}
    chosen = list(allowed.values()) if secretariat is None else list(secretariat)
    strangers = sorted(u.get_username() for u in chosen if u.pk not in allowed)
    if strangers:
        errors.setdefault("secretariat", []).append(
            _(
                "Sekretariat: %(names)s har ikke rollen som sekretariat i en af forgængerne; vælg kun "
                "forgængernes sekretariat."
            )
            % {"names": ", ".join(strangers)}
        )
    if errors:
        raise ValidationError(errors)
    draft = CouncilDraft.objects.create(
        name=str(name).strip(),
        external_id=str(external_id).strip(),
        region=region,
        valid_from=valid_from,
        co_chair_region=co_chair_region,
        co_chair_municipality=co_chair_municipality,
        prepared_by=actor,
        preview_prepared={},
    )
    draft.municipalities.set(municipalities)
    draft.predecessors.set(predecessors)
    draft.secretariat.set(chosen)
    draft.preview_prepared = preview(
        region=region,
        municipalities=municipalities_of(draft),
        predecessors=predecessors,
        valid_from=valid_from,
        secretariat=sorted(chosen, key=lambda u: u.get_username()),
    )
    draft.save(update_fields=["preview_prepared"])
    record(
        actor=actor,
        action="health_council_draft.prepare",
        summary=_("Kladde nr. %(number)s forberedt: %(predecessors)s → %(name)s fra %(day)s")
        % {
            "number": draft.pk,
            "predecessors": " + ".join(c.name for c in predecessors),
            "name": draft.name,
            "day": long_date(draft.valid_from),
        },
        obj=draft,
        after=_summary(draft, predecessors),
    )
    return draft


def _locked(draft: CouncilDraft) -> CouncilDraft:
    return CouncilDraft.objects.select_for_update().select_related("region").get(pk=draft.pk)


def _not_status(draft: CouncilDraft, message: str) -> ValidationError:
    return _refuse("status", message % {"status": draft.get_status_display().lower()})


@transaction.atomic
def council_approve(*, actor: Any, draft: CouncilDraft, today: dt.date | None = None) -> CouncilDraft:
    """Another person (an administrator or an officer of the region; not the one who prepared it)
    approves a draft (four eyes; also a CHECK constraint). Every refusal of the council is checked
    again. On or after its first day it is carried out at once; else it stays approved until then
    (``klynge councils --due``)."""
    today = today or timezone.localdate()
    draft = _locked(draft)
    _require(
        actor,
        draft.region,
        _("Kun en systemadministrator eller regionens sagsbehandler kan godkende et sundhedsråd."),
    )
    if (
        draft.status in (CouncilDraft.Status.APPROVED, CouncilDraft.Status.CARRIED_OUT)
        and draft.approved_by_id == actor.pk
    ):
        return draft
    if draft.status != CouncilDraft.Status.DRAFT:
        raise _not_status(draft, _("Sundhedsrådet er %(status)s; kun en kladde kan godkendes."))
    if draft.prepared_by_id == actor.pk:
        raise _refuse(
            "approved_by",
            _(
                "Godkender: du har selv forberedt sundhedsrådet og kan ikke godkende det. En anden "
                "administrator eller regionens sagsbehandler skal godkende det (fire øjne)."
            ),
        )
    predecessors = list(
        HealthCluster.objects.select_for_update(of=("self",))
        .filter(pk__in=draft.predecessors.values("pk"))
        .select_related("region", "successor")
        .order_by("name", "pk")
    )
    errors = _errors(draft, predecessors)
    if errors:
        raise ValidationError(errors)
    draft.status = CouncilDraft.Status.APPROVED
    draft.approved_by = actor
    draft.approved_at = timezone.now()
    draft.save(update_fields=["status", "approved_by", "approved_at"])
    record(
        actor=actor,
        action="health_council_draft.approve",
        summary=_("Kladde nr. %(number)s til %(name)s godkendt; rådet begynder %(day)s")
        % {"number": draft.pk, "name": draft.name, "day": long_date(draft.valid_from)},
        obj=draft,
        before={"status": CouncilDraft.Status.DRAFT},
        after={"status": draft.status},
    )
    if draft.valid_from <= today:
        draft = council_carry_out(draft=draft, today=today, actor=actor)
    return draft


@transaction.atomic
def council_withdraw(*, actor: Any, draft: CouncilDraft, reason: str) -> CouncilDraft:
    """An administrator or an officer of the region withdraws a draft, or an approved council that is
    not carried out yet, with a reason."""
    draft = _locked(draft)
    _require(
        actor,
        draft.region,
        _("Kun en systemadministrator eller regionens sagsbehandler kan trække et sundhedsråd tilbage."),
    )
    if draft.status == CouncilDraft.Status.WITHDRAWN:
        return draft
    if draft.status == CouncilDraft.Status.CARRIED_OUT:
        raise _refuse("status", _("Sundhedsrådet er oprettet og kan ikke trækkes tilbage."))
    reason = (reason or "").strip()
    if not reason:
        raise _refuse("withdrawn_reason", _("Begrundelse: skriv, hvorfor sundhedsrådet trækkes tilbage."))
    before = draft.status
    draft.status = CouncilDraft.Status.WITHDRAWN
    draft.withdrawn_by = actor
    draft.withdrawn_at = timezone.now()
    draft.withdrawn_reason = reason[:2000]
    draft.save(update_fields=["status", "withdrawn_by", "withdrawn_at", "withdrawn_reason"])
    record(
        actor=actor,
        action="health_council_draft.withdraw",
        summary=_("Kladde nr. %(number)s til %(name)s trukket tilbage: %(reason)s")
        % {"number": draft.pk, "name": draft.name, "reason": draft.withdrawn_reason},
        obj=draft,
        before={"status": before},
        after={"status": draft.status, "reason": draft.withdrawn_reason},
    )
    return draft


# --- Carrying out ---------------------------------------------------------------------------------


@transaction.atomic
def council_carry_out(
    *, draft: CouncilDraft, today: dt.date | None = None, actor: Any = None
) -> CouncilDraft:
    """Carry out an approved draft on or after its first day, in one transaction: the council with its
    members, the predecessors ended, the running initiatives continued or moved, the population copied
    (:func:`klynge.health.services.council_make`, which checks every refusal again), and each chosen
    secretariat user given the role on the council (the old role stays, so they still read the
    predecessor's history). Carrying out again returns the draft unchanged."""
    today = today or timezone.localdate()
    draft = _locked(draft)
    if draft.status == CouncilDraft.Status.CARRIED_OUT:
        return draft
    if draft.status != CouncilDraft.Status.APPROVED:
        raise _not_status(draft, _("Sundhedsrådet er %(status)s; kun et godkendt sundhedsråd kan oprettes."))
    if today < draft.valid_from:
        raise _refuse(
            "valid_from",
            _("Gælder fra: sundhedsrådet begynder først %(day)s; det oprettes den dag.")
            % {"day": long_date(draft.valid_from)},
        )
    predecessors = predecessors_of(draft)
    secretariat = list(draft.secretariat.order_by("username"))
    shown = preview(
        region=draft.region,
        municipalities=municipalities_of(draft),
        predecessors=predecessors,
        valid_from=draft.valid_from,
        secretariat=secretariat,
    )
    council = services.council_make(
        actor=actor,
        name=draft.name,
        external_id=draft.external_id,
        region=draft.region,
        municipalities=municipalities_of(draft),
        predecessors=predecessors,
        valid_from=draft.valid_from,
        co_chair_region=draft.co_chair_region,
        co_chair_municipality=draft.co_chair_municipality,
        exclude_draft=draft.pk,
    )
    given = []
    for user in secretariat:
        holds = RoleAssignment.objects.filter(
            user=user, role=Role.HEALTH_SECRETARIAT, health_cluster__in=[c.pk for c in predecessors]
        ).exists()
        if not holds:  # the role was taken away after the draft was prepared: not given on the council
            continue
        assignment, created = RoleAssignment.objects.get_or_create(
            user=user, role=Role.HEALTH_SECRETARIAT, health_cluster=council
        )
        if created:
            given.append(user.get_username())
            record(
                actor=actor,
                action="role.assign",
                summary=_("%(user)s får rollen som sekretariat i %(council)s (kladde nr. %(number)s)")
                % {"user": user.get_username(), "council": council.name, "number": draft.pk},
                obj=assignment,
                after={"user": user.pk, "role": Role.HEALTH_SECRETARIAT, "health_cluster": council.pk},
            )
    draft.status = CouncilDraft.Status.CARRIED_OUT
    draft.council = council
    draft.carried_out_at = timezone.now()
    draft.preview_carried_out = {**shown, "roles_given": given}
    draft.save(update_fields=["status", "council", "carried_out_at", "preview_carried_out"])
    record(
        actor=actor,
        action="health_council_draft.carry_out",
        summary=_("Kladde nr. %(number)s gennemført: %(name)s oprettet fra %(day)s")
        % {"number": draft.pk, "name": council.name, "day": long_date(draft.valid_from)},
        obj=draft,
        before={"status": CouncilDraft.Status.APPROVED},
        after={"status": draft.status, "council": council.pk, "roles_given": given},
    )
    done = draft.pk
    transaction.on_commit(lambda: _tell(done))
    return draft


def _tell(draft_pk: int) -> None:
    from klynge.health.council_mail import send_council_created

    send_council_created(draft_pk)
