"""Every change to the GP-cluster registry goes through one of these functions.

Each is keyword-only, checks the actor's access (:mod:`klynge.accounts.access`), validates its input
with messages that name the field and the fix, runs in one transaction and writes an audit entry.
Invalid input raises :class:`django.core.exceptions.ValidationError` (a dict of field → messages)
before anything is written; a refused action raises ``PermissionDenied``.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import re
from collections.abc import Iterable
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.uploadedfile import UploadedFile
from django.db import IntegrityError, transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from klynge.accounts.access import Action, can, is_admin, require, require_region
from klynge.accounts.models import Role, RoleAssignment, User
from klynge.audit.log import record, snapshot
from klynge.common.dates import clean_date, date_errors, long_date
from klynge.registry import documents, notifications
from klynge.registry.completion import checklist
from klynge.registry.models import (
    CapacityRecord,
    Document,
    DocumentType,
    GpCluster,
    Membership,
    PatientCount,
    Practice,
    Region,
)
from klynge.registry.validators import (
    clean_capacities,
    clean_cvr,
    clean_iban,
    clean_patients,
    clean_provider_number,
)

CLUSTER_FIELDS = ["name", "cvr", "nemkonto_confirmed_on", "founded_on", "all_practices_registered"]


def _today(today: dt.date | None) -> dt.date:
    return today or timezone.localdate()


# --- Clusters -------------------------------------------------------------------------------------


def _next_external_id(region: Region) -> str:
    prefix = f"{region.code}-"
    taken = set(
        GpCluster.objects.filter(external_id__startswith=prefix).values_list("external_id", flat=True)
    )
    number = len(taken) + 1
    while f"{prefix}{number:03d}" in taken:
        number += 1
    return f"{prefix}{number:03d}"


@transaction.atomic
def cluster_create(
    *,
    actor: User,
    region: Region,
    name: str,
    founded_on: dt.date,
    coordinator_email: str,
    coordinator_name: str = "",
    cvr: str = "",
    nemkonto_confirmed_on: dt.date | None = None,
    external_id: str = "",
    send_welcome: bool = True,
) -> GpCluster:
    """A region officer creates a cluster; its coordinator gets a login and the welcome mail."""
    require_region(actor, Action.ADMINISTER, region)
    errors: dict[str, list[str]] = _cluster_date_errors(
        {"founded_on": founded_on, "nemkonto_confirmed_on": nemkonto_confirmed_on}
    )
    if not name.strip():
        errors["name"] = [_("Navn: skriv klyngens navn.")]
    if cvr:
        try:
            cvr = clean_cvr(cvr)
        except ValidationError as exc:
            errors.update(exc.message_dict)
    if not coordinator_email or "@" not in coordinator_email:
        errors["coordinator_email"] = [_("Koordinatorens e-mail: skriv en gyldig e-mailadresse.")]
    if external_id and GpCluster.objects.filter(external_id=external_id).exists():
        errors["external_id"] = [
            _("Eksternt id: %(id)s er allerede brugt af en anden klynge.") % {"id": external_id}
        ]
    if errors:
        raise ValidationError(errors)
    cluster = GpCluster.objects.create(
        region=region,
        name=name.strip(),
        founded_on=founded_on,
        cvr=cvr,
        nemkonto_confirmed_on=nemkonto_confirmed_on,
        external_id=external_id or _next_external_id(region),
    )
    coordinator = _coordinator_user(coordinator_email, coordinator_name)
    RoleAssignment.objects.create(user=coordinator, role=Role.COORDINATOR, gp_cluster=cluster)
    record(
        actor=actor,
        action="gp_cluster.create",
        summary=_("Klyngen %(name)s oprettet med koordinator %(email)s")
        % {"name": cluster.name, "email": coordinator.email},
        obj=cluster,
        after=snapshot(cluster),
        region=region,
        gp_cluster=cluster,
    )
    if send_welcome:
        transaction.on_commit(lambda: notifications.send_welcome(cluster, coordinator))
    return cluster


def _coordinator_user(email: str, full_name: str) -> User:
    email = email.strip().lower()
    user = User.objects.filter(email__iexact=email).first()
    if user is None:
        first, _sep, last = full_name.strip().partition(" ")
        user = User(username=email, email=email, first_name=first, last_name=last)
        user.set_unusable_password()
        user.save()
    return user


@transaction.atomic
def cluster_update(*, actor: User, cluster: GpCluster, **changes: Any) -> GpCluster:
    """Change a cluster's name, CVR, NemKonto date or founding date.

    The region administers CVR, NemKonto and the founding date; the coordinator may also correct them
    before completion. The founding date cannot move past a membership that began before it.
    """
    cluster = GpCluster.objects.select_for_update().get(pk=cluster.pk)
    require(actor, Action.EDIT, cluster)
    unknown = set(changes) - set(CLUSTER_FIELDS)
    if unknown:
        raise TypeError(f"cluster_update does not change {sorted(unknown)}")
    errors: dict[str, list[str]] = {}
    if "name" in changes and not str(changes["name"]).strip():
        errors["name"] = [_("Navn: skriv klyngens navn.")]
    if changes.get("cvr"):
        try:
            changes["cvr"] = clean_cvr(changes["cvr"])
        except ValidationError as exc:
            errors.update(exc.message_dict)
    if "founded_on" in changes and changes["founded_on"] is None:
        errors["founded_on"] = [_("Dato for stiftende generalforsamling: skal udfyldes.")]
    errors.update(_cluster_date_errors(changes))
    if "founded_on" in changes and changes["founded_on"] is not None and "founded_on" not in errors:
        earliest = cluster.memberships.order_by("joined").values_list("joined", flat=True).first()
        if earliest and earliest < changes["founded_on"]:
            errors["founded_on"] = [
                _(
                    "Dato for stiftende generalforsamling: en praksis er indtrådt %(date)s, før den nye dato. "
                    "Ret medlemskabet først."
                )
                % {"date": long_date(earliest)}
            ]
    if "nemkonto_confirmed_on" in changes and actor_is_coordinator_only(actor, cluster):
        errors["nemkonto_confirmed_on"] = [
            _("NemKonto bekræftet: kun regionen kan registrere, at klyngens NemKonto er bekræftet.")
        ]
    if (
        cluster.completed_on
        and actor_is_coordinator_only(actor, cluster)
        and ({"cvr", "founded_on", "nemkonto_confirmed_on"} & set(changes))
    ):
        errors["__all__"] = [
            _("Klyngen er færdigmeldt; kontakt regionen for at rette CVR, NemKonto eller stiftelsesdato.")
        ]
    if errors:
        raise ValidationError(errors)
    before = snapshot(cluster, CLUSTER_FIELDS)
    for field, value in changes.items():
        setattr(cluster, field, value.strip() if isinstance(value, str) else value)
    cluster.save(update_fields=list(changes))
    after = snapshot(cluster, CLUSTER_FIELDS)
    if before != after:
        record(
            actor=actor,
            action="gp_cluster.update",
            summary=_("Klyngens stamdata ændret"),
            obj=cluster,
            before=before,
            after=after,
            region=cluster.region,
            gp_cluster=cluster,
        )
    return cluster


def _cluster_date_errors(values: dict[str, Any]) -> dict[str, list[str]]:
    """The cluster's dates in ``values`` that lie outside the window (#9)."""
    labels = {
        "founded_on": _("Dato for stiftende generalforsamling"),
        "nemkonto_confirmed_on": _("NemKonto bekræftet"),
    }
    return date_errors((field, label, values.get(field)) for field, label in labels.items())


