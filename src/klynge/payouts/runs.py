"""Payout runs: a region officer prepares a run for a date, a region approver who did not prepare it
approves it (four eyes), and it is released: the payment file is made, every payout and claim is
posted in the region's ledger and the coordinators are told. Paid dates and received repayments are
recorded afterwards.

Every function here is one atomic service that writes an audit record with the acting user.

What a run pays is decided by the pure engine (:func:`klynge.core.payouts.run_payouts`) from the facts
in the registry and what the region's earlier runs settled (:class:`~klynge.payouts.models.SettledAmount`
rows of runs that were not discarded). Approved and released runs never change; a correction appears as
an adjustment in a later run because the engine pays only the difference.

Retries: preparing again for the same date while that draft is open returns the same draft; approving
or releasing a run again returns it unchanged. A failure anywhere rolls the whole step back.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass
from decimal import Decimal
from itertools import chain
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, connections, router, transaction
from django.db.models import Model, Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from klynge.accounts.access import Action, can_in_region, handles_payouts, require_region
from klynge.audit.log import record
from klynge.common.dates import clean_date, long_date
from klynge.common.money import MoneyField
from klynge.core import payouts as engine
from klynge.core import scenario as core
from klynge.core.money import format_dkk
from klynge.ledger import services as ledger
from klynge.ledger.models import JournalEntry, Ledger
from klynge.payouts import paymentfile
from klynge.payouts.models import (
    CarriedForward,
    FundingScheme,
    Payout,
    PayoutLine,
    PayoutRun,
    Repayment,
    RepaymentClaim,
    SettledAmount,
)
from klynge.registry.models import CapacityRecord, GpCluster, Membership, PatientCount, Practice, Region

OPEN = (PayoutRun.Status.DRAFT, PayoutRun.Status.APPROVED)
COUNTED = (PayoutRun.Status.DRAFT, PayoutRun.Status.APPROVED, PayoutRun.Status.RELEASED)
MAX_DAYS_AHEAD = 90  # a run may be prepared for a date at most this far ahead
BATCH = 2000

EXPENSE, PAYABLE, RECEIVABLE, BANK = "GP-UDGIFT", "GP-SKYLDIG", "GP-TILGODE", "BANK"


# --- The facts of the registry as the engine's scenario ---------------------------------------------


def schemes() -> tuple[core.Scheme, ...]:
    """The funding schemes and their rates, as the engine reads them."""
    found = []
    for s in FundingScheme.objects.prefetch_related("rates").order_by("valid_from"):
        found.append(
            core.Scheme(
                code=s.code,
                basis=s.basis,
                valid_from=s.valid_from,
                valid_to=s.valid_to,
                startup_fee_per_capacity=s.startup_fee_per_capacity,
                annual_rates=tuple((r.year, r.rate) for r in s.rates.all()),
                count_date=(s.count_month, s.count_day) if s.count_month and s.count_day else None,
                payment_date=(s.payment_month, s.payment_day) if s.payment_month and s.payment_day else None,
            )
        )
    return tuple(found)


@dataclass(frozen=True)
class Facts:
    """The engine's scenario for a set of clusters, and the clusters by their id in it."""

    scenario: core.Scenario
    clusters: dict[str, GpCluster]  # external id -> cluster (those asked for)
    settled: engine.SettledState


