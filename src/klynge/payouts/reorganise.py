"""The structural reform (#11): a merger of regions, previewed before anything moves.

:func:`merger_preview` is a selector: it reads and never writes. It lists, per predecessor region,
what a merger on a date would move to the successor — GP clusters by state, open claims and what is
outstanding on them, carried-forward netting balances, settled totals, ledger balances, users' roles,
settings — with the totals before (per region) and after (summed), and the reasons the merger cannot
be carried out yet (``refusals``), as data. Every figure is read from the function that computes it
for the rest of the product: :func:`klynge.payouts.statements.region_overview` (paid, claimed,
repaid, outstanding, entitled, unsettled), :func:`klynge.payouts.statements.carried_forward`,
:func:`klynge.payouts.runs.open_run`, :func:`klynge.payouts.runs.claim_outstanding` and
:func:`klynge.ledger.selectors.balances`.

:func:`read_file` checks a ``klynge-reorganise/1`` document (docs/reorganise.md) and returns every
problem with its place. A merger is prepared, approved and carried out by
:mod:`klynge.payouts.mergers`, which reads the same preview and refusals.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from django.core.exceptions import ValidationError
from django.db.models import Q
from django.utils.translation import gettext as _

from klynge.accounts.models import Role, RoleAssignment
from klynge.common.dates import long_date, window
from klynge.core.dates import long_da, long_en
from klynge.core.money import ZERO
from klynge.core.problems import Problem
from klynge.ledger.models import JournalEntry, Ledger
from klynge.ledger.selectors import balances
from klynge.payouts import runs, statements
from klynge.payouts.models import MergerPredecessor, PayoutRun, RegionMerger, RepaymentClaim
from klynge.registry.models import DocumentType, GpCluster, Practice, Region

FORMAT = "klynge-reorganise/1"
MAX_BYTES = 64 * 1024
REGION_ROLES = (Role.REGION_OFFICER, Role.REGION_APPROVER, Role.SSU_READER, Role.FINANCE_OFFICER)


# --- The preview ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class Refusal:
    """Why the merger cannot be carried out yet; ``region`` is the code it concerns ("" for all)."""

    region: str
    code: str
    message: str


@dataclass(frozen=True)
class ClusterState:
    external_id: str
    name: str
    completed: bool


@dataclass(frozen=True)
class OpenRun:
    run_date: dt.date
    status: str


@dataclass(frozen=True)
class OpenClaim:
    cluster: str  # external id
    cluster_name: str
    run_date: dt.date
    due_on: dt.date
    amount: Decimal
    outstanding: Decimal


@dataclass(frozen=True)
class Carried:
    cluster: str  # external id
    cluster_name: str
    amount: Decimal


@dataclass(frozen=True)
class RoleHolder:
    username: str
    role: str


@dataclass(frozen=True)
class Settings:
    processing_days_min: int
    processing_days_max: int
    annual_regulation: str
    claim_days: int
    required_documents: tuple[str, ...]


@dataclass(frozen=True)
class Totals:
    """A region's figures (or their sum). Money in kroner."""

    clusters: int = 0
    completed: int = 0
    not_completed: int = 0
    open_claims: int = 0
    outstanding: Decimal = ZERO  # claimed − repaid (statements)
    carried_forward: Decimal = ZERO
    paid: Decimal = ZERO
    claimed: Decimal = ZERO
    repaid: Decimal = ZERO
    settled: Decimal = ZERO  # the sum of SettledAmount of released runs = paid − claimed
    entitled: Decimal = ZERO
    unsettled: Decimal = ZERO
    ledger: dict[str, Decimal] = field(default_factory=dict)
    role_assignments: int = 0

    def __add__(self, other: Totals) -> Totals:
        ledger = dict(self.ledger)
        for account, amount in other.ledger.items():
            ledger[account] = ledger.get(account, ZERO) + amount
        summed = {
            name: getattr(self, name) + getattr(other, name)
            for name in self.__dataclass_fields__
            if name not in ("ledger", "role_assignments")
        }
        return Totals(**summed, ledger=dict(sorted(ledger.items())), role_assignments=0)


@dataclass(frozen=True)
class RegionPart:
    """One region of the merger (a predecessor, or the successor as it is today) and its figures."""

    code: str
    name: str
    valid_from: dt.date | None
    valid_to: dt.date | None
    clusters: tuple[ClusterState, ...]
    open_run: OpenRun | None
    open_claims: tuple[OpenClaim, ...]
    carried_forward: tuple[Carried, ...]
    ledger_code: str
    roles: tuple[RoleHolder, ...]
    settings: Settings
    totals: Totals