def actor_is_coordinator_only(actor: User, cluster: GpCluster) -> bool:
    return not can(actor, Action.ADMINISTER, cluster)


@transaction.atomic
def cluster_complete(*, actor: User, cluster: GpCluster, today: dt.date | None = None) -> GpCluster:
    """Færdigmeld klyngen (A1): only when nothing on the checklist is missing; records the date."""
    cluster = GpCluster.objects.select_for_update().get(pk=cluster.pk)
    require(actor, Action.EDIT, cluster)
    if cluster.completed_on:
        raise ValidationError(
            {
                "__all__": _("Klyngen blev allerede færdigmeldt %(date)s.")
                % {"date": long_date(cluster.completed_on)}
            }
        )
    missing = [item for item in checklist(cluster) if not item.done]
    if missing:
        raise ValidationError(
            {
                "__all__": [
                    _("Klyngen kan ikke færdigmeldes endnu. Mangler: %(what)s")
                    % {"what": "; ".join(str(item.fix) for item in missing)}
                ]
            }
        )
    before = snapshot(cluster, ["status", "completed_on"])
    cluster.completed_on = _today(today)
    cluster.status = GpCluster.Status.COMPLETED
    cluster.save(update_fields=["completed_on", "status"])
    record(
        actor=actor,
        action="gp_cluster.complete",
        summary=_("Klyngen færdigmeldt %(date)s") % {"date": long_date(cluster.completed_on)},
        obj=cluster,
        before=before,
        after=snapshot(cluster, ["status", "completed_on"]),
        region=cluster.region,
        gp_cluster=cluster,
    )
    transaction.on_commit(lambda: notifications.send_completed(cluster))
    return cluster