def facts_for(clusters: QuerySet[GpCluster]) -> Facts:
    """The facts the engine needs to decide what ``clusters`` are owed: their memberships, and every
    membership of the practices ever in them (a move or an earlier kept startup fee in another cluster
    matters, A7/A8), with the settled state of the runs that were not discarded.

    Read as plain values (no model instances), a handful of queries for a whole region."""
    chosen = {c.external_id: c for c in clusters.select_related("region")}
    # A subquery, not a list of ids: the database finds the practices (and their facts) itself, where
    # a list of a region's ≈ 500 ids was sent to and parsed by it four times.
    practice_ids = Membership.objects.filter(cluster__in=[c.pk for c in chosen.values()]).values(
        "practice_id"
    )
    memberships = list(
        Membership.objects.filter(practice_id__in=practice_ids).values_list(
            "practice__provider_number", "cluster_id", "joined", "left", "recorded_on", "left_recorded_on"
        )
    )
    cluster_ids = {m[1] for m in memberships} | {c.pk for c in chosen.values()}
    clusters_by_id = {
        row[0]: row[1:]
        for row in GpCluster.objects.filter(pk__in=cluster_ids).values_list(
            "pk", "external_id", "name", "region__code", "cvr", "founded_on", "completed_on"
        )
    }
    region_codes = {row[2] for row in clusters_by_id.values()}
    dated: dict[str, dict[int, list[core.Dated]]] = {
        "capacities": defaultdict(list),
        "patients": defaultdict(list),
    }
    for kind, model in (("capacities", CapacityRecord), ("patients", PatientCount)):
        for practice_id, valid_from, count, recorded_on in model.objects.filter(
            practice_id__in=practice_ids
        ).values_list("practice_id", "valid_from", "count", "recorded_on"):
            dated[kind][practice_id].append(core.Dated(valid_from, count, recorded_on))
    scenario = core.Scenario(
        schemes=schemes(),
        regions=tuple(
            core.RegionPolicy(code, name, regulation, (low, high))
            for code, name, regulation, low, high in Region.objects.filter(code__in=region_codes).values_list(
                "code", "name", "annual_regulation", "processing_days_min", "processing_days_max"
            )
        ),
        clusters=tuple(core.Cluster(*row) for row in clusters_by_id.values()),
        practices=tuple(
            core.Practice(
                number, name, tuple(dated["capacities"].get(pk, ())), tuple(dated["patients"].get(pk, ()))
            )
            for pk, number, name in Practice.objects.filter(pk__in=practice_ids).values_list(
                "pk", "provider_number", "name"
            )
        ),
        memberships=tuple(
            core.Membership(number, clusters_by_id[cluster_id][0], joined, left, recorded, left_recorded)
            for number, cluster_id, joined, left, recorded, left_recorded in memberships
        ),
        runs=(),
    )
    rows = SettledAmount.objects.filter(
        cluster__in=list(chosen.values()), run__status__in=COUNTED
    ).values_list("cluster__external_id", "practice", "kind", "period", "amount")
    settled = engine.SettledState.from_amounts(
        (engine.SettledKey(cluster, practice, kind, period), amount)
        for cluster, practice, kind, period, amount in rows
    )
    return Facts(scenario, chosen, settled)


def preview(
    clusters: QuerySet[GpCluster], run_date: dt.date, *, facts: Facts | None = None
) -> engine.RunResult:
    """What a run on ``run_date`` would pay and claim for ``clusters`` now (nothing is stored);
    ``facts``: ``facts_for(clusters)`` read already (the region overview reads them once for two uses)."""
    facts = facts if facts is not None else facts_for(clusters)
    result = engine.run_payouts(facts.scenario, run_date, facts.settled).result
    return engine.RunResult(
        result.date,
        tuple(p for p in result.payouts if p.cluster in facts.clusters),
        tuple(c for c in result.claims if c.cluster in facts.clusters),
        tuple(c for c in result.carried_forward if c.cluster in facts.clusters),
    )


# --- Preparing ------------------------------------------------------------------------------------


def _refuse(field: str, message: str) -> ValidationError:
    return ValidationError({field: [message]})


def region_in_force(region: Region) -> Region:
    """The region that carries on ``region`` today: itself, or after a merger (#11) its successor
    (followed to the last one). Repayments on a merged region's claims and paid dates of its payouts
    are permitted to, and posted in the ledger of, the region in force."""
    seen = {region.pk}
    while region.successor_id is not None and region.successor_id not in seen:
        seen.add(region.successor_id)
        region = Region.objects.get(pk=region.successor_id)
    return region


def open_run(region: Region) -> PayoutRun | None:
    return PayoutRun.objects.filter(region=region, status__in=OPEN).first()


def _secondopen_run(existing: PayoutRun) -> ValidationError:
    return _refuse(
        "run_date",
        _(
            "Kørselsdato: %(region)s har allerede en åben kørsel (%(date)s, %(status)s). Godkend og frigiv "
            "den, eller kassér kladden, før du forbereder en ny."
        )
        % {
            "region": existing.region.name,
            "date": long_date(existing.run_date),
            "status": existing.get_status_display().lower(),
        },
    )