@dataclass(frozen=True)
class MergerPreview:
    on: dt.date
    successor_code: str | None
    predecessors: tuple[RegionPart, ...]
    successor: RegionPart | None  # the successor region as it is today, when it exists
    after: Totals
    roles_after: tuple[RoleHolder, ...]
    refusals: tuple[Refusal, ...]

    @property
    def ok(self) -> bool:
        return not self.refusals

    def as_dict(self) -> dict[str, Any]:
        return {
            "format": FORMAT,
            "date": self.on.isoformat(),
            "ok": self.ok,
            "refusals": [{"region": r.region, "code": r.code, "message": r.message} for r in self.refusals],
            "predecessors": [_part_dict(p) for p in self.predecessors],
            "successor": _part_dict(self.successor) if self.successor else {"code": self.successor_code},
            "after": {
                **_totals_dict(self.after),
                "roles": [{"username": r.username, "role": r.role} for r in self.roles_after],
                "role_assignments": len(self.roles_after),
            },
        }


def _money(value: Decimal) -> str:
    return f"{value:.2f}"


def _totals_dict(totals: Totals) -> dict[str, Any]:
    found: dict[str, Any] = {}
    for name in totals.__dataclass_fields__:
        value = getattr(totals, name)
        if isinstance(value, Decimal):
            found[name] = _money(value)
        elif isinstance(value, dict):
            found[name] = {account: _money(amount) for account, amount in value.items()}
        else:
            found[name] = value
    return found


def _part_dict(part: RegionPart) -> dict[str, Any]:
    return {
        "code": part.code,
        "name": part.name,
        "valid_from": part.valid_from.isoformat() if part.valid_from else None,
        "valid_to": part.valid_to.isoformat() if part.valid_to else None,
        "clusters": [{"id": c.external_id, "name": c.name, "completed": c.completed} for c in part.clusters],
        "open_run": (
            {"date": part.open_run.run_date.isoformat(), "status": part.open_run.status}
            if part.open_run
            else None
        ),
        "open_claims": [
            {
                "cluster": c.cluster,
                "run_date": c.run_date.isoformat(),
                "due_on": c.due_on.isoformat(),
                "amount": _money(c.amount),
                "outstanding": _money(c.outstanding),
            }
            for c in part.open_claims
        ],
        "carried_forward": [{"cluster": c.cluster, "amount": _money(c.amount)} for c in part.carried_forward],
        "ledger_code": part.ledger_code,
        "roles": [{"username": r.username, "role": r.role} for r in part.roles],
        "settings": {
            "processing_days": [part.settings.processing_days_min, part.settings.processing_days_max],
            "annual_regulation": part.settings.annual_regulation,
            "claim_days": part.settings.claim_days,
            "required_documents": list(part.settings.required_documents),
        },
        "totals": _totals_dict(part.totals),
    }


def _roles(region: Region) -> tuple[RoleHolder, ...]:
    """The role assignments scoped to the region: its officers, approvers and SSU readers, and the
    finance officers of the region as an organisation (its code)."""
    rows = (
        RoleAssignment.objects.filter(
            Q(region=region, role__in=REGION_ROLES)
            | Q(organisation_code=region.code, role=Role.FINANCE_OFFICER)
        )
        .order_by("role", "user__username")
        .values_list("user__username", "role")
        .distinct()
    )
    return tuple(RoleHolder(username, role) for username, role in rows)