@transaction.atomic
def region_update(
    *, actor: User, region: Region, required_documents: Iterable[DocumentType] | None = None, **changes: Any
) -> Region:
    """A region officer sets the region's instructions, processing days, policy and required documents."""
    region = Region.objects.select_for_update().get(pk=region.pk)
    require_region(actor, Action.ADMINISTER, region)
    allowed = {
        "instructions",
        "processing_days_min",
        "processing_days_max",
        "annual_regulation",
        "payment_iban",
        "payment_bic",
        "repayment_instructions",
        "claim_days",
    }
    if set(changes) - allowed:
        raise TypeError(f"region_update does not change {sorted(set(changes) - allowed)}")
    low = changes.get("processing_days_min", region.processing_days_min)
    high = changes.get("processing_days_max", region.processing_days_max)
    if low is None or high is None or low < 0 or high > 365 or low > high:
        raise ValidationError(
            {"processing_days_max": _("Behandlingstid: 'højst' skal være mindst 'mindst' og højst 365 dage.")}
        )
    if changes.get("payment_iban"):
        changes["payment_iban"] = clean_iban(changes["payment_iban"])
    if "claim_days" in changes and not (
        isinstance(changes["claim_days"], int) and 1 <= changes["claim_days"] <= 365
    ):
        raise ValidationError({"claim_days": _("Betalingsfrist: skal være mellem 1 og 365 dage.")})
    before = snapshot(region)
    before_docs = sorted(region.required_documents.values_list("code", flat=True))
    for field, value in changes.items():
        setattr(region, field, value)
    region.save()
    if required_documents is not None:
        region.required_documents.set(list(required_documents))
    after = snapshot(region)
    after_docs = sorted(region.required_documents.values_list("code", flat=True))
    record(
        actor=actor,
        action="region.update",
        summary=_("Regionens opsætning ændret"),
        obj=region,
        before={**(before or {}), "required_documents": before_docs},
        after={**(after or {}), "required_documents": after_docs},
        region=region,
    )
    return region


@transaction.atomic
def region_create(*, actor: User, code: str, name: str, valid_from: dt.date | None = None) -> Region:
    """An administrator creates a region (#11: Region Østdanmark from 1 January 2027) with the code
    they enter: the product never invents a region code. The region starts with the default
    processing days and policy; its officers set the rest on its settings page."""
    if not is_admin(actor):
        raise PermissionDenied(_("Kun en administrator kan oprette en region."))
    code = (code or "").strip()
    name = (name or "").strip()
    errors: dict[str, list[str]] = {}
    if not re.fullmatch(r"[0-9]{4}", code):
        errors["code"] = [_("Regionskode: skriv regionens kode med 4 cifre, fx 1086.")]
    elif Region.objects.filter(code=code).exists():
        taken = Region.objects.get(code=code)
        errors["code"] = [
            _("Regionskode: %(code)s er allerede brugt af %(name)s; skriv en anden kode.")
            % {"code": code, "name": taken.name}
        ]
    if not name:
        errors["name"] = [_("Navn: skriv regionens navn, fx Region Østdanmark.")]
    elif len(name) > 100:  # Region.name.max_length
        errors["name"] = [_("Navn: højst 100 tegn.")]
    errors.update(_region_date_errors(valid_from))
    if errors:
        raise ValidationError(errors)
    try:
        with transaction.atomic():
            region = Region.objects.create(code=code, name=name, valid_from=valid_from)
    except IntegrityError as exc:  # the same code created at the same moment by someone else
        raise ValidationError(
            {"code": [_("Regionskode: %(code)s er lige blevet brugt; skriv en anden kode.") % {"code": code}]}
        ) from exc
    record(
        actor=actor,
        action="region.create",
        summary=_("Regionen %(name)s (%(code)s) oprettet") % {"name": region.name, "code": region.code},
        obj=region,
        after=snapshot(region),
        region=region,
    )
    return region