def _check_run_date(region: Region, run_date: Any) -> dt.date:
    if not isinstance(run_date, dt.date) or isinstance(run_date, dt.datetime):
        raise _refuse("run_date", _("Kørselsdato: skriv en dato som ÅÅÅÅ-MM-DD, fx 2026-03-01."))
    clean_date(run_date, field="run_date", label=_("Kørselsdato"))
    if region.valid_from is not None and run_date < region.valid_from:
        raise _refuse(
            "run_date",
            _("Kørselsdato: %(region)s gælder fra %(date)s; vælg den dag eller senere.")
            % {"region": region.name, "date": long_date(region.valid_from)},
        )
    latest = timezone.localdate() + dt.timedelta(days=MAX_DAYS_AHEAD)
    if run_date > latest:
        raise _refuse(
            "run_date",
            _("Kørselsdato: højst %(days)s dage frem (senest %(date)s).")
            % {"days": MAX_DAYS_AHEAD, "date": long_date(latest)},
        )
    last = (
        PayoutRun.objects.filter(region=region, status=PayoutRun.Status.RELEASED)
        .order_by("-run_date")
        .first()
    )
    if last is not None and run_date < last.run_date:
        raise _refuse(
            "run_date",
            _(
                "Kørselsdato: %(date)s ligger før seneste frigivne kørsel (%(last)s). Vælg %(last)s eller "
                "senere; rettelser kommer med som regulering i næste kørsel."
            )
            % {"date": long_date(run_date), "last": long_date(last.run_date)},
        )
    return run_date


@transaction.atomic
def run_prepare(*, actor: Any, region: Region, run_date: dt.date) -> PayoutRun:
    """Prepare the draft run of ``region`` on ``run_date``: every payout and claim with its lines.

    Refused: without the officer role, a date before the last released run or too far ahead, and
    while another run is open. Asked again for the same date while that draft is open, it returns the
    same draft (a retried request makes one run)."""
    require_region(actor, Action.PAY, region)
    if region.successor_id is not None:
        successor = region_in_force(region)
        raise _refuse(
            "region",
            _(
                "Region: %(region)s er lagt sammen med %(successor)s og får ikke flere kørsler; "
                "forbered kørslen i %(successor)s, som også udbetaler til de flyttede klynger."
            )
            % {"region": region.name, "successor": successor.name},
        )
    existing = open_run(region)
    if existing is not None:
        if existing.status == PayoutRun.Status.DRAFT and existing.run_date == run_date:
            return existing
        raise _secondopen_run(existing)
    _check_run_date(region, run_date)
    try:
        with transaction.atomic():
            run = PayoutRun.objects.create(region=region, run_date=run_date, prepared_by=actor)
    except IntegrityError:  # another request opened a run meanwhile (the database allows one)
        existing = open_run(region)
        if (
            existing is not None
            and existing.status == PayoutRun.Status.DRAFT
            and existing.run_date == run_date
        ):
            return existing
        if existing is not None:
            raise _secondopen_run(existing) from None
        raise
    _compute(run)
    record(
        actor=actor,
        action="payout_run.prepare",
        summary=_(
            "Udbetalingskørsel %(date)s forberedt: %(payouts)s kr. i udbetalinger, %(claims)s kr. i krav"
        )
        % {
            "date": run_date.isoformat(),
            "payouts": format_dkk(run.total_payouts),
            "claims": format_dkk(run.total_claims),
        },
        obj=run,
        after=_run_snapshot(run),
        region=region,
    )
    return run


def _run_snapshot(run: PayoutRun) -> dict[str, Any]:
    return {
        "region": run.region.code,
        "run_date": run.run_date.isoformat(),
        "status": run.status,
        "payouts": run.payouts.count(),
        "claims": run.claims.count(),
        "total_payouts": f"{run.total_payouts:f}",
        "total_claims": f"{run.total_claims:f}",
    }


LINE_FIELDS = (
    "payout",
    "claim",
    "kind",
    "rule",
    "practice",
    "period_from",
    "period_to",
    "days",
    "days_in_year",
    "capacities",
    "patients",
    "rate",
    "amount",
    "text",
)
SETTLED_FIELDS = ("run", "cluster", "practice", "kind", "period", "amount", "payout", "claim")


def _line_rows(
    lines: Iterable[engine.Line], payout: int | None, claim: int | None
) -> Iterator[tuple[Any, ...]]:
    """The values of ``LINE_FIELDS`` for the explanation lines of one payout or claim (by its id)."""
    for line in lines:
        yield (
            payout,
            claim,
            line.kind,
            line.rule,
            line.practice,
            line.period_from,
            line.period_to,
            line.days,
            line.days_in_year,
            line.capacities,
            line.patients,
            line.rate,
            line.amount,
            "",
        )


