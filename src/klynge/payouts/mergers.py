"""A merger of regions (#11): prepared as a draft with its preview, approved by a second
administrator, carried out on its date in one transaction, audited.

The API (docs/reorganise.md):

* :func:`merger_prepare` ``(*, actor, document, today=None) -> RegionMerger``: an administrator
  prepares a draft from a checked ``klynge-reorganise/1`` document;
* :func:`merger_approve` ``(*, actor, merger, today=None) -> RegionMerger``: another administrator
  approves it; on or after its date it is carried out at once;
* :func:`merger_withdraw` ``(*, actor, merger, reason) -> RegionMerger``: any administrator, before
  it is carried out;
* :func:`merger_carry_out` ``(*, merger, today=None, actor=None) -> RegionMerger``: an approved
  merger on or after its date (the nightly ``klynge reorganise --due``, or the approval);
* :func:`mergers_due` ``(today=None)``: the approved mergers whose date has come;
* :func:`merger_current_preview` ``(merger) -> MergerPreview``: the preview as it is now;
* :func:`merger_regions` ``(merger) -> list[Region]``: its predecessors in the file's order.

Refusals raise ``ValidationError`` ({field: [Danish message]}, English under ``translation.override``)
or ``PermissionDenied``; nothing is changed then.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.db.models import QuerySet, Sum
from django.utils import timezone
from django.utils.translation import gettext as _

from klynge.accounts.access import is_admin
from klynge.accounts.models import Role, RoleAssignment
from klynge.audit.log import record, snapshot
from klynge.common.dates import long_date
from klynge.ledger import services as ledger
from klynge.ledger.models import Ledger, Posting
from klynge.payouts import reorganise, runs
from klynge.payouts.models import MergerPredecessor, RegionMerger
from klynge.payouts.reorganise import MergerPreview, Reorganisation
from klynge.registry.models import DocumentType, GpCluster, Practice, Region

OPEN = (RegionMerger.Status.DRAFT, RegionMerger.Status.APPROVED)
REGION_SCOPED_ROLES = (Role.REGION_OFFICER, Role.REGION_APPROVER, Role.SSU_READER)
SOURCE_CLOSING, SOURCE_OPENING = "merger.closing", "merger.opening"
# Refusals that a draft may still have when it is prepared: they must be resolved before approval.
SOFT_AT_PREPARE = {"open_run"}
# The field of the form (or the file) each refusal concerns.
REFUSAL_FIELD = {
    "too_few": "predecessors",
    "no_successor": "successor_code",
    "successor_is_predecessor": "successor_code",
    "successor_starts_later": "successor_code",
    "successor_ended": "successor_code",
    "successor_in_use": "successor_code",
    "already_merged": "predecessors",
    "in_other_merger": "predecessors",
    "starts_after": "effective_on",
    "ended": "effective_on",
    "open_run": "predecessors",
    "released_after": "effective_on",
    "ledger_after": "effective_on",
}


def _refuse(field: str, message: str) -> ValidationError:
    return ValidationError({field: [message]})


def _refusals_error(preview: MergerPreview, skip: set[str] | None = None) -> ValidationError | None:
    errors: dict[str, list[str]] = {}
    for refusal in preview.refusals:
        if skip and refusal.code in skip:
            continue
        errors.setdefault(REFUSAL_FIELD.get(refusal.code, "predecessors"), []).append(refusal.message)
    return ValidationError(errors) if errors else None


def _require_admin(actor: Any, message: str) -> None:
    if not is_admin(actor):
        raise PermissionDenied(message)


# --- The successor's settings ---------------------------------------------------------------------

SETTING_FIELDS = (
    "processing_days_min",
    "processing_days_max",
    "annual_regulation",
    "claim_days",
    "instructions",
    "payment_iban",
    "payment_bic",
    "repayment_instructions",
)


def successor_settings(document: Reorganisation) -> dict[str, Any]:
    """The successor's settings the document chooses, resolved: those of the region named by
    ``settings.from`` (default: the successor when it exists, else the first region under ``merge``)
    with the file's overrides."""
    chosen = document.settings
    default = (
        document.into_code if Region.objects.filter(code=document.into_code).exists() else document.merge[0]
    )
    source = Region.objects.get(code=chosen.get("from", default))
    resolved: dict[str, Any] = {"from": source.code}
    for name in SETTING_FIELDS:
        resolved[name] = getattr(source, name)
    resolved["required_documents"] = sorted(source.required_documents.values_list("code", flat=True))
    if "processing_days" in chosen:
        resolved["processing_days_min"], resolved["processing_days_max"] = chosen["processing_days"]
    for name in (
        "annual_regulation",
        "claim_days",
        "required_documents",
        "instructions",
        "payment_iban",
        "payment_bic",
        "repayment_instructions",
    ):
        if name in chosen:
            resolved[name] = chosen[name]
    return resolved