def _region_date_errors(valid_from: dt.date | None) -> dict[str, list[str]]:
    if valid_from is not None and (
        not isinstance(valid_from, dt.date) or isinstance(valid_from, dt.datetime)
    ):
        return {"valid_from": [_("Gælder fra: skriv en gyldig dato, fx 01.01.2027.")]}
    return date_errors([("valid_from", _("Gælder fra"), valid_from)])


# --- Practices, capacities, patients ---------------------------------------------------------------


def _membership_date_errors(
    cluster: GpCluster, joined: dt.date | None, left: dt.date | None
) -> dict[str, list[str]]:
    errors: dict[str, list[str]] = {}
    if joined is None:
        errors["joined"] = [_("Indtrådt: skriv datoen for praksissens første dag i klyngen.")]
        return errors
    errors.update(date_errors([("joined", _("Indtrådt"), joined), ("left", _("Udtrådt"), left)]))
    if errors:
        return errors
    if joined < cluster.founded_on:
        errors["joined"] = [
            _(
                "Indtrådt: %(date)s er før klyngens stiftende generalforsamling %(founded)s. "
                "Brug en dato fra %(founded)s."
            )
            % {"date": long_date(joined), "founded": long_date(cluster.founded_on)}
        ]
    if left is not None and left <= joined:
        errors["left"] = [
            _(
                "Udtrådt: skal være efter indtrædelsesdatoen %(joined)s (udtrådt er første dag, praksis ikke "
                "længere er med)."
            )
            % {"joined": long_date(joined)}
        ]
    return errors


def _overlap_error(
    practice: Practice, joined: dt.date, left: dt.date | None, exclude: int | None = None, actor: Any = None
) -> dict[str, list[str]]:
    """The message for an overlapping membership; names the other cluster only to those who may see it."""
    clash = Membership.objects.filter(practice=practice)
    if exclude is not None:
        clash = clash.exclude(pk=exclude)
    clash = clash.filter(Q(left__isnull=True) | Q(left__gt=joined))
    if left is not None:
        clash = clash.filter(joined__lt=left)
    other = clash.select_related("cluster").first()
    if other is None:
        return {}
    until = long_date(other.left) if other.left else _("nu")
    cluster_name = (
        other.cluster.name
        if actor is not None and can(actor, Action.VIEW, other.cluster)
        else _("en anden klynge")
    )
    return {
        "joined": [
            _(
                "Indtrådt: %(practice)s er allerede medlem af %(cluster)s fra %(joined)s til %(until)s. En praksis kan "
                "kun være i én klynge ad gangen: meld den ud dér først, eller brug 'Flyt praksis'."
            )
            % {
                "practice": practice.name,
                "cluster": cluster_name,
                "joined": long_date(other.joined),
                "until": until,
            }
        ]
    }


def _save_membership(membership: Membership) -> None:
    """Save, turning the database's refusal of an overlap into the same message as the service check."""
    try:
        with transaction.atomic():
            membership.save()
    except IntegrityError as exc:
        if "overlap" in str(exc).lower():
            raise ValidationError(
                _overlap_error(membership.practice, membership.joined, membership.left, exclude=membership.pk)
                or {"joined": [str(exc)]}
            ) from exc
        raise