def _part(region: Region, on: dt.date) -> RegionPart:
    clusters = tuple(
        ClusterState(external_id, name, status == GpCluster.Status.COMPLETED)
        for external_id, name, status in GpCluster.objects.filter(region=region)
        .order_by("name", "pk")
        .values_list("external_id", "name", "status")
    )
    run = runs.open_run(region)
    open_claims = []
    for claim in (
        RepaymentClaim.objects.filter(run__region=region, run__status=PayoutRun.Status.RELEASED)
        .select_related("cluster", "run")
        .order_by("due_on", "cluster__name", "pk")
    ):
        outstanding = runs.claim_outstanding(claim)
        if outstanding > 0:
            open_claims.append(
                OpenClaim(
                    claim.cluster.external_id,
                    claim.cluster.name,
                    claim.run.run_date,
                    claim.due_on,
                    claim.amount,
                    outstanding,
                )
            )
    carried = tuple(
        Carried(c.cluster.external_id, c.cluster.name, c.amount) for c in statements.carried_forward(region)
    )
    figures = statements.region_overview(region, on).total
    ledger_code = runs.ledger_code(region)
    ledger = Ledger.objects.filter(code=ledger_code).first()
    ledger_balances = balances(ledger) if ledger else {}
    roles = _roles(region)
    completed = sum(1 for c in clusters if c.completed)
    totals = Totals(
        clusters=len(clusters),
        completed=completed,
        not_completed=len(clusters) - completed,
        open_claims=len(open_claims),
        outstanding=figures.outstanding,
        carried_forward=sum((c.amount for c in carried), ZERO),
        paid=figures.paid,
        claimed=figures.claimed,
        repaid=figures.repaid,
        settled=figures.paid - figures.claimed,
        entitled=figures.entitled,
        unsettled=figures.unsettled,
        ledger=dict(sorted(ledger_balances.items())),
        role_assignments=len(roles),
    )
    settings = Settings(
        region.processing_days_min,
        region.processing_days_max,
        region.annual_regulation,
        region.claim_days,
        tuple(sorted(region.required_documents.values_list("code", flat=True))),
    )
    return RegionPart(
        code=region.code,
        name=region.name,
        valid_from=region.valid_from,
        valid_to=region.valid_to,
        clusters=clusters,
        open_run=OpenRun(run.run_date, run.status) if run else None,
        open_claims=tuple(open_claims),
        carried_forward=carried,
        ledger_code=ledger_code,
        roles=roles,
        settings=settings,
        totals=totals,
    )


def successor_in_use(region: Region) -> bool:
    """Whether ``region`` is more than an empty region made to be a merger's successor: it has GP
    clusters, practices, municipalities or health clusters (the shipped regions have), payout runs,
    ledger entries, predecessors already, or a successor itself."""
    return (
        region.successor_id is not None
        or region.municipalities.exists()
        or region.health_clusters.exists()
        or GpCluster.objects.filter(region=region).exists()
        or Practice.objects.filter(region=region).exists()
        or PayoutRun.objects.filter(region=region).exists()
        or Region.objects.filter(successor=region).exists()
        or JournalEntry.objects.filter(ledger__code=runs.ledger_code(region)).exists()
    )