# --- Reading --------------------------------------------------------------------------------------


def merger_regions(merger: RegionMerger) -> list[Region]:
    """The merger's predecessors, in the file's order."""
    return [
        part.region
        for part in MergerPredecessor.objects.filter(merger=merger)
        .select_related("region__successor")
        .order_by("position")
    ]


def merger_current_preview(merger: RegionMerger) -> MergerPreview:
    """What the merger would move now, and why it cannot be carried out yet (reads only)."""
    return reorganise.merger_preview(
        merger_regions(merger), merger.successor_code, merger.effective_on, merger=merger
    )


def mergers_due(today: dt.date | None = None) -> QuerySet[RegionMerger]:
    """The approved mergers whose date has come, oldest first."""
    today = today or timezone.localdate()
    return RegionMerger.objects.filter(status=RegionMerger.Status.APPROVED, effective_on__lte=today).order_by(
        "effective_on", "pk"
    )


def _summary(merger: RegionMerger, regions: list[Region]) -> dict[str, Any]:
    return {
        "effective_on": merger.effective_on.isoformat(),
        "predecessors": [r.code for r in regions],
        "successor_code": merger.successor_code,
        "successor_name": merger.successor_name,
        "status": merger.status,
    }


# --- Preparing, approving, withdrawing ------------------------------------------------------------


@transaction.atomic
def merger_prepare(*, actor: Any, document: Reorganisation, today: dt.date | None = None) -> RegionMerger:
    """An administrator prepares a merger as a draft from a checked document, with its preview.

    Refused: not an administrator; any refusal of the preview but an open payout run (which must be
    released or discarded before the approval; the draft says so); another open merger with the same
    successor code."""
    _require_admin(actor, _("Kun en administrator kan forberede en sammenlægning af regioner."))
    preview = reorganise.preview_for(document)
    error = _refusals_error(preview, skip=SOFT_AT_PREPARE)
    if error is not None:
        raise error
    other = RegionMerger.objects.filter(successor_code=document.into_code, status__in=OPEN).first()
    if other is not None:
        raise _refuse(
            "successor_code",
            _(
                "Regionskode: sammenlægning nr. %(number)s skal allerede oprette %(code)s; træk den "
                "tilbage først, eller brug den."
            )
            % {"number": other.pk, "code": document.into_code},
        )
    regions = {r.code: r for r in Region.objects.filter(code__in=document.merge)}
    merger = RegionMerger.objects.create(
        effective_on=document.on,
        successor=Region.objects.filter(code=document.into_code).first(),
        successor_code=document.into_code,
        successor_name=document.into_name,
        region_settings=successor_settings(document),
        note=document.note,
        prepared_by=actor,
        preview_prepared=preview.as_dict(),
    )
    try:
        with transaction.atomic():
            MergerPredecessor.objects.bulk_create(
                MergerPredecessor(merger=merger, region=regions[code], position=i)
                for i, code in enumerate(document.merge, start=1)
            )
    except IntegrityError:  # another draft took one of the regions meanwhile
        raise _refuse(
            "predecessors",
            _("Regionerne: en af dem indgår lige nu i en anden sammenlægning; prøv igen."),
        ) from None
    ordered = [regions[code] for code in document.merge]
    record(
        actor=actor,
        action="region_merger.prepare",
        summary=_("Sammenlægning nr. %(number)s forberedt: %(names)s → %(into)s %(date)s")
        % {
            "number": merger.pk,
            "names": " + ".join(r.name for r in ordered),
            "into": merger.successor_name,
            "date": merger.effective_on.isoformat(),
        },
        obj=merger,
        after={**_summary(merger, ordered), "settings": merger.region_settings, "ok": preview.ok},
    )
    return merger