@transaction.atomic
def practice_create(
    *,
    actor: User,
    region: Region,
    provider_number: str,
    name: str,
    capacities: int,
    capacities_from: dt.date,
    group1_patients: int | None = None,
    today: dt.date | None = None,
    cluster: GpCluster | None = None,
) -> Practice:
    """Register a practice that the system does not know yet (a duplicate provider number is refused)."""
    if cluster is not None:
        require(actor, Action.EDIT, cluster)
    else:
        require_region(actor, Action.ADMINISTER, region)
    errors: dict[str, list[str]] = {}
    for check, args in ((clean_provider_number, (provider_number,)), (clean_capacities, (capacities,))):
        try:
            check(*args)
        except ValidationError as exc:
            errors.update(exc.message_dict)
    if group1_patients is not None:
        try:
            clean_patients(group1_patients)
        except ValidationError as exc:
            errors.update(exc.message_dict)
    errors.update(date_errors([("capacities_from", _("Kapaciteter gælder fra"), capacities_from)]))
    if not name.strip():
        errors["name"] = [_("Navn: skriv praksissens navn.")]
    number = provider_number.strip().replace(" ", "")
    existing = Practice.objects.filter(provider_number=number).first()
    if existing:
        errors["provider_number"] = [
            _(
                "Ydernummer: %(number)s er allerede registreret (%(name)s). Vælg den eksisterende praksis i stedet."
            )
            % {"number": number, "name": existing.name}
        ]
    if errors:
        raise ValidationError(errors)
    recorded = _today(today)
    practice = Practice.objects.create(provider_number=number, name=name.strip(), region=region)
    CapacityRecord.objects.create(
        practice=practice, valid_from=capacities_from, count=capacities, recorded_on=recorded
    )
    if group1_patients is not None:
        PatientCount.objects.create(
            practice=practice, valid_from=capacities_from, count=group1_patients, recorded_on=recorded
        )
    record(
        actor=actor,
        action="practice.create",
        summary=_("Praksis %(name)s (%(number)s) registreret med %(cap)s kapacitet(er)")
        % {"name": practice.name, "number": number, "cap": capacities},
        obj=practice,
        after={
            **(snapshot(practice) or {}),
            "capacities": capacities,
            "capacities_from": capacities_from.isoformat(),
        },
        region=region,
        gp_cluster=cluster,
    )
    return practice


@transaction.atomic
def practice_add(
    *,
    actor: User,
    cluster: GpCluster,
    provider_number: str,
    joined: dt.date,
    name: str = "",
    capacities: int | None = None,
    group1_patients: int | None = None,
    today: dt.date | None = None,
) -> Membership:
    """The coordinator adds a practice to the cluster from ``joined``.

    A practice the system knows is reused (its name and capacities stay); an unknown one is created
    with ``name`` and ``capacities``. The change is recorded today, which decides when it is paid (A5).
    """
    require(actor, Action.EDIT, cluster)
    number = clean_provider_number(provider_number)
    practice = Practice.objects.filter(provider_number=number).first()
    errors = _membership_date_errors(cluster, joined, None)
    if practice is None:
        if capacities is None:
            errors["capacities"] = [
                _("Lægekapaciteter: praksissen er ny i systemet; skriv antal kapaciteter.")
            ]
        if not name.strip():
            errors["name"] = [_("Navn: praksissen er ny i systemet; skriv dens navn.")]
        if errors:
            raise ValidationError(errors)
        practice = practice_create(
            actor=actor,
            region=cluster.region,
            provider_number=number,
            name=name,
            capacities=capacities or 0,
            capacities_from=joined,
            group1_patients=group1_patients,
            today=today,
            cluster=cluster,
        )
    else:
        Practice.objects.select_for_update().filter(pk=practice.pk).first()
        same = (
            Membership.objects.filter(practice=practice, cluster=cluster)
            .filter(Q(left__isnull=True) | Q(left__gt=joined))
            .order_by("joined")
            .first()
        )
        if same is not None:
            # A duplicate of a member of this very cluster is about the provider number (#13).
            errors["provider_number"] = [
                _(
                    "Ydernummer: %(number)s (%(name)s) er allerede medlem af klyngen fra %(joined)s. Ret "
                    "den eksisterende praksis i listen i stedet for at tilføje den igen."
                )
                % {
                    "number": practice.provider_number,
                    "name": practice.name,
                    "joined": long_date(same.joined),
                }
            ]
        if not errors:
            errors.update(_overlap_error(practice, joined, None, actor=actor))
        if errors:
            raise ValidationError(errors)
    membership = Membership(practice=practice, cluster=cluster, joined=joined, recorded_on=_today(today))
    _save_membership(membership)
    record(
        actor=actor,
        action="membership.create",
        summary=_("%(practice)s tilmeldt klyngen fra %(date)s")
        % {"practice": practice, "date": long_date(joined)},
        obj=membership,
        after=snapshot(membership),
        region=cluster.region,
        gp_cluster=cluster,
    )
    return membership