def _refusals(
    predecessors: Sequence[Region],
    successor_code: str | None,
    successor: Region | None,
    on: dt.date,
    merger: RegionMerger | None = None,
) -> list[Refusal]:
    found: list[Refusal] = []

    def refuse(region: str, code: str, message: str) -> None:
        found.append(Refusal(region, code, message))

    day = long_date(on)
    codes = [r.code for r in predecessors]
    if len(set(codes)) < 2:
        refuse("", "too_few", _("En sammenlægning skal have mindst to forskellige regioner."))
    if not successor_code:
        refuse("", "no_successor", _("Angiv koden på den region, der overtager (efterfølgeren)."))
    elif successor is not None:
        # No region with the code: the merger creates it when it is carried out.
        if successor.code in codes:
            refuse(
                successor.code,
                "successor_is_predecessor",
                _("%(name)s kan ikke både lægges sammen og overtage.") % {"name": successor.name},
            )
        if successor.valid_from is not None and successor.valid_from > on:
            refuse(
                successor.code,
                "successor_starts_later",
                _("%(name)s gælder først fra %(from)s, efter sammenlægningen %(day)s.")
                % {"name": successor.name, "from": long_date(successor.valid_from), "day": day},
            )
        if successor.valid_to is not None and successor.valid_to < on:
            refuse(
                successor.code,
                "successor_ended",
                _("%(name)s gælder kun til og med %(to)s.")
                % {"name": successor.name, "to": long_date(successor.valid_to)},
            )
        if successor.code not in codes and successor_in_use(successor):
            refuse(
                successor.code,
                "successor_in_use",
                _(
                    "Regionskode %(code)s er allerede i brug af %(name)s, som har klynger, kørsler, "
                    "bogføringer eller en historik; skriv den nye regions egen kode."
                )
                % {"code": successor.code, "name": successor.name},
            )
    for region in predecessors:
        if region.successor_id is not None:
            refuse(
                region.code,
                "already_merged",
                _("%(name)s er allerede lagt sammen med %(successor)s.")
                % {"name": region.name, "successor": region.successor.name if region.successor else ""},
            )
        if region.valid_from is not None and region.valid_from >= on:
            refuse(
                region.code,
                "starts_after",
                _("%(name)s gælder først fra %(from)s; sammenlægningen skal ligge efter.")
                % {"name": region.name, "from": long_date(region.valid_from)},
            )
        if region.valid_to is not None and region.valid_to < on - dt.timedelta(days=1):
            refuse(
                region.code,
                "ended",
                _("%(name)s ophørte allerede %(to)s.")
                % {"name": region.name, "to": long_date(region.valid_to)},
            )
        other = (
            MergerPredecessor.objects.filter(
                region=region,
                withdrawn=False,
                merger__status__in=(RegionMerger.Status.DRAFT, RegionMerger.Status.APPROVED),
            )
            .exclude(merger=merger)
            .select_related("merger")
            .first()
        )
        if other is not None:
            refuse(
                region.code,
                "in_other_merger",
                _(
                    "%(name)s indgår allerede i sammenlægning nr. %(number)s; træk den tilbage først, "
                    "eller godkend den."
                )
                % {"name": region.name, "number": other.merger_id},
            )
        run = runs.open_run(region)
        if run is not None:
            refuse(
                region.code,
                "open_run",
                _(
                    "%(name)s har en åben udbetalingskørsel %(date)s: godkend og frigiv den eller kassér "
                    "den først"
                )
                % {"name": region.name, "date": long_date(run.run_date)},
            )
        later = (
            PayoutRun.objects.filter(region=region, status=PayoutRun.Status.RELEASED, run_date__gte=on)
            .order_by("-run_date")
            .first()
        )
        if later is not None:
            refuse(
                region.code,
                "released_after",
                _(
                    "%(name)s har en frigivet udbetalingskørsel %(date)s, samme dag som eller efter "
                    "sammenlægningen %(day)s: vælg en senere dato for sammenlægningen."
                )
                % {"name": region.name, "date": long_date(later.run_date), "day": day},
            )
        booked = (
            JournalEntry.objects.filter(ledger__code=runs.ledger_code(region), date__gte=on)
            .order_by("-date")
            .first()
        )
        if booked is not None:
            refuse(
                region.code,
                "ledger_after",
                _(
                    "%(name)s har bogført bilag %(number)s den %(date)s, samme dag som eller efter "
                    "sammenlægningen %(day)s; lukkeposteringen skal være den sidste: vælg en senere dato "
                    "for sammenlægningen."
                )
                % {
                    "name": region.name,
                    "number": booked.voucher_number,
                    "date": long_date(booked.date),
                    "day": day,
                },
            )
    return found


def merger_preview(
    predecessors: list[Region],
    successor_code: str | None,
    on: dt.date,
    *,
    merger: RegionMerger | None = None,
) -> MergerPreview:
    """What merging ``predecessors`` into the region ``successor_code`` on ``on`` would move, each
    predecessor's figures and their sum, and why it cannot be carried out yet. Reads only.

    No region with ``successor_code``: the merger creates it (no refusal). ``merger``: the stored
    merger this preview is for (its own predecessors are not "in another merger")."""
    successor = Region.objects.filter(code=successor_code).first() if successor_code else None
    parts = tuple(_part(region, on) for region in predecessors)
    successor_part = (
        _part(successor, on)
        if successor is not None and successor.code not in {p.code for p in parts}
        else None
    )
    counted = [*parts, *([successor_part] if successor_part else [])]
    after = Totals()
    for part in counted:
        after = after + part.totals
    roles_after = tuple(
        sorted({holder for part in counted for holder in part.roles}, key=lambda h: (h.role, h.username))
    )
    after = Totals(
        **{name: getattr(after, name) for name in after.__dataclass_fields__ if name != "role_assignments"},
        role_assignments=len(roles_after),
    )
    return MergerPreview(
        on=on,
        successor_code=successor_code,
        predecessors=parts,
        successor=successor_part,
        after=after,
        roles_after=roles_after,
        refusals=tuple(_refusals(predecessors, successor_code, successor, on, merger)),
    )


# --- The text ------------------------------------------------------------------------------------


def _kr(amount: Decimal) -> str:
    from klynge.payouts.explain import kr

    return kr(amount)