def _locked(merger: RegionMerger) -> RegionMerger:
    return RegionMerger.objects.select_for_update().get(pk=merger.pk)


@transaction.atomic
def merger_approve(*, actor: Any, merger: RegionMerger, today: dt.date | None = None) -> RegionMerger:
    """Another administrator approves a draft (four eyes). Refused while the preview has refusals
    (an open payout run, a released run or a booking on or after the date, a successor code in use,
    a region already merged). On or after its date the merger is carried out at once."""
    today = today or timezone.localdate()
    merger = _locked(merger)
    _require_admin(actor, _("Kun en administrator kan godkende en sammenlægning af regioner."))
    if (
        merger.status in (RegionMerger.Status.APPROVED, RegionMerger.Status.CARRIED_OUT)
        and merger.approved_by_id == actor.pk
    ):
        return merger
    if merger.status != RegionMerger.Status.DRAFT:
        raise _refuse(
            "status",
            _("Sammenlægningen er %(status)s; kun en kladde kan godkendes.")
            % {"status": merger.get_status_display().lower()},
        )
    if merger.prepared_by_id == actor.pk:
        raise _refuse(
            "approved_by",
            _(
                "Godkender: du har selv forberedt sammenlægningen og kan ikke godkende den. En anden "
                "administrator skal godkende den (fire øjne)."
            ),
        )
    preview = merger_current_preview(merger)
    error = _refusals_error(preview)
    if error is not None:
        raise error
    merger.status = RegionMerger.Status.APPROVED
    merger.approved_by = actor
    merger.approved_at = timezone.now()
    merger.save(update_fields=["status", "approved_by", "approved_at"])
    record(
        actor=actor,
        action="region_merger.approve",
        summary=_("Sammenlægning nr. %(number)s godkendt; den træder i kraft %(date)s")
        % {"number": merger.pk, "date": long_date(merger.effective_on)},
        obj=merger,
        before={"status": RegionMerger.Status.DRAFT},
        after={"status": merger.status},
    )
    if merger.effective_on <= today:
        merger = merger_carry_out(merger=merger, today=today, actor=actor)
    return merger


@transaction.atomic
def merger_withdraw(*, actor: Any, merger: RegionMerger, reason: str) -> RegionMerger:
    """An administrator withdraws a draft or an approved merger that is not carried out yet."""
    merger = _locked(merger)
    _require_admin(actor, _("Kun en administrator kan trække en sammenlægning tilbage."))
    if merger.status == RegionMerger.Status.WITHDRAWN:
        return merger
    if merger.status == RegionMerger.Status.CARRIED_OUT:
        raise _refuse(
            "status",
            _("Sammenlægningen er gennemført og kan ikke trækkes tilbage."),
        )
    reason = (reason or "").strip()
    if not reason:
        raise _refuse("withdrawn_reason", _("Begrundelse: skriv, hvorfor sammenlægningen trækkes tilbage."))
    before = merger.status
    merger.status = RegionMerger.Status.WITHDRAWN
    merger.withdrawn_by = actor
    merger.withdrawn_at = timezone.now()
    merger.withdrawn_reason = reason[:2000]
    merger.save(update_fields=["status", "withdrawn_by", "withdrawn_at", "withdrawn_reason"])
    MergerPredecessor.objects.filter(merger=merger).update(withdrawn=True)
    record(
        actor=actor,
        action="region_merger.withdraw",
        summary=_("Sammenlægning nr. %(number)s trukket tilbage: %(reason)s")
        % {"number": merger.pk, "reason": merger.withdrawn_reason},
        obj=merger,
        before={"status": before},
        after={"status": merger.status, "reason": merger.withdrawn_reason},
    )
    return merger