def insert_rows(model: type[Model], fields: Sequence[str], rows: Iterable[Sequence[Any]]) -> int:
    """Insert ``rows`` (the values of ``fields`` in that order, foreign keys as ids) into ``model``'s
    table; returns how many.

    For the thousands of explanation lines and settled keys of a run: ``bulk_create`` makes a model
    instance per row and prepares every value of it field by field, which took most of a national
    run. Here amounts (:class:`~klynge.common.money.MoneyField`) become øre and dates the database's
    form, as the fields would make them, and everything else goes as it is. ``fields`` must name
    every column but the primary key (a field added to the model must be added here too). No
    signals are sent (as with ``bulk_create``); call it inside the service's transaction."""
    meta = model._meta
    concrete = [f for f in meta.concrete_fields if not f.primary_key]
    by_name = {f.name: f for f in concrete}
    if sorted(fields) != sorted(by_name):
        raise TypeError(f"insert_rows({meta.label}) must name every column: {sorted(by_name)}")
    connection = connections[router.db_for_write(model)]
    quote = connection.ops.quote_name
    columns = [by_name[name] for name in fields]
    convert: list[Callable[[Any], Any] | None] = []
    for field in columns:
        if isinstance(field, MoneyField):
            convert.append(field.get_prep_value)
        elif field.get_internal_type() == "DateField":
            convert.append(connection.ops.adapt_datefield_value)
        else:
            convert.append(None)
    money_or_date = [(i, c) for i, c in enumerate(convert) if c is not None]
    table = f"{quote(meta.db_table)} ({', '.join(quote(str(f.column)) for f in columns)})"

    def prepared() -> Iterator[list[Any]]:
        for row in rows:
            values = list(row)
            for i, conv in money_or_date:
                if values[i] is not None:
                    values[i] = conv(values[i])
            yield values

    count = 0
    # The table and column names are the model's, quoted; every value goes as a parameter.
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":  # COPY: the rows as one stream, formatted in C
            with connection.wrap_database_errors, cursor.copy(f"COPY {table} FROM STDIN") as copy:
                for values in prepared():
                    copy.write_row(values)
                    count += 1
        else:  # SQLite runs one prepared statement for every row, in C
            sql = f"INSERT INTO {table} VALUES ({', '.join(['%s'] * len(columns))})"  # noqa: S608
            batch: list[list[Any]] = []
            for values in prepared():
                batch.append(values)
                if len(batch) == BATCH:
                    cursor.executemany(sql, batch)
                    count += len(batch)
                    batch = []
            if batch:
                cursor.executemany(sql, batch)
                count += len(batch)
    return count


def _compute(run: PayoutRun) -> None:
    """Run the engine for the region and store what it decided (payouts, claims, lines, settled keys)."""
    region = run.region
    facts = facts_for(GpCluster.objects.filter(region=region))
    outcome = engine.run_payouts(facts.scenario, run.run_date, facts.settled)
    ours = facts.clusters
    paid = [p for p in outcome.result.payouts if p.cluster in ours]
    payouts: dict[str, Payout] = {
        p.cluster: Payout(
            run=run,
            cluster=ours[p.cluster],
            amount=p.amount,
            arrival_from=p.expected_arrival[0],
            arrival_to=p.expected_arrival[1],
        )
        for p in paid
    }
    Payout.objects.bulk_create(payouts.values(), batch_size=BATCH)
    due = run.run_date + dt.timedelta(days=region.claim_days)
    claimed = []
    claims: dict[tuple[str, str, str], RepaymentClaim] = {}
    for c in outcome.result.claims:
        if c.cluster in ours:
            kind = engine.STARTUP_FEE if c.reason == engine.STARTUP_FEE_REPAYMENT else engine.ANNUAL
            claimed.append((c, (c.cluster, c.practice, kind)))
            claims[c.cluster, c.practice, kind] = RepaymentClaim(
                run=run,
                cluster=ours[c.cluster],
                amount=c.amount,
                reason=c.reason,
                rule=c.rule,
                practice=c.practice,
                due_on=due,
            )
    RepaymentClaim.objects.bulk_create(claims.values(), batch_size=BATCH)
    lines = chain(
        chain.from_iterable(_line_rows(p.lines, payouts[p.cluster].pk, None) for p in paid),
        chain.from_iterable(_line_rows(c.lines, None, claims[key].pk) for c, key in claimed),
    )
    insert_rows(PayoutLine, LINE_FIELDS, lines)
    CarriedForward.objects.bulk_create(
        (
            CarriedForward(run=run, cluster=ours[c.cluster], amount=c.amount)
            for c in outcome.result.carried_forward
            if c.cluster in ours
        ),
        batch_size=BATCH,
    )
    insert_rows(SettledAmount, SETTLED_FIELDS, _settled_rows(run, ours, outcome.changes, payouts, claims))
    run.total_payouts = sum((p.amount for p in payouts.values()), Decimal("0.00"))
    run.total_claims = sum((c.amount for c in claims.values()), Decimal("0.00"))
    run.save(update_fields=["total_payouts", "total_claims"])