def _totals_lines(totals: Totals, indent: str = "    ") -> list[str]:
    lines = [
        indent
        + _("Praksisklynger: %(count)s (færdigmeldt %(done)s, ikke færdigmeldt %(not_done)s)")
        % {"count": totals.clusters, "done": totals.completed, "not_done": totals.not_completed},
        indent
        + _("Åbne krav: %(count)s, udestående %(amount)s")
        % {"count": totals.open_claims, "amount": _kr(totals.outstanding)},
        indent + _("Til modregning: %(amount)s") % {"amount": _kr(totals.carried_forward)},
        indent
        + _(
            "Afregnet i alt: %(settled)s (udbetalt %(paid)s, krævet tilbage %(claimed)s, tilbagebetalt %(repaid)s)"
        )
        % {
            "settled": _kr(totals.settled),
            "paid": _kr(totals.paid),
            "claimed": _kr(totals.claimed),
            "repaid": _kr(totals.repaid),
        },
        indent
        + _("Ret til: %(entitled)s; ikke afregnet endnu: %(unsettled)s")
        % {"entitled": _kr(totals.entitled), "unsettled": _kr(totals.unsettled)},
    ]
    if totals.ledger:
        accounts = ", ".join(f"{account} {_kr(amount)}" for account, amount in totals.ledger.items())
        lines.append(indent + _("Saldi: %(accounts)s") % {"accounts": accounts})
    else:
        lines.append(indent + _("Saldi: intet bogført"))
    lines.append(indent + _("Roller: %(count)s") % {"count": totals.role_assignments})
    return lines


def _part_lines(part: RegionPart) -> list[str]:
    lines = [f"  {part.name} ({part.code})"]
    if part.open_run:
        lines.append(
            "    "
            + _("Åben udbetalingskørsel: %(date)s (%(status)s)")
            % {
                "date": long_date(part.open_run.run_date),
                "status": PayoutRun.Status(part.open_run.status).label,
            }
        )
    for claim in part.open_claims:
        lines.append(
            "    "
            + _(
                "Krav på %(cluster)s (%(id)s), kørsel %(run)s, frist %(due)s: %(amount)s, udestående %(outstanding)s"
            )
            % {
                "cluster": claim.cluster_name,
                "id": claim.cluster,
                "run": long_date(claim.run_date),
                "due": long_date(claim.due_on),
                "amount": _kr(claim.amount),
                "outstanding": _kr(claim.outstanding),
            }
        )
    for carried in part.carried_forward:
        lines.append(
            "    "
            + _("Til modregning hos %(cluster)s (%(id)s): %(amount)s")
            % {"cluster": carried.cluster_name, "id": carried.cluster, "amount": _kr(carried.amount)}
        )
    lines += _totals_lines(part.totals)
    lines.append("    " + _("Regnskab: %(code)s") % {"code": part.ledger_code})
    if part.roles:
        lines.append(
            "    "
            + _("Brugere med roller: %(users)s")
            % {"users": ", ".join(f"{r.username} ({Role(r.role).label})" for r in part.roles)}
        )
    settings = part.settings
    lines.append(
        "    "
        + _(
            "Indstillinger: behandlingstid %(low)s–%(high)s dage, %(policy)s, betalingsfrist for krav "
            "%(claim_days)s dage, krævede dokumenter: %(documents)s"
        )
        % {
            "low": settings.processing_days_min,
            "high": settings.processing_days_max,
            "policy": Region.AnnualRegulation(settings.annual_regulation).label,
            "claim_days": settings.claim_days,
            "documents": ", ".join(settings.required_documents) or "–",
        }
    )
    return lines


def preview_lines(preview: MergerPreview) -> list[str]:
    """The preview as readable text lines, in the active language."""
    names = " + ".join(f"{p.name} ({p.code})" for p in preview.predecessors)
    into = (
        f"{preview.successor.name} ({preview.successor.code})"
        if preview.successor
        else str(preview.successor_code or "?")
    )
    lines = [
        _("Prøvekørsel: intet er gemt. Sammenlægning %(day)s: %(names)s → %(into)s")
        % {"day": long_date(preview.on), "names": names, "into": into}
    ]
    if preview.refusals:
        lines.append(_("Sammenlægningen kan ikke gennemføres endnu:"))
        lines += [f"  - {r.message}" for r in preview.refusals]
    else:
        lines.append(_("Intet står i vejen for sammenlægningen."))
    lines.append(_("Før:"))
    for part in preview.predecessors:
        lines += _part_lines(part)
    if preview.successor:
        lines.append(_("Efterfølgeren i dag:"))
        lines += _part_lines(preview.successor)
    lines.append(_("Efter (%(into)s):") % {"into": into})
    lines += _totals_lines(preview.after, indent="  ")
    return lines