# --- Carrying out ---------------------------------------------------------------------------------


def _successor(merger: RegionMerger) -> Region:
    """The successor with the chosen settings, first day the merger's date (made when missing)."""
    chosen = merger.region_settings
    region = Region.objects.select_for_update().filter(code=merger.successor_code).first()
    created = region is None
    if region is None:
        region = Region(code=merger.successor_code, name=merger.successor_name)
    before = None if created else snapshot(region)
    for name in SETTING_FIELDS:
        if name in chosen:
            setattr(region, name, chosen[name])
    region.valid_from = merger.effective_on
    region.save()
    if "required_documents" in chosen:
        region.required_documents.set(DocumentType.objects.filter(code__in=chosen["required_documents"]))
    record(
        actor=None,
        action="region.create" if created else "region.update",
        summary=(
            _("Regionen %(name)s (%(code)s) oprettet ved sammenlægning nr. %(number)s")
            if created
            else _("Regionen %(name)s (%(code)s) overtager ved sammenlægning nr. %(number)s")
        )
        % {"name": region.name, "code": region.code, "number": merger.pk},
        obj=region,
        before=before,
        after=snapshot(region),
        region=region,
    )
    return region


def _party_balances(books: Ledger) -> list[tuple[str, str, Any]]:
    """Every (account, party) of a ledger with a balance that is not zero, in a stable order."""
    rows = (
        Posting.objects.filter(entry__ledger=books, entry__posted=True)
        .values("account__code", "party")
        .annotate(total=Sum("amount"))
        .order_by("account__code", "party")
    )
    return [(row["account__code"], row["party"], row["total"]) for row in rows if row["total"]]


def _carry_ledger(
    merger: RegionMerger, actor: Any, predecessor: Region, successor: Region
) -> dict[str, Any] | None:
    """The closing entry in the predecessor's ledger (every account and party to zero, dated the day
    before the merger) and the opening entry with the same balances in the successor's, linked by
    their source (``merger.closing`` / ``merger.opening``, ``<merger>:<old code>``) and texts."""
    books = Ledger.objects.filter(code=runs.ledger_code(predecessor)).first()
    if books is None:
        return None
    amounts = _party_balances(books)
    if not amounts:
        return None
    target = runs.region_ledger(successor)
    link = f"{merger.pk}:{predecessor.code}"
    closing = ledger.entry_post(
        actor=actor,
        ledger=books,
        date=merger.effective_on - dt.timedelta(days=1),
        text=_("Lukning ved sammenlægning nr. %(number)s: saldi overført til %(target)s (%(name)s)")
        % {"number": merger.pk, "target": target.code, "name": successor.name},
        lines=[ledger.Line(account, -amount, party=party) for account, party, amount in amounts],
        source=SOURCE_CLOSING,
        source_id=link,
    )
    opening = ledger.entry_post(
        actor=actor,
        ledger=target,
        date=merger.effective_on,
        text=_(
            "Åbning ved sammenlægning nr. %(number)s: saldi overført fra %(source)s bilag %(voucher)s "
            "(%(name)s)"
        )
        % {
            "number": merger.pk,
            "source": books.code,
            "voucher": closing.voucher_number,
            "name": predecessor.name,
        },
        lines=[ledger.Line(account, amount, party=party) for account, party, amount in amounts],
        source=SOURCE_OPENING,
        source_id=link,
    )
    return {
        "closing": {"ledger": books.code, "voucher": closing.voucher_number},
        "opening": {"ledger": target.code, "voucher": opening.voucher_number},
        "lines": len(amounts),
    }