@transaction.atomic
def capacity_set(
    *,
    actor: User,
    practice: Practice,
    cluster: GpCluster,
    valid_from: dt.date,
    count: int,
    today: dt.date | None = None,
) -> CapacityRecord:
    """Record that the practice has ``count`` capacities from ``valid_from`` (a later run regulates it)."""
    _require_member_practice(actor, practice, cluster)
    clean_date(valid_from, field="valid_from", label=_("Gælder fra"))
    clean_capacities(count, field="count")
    recorded = _today(today)
    previous = (
        practice.capacities.filter(valid_from__lte=valid_from).order_by("valid_from", "recorded_on").last()
    )
    rec, _created = CapacityRecord.objects.update_or_create(
        practice=practice, valid_from=valid_from, recorded_on=recorded, defaults={"count": count}
    )
    record(
        actor=actor,
        action="practice.capacity",
        summary=_("%(practice)s: %(count)s kapacitet(er) fra %(date)s")
        % {"practice": practice, "count": count, "date": long_date(valid_from)},
        obj=practice,
        before={"capacities": previous.count, "valid_from": previous.valid_from.isoformat()}
        if previous
        else None,
        after={
            "capacities": count,
            "valid_from": valid_from.isoformat(),
            "recorded_on": recorded.isoformat(),
        },
        region=cluster.region,
        gp_cluster=cluster,
    )
    return rec


@transaction.atomic
def patients_set(
    *,
    actor: User,
    practice: Practice,
    cluster: GpCluster,
    valid_from: dt.date,
    count: int,
    today: dt.date | None = None,
) -> PatientCount:
    """Record the practice's group-1 patient count from ``valid_from`` (the OK22 basis)."""
    _require_member_practice(actor, practice, cluster)
    clean_date(valid_from, field="valid_from", label=_("Gælder fra"))
    clean_patients(count, field="count")
    recorded = _today(today)
    previous = (
        practice.patient_counts.filter(valid_from__lte=valid_from)
        .order_by("valid_from", "recorded_on")
        .last()
    )
    rec, _created = PatientCount.objects.update_or_create(
        practice=practice, valid_from=valid_from, recorded_on=recorded, defaults={"count": count}
    )
    record(
        actor=actor,
        action="practice.patients",
        summary=_("%(practice)s: %(count)s gruppe 1-patienter fra %(date)s")
        % {"practice": practice, "count": count, "date": long_date(valid_from)},
        obj=practice,
        before={"group1_patients": previous.count, "valid_from": previous.valid_from.isoformat()}
        if previous
        else None,
        after={
            "group1_patients": count,
            "valid_from": valid_from.isoformat(),
            "recorded_on": recorded.isoformat(),
        },
        region=cluster.region,
        gp_cluster=cluster,
    )
    return rec


def _require_member_practice(actor: User, practice: Practice, cluster: GpCluster) -> None:
    require(actor, Action.EDIT, cluster)
    if not practice.memberships.filter(cluster=cluster).exists():
        raise ValidationError(
            {
                "practice": _("Praksis: %(practice)s er ikke medlem af %(cluster)s.")
                % {"practice": practice, "cluster": cluster}
            }
        )


# --- Memberships ----------------------------------------------------------------------------------


@transaction.atomic
def membership_end(
    *, actor: User, membership: Membership, left: dt.date, today: dt.date | None = None
) -> Membership:
    """Deregister the practice: ``left`` is its first day no longer a member."""
    membership = (
        Membership.objects.select_for_update().select_related("cluster", "practice").get(pk=membership.pk)
    )
    cluster = membership.cluster
    require(actor, Action.EDIT, cluster)
    if membership.left is not None:
        raise ValidationError(
            {
                "left": _("Udtrådt: praksissen er allerede udmeldt fra %(date)s.")
                % {"date": long_date(membership.left)}
            }
        )
    errors = _membership_date_errors(cluster, membership.joined, left)
    if left is not None and left < cluster.founded_on:
        errors["left"] = [_("Udtrådt: datoen er før klyngens stiftende generalforsamling.")]
    if errors:
        raise ValidationError(errors)
    before = snapshot(membership)
    membership.left = left
    membership.left_recorded_on = _today(today)
    _save_membership(membership)
    record(
        actor=actor,
        action="membership.end",
        summary=_("%(practice)s udmeldt fra %(date)s")
        % {"practice": membership.practice, "date": long_date(left)},
        obj=membership,
        before=before,
        after=snapshot(membership),
        region=cluster.region,
        gp_cluster=cluster,
    )
    return membership