# --- The file -------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Reorganisation:
    """A checked ``klynge-reorganise/1`` document."""

    on: dt.date
    merge: tuple[str, ...]
    into_code: str
    into_name: str
    note: str = ""
    # The successor's settings as the file gives them (checked, only the keys given; see
    # docs/reorganise.md): "from" (a region code) and overrides.
    settings: dict[str, Any] = field(default_factory=dict)


def _problem(path: str, code: str, da: str, en: str) -> Problem:
    return Problem(path, code, da, en)


def _keys(value: dict[str, Any], path: str, required: Iterable[str], allowed: Iterable[str]) -> list[Problem]:
    problems = []
    where = f"{path}." if path else ""
    for key in required:
        if key not in value:
            problems.append(
                _problem(
                    f"{where}{key}",
                    "missing",
                    f"Mangler: skriv '{key}'.",
                    f"Missing: add '{key}'.",
                )
            )
    for key in value:
        if key not in allowed:
            problems.append(
                _problem(
                    f"{where}{str(key)[:40]}",
                    "unknown_key",
                    "Ukendt nøgle; fjern den (se docs/reorganise.md).",
                    "Unknown key; remove it (see docs/reorganise.md).",
                )
            )
    return problems


def check_document(data: Any, today: dt.date | None = None) -> tuple[Reorganisation | None, list[Problem]]:
    """The reorganisation ``data`` describes, or every problem with its place (never an exception)."""
    if not isinstance(data, dict):
        return None, [
            _problem(
                "",
                "not_object",
                'Filen skal være et JSON-objekt: {"format": "klynge-reorganise/1", ...}.',
                'The file must be a JSON object: {"format": "klynge-reorganise/1", ...}.',
            )
        ]
    problems = _keys(
        data, "", ("format", "date", "regions"), ("format", "date", "regions", "note", "settings")
    )
    if "format" in data and data["format"] != FORMAT:
        problems.append(
            _problem(
                "format",
                "format",
                f'Formatet skal være "{FORMAT}".',
                f'The format must be "{FORMAT}".',
            )
        )
    on: dt.date | None = None
    if "date" in data:
        raw = data["date"]
        try:
            if not isinstance(raw, str) or not re.fullmatch(r"[0-9]{4}-[0-9]{2}-[0-9]{2}", raw):
                raise ValueError(raw)
            on = dt.date.fromisoformat(raw)
        except ValueError:
            problems.append(
                _problem(
                    "date",
                    "date",
                    'Datoen skal skrives ÅÅÅÅ-MM-DD, fx "2027-01-01".',
                    'The date must be written YYYY-MM-DD, e.g. "2027-01-01".',
                )
            )
        else:
            span = window(today)
            if on not in span:
                problems.append(
                    _problem(
                        "date",
                        "date_window",
                        f"Datoen skal ligge mellem {long_da(span.first)} og {long_da(span.last)}.",
                        f"The date must lie between {long_en(span.first)} and {long_en(span.last)}.",
                    )
                )
                on = None
    merge: list[str] = []
    into_code = into_name = ""
    regions = data.get("regions")
    if "regions" in data and not isinstance(regions, dict):
        problems.append(
            _problem(
                "regions",
                "not_object",
                'Skal være et objekt med "merge" og "into".',
                'Must be an object with "merge" and "into".',
            )
        )
    elif isinstance(regions, dict):
        problems += _keys(regions, "regions", ("merge", "into"), ("merge", "into"))
        raw_merge = regions.get("merge")
        if "merge" in regions:
            if not isinstance(raw_merge, list) or len(raw_merge) < 2:
                problems.append(
                    _problem(
                        "regions.merge",
                        "merge",
                        'Skal være en liste med mindst to regionskoder, fx ["1084", "1085"].',
                        'Must be a list of at least two region codes, e.g. ["1084", "1085"].',
                    )
                )
            else:
                seen: set[str] = set()
                for i, code in enumerate(raw_merge):
                    place = f"regions.merge[{i}]"
                    if not isinstance(code, str) or not re.fullmatch(r"[0-9]{4}", code):
                        problems.append(
                            _problem(
                                place,
                                "region_code",
                                'En regionskode er 4 cifre i anførselstegn, fx "1084".',
                                'A region code is 4 digits in quotes, e.g. "1084".',
                            )
                        )
                    elif code in seen:
                        problems.append(
                            _problem(
                                place,
                                "duplicate",
                                f"Region {code} står to gange; fjern den ene.",
                                f"Region {code} appears twice; remove one.",
                            )
                        )
                    elif not Region.objects.filter(code=code).exists():
                        problems.append(
                            _problem(
                                place,
                                "unknown_region",
                                f"Der er ingen region med koden {code}.",
                                f"There is no region with the code {code}.",
                            )
                        )
                    else:
                        seen.add(code)
                        merge.append(code)
        into = regions.get("into")
        if "into" in regions and not isinstance(into, dict):
            problems.append(
                _problem(
                    "regions.into",
                    "not_object",
                    'Skal være et objekt: {"code": "....", "name": "Region Østdanmark"}.',
                    'Must be an object: {"code": "....", "name": "Region Østdanmark"}.',
                )
            )
        elif isinstance(into, dict):
            problems += _keys(into, "regions.into", ("code", "name"), ("code", "name"))
            code = into.get("code")
            if "code" in into:
                if not isinstance(code, str) or not re.fullmatch(r"[0-9]{4}", code):
                    problems.append(
                        _problem(
                            "regions.into.code",
                            "region_code",
                            "Den nye regions officielle kode: 4 cifre i anførselstegn. Systemet finder ikke "
                            "selv på en kode.",
                            "The new region's official code: 4 digits in quotes. The system never invents "
                            "a code.",
                        )
                    )
                elif code in merge:
                    problems.append(
                        _problem(
                            "regions.into.code",
                            "successor_is_predecessor",
                            f'Region {code} står også under "merge"; den overtagende region skal være en anden.',
                            f'Region {code} is also under "merge"; the successor must be another region.',
                        )
                    )
                else:
                    into_code = code
            name = into.get("name")
            if "name" in into:
                if not isinstance(name, str) or not name.strip() or len(name.strip()) > 100:
                    problems.append(
                        _problem(
                            "regions.into.name",
                            "name",
                            'Skriv den nye regions navn (højst 100 tegn), fx "Region Østdanmark".',
                            'Write the new region\'s name (at most 100 characters), e.g. "Region Østdanmark".',
                        )
                    )
                else:
                    into_name = name.strip()
                    existing = Region.objects.filter(code=into_code).first() if into_code else None
                    if existing is not None and existing.name != into_name:
                        problems.append(
                            _problem(
                                "regions.into.name",
                                "name_differs",
                                f'Region {into_code} hedder "{existing.name}"; skriv samme navn.',
                                f'Region {into_code} is called "{existing.name}"; write the same name.',
                            )
                        )
    note = data.get("note", "")
    if not isinstance(note, str) or len(note) > 2000:
        problems.append(
            _problem(
                "note",
                "note",
                "En note er tekst på højst 2000 tegn.",
                "A note is text of at most 2000 characters.",
            )
        )
        note = ""
    chosen: dict[str, Any] = {}
    if "settings" in data:
        chosen, found = check_settings(data["settings"], merge, into_code)
        problems += found
    if problems or on is None:
        return None, problems
    return Reorganisation(on, tuple(merge), into_code, into_name, note.strip(), chosen), []