def _settled_rows(
    run: PayoutRun,
    ours: dict[str, GpCluster],
    changes: Iterable[tuple[engine.SettledKey, Decimal]],
    payouts: dict[str, Payout],
    claims: dict[tuple[str, str, str], RepaymentClaim],
) -> Iterator[tuple[Any, ...]]:
    """The values of ``SETTLED_FIELDS`` for what the run settled of the region's clusters."""
    cluster_ids = {external_id: cluster.pk for external_id, cluster in ours.items()}
    payout_ids = {external_id: payout.pk for external_id, payout in payouts.items()}
    for key, delta in changes:
        if key.cluster not in ours or not delta:
            continue
        # A startup-fee key is in its practice's claim when the engine made one (A7: every fee of the
        # practice in the cluster is settled together); an annual key in the cluster's annual claim
        # when there is one (A9, policy "claim": the whole annual total); anything else in the payout.
        claim = claims.get(
            (key.cluster, key.practice, key.kind)
            if key.kind == engine.STARTUP_FEE
            else (key.cluster, "", key.kind)
        )
        payout = None if claim is not None else payout_ids.get(key.cluster)
        if claim is None and payout is None:
            raise RuntimeError(f"settled key without a payout or claim: {key}")
        yield (
            run.pk,
            cluster_ids[key.cluster],
            key.practice,
            key.kind,
            key.period,
            delta,
            payout,
            None if claim is None else claim.pk,
        )


# --- Approving, discarding, releasing -------------------------------------------------------------


def _locked(run: PayoutRun) -> PayoutRun:
    return PayoutRun.objects.select_for_update().select_related("region").get(pk=run.pk)


def approval_needs_the_approver_role(region: Region) -> str:
    """What a region officer is told where a run awaits approval (the page and a refused approval)."""
    return _(
        "Godkendelse kræver rollen regional godkender i %(region)s. Bed en godkender i regionen om at "
        "godkende kørslen."
    ) % {"region": region.name}


@transaction.atomic
def run_approve(*, actor: Any, run: PayoutRun) -> PayoutRun:
    """Approve a draft: only a region approver, and never the person who prepared it (four eyes)."""
    run = _locked(run)
    if not can_in_region(actor, Action.APPROVE, run.region) and handles_payouts(actor, run.region):
        # A region officer takes part in the runs but may not approve: told why, not refused bare.
        raise _refuse("approved_by", approval_needs_the_approver_role(run.region))
    require_region(actor, Action.APPROVE, run.region)
    if run.status == PayoutRun.Status.APPROVED and run.approved_by_id == actor.pk:
        return run
    if run.status != PayoutRun.Status.DRAFT:
        raise _refuse(
            "status",
            _("Kørslen er %(status)s; kun en kladde kan godkendes.")
            % {"status": run.get_status_display().lower()},
        )
    if run.prepared_by_id == actor.pk:
        raise _refuse(
            "approved_by",
            _(
                "Godkender: du har selv forberedt kørslen og kan ikke godkende den. En anden godkender "
                "i regionen skal godkende den (fire øjne)."
            ),
        )
    run.status = PayoutRun.Status.APPROVED
    run.approved_by = actor
    run.approved_at = timezone.now()
    run.save(update_fields=["status", "approved_by", "approved_at"])
    record(
        actor=actor,
        action="payout_run.approve",
        summary=_("Udbetalingskørsel %(date)s godkendt") % {"date": long_date(run.run_date)},
        obj=run,
        before={"status": PayoutRun.Status.DRAFT},
        after={"status": run.status},
        region=run.region,
    )
    return run


def _may_handle(actor: Any, region: Region) -> None:
    if not handles_payouts(actor, region):
        raise PermissionDenied(_("Du har ikke adgang til %(region)s.") % {"region": region.name})