def _move_roles(predecessors: list[Region], successor: Region) -> dict[str, list[Any]]:
    """Region roles of the predecessors to the successor (a user holding the same role twice keeps
    one); finance officers of a predecessor's code to the successor's code."""
    moved: list[int] = []
    merged: list[int] = []
    for assignment in RoleAssignment.objects.filter(region__in=predecessors).order_by("pk"):
        if RoleAssignment.objects.filter(
            user_id=assignment.user_id, role=assignment.role, region=successor
        ).exists():
            merged.append(assignment.user_id)
            assignment.delete()
        else:
            assignment.region = successor
            assignment.save(update_fields=["region"])
            moved.append(assignment.user_id)
    codes = [r.code for r in predecessors]
    finance: list[int] = []
    for assignment in RoleAssignment.objects.filter(
        role=Role.FINANCE_OFFICER, organisation_code__in=codes
    ).order_by("pk"):
        finance.append(assignment.user_id)
        if RoleAssignment.objects.filter(
            user_id=assignment.user_id, role=Role.FINANCE_OFFICER, organisation_code=successor.code
        ).exists():
            assignment.delete()
        else:
            assignment.organisation_code = successor.code
            assignment.save(update_fields=["organisation_code"])
    return {
        "region_roles": sorted(set(moved)),
        "merged": sorted(set(merged)),
        "finance_officers": sorted(set(finance)),
    }


@transaction.atomic
def merger_carry_out(
    *, merger: RegionMerger, today: dt.date | None = None, actor: Any = None
) -> RegionMerger:
    """Carry out an approved merger on or after its date, in one transaction:

    the successor is made (or taken) with the chosen settings and first day the merger's date; the
    predecessors end the day before with the successor as theirs; their GP clusters, practices,
    municipalities, health clusters and region roles move to it (finance officers to its code); each
    predecessor's ledger is closed and its balances opened in the successor's. The payout runs,
    letters, statements and audit entries of the predecessors stay theirs (history under the old
    names). Carrying out again returns the merger unchanged."""
    today = today or timezone.localdate()
    merger = _locked(merger)
    if merger.status == RegionMerger.Status.CARRIED_OUT:
        return merger
    if merger.status != RegionMerger.Status.APPROVED:
        raise _refuse(
            "status",
            _("Sammenlægningen er %(status)s; kun en godkendt sammenlægning kan gennemføres.")
            % {"status": merger.get_status_display().lower()},
        )
    if today < merger.effective_on:
        raise _refuse(
            "effective_on",
            _("Dato: sammenlægningen træder først i kraft %(date)s; den gennemføres den dag.")
            % {"date": long_date(merger.effective_on)},
        )
    predecessors = merger_regions(merger)
    Region.objects.select_for_update().filter(pk__in=[r.pk for r in predecessors]).exists()
    preview = merger_current_preview(merger)
    error = _refusals_error(preview)
    if error is not None:
        raise error
    successor = _successor(merger)
    last_day = merger.effective_on - dt.timedelta(days=1)
    for region in predecessors:
        before = {"valid_to": None, "successor": None}
        region.valid_to = last_day
        region.successor = successor
        region.save(update_fields=["valid_to", "successor"])
        record(
            actor=actor,
            action="region.merge",
            summary=_("%(name)s ophører %(last)s; %(successor)s overtager (sammenlægning nr. %(number)s)")
            % {
                "name": region.name,
                "last": last_day.isoformat(),
                "successor": successor.name,
                "number": merger.pk,
            },
            obj=region,
            before=before,
            after={"valid_to": last_day.isoformat(), "successor": successor.code},
            region=region,
        )
    clusters = list(
        GpCluster.objects.filter(region__in=predecessors).order_by("pk").values_list("pk", "region__code")
    )
    GpCluster.objects.filter(region__in=predecessors).update(region=successor)
    practices = Practice.objects.filter(region__in=predecessors).update(region=successor)
    from klynge.health.regions import regions_move

    health = regions_move(predecessors, successor)
    roles = _move_roles(predecessors, successor)
    books = {}
    for region in predecessors:
        carried = _carry_ledger(merger, actor, region, successor)
        if carried is not None:
            books[region.code] = carried
    merger.status = RegionMerger.Status.CARRIED_OUT
    merger.successor = successor
    merger.carried_out_at = timezone.now()
    merger.preview_carried_out = preview.as_dict()
    merger.outcome = {
        "successor": successor.code,
        "clusters": [{"id": pk, "from": code} for pk, code in clusters],
        "practices": practices,
        **health,
        **roles,
        "ledgers": books,
    }
    merger.save(update_fields=["status", "successor", "carried_out_at", "preview_carried_out", "outcome"])
    record(
        actor=actor,
        action="region_merger.carry_out",
        summary=_(
            "Sammenlægning nr. %(number)s gennemført: %(names)s → %(into)s fra %(date)s; "
            "%(clusters)s praksisklynger flyttet"
        )
        % {
            "number": merger.pk,
            "names": " + ".join(r.name for r in predecessors),
            "into": successor.name,
            "date": merger.effective_on.isoformat(),
            "clusters": len(clusters),
        },
        obj=merger,
        before={"status": RegionMerger.Status.APPROVED},
        after={"status": merger.status, "outcome": merger.outcome},
        region=successor,
    )
    done = merger.pk
    transaction.on_commit(lambda: _tell(done))
    return merger