SETTINGS_KEYS = (
    "from",
    "processing_days",
    "annual_regulation",
    "claim_days",
    "required_documents",
    "instructions",
    "payment_iban",
    "payment_bic",
    "repayment_instructions",
)


def check_settings(raw: Any, merge: Sequence[str], into_code: str) -> tuple[dict[str, Any], list[Problem]]:
    """The file's ``settings`` (the successor's own settings), checked; only the keys given."""
    from klynge.registry.validators import clean_iban

    if not isinstance(raw, dict):
        return {}, [
            _problem(
                "settings",
                "not_object",
                'Skal være et objekt, fx {"from": "1084", "claim_days": 30}.',
                'Must be an object, e.g. {"from": "1084", "claim_days": 30}.',
            )
        ]
    problems = _keys(raw, "settings", (), SETTINGS_KEYS)
    chosen: dict[str, Any] = {}
    if "from" in raw:
        source = raw["from"]
        allowed = [
            *merge,
            *([into_code] if into_code and Region.objects.filter(code=into_code).exists() else []),
        ]
        if source not in allowed:
            problems.append(
                _problem(
                    "settings.from",
                    "from",
                    f'Skal være koden på en af regionerne under "merge" (eller den eksisterende efterfølger): '
                    f"{', '.join(allowed) or '-'}.",
                    f'Must be the code of one of the regions under "merge" (or the existing successor): '
                    f"{', '.join(allowed) or '-'}.",
                )
            )
        else:
            chosen["from"] = source
    if "processing_days" in raw:
        days = raw["processing_days"]
        if (
            not isinstance(days, list)
            or len(days) != 2
            or not all(isinstance(d, int) and not isinstance(d, bool) and 0 <= d <= 365 for d in days)
            or days[0] > days[1]
        ):
            problems.append(
                _problem(
                    "settings.processing_days",
                    "processing_days",
                    "Skriv mindste og højeste behandlingstid i dage, fx [14, 28] (0–365, mindst først).",
                    "Write the least and the most processing days, e.g. [14, 28] (0–365, least first).",
                )
            )
        else:
            chosen["processing_days"] = [days[0], days[1]]
    if "annual_regulation" in raw:
        if raw["annual_regulation"] not in Region.AnnualRegulation.values:
            problems.append(
                _problem(
                    "settings.annual_regulation",
                    "annual_regulation",
                    'Skriv "net" (modregnes i næste udbetaling) eller "claim" (tilbagebetalingskrav).',
                    'Write "net" (netted in the next payout) or "claim" (a repayment claim).',
                )
            )
        else:
            chosen["annual_regulation"] = raw["annual_regulation"]
    if "claim_days" in raw:
        days = raw["claim_days"]
        if not isinstance(days, int) or isinstance(days, bool) or not 1 <= days <= 365:
            problems.append(
                _problem(
                    "settings.claim_days",
                    "claim_days",
                    "Betalingsfristen for krav i dage: et helt tal fra 1 til 365, fx 30.",
                    "The claims' payment deadline in days: a whole number from 1 to 365, e.g. 30.",
                )
            )
        else:
            chosen["claim_days"] = days
    if "required_documents" in raw:
        codes = raw["required_documents"]
        known = set(DocumentType.objects.values_list("code", flat=True))
        if not isinstance(codes, list) or not all(isinstance(c, str) for c in codes):
            problems.append(
                _problem(
                    "settings.required_documents",
                    "required_documents",
                    'Skriv en liste med dokumenttypernes koder, fx ["vedtaegter"].',
                    'Write a list of the document types\' codes, e.g. ["vedtaegter"].',
                )
            )
        else:
            unknown = [c for c in codes if c not in known]
            for i, c in enumerate(codes):
                if c in unknown:
                    problems.append(
                        _problem(
                            f"settings.required_documents[{i}]",
                            "unknown_document",
                            f"Der er ingen dokumenttype med koden {c[:40]}.",
                            f"There is no document type with the code {c[:40]}.",
                        )
                    )
            if not unknown:
                chosen["required_documents"] = sorted(set(codes))
    for key, most in (("instructions", 5000), ("repayment_instructions", 5000), ("payment_bic", 11)):
        if key in raw:
            value = raw[key]
            if not isinstance(value, str) or len(value) > most:
                problems.append(
                    _problem(
                        f"settings.{key}",
                        "text",
                        f"Skal være tekst på højst {most} tegn.",
                        f"Must be text of at most {most} characters.",
                    )
                )
            else:
                chosen[key] = value.strip()
    if "payment_iban" in raw:
        value = raw["payment_iban"]
        try:
            if not isinstance(value, str):
                raise ValueError(value)
            chosen["payment_iban"] = clean_iban(value) if value.strip() else ""
        except (ValueError, ValidationError):
            problems.append(
                _problem(
                    "settings.payment_iban",
                    "iban",
                    "Regionens konto (IBAN) er ikke et gyldigt IBAN-nummer; tjek det, fx DK50 0040 0440 1162 43.",
                    "The region's account (IBAN) is not a valid IBAN; check it, e.g. DK50 0040 0440 1162 43.",
                )
            )
    return chosen, problems


def preview_for(document: Reorganisation) -> MergerPreview:
    """The preview of a checked document, its regions in the file's order."""
    by_code = {r.code: r for r in Region.objects.filter(code__in=document.merge).select_related("successor")}
    return merger_preview([by_code[code] for code in document.merge], document.into_code, document.on)