@transaction.atomic
def run_discard(*, actor: Any, run: PayoutRun) -> PayoutRun:
    """Discard a draft (it stays on record, marked discarded, and settles nothing)."""
    run = _locked(run)
    _may_handle(actor, run.region)
    if run.status == PayoutRun.Status.DISCARDED:
        return run
    if run.status != PayoutRun.Status.DRAFT:
        raise _refuse(
            "status",
            _("Kørslen er %(status)s og kan ikke kasseres; en godkendt kørsel ændres aldrig.")
            % {"status": run.get_status_display().lower()},
        )
    run.status = PayoutRun.Status.DISCARDED
    run.save(update_fields=["status"])
    record(
        actor=actor,
        action="payout_run.discard",
        summary=_("Kladde til udbetalingskørsel %(date)s kasseret") % {"date": long_date(run.run_date)},
        obj=run,
        before={"status": PayoutRun.Status.DRAFT},
        after={"status": run.status},
        region=run.region,
    )
    return run


def ledger_code(region: Region) -> str:
    return f"GP-{region.code}"


def region_ledger(region: Region) -> Ledger:
    """The region's ledger of cluster funds (made with its first entry)."""
    return ledger.ledger_get_or_create(
        code=ledger_code(region), name=_("Klyngemidler, %(region)s") % {"region": region.name}
    )


def transfers(run: PayoutRun) -> list[paymentfile.Transfer]:
    """The bank transfers of a run: one per payout, to the cluster's NemKonto (by CVR)."""
    return [
        paymentfile.Transfer(
            end_to_end_id=f"KLYNGE-{run.pk}-{p.pk}",
            creditor_name=p.cluster.name,
            creditor_cvr=p.cluster.cvr,
            amount=p.amount,
            remittance=_("Klyngemidler %(cluster)s, udbetaling %(date)s")
            % {"cluster": p.cluster.name, "date": run.run_date.isoformat()},
        )
        for p in run.payouts.select_related("cluster").order_by("cluster__name", "pk")
    ]


def csv_file(run: PayoutRun) -> str:
    return paymentfile.csv_file(execution_date=run.execution_date or run.run_date, transfers=transfers(run))


def _check_execution_date(run: PayoutRun, day: Any) -> dt.date:
    """The day the bank is asked to pay (#13): not before today or the run date, at most
    ``MAX_DAYS_AHEAD`` days ahead. Not given: the run date, or today when that has passed."""
    earliest = max(run.run_date, timezone.localdate())
    if day is None:
        return earliest
    label = _("Betalingsdato")
    if not isinstance(day, dt.date) or isinstance(day, dt.datetime):
        raise _refuse("execution_date", _("%(label)s: skriv en dato som ÅÅÅÅ-MM-DD.") % {"label": label})
    clean_date(day, field="execution_date", label=label)
    if day < earliest:
        raise _refuse(
            "execution_date",
            _(
                "%(label)s: kan ikke ligge før %(date)s (i dag eller kørselsdatoen); vælg den dag eller senere."
            )
            % {"label": label, "date": long_date(earliest)},
        )
    latest = timezone.localdate() + dt.timedelta(days=MAX_DAYS_AHEAD)
    if day > latest:
        raise _refuse(
            "execution_date",
            _("%(label)s: højst %(days)s dage frem (senest %(date)s).")
            % {"label": label, "days": MAX_DAYS_AHEAD, "date": long_date(latest)},
        )
    return day