def _tell(merger_pk: int) -> None:
    from klynge.payouts.notifications import send_merged

    send_merged(RegionMerger.objects.get(pk=merger_pk))


# --- Checking the carried balances (``klynge verify``) -----------------------------------------------


def _by_party(entry_ids: list[int]) -> dict[tuple[str, str], int]:
    from klynge.core.money import to_ore

    found: dict[tuple[str, str], int] = {}
    for code, party, amount in Posting.objects.filter(entry_id__in=entry_ids).values_list(
        "account__code", "party", "amount"
    ):
        found[code, party] = found.get((code, party), 0) + to_ore(amount)
    return {key: value for key, value in found.items() if value}


def verify_carried() -> list[str]:
    """What does not add up in the carried-out mergers' ledgers (empty: all is well): each closed
    ledger is zero per account and party after its closing entry (and stays so), and the opening
    entry in the successor's ledger has exactly the balances the closing entry took out."""
    from klynge.ledger.models import JournalEntry

    problems: list[str] = []
    for merger in RegionMerger.objects.filter(status=RegionMerger.Status.CARRIED_OUT).order_by("pk"):
        for code, carried in sorted(((merger.outcome or {}).get("ledgers") or {}).items()):
            link = f"{merger.pk}:{code}"
            closing = JournalEntry.objects.filter(
                source=SOURCE_CLOSING, source_id=link, ledger__code=carried["closing"]["ledger"], posted=True
            ).first()
            opening = JournalEntry.objects.filter(
                source=SOURCE_OPENING, source_id=link, ledger__code=carried["opening"]["ledger"], posted=True
            ).first()
            label = _("Sammenlægning nr. %(number)s, %(ledger)s") % {
                "number": merger.pk,
                "ledger": carried["closing"]["ledger"],
            }
            if closing is None or opening is None:
                problems.append(_("%(label)s: luknings- eller åbningsbilaget mangler") % {"label": label})
                continue
            old = list(
                JournalEntry.objects.filter(ledger_id=closing.ledger_id, posted=True).values_list(
                    "pk", flat=True
                )
            )
            left = _by_party(old)
            if left:
                (account, party), ore = sorted(left.items())[0]
                problems.append(
                    _(
                        "%(label)s: konto %(account)s (%(party)s) står ikke på 0 efter lukningen, men %(ore)s øre"
                    )
                    % {"label": label, "account": account, "party": party or "-", "ore": ore}
                )
            taken = {key: -value for key, value in _by_party([closing.pk]).items()}
            if taken != _by_party([opening.pk]):
                problems.append(
                    _("%(label)s: åbningsbilaget i %(target)s har ikke de saldi, lukningsbilaget tog ud")
                    % {"label": label, "target": carried["opening"]["ledger"]}
                )
    return problems