@transaction.atomic
def practice_move(
    *, actor: User, membership: Membership, to_cluster: GpCluster, on: dt.date, today: dt.date | None = None
) -> Membership:
    """Move a practice to another cluster (A8): it leaves this one and joins the other on ``on``.

    The coordinator of the leaving cluster (or the region) may move it; both clusters must be in the
    same region unless the actor administers both.
    """
    if to_cluster.pk == membership.cluster_id:
        raise ValidationError({"to_cluster": _("Ny klynge: vælg en anden klynge end den nuværende.")})
    source_region_id = (
        GpCluster.objects.filter(pk=membership.cluster_id).values_list("region_id", flat=True).first()
    )
    if to_cluster.region_id != source_region_id and not can(actor, Action.EDIT, to_cluster):
        raise ValidationError(
            {
                "to_cluster": _(
                    "Ny klynge: vælg en klynge i samme region; flytning til en anden region klares af regionerne."
                )
            }
        )
    to_errors = _membership_date_errors(to_cluster, on, None)
    if to_errors:
        raise ValidationError({"on": to_errors["joined"]})
    ended = membership_end(actor=actor, membership=membership, left=on, today=today)
    new = Membership(practice=ended.practice, cluster=to_cluster, joined=on, recorded_on=_today(today))
    _save_membership(new)
    for cluster in (ended.cluster, to_cluster):
        record(
            actor=actor,
            action="membership.move",
            summary=_("%(practice)s flyttet fra %(from)s til %(to)s pr. %(date)s")
            % {"practice": ended.practice, "from": ended.cluster, "to": to_cluster, "date": long_date(on)},
            obj=new,
            before=snapshot(ended),
            after=snapshot(new),
            region=cluster.region,
            gp_cluster=cluster,
        )
    return new


# --- Documents ------------------------------------------------------------------------------------


@transaction.atomic
def document_upload(
    *, actor: User, cluster: GpCluster, document_type: DocumentType, upload: UploadedFile
) -> Document:
    """Store an uploaded PDF, DOCX or ODT, checked by its content, outside the web root."""
    require(actor, Action.EDIT, cluster)
    kind = documents.check_upload(upload)
    upload.seek(0)
    digest = hashlib.sha256()
    for chunk in upload.chunks():
        digest.update(chunk)
    upload.seek(0)
    document = Document(
        cluster=cluster,
        document_type=document_type,
        original_name=documents.safe_name(upload.name or "dokument", kind),
        content_type=kind.mime,
        size=upload.size or 0,
        sha256=digest.hexdigest(),
        uploaded_by=actor,
    )
    document.file.save(f"{digest.hexdigest()[:16]}.{kind.extension}", upload, save=False)
    try:
        document.save()
    except Exception:
        document.file.delete(save=False)
        raise
    record(
        actor=actor,
        action="document.upload",
        summary=_("Dokument uploadet: %(type)s (%(name)s)")
        % {"type": document_type.name, "name": document.original_name},
        obj=document,
        after=snapshot(document),
        region=cluster.region,
        gp_cluster=cluster,
    )
    return document


@transaction.atomic
def document_remove(*, actor: User, document: Document) -> Document:
    """Mark a document removed (the file is kept for the audit trail)."""
    document = Document.objects.select_for_update().select_related("cluster").get(pk=document.pk)
    require(actor, Action.EDIT, document.cluster)
    if document.cluster.completed_on:
        raise ValidationError(
            {"__all__": _("Klyngen er færdigmeldt; dokumenter kan ikke fjernes. Upload en ny version.")}
        )
    before = snapshot(document)
    document.removed_at = timezone.now()
    document.save(update_fields=["removed_at"])
    record(
        actor=actor,
        action="document.remove",
        summary=_("Dokument fjernet: %(name)s") % {"name": document.original_name},
        obj=document,
        before=before,
        after=snapshot(document),
        region=document.cluster.region,
        gp_cluster=document.cluster,
    )
    return document