@transaction.atomic
def run_release(*, actor: Any, run: PayoutRun, execution_date: dt.date | None = None) -> PayoutRun:
    """Release an approved run: make the payment file, post every payout and claim in the region's
    ledger, and tell the coordinators (after the transaction commits). Releasing again changes nothing.

    ``execution_date`` is the day the bank is asked to pay (pain.001 ``ReqdExctnDt``); not given, the
    run date or, when that has passed, today."""
    run = _locked(run)
    _may_handle(actor, run.region)
    if run.status == PayoutRun.Status.RELEASED:
        return run
    if run.status != PayoutRun.Status.APPROVED:
        raise _refuse(
            "status",
            _("Kørslen er %(status)s; den skal godkendes af en anden, før den kan frigives.")
            % {"status": run.get_status_display().lower()},
        )
    region = run.region
    payouts = list(run.payouts.select_related("cluster"))
    problems = []
    if payouts and not region.payment_iban:
        problems.append(
            _(
                "Regionens konto (IBAN): mangler. Skriv den under regionens indstillinger, før kørslen frigives."
            )
        )
    missing = sorted(p.cluster.name for p in payouts if not p.cluster.cvr)
    if missing:
        problems.append(
            _(
                "CVR-nummer: mangler for %(clusters)s; udbetalingen går til klyngens NemKonto via CVR. Skriv CVR på klyngen."
            )
            % {"clusters": ", ".join(missing)}
        )
    if problems:
        raise ValidationError({"release": problems})
    run.execution_date = _check_execution_date(run, execution_date)
    now = timezone.now()
    if payouts:
        run.payment_file = paymentfile.pain001(
            message_id=f"KLYNGE-{region.code}-{run.pk}",
            created_at=now,
            execution_date=run.execution_date,
            debtor=paymentfile.Debtor(name=region.name, iban=region.payment_iban, bic=region.payment_bic),
            transfers=transfers(run),
        )
    # Every payout's and claim's booking in one call: the same vouchers, chain and audit entries as one
    # entry_post each, written a batch at a time (#12: a national release must not post row by row).
    drafts = [
        ledger.Draft(
            date=run.run_date,
            text=_("Udbetaling af klyngemidler til %(cluster)s") % {"cluster": p.cluster.name},
            lines=[
                ledger.Line(EXPENSE, p.amount, party=p.cluster.external_id),
                ledger.Line(PAYABLE, -p.amount, party=p.cluster.external_id),
            ],
            source="payout",
            source_id=str(p.pk),
        )
        for p in payouts
    ]
    drafts += [
        ledger.Draft(
            date=run.run_date,
            text=(
                _("Krav om tilbagebetaling fra %(cluster)s (praksis %(practice)s)")
                if c.practice
                else _("Krav om tilbagebetaling af årlige midler fra %(cluster)s")
            )
            % {"cluster": c.cluster.name, "practice": c.practice},
            lines=[
                ledger.Line(RECEIVABLE, c.amount, party=c.cluster.external_id),
                ledger.Line(EXPENSE, -c.amount, party=c.cluster.external_id),
            ],
            source="claim",
            source_id=str(c.pk),
        )
        for c in run.claims.select_related("cluster")
    ]
    ledger.entries_post(actor=actor, ledger=region_ledger(region), drafts=drafts)
    run.status = PayoutRun.Status.RELEASED
    run.released_by = actor
    run.released_at = now
    run.save(update_fields=["status", "released_by", "released_at", "payment_file", "execution_date"])
    record(
        actor=actor,
        action="payout_run.release",
        summary=_("Udbetalingskørsel %(date)s frigivet: %(count)s udbetalinger, %(claims)s krav")
        % {"date": run.run_date.isoformat(), "count": len(payouts), "claims": run.claims.count()},
        obj=run,
        before={"status": PayoutRun.Status.APPROVED},
        after={"status": run.status, "execution_date": run.execution_date.isoformat()},
        region=region,
    )
    released = run.pk
    transaction.on_commit(lambda: _tell_coordinators(released))
    return run


def _tell_coordinators(run_pk: int) -> None:
    from klynge.payouts.notifications import send_released

    send_released(PayoutRun.objects.get(pk=run_pk))


# --- After the release: paid dates and repayments -------------------------------------------------


def _check_day(field: str, label: str, day: Any, earliest: dt.date) -> dt.date:
    if not isinstance(day, dt.date) or isinstance(day, dt.datetime):
        raise _refuse(field, _("%(label)s: skriv en dato som ÅÅÅÅ-MM-DD.") % {"label": label})
    clean_date(day, field=field, label=label)
    today = timezone.localdate()
    if day > today:
        raise _refuse(field, _("%(label)s: kan ikke ligge i fremtiden.") % {"label": label})
    if day < earliest:
        raise _refuse(
            field,
            _("%(label)s: kan ikke ligge før kørselsdatoen %(date)s.")
            % {"label": label, "date": long_date(earliest)},
        )
    return day


@transaction.atomic
def payouts_mark_paid(
    *, actor: Any, run: PayoutRun, paid_on: dt.date, payouts: Iterable[Payout] | None = None
) -> list[Payout]:
    """Record the day the bank paid the run's payouts (all not yet marked, or those given) and post it."""
    run = _locked(run)
    region = region_in_force(run.region)
    require_region(actor, Action.PAY, region)
    if run.status != PayoutRun.Status.RELEASED:
        raise _refuse("status", _("Kørslen er ikke frigivet; kun frigivne udbetalinger kan betales."))
    _check_day("paid_on", _("Betalt"), paid_on, run.run_date)
    chosen = run.payouts.select_for_update().filter(paid_on__isnull=True).select_related("cluster")
    if payouts is not None:
        chosen = chosen.filter(pk__in=[p.pk for p in payouts])
    marked = list(chosen)
    books = region_ledger(region)
    for p in marked:
        p.paid_on = paid_on
        p.save(update_fields=["paid_on"])
        ledger.entry_post(
            actor=actor,
            ledger=books,
            date=paid_on,
            text=_("Betalt til %(cluster)s") % {"cluster": p.cluster.name},
            lines=[
                ledger.Line(PAYABLE, p.amount, party=p.cluster.external_id),
                ledger.Line(BANK, -p.amount, party=p.cluster.external_id),
            ],
            source="payout_paid",
            source_id=str(p.pk),
        )
        record(
            actor=actor,
            action="payout.paid",
            summary=_("Udbetaling til %(cluster)s betalt %(date)s")
            % {"cluster": p.cluster.name, "date": long_date(paid_on)},
            obj=p,
            before={"paid_on": None},
            after={"paid_on": paid_on.isoformat()},
            region=region,
            gp_cluster=p.cluster,
        )
    return marked


def claim_outstanding(claim: RepaymentClaim) -> Decimal:
    """What the cluster still owes on ``claim``: its amount less repayments and approved write-offs
    (:func:`klynge.payouts.claims.claim_facts`, #13)."""
    from klynge.payouts.claims import claim_facts

    return claim_facts(claim).outstanding


@transaction.atomic
def repayment_record(*, actor: Any, claim: RepaymentClaim, amount: Any, received_on: dt.date) -> Repayment:
    """Record money received against a released claim (at most what is outstanding) and post it."""
    from klynge.payouts.services import clean_money

    claim = (
        RepaymentClaim.objects.select_for_update().select_related("run__region", "cluster").get(pk=claim.pk)
    )
    region = region_in_force(claim.run.region)
    require_region(actor, Action.PAY, region)
    if claim.run.status != PayoutRun.Status.RELEASED:
        raise _refuse(
            "claim", _("Kravet er ikke frigivet endnu; der kan ikke registreres indbetalinger på det.")
        )
    errors: dict[str, list[str]] = {}
    try:
        value = clean_money(amount, "amount", _("Beløb"), maximum=Decimal("100000000.00"))
        outstanding = claim_outstanding(claim)
        if value <= 0:
            errors["amount"] = [_("Beløb: skal være større end 0 kr.")]
        elif value > outstanding:
            errors["amount"] = [
                _("Beløb: %(amount)s kr. er mere end de %(outstanding)s kr., der mangler på kravet.")
                % {"amount": format_dkk(value), "outstanding": format_dkk(outstanding)}
            ]
    except ValidationError as exc:
        errors.update(exc.message_dict)
    try:
        _check_day("received_on", _("Modtaget"), received_on, claim.run.run_date)
    except ValidationError as exc:
        errors.update(exc.message_dict)
    if errors:
        raise ValidationError(errors)
    repayment = Repayment.objects.create(
        claim=claim, amount=value, received_on=received_on, recorded_by=actor
    )
    ledger.entry_post(
        actor=actor,
        ledger=region_ledger(region),
        date=received_on,
        text=(
            _("Indbetaling fra %(cluster)s på krav (praksis %(practice)s)")
            if claim.practice
            else _("Indbetaling fra %(cluster)s på krav om årlige midler")
        )
        % {"cluster": claim.cluster.name, "practice": claim.practice},
        lines=[
            ledger.Line(BANK, value, party=claim.cluster.external_id),
            ledger.Line(RECEIVABLE, -value, party=claim.cluster.external_id),
        ],
        source="repayment",
        source_id=str(repayment.pk),
    )
    record(
        actor=actor,
        action="claim.repayment",
        summary=_("Indbetaling på %(amount)s kr. fra %(cluster)s modtaget %(date)s")
        % {"amount": format_dkk(value), "cluster": claim.cluster.name, "date": long_date(received_on)},
        obj=repayment,
        after={"claim": claim.pk, "amount": f"{value:f}", "received_on": received_on.isoformat()},
        region=region,
        gp_cluster=claim.cluster,
    )
    return repayment


# --- Reading --------------------------------------------------------------------------------------


def entries_for(run: PayoutRun, *, payouts: list[int] | None = None) -> QuerySet[JournalEntry]:
    """The ledger entries of a run's payouts (or of the ``payouts`` given, of the run) and claims."""
    chosen = run.payouts.all() if payouts is None else run.payouts.filter(pk__in=payouts)
    payout_ids = [str(pk) for pk in chosen.values_list("pk", flat=True)]
    claim_ids = [str(pk) for pk in run.claims.values_list("pk", flat=True)]
    return JournalEntry.objects.filter(
        Q(source="payout", source_id__in=payout_ids) | Q(source="claim", source_id__in=claim_ids)
    ).order_by("voucher_number")
