"""Every change to a health cluster: one keyword-only function each, atomic, checked and audited.

Errors are ``ValidationError`` dicts of field → messages in Danish that name the field and the fix;
nothing is half-changed. Who may do what is decided in :mod:`klynge.accounts.access`.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from klynge.accounts.access import Action, is_admin, organisations, require_health
from klynge.audit.log import record, snapshot
from klynge.common.dates import long_date
from klynge.common.money import amount_text
from klynge.core.money import (
    MoneyError,
    ambiguous_thousands,
    from_danish,
    parse_amount,
    round_ore,
)
from klynge.core.sharing import Key, SharingKeyError, allocate, weights_for
from klynge.health.models import (
    ActualCost,
    BudgetLine,
    CarryOver,
    ChartFunction,
    ChartKind,
    CommonFund,
    EvaluationQuestion,
    HealthCluster,
    HealthMember,
    Initiative,
    InitiativeParty,
    Municipality,
    Population,
    SettlementLine,
    SettlementPosting,
)
from klynge.ledger import services as ledger
from klynge.ledger.models import Account, Ledger
from klynge.registry.models import Region

PERCENT_TEXT = re.compile(r"-?[0-9]{1,12}(\.[0-9]{1,12})?")  # a share as typed, in digits
MAX_AMOUNT = Decimal("10000000000.00")  # 10 mia. kr.: anything above is taken for a typing error
FIRST_YEAR, LAST_YEAR = 2000, 2100


def _refuse(field: str, message: str) -> ValidationError:
    return ValidationError({field: [message]})


def clean_amount(value: Any, field: str, label: str, *, maximum: Decimal = MAX_AMOUNT) -> Decimal:
    """An amount in kroner: at most two decimals, not negative, not absurd (Danish "1.234,50" too)."""
    text = from_danish(str(value)) if value is not None else ""
    try:
        amount = parse_amount(text)
    except MoneyError as exc:
        reason = {
            "too_many_decimals": _("højst to decimaler (hele øre)"),
            "negative": _("0 eller mere"),
        }.get(str(exc), _("et beløb, fx 1000,00"))
        if ambiguous_thousands(str(value)):
            raise _refuse(
                field,
                _(
                    "%(label)s: %(value)s kan læses på to måder; skriv %(value)s,00 for tusinder "
                    "eller brug komma til decimaler."
                )
                % {"label": label, "value": value},
            ) from exc
        raise _refuse(
            field,
            _("%(label)s: skal være %(reason)s (du skrev %(value)s).")
            % {"label": label, "reason": reason, "value": value},
        ) from exc
    if amount > maximum:
        raise _refuse(
            field,
            _("%(label)s: %(value)s er urealistisk stort; tjek beløbet.") % {"label": label, "value": value},
        )
    return amount


def clean_year(value: Any, field: str = "year") -> int:
    if not isinstance(value, int) or not FIRST_YEAR <= value <= LAST_YEAR:
        raise _refuse(
            field,
            _("År: skriv et årstal mellem %(first)s og %(last)s.") % {"first": FIRST_YEAR, "last": LAST_YEAR},
        )
    return value


def _audit(actor: Any, action: str, summary: str, obj: Any, before: Any = None, after: Any = None) -> None:
    record(actor=actor, action=action, summary=summary, obj=obj, before=before, after=after)


# --- A booked year is frozen ------------------------------------------------------------------------


def posted_year(cluster: HealthCluster, year: int) -> SettlementPosting | None:
    """The posting of ``year``'s settlement that stands (not reversed), if any."""
    return (
        SettlementPosting.objects.filter(cluster_id=cluster.pk, year=year, reversal_entry__isnull=True)
        .select_related("entry")
        .first()
    )


def _frozen(cluster: HealthCluster, year: int, field: str, label: str) -> None:
    """Refuse a change to a fact a posted settlement was computed from, saying why and how to correct."""
    posting = posted_year(cluster, year)
    if posting is None:
        return
    raise _refuse(
        field,
        _(
            "%(label)s: afregningen for %(year)s er bogført (bilag %(number)s), så de tal, den er beregnet "
            "af, er låst. Ret dem ved at tilbageføre bilaget under Rapporter og bogføring med en "
            "begrundelse; når en anden person har godkendt tilbageførslen, kan du rette og bogføre "
            "%(year)s igen."
        )
        % {"label": label, "year": year, "number": posting.entry.voucher_number},
    )


def _carry_overs_hold(cluster: HealthCluster, years: Any, field: str, label: str) -> None:
    """Check the confirmed carry-overs out of ``years`` again, after a change (inside its transaction):
    a change that leaves a member less unused than it carried over is refused, with the figures, and
    the caller's transaction rolls back."""
    from klynge.health.selectors import cluster_year

    wanted = sorted(set(years))
    active = list(
        CarryOver.objects.filter(member__cluster=cluster, from_year__in=wanted, withdrawn_at__isnull=True)
        .select_related("member__municipality", "member__region")
        .order_by("from_year", "member__position")
    )
    for year in sorted({c.from_year for c in active}):
        try:
            rows = {r.member.pk: r for r in cluster_year(cluster, year)}
        except SharingKeyError as exc:
            raise _key_error(exc) from exc
        for c in (c for c in active if c.from_year == year):
            left = rows[c.member_id].remaining
            if c.amount > left:
                raise _refuse(
                    field,
                    _(
                        "%(label)s: ændringen ville give %(member)s %(left)s kr. tilbage af %(year)s, men "
                        "%(carried)s kr. er bekræftet videreført til %(next)s. Bed økonomimedarbejderen, "
                        "der bekræftede videreførslen, om at trække den tilbage (og bekræfte et mindre "
                        "beløb), eller ret ændringen."
                    )
                    % {
                        "label": label,
                        "member": c.member.name,
                        "left": amount_text(left),
                        "year": year,
                        "carried": amount_text(c.amount),
                        "next": year + 1,
                    },
                )


# --- The cluster and its members ------------------------------------------------------------------


@transaction.atomic
def cluster_create(
    *,
    actor: Any,
    external_id: str,
    name: str,
    region: Region,
    municipalities: Sequence[Municipality],
    co_chair_region: str = "",
    co_chair_municipality: str = "",
) -> HealthCluster:
    """An administrator creates a health cluster: the region and its municipalities, in that order."""
    if not is_admin(actor):
        raise PermissionDenied(_("Kun en systemadministrator kan oprette sundhedsklynger."))
    errors: dict[str, list[str]] = {}
    if not external_id or HealthCluster.objects.filter(external_id=external_id).exists():
        errors["external_id"] = [_("Id: skal udfyldes og må ikke være brugt af en anden sundhedsklynge.")]
    if not name.strip():
        errors["name"] = [_("Navn: skal udfyldes.")]
    if not municipalities:
        errors["municipalities"] = [_("Kommuner: vælg mindst én kommune.")]
    outside = sorted(m.name for m in municipalities if m.region_id != region.pk)
    if outside:
        errors["municipalities"] = [
            _("Kommuner: %(names)s ligger ikke i %(region)s.")
            % {"names": ", ".join(outside), "region": region.name}
        ]
    if errors:
        raise ValidationError(errors)
    cluster = HealthCluster.objects.create(
        external_id=external_id,
        name=name.strip(),
        region=region,
        co_chair_region=co_chair_region,
        co_chair_municipality=co_chair_municipality,
    )
    HealthMember.objects.create(cluster=cluster, kind=HealthMember.Kind.REGION, region=region, position=0)
    for position, municipality in enumerate(municipalities, start=1):
        HealthMember.objects.create(
            cluster=cluster, kind=HealthMember.Kind.MUNICIPALITY, municipality=municipality, position=position
        )
    _audit(
        actor,
        "health_cluster.create",
        _("Sundhedsklyngen %(name)s oprettet") % {"name": cluster.name},
        cluster,
        after={**(snapshot(cluster) or {}), "members": [m.code for m in municipalities]},
    )
    return cluster


@transaction.atomic
def cluster_update(*, actor: Any, cluster: HealthCluster, **changes: Any) -> HealthCluster:
    """The secretariat changes the cluster's name and co-chairs."""
    require_health(actor, Action.EDIT, cluster)
    allowed = {"name", "co_chair_region", "co_chair_municipality"}
    if set(changes) - allowed:
        raise TypeError(f"cluster_update does not change {sorted(set(changes) - allowed)}")
    if "name" in changes and not str(changes["name"]).strip():
        raise _refuse("name", _("Navn: skal udfyldes."))
    cluster = HealthCluster.objects.select_for_update().get(pk=cluster.pk)
    before = snapshot(cluster)
    for field, value in changes.items():
        setattr(cluster, field, str(value).strip())
    cluster.save()
    _audit(
        actor,
        "health_cluster.update",
        _("Stamdata for %(name)s ændret") % {"name": cluster.name},
        cluster,
        before,
        snapshot(cluster),
    )
    return cluster


@transaction.atomic
def population_set(*, actor: Any, member: HealthMember, year: int, count: Any) -> Population:
    require_health(actor, Action.EDIT, member.cluster)
    clean_year(year)
    # a member has inhabitants: 0 would silently give it no share of a population key
    if not isinstance(count, int) or isinstance(count, bool) or not 1 <= count <= 10_000_000:
        raise _refuse("count", _("Indbyggere: skriv et helt tal mellem 1 og 10.000.000."))
    _frozen(member.cluster, year, "count", _("Indbyggere"))
    before = snapshot(Population.objects.filter(member=member, year=year).first())
    obj, _created = Population.objects.update_or_create(member=member, year=year, defaults={"count": count})
    # a year without its own population is settled with the latest earlier one's
    later = CarryOver.objects.filter(member__cluster=member.cluster_id, from_year__gte=year)
    _carry_overs_hold(member.cluster, later.values_list("from_year", flat=True), "count", _("Indbyggere"))
    _audit(
        actor,
        "health.population",
        _("Indbyggertal for %(member)s %(year)s sat til %(count)s")
        % {"member": member.name, "year": year, "count": count},
        obj,
        before,
        snapshot(obj),
    )
    return obj


# --- Common funds and carry-over ------------------------------------------------------------------


@transaction.atomic
def funds_set(*, actor: Any, member: HealthMember, year: int, amount: Any, note: str = "") -> CommonFund:
    """Enter a member's share of the common funds for a year."""
    require_health(actor, Action.EDIT, member.cluster)
    clean_year(year)
    value = clean_amount(amount, "amount", _("Beløb"))
    _frozen(member.cluster, year, "amount", _("Fælles midler"))
    before = snapshot(CommonFund.objects.filter(member=member, year=year).first())
    obj, _created = CommonFund.objects.update_or_create(
        member=member,
        year=year,
        defaults={"amount": value, "source": CommonFund.Source.ENTERED, "note": note},
    )
    _carry_overs_hold(member.cluster, [year], "amount", _("Fælles midler"))
    _audit(
        actor,
        "health.funds",
        _("Fælles midler for %(member)s %(year)s sat til %(amount)s kr.")
        % {"member": member.name, "year": year, "amount": amount_text(value)},
        obj,
        before,
        snapshot(obj),
    )
    return obj


def _key_error(exc: SharingKeyError) -> ValidationError:
    messages = {
        "percent_sum": _("Fordelingsnøgle: procenterne skal give 100 %% i alt; de giver %(detail)s %%."),
        "population_missing": _(
            "Fordelingsnøgle: indbyggertal mangler for %(detail)s; skriv dem under Medlemmer."
        ),
        "unknown_member": _("Fordelingsnøgle: %(detail)s er ikke medlem af klyngen."),
        "negative_share": _("Fordelingsnøgle: en andel kan ikke være negativ."),
        "zero_weights": _("Fordelingsnøgle: andelene kan ikke alle være 0."),
    }
    text = messages.get(exc.code, _("Fordelingsnøgle: kan ikke bruges (%(detail)s).")) % {
        "detail": exc.detail or exc.code
    }
    return _refuse("key", text)


@transaction.atomic
def funds_distribute(
    *,
    actor: Any,
    cluster: HealthCluster,
    year: int,
    pot: Any,
    key_type: str,
    percents: dict[int, Any] | None = None,
) -> list[CommonFund]:
    """Split a pot between the members by a key (population of the year, equal, or fixed percentages)
    to the øre (largest remainder, ties by member order) and store each member's share."""
    require_health(actor, Action.EDIT, cluster)
    clean_year(year)
    total = clean_amount(pot, "pot", _("Pulje"))
    _frozen(cluster, year, "pot", _("Pulje"))
    members = list(cluster.members.select_related("municipality", "region"))
    key = _key(key_type, members, percents)
    population = {str(p.member_id): p.count for p in Population.objects.filter(member__in=members, year=year)}
    try:
        weights = weights_for(key, [str(m.pk) for m in members], population)
        parts = allocate(total, weights)
    except SharingKeyError as exc:
        if exc.code == "population_missing":
            names = ", ".join(m.name for m in members if str(m.pk) in exc.detail.split(", "))
            raise _key_error(SharingKeyError(exc.code, f"{names} ({year})")) from exc
        raise _key_error(exc) from exc
    stored = []
    for member in members:
        obj, _created = CommonFund.objects.update_or_create(
            member=member,
            year=year,
            defaults={
                "amount": parts[str(member.pk)],
                "source": CommonFund.Source.KEY,
                "note": _("Fordelt af en pulje på %(pot)s kr. (%(key)s)")
                % {"pot": amount_text(total), "key": Initiative.KeyType(key_type).label},
            },
        )
        stored.append(obj)
    _carry_overs_hold(cluster, [year], "pot", _("Pulje"))
    _audit(
        actor,
        "health.funds_distribute",
        _("Pulje på %(pot)s kr. for %(year)s fordelt mellem %(count)s medlemmer")
        % {"pot": amount_text(total), "year": year, "count": len(members)},
        cluster,
        after={str(m.pk): f"{parts[str(m.pk)]:f}" for m in members},
    )
    return stored


def _key(key_type: str, members: Sequence[HealthMember], percents: dict[int, Any] | None) -> Key:
    if key_type not in Initiative.KeyType.values:
        raise _refuse(
            "key_type", _("Fordelingsnøgle: vælg ligeligt, efter befolkning eller faste procenter.")
        )
    if key_type != "percent":
        return Key(key_type)
    shares = []
    for member in members:
        raw = (percents or {}).get(member.pk)
        if raw in (None, ""):
            continue
        text = str(raw).strip().replace(",", ".")
        try:
            if not PERCENT_TEXT.fullmatch(text):  # no "1e1", "Infinity" or "NaN": digits only
                raise InvalidOperation
            value = Decimal(text)
        except InvalidOperation:
            raise _refuse(
                "percents", _("Andel for %(member)s: skriv et tal, fx 33,3333.") % {"member": member.name}
            ) from None
        if not value.is_finite() or value.as_tuple().exponent < -4:  # type: ignore[operator]
            raise _refuse(
                "percents", _("Andel for %(member)s: højst fire decimaler.") % {"member": member.name}
            )
        shares.append((str(member.pk), value))
    return Key("percent", tuple(shares))


def unused(member: HealthMember, year: int) -> Decimal:
    """A member's common funds of ``year`` plus what was carried into it, minus its share of the year's
    actual costs (what it is left with; negative when it overspent)."""
    from klynge.health.selectors import member_year

    return member_year(member, year).remaining


def _year_ended(year: int, field: str) -> None:
    today = timezone.localdate()
    if year >= today.year:
        raise _refuse(
            field,
            _(
                "Fra år: %(year)s er ikke slut endnu, så der kan ikke videreføres noget fra det; "
                "bekræft videreførslen fra 1. januar %(next)s, når årets udgifter er kendt."
            )
            % {"year": year, "next": year + 1},
        )


def _carry_over_create(
    *,
    actor: Any,
    member: HealthMember,
    from_year: int,
    amount: Any,
    note: str,
    into: HealthMember | None = None,
) -> CarryOver:
    """The checks every confirmed carry-over shares (a positive amount, a year not posted, one
    confirmation per member and year, never more than is unused) and the row; into the next year of
    the member's own cluster, or ``into`` a successor council's member (#11)."""
    value = clean_amount(amount, "amount", _("Beløb"))
    if value <= 0:
        raise _refuse("amount", _("Beløb: skal være større end 0 kr."))
    _frozen(member.cluster, from_year, "from_year", _("Videreførsel"))
    HealthMember.objects.select_for_update().get(pk=member.pk)  # one confirmation at a time per member
    if CarryOver.objects.filter(member=member, from_year=from_year, withdrawn_at__isnull=True).exists():
        raise _refuse(
            "from_year",
            _(
                "Videreførsel fra %(year)s er allerede bekræftet for %(member)s; træk den tilbage først, "
                "hvis beløbet skal ændres."
            )
            % {"year": from_year, "member": member.name},
        )
    left = unused(member, from_year)
    if value > left:
        raise _refuse(
            "amount",
            _("Beløb: %(amount)s kr. er mere end de %(left)s kr., %(member)s har tilbage af %(year)s.")
            % {
                "amount": amount_text(value),
                "left": amount_text(max(left, Decimal(0))),
                "member": member.name,
                "year": from_year,
            },
        )
    obj = CarryOver.objects.create(
        member=member,
        into=into,
        from_year=from_year,
        amount=value,
        confirmed_by=actor,
        confirmed_at=timezone.now(),
        note=note,
    )
    return obj


@transaction.atomic
def carry_over_confirm(
    *, actor: Any, member: HealthMember, from_year: int, amount: Any, note: str = ""
) -> CarryOver:
    """The member's finance officer confirms room within its expenditure ceiling to carry ``amount``
    of the unused funds of ``from_year`` to the next year (never more than is unused; never out of a
    year that has not ended; never out of a posted year, whose facts are frozen)."""
    codes = organisations(actor)
    if codes is not None and member.code not in codes:
        raise PermissionDenied(
            _("Kun %(member)s' økonomimedarbejder kan bekræfte videreførsel af dens midler.")
            % {"member": member.name}
        )
    clean_year(from_year, "from_year")
    cluster = HealthCluster.objects.select_related("successor").get(pk=member.cluster_id)  # as stored now
    ends = cluster.valid_to
    if ends is not None and from_year + 1 > ends.year:
        # #11: a cluster that has ended has no next year to carry into; a council takes the funds over
        successor = cluster.successor
        raise _refuse(
            "from_year",
            _("Fra år: %(cluster)s ophører %(day)s og har intet %(next)s at videreføre til. %(hint)s")
            % {
                "cluster": cluster.name,
                "day": long_date(ends),
                "next": from_year + 1,
                "hint": _("Bekræft i stedet videreførsel til sundhedsrådet %(council)s.")
                % {"council": successor.name}
                if successor is not None and successor.is_council
                else _("Vælg et tidligere år."),
            },
        )
    _year_ended(from_year, "from_year")
    obj = _carry_over_create(actor=actor, member=member, from_year=from_year, amount=amount, note=note)
    value = obj.amount
    # what is carried into the next year counts there: its own carry-over must still be covered
    _carry_overs_hold(member.cluster, [from_year + 1], "amount", _("Beløb"))
    _audit(
        actor,
        "health.carry_over",
        _("%(amount)s kr. af %(member)s' midler videreført fra %(year)s til %(next)s")
        % {"amount": amount_text(value), "member": member.name, "year": from_year, "next": from_year + 1},
        obj,
        after=snapshot(obj),
    )
    return obj


@transaction.atomic
def carry_over_withdraw(*, actor: Any, carry_over: CarryOver, reason: str) -> CarryOver:
    """The finance officer who confirmed a carry-over withdraws it, with a reason (it stays on record,
    marked withdrawn; a new amount may then be confirmed). Only that person may: the confirmation was
    theirs (room within their organisation's ceiling), so is taking it back (also a CHECK constraint).
    Refused when the year it is carried from is posted, and when the next year's own carry-over would
    no longer be covered without it."""
    obj = CarryOver.objects.select_for_update().select_related("member__cluster").get(pk=carry_over.pk)
    member = obj.member
    if obj.confirmed_by_id != getattr(actor, "pk", None):
        raise PermissionDenied(
            _("Kun den økonomimedarbejder, der bekræftede videreførslen, kan trække den tilbage.")
        )
    if obj.withdrawn_at is not None:
        raise _refuse("reason", _("Videreførslen er allerede trukket tilbage."))
    if not reason.strip():
        raise _refuse("reason", _("Begrundelse: skriv, hvorfor videreførslen trækkes tilbage."))
    _frozen(member.cluster, obj.from_year, "reason", _("Videreførsel"))
    before = snapshot(obj)
    obj.withdrawn_by, obj.withdrawn_at, obj.withdrawal_reason = actor, timezone.now(), reason.strip()[:300]
    obj.save(update_fields=["withdrawn_by", "withdrawn_at", "withdrawal_reason"])
    # the year it was carried into must still cover its own carry-over: the member's next year, or
    # (#11) the successor council's member's
    target = obj.into.cluster if obj.into_id is not None else member.cluster  # type: ignore[union-attr]
    _carry_overs_hold(target, [obj.from_year + 1], "reason", _("Videreførsel"))
    _audit(
        actor,
        "health.carry_over_withdraw",
        _("Videreførslen af %(amount)s kr. fra %(year)s for %(member)s trukket tilbage: %(reason)s")
        % {
            "amount": amount_text(obj.amount),
            "year": obj.from_year,
            "member": member.name,
            "reason": obj.withdrawal_reason,
        },
        obj,
        before,
        snapshot(obj),
    )
    return obj


# --- Initiatives ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class Party:
    member: HealthMember
    executes: bool = False
    pays: bool = True
    percent: Any = None


STANDARD_QUESTIONS = [
    EvaluationQuestion.Standard.CHALLENGE,
    EvaluationQuestion.Standard.CRITERIA,
    EvaluationQuestion.Standard.MEASURE,
    EvaluationQuestion.Standard.WHEN,
    EvaluationQuestion.Standard.RESPONSIBLE,
]


@transaction.atomic
def initiative_save(
    *,
    actor: Any,
    cluster: HealthCluster,
    initiative: Initiative | None = None,
    title: str,
    function_code: str,
    key_type: str,
    starts_on: dt.date,
    ends_on: dt.date,
    parties: Sequence[Party],
    theme: str = "",
    challenge: str = "",
) -> Initiative:
    """Create or change an initiative with its executing and paying parties and cost-sharing key.

    A new initiative gets the guide's five evaluation questions."""
    require_health(actor, Action.EDIT, cluster)
    errors: dict[str, list[str]] = {}
    if not title.strip():
        errors["title"] = [_("Titel: skal udfyldes.")]
    function = ChartFunction.objects.filter(code=function_code.strip(), active=True).first()
    if function is None:
        errors["function_code"] = [
            _(
                "Funktion: %(code)s findes ikke i kontoplanen; vælg fx 4.62.88, eller få en administrator til at oprette den."
            )
            % {"code": function_code or "–"}
        ]
    if key_type not in Initiative.KeyType.values:
        errors["key_type"] = [_("Fordelingsnøgle: vælg ligeligt, efter befolkning eller faste procenter.")]
    if ends_on < starts_on:
        errors["ends_on"] = [_("Slut: skal være samme dag som eller efter start.")]
    foreign = [p.member.name for p in parties if p.member.cluster_id != cluster.pk]
    if foreign:
        errors["parties"] = [
            _("Parter: %(names)s er ikke medlem af klyngen.") % {"names": ", ".join(foreign)}
        ]
    elif not any(p.executes for p in parties):
        errors["parties"] = [_("Parter: vælg mindst én udførende part.")]
    elif not any(p.pays for p in parties):
        errors["parties"] = [_("Parter: vælg mindst én betalende part.")]
    if not errors and key_type == "percent":
        try:
            key = _key(
                "percent",
                [p.member for p in parties if p.pays],
                {p.member.pk: p.percent for p in parties if p.pays},
            )
            weights_for(key, [str(p.member.pk) for p in parties if p.pays], {})
        except SharingKeyError as exc:
            errors.update(_key_error(exc).message_dict)
        except ValidationError as exc:
            errors.update(exc.message_dict)
    if errors:
        raise ValidationError(errors)
    periods: dict[int, tuple[int | None, int | None]] = {}
    if initiative is not None:
        initiative = Initiative.objects.select_for_update().get(pk=initiative.pk, cluster=cluster)
        before = {**(snapshot(initiative) or {}), "parties": _parties_snapshot(initiative)}
        outside = ActualCost.objects.filter(initiative=initiative).exclude(
            year__gte=starts_on.year, year__lte=ends_on.year
        )
        if outside.exists():
            raise _refuse(
                "ends_on", _("Periode: der er registreret udgifter uden for den nye periode; ret dem først.")
            )
        cost_years = sorted(set(initiative.costs.values_list("year", flat=True)))
        # the years an executing party executes (#11) are kept while it stays executing; they are
        # changed by executor_change only
        periods.update(
            (p.member_id, (p.executes_from, p.executes_until)) for p in initiative.parties.all() if p.executes
        )
        changed = _settlement_terms(
            initiative.key_type, initiative.function_id, _stored_parties(initiative)
        ) != _settlement_terms(
            key_type, function.pk if function else None, _given_parties(key_type, parties, periods)
        )
        if changed:
            for year in cost_years:
                _frozen(cluster, year, "parties", _("Parter, fordelingsnøgle og funktion"))
    else:
        cost_years = []
        initiative = Initiative(cluster=cluster)
        before = None
    initiative.title, initiative.theme, initiative.challenge = title.strip(), theme.strip(), challenge
    initiative.function, initiative.key_type = function, key_type  # type: ignore[assignment]
    initiative.starts_on, initiative.ends_on = starts_on, ends_on
    initiative.save()
    InitiativeParty.objects.filter(initiative=initiative).delete()
    InitiativeParty.objects.bulk_create(
        InitiativeParty(
            initiative=initiative,
            member=p.member,
            executes=p.executes,
            pays=p.pays,
            percent=Decimal(str(p.percent).replace(",", "."))
            if key_type == "percent" and p.pays and p.percent not in (None, "")
            else None,
            executes_from=periods.get(p.member.pk, (None, None))[0] if p.executes else None,
            executes_until=periods.get(p.member.pk, (None, None))[1] if p.executes else None,
        )
        for p in parties
        if p.executes or p.pays
    )
    if before is None:
        EvaluationQuestion.objects.bulk_create(
            EvaluationQuestion(initiative=initiative, standard=std, question=str(std.label), position=i)
            for i, std in enumerate(STANDARD_QUESTIONS)
        )
        if challenge:
            EvaluationQuestion.objects.filter(initiative=initiative, standard="challenge").update(
                answer=challenge
            )
    _carry_overs_hold(cluster, cost_years, "parties", _("Parter og fordelingsnøgle"))
    _audit(
        actor,
        "initiative.save",
        (_("Indsatsen %(title)s oprettet") if before is None else _("Indsatsen %(title)s ændret"))
        % {"title": initiative.title},
        initiative,
        before,
        {**(snapshot(initiative) or {}), "parties": _parties_snapshot(initiative)},
    )
    return initiative


def _stored_parties(initiative: Initiative) -> set[tuple[Any, ...]]:
    return {
        (p.member_id, p.executes, p.pays, p.percent, p.executes_from, p.executes_until)
        for p in initiative.parties.all()
    }


def _given_parties(
    key_type: str, parties: Sequence[Party], periods: dict[int, tuple[int | None, int | None]]
) -> set[tuple[Any, ...]]:
    return {
        (
            p.member.pk,
            p.executes,
            p.pays,
            Decimal(str(p.percent).replace(",", "."))
            if key_type == "percent" and p.pays and p.percent not in (None, "")
            else None,
            *(periods.get(p.member.pk, (None, None)) if p.executes else (None, None)),
        )
        for p in parties
        if p.executes or p.pays
    }


def _settlement_terms(key_type: str, function_id: int | None, parties: set[Any]) -> tuple[Any, ...]:
    """What a year's settlement of an initiative is computed from, beside its costs: the key, the
    function it is posted on, and who executes and pays what share."""
    return (key_type, function_id, frozenset(parties))


def _parties_snapshot(initiative: Initiative) -> list[list[Any]]:
    return [
        [
            p.member_id,
            p.executes,
            p.pays,
            f"{p.percent:f}" if p.percent is not None else None,
            p.executes_from,
            p.executes_until,
        ]
        for p in initiative.parties.all()
    ]


ALLOWED_STATUS = {
    "idea": {"approved"},
    "approved": {"running", "idea"},
    "running": {"completed"},
    "completed": {"evaluated", "running"},
    "evaluated": {"reported", "completed"},
    "reported": set(),
    "cancelled": set(),  # an end: klynge.health.secretariat.initiative_cancel, with a reason
}


@transaction.atomic
def initiative_status_set(
    *, actor: Any, initiative: Initiative, status: str, reported_on: dt.date | None = None
) -> Initiative:
    """Move an initiative along idea → approved → running → completed → evaluated → reported to the SSU."""
    require_health(actor, Action.EDIT, initiative.cluster)
    initiative = Initiative.objects.select_for_update().get(pk=initiative.pk)
    if status == Initiative.Status.CANCELLED:
        raise _refuse(
            "status",
            _("Status: en indsats aflyses med en begrundelse; brug Aflys indsatsen på indsatsens side."),
        )
    if status not in ALLOWED_STATUS.get(initiative.status, set()):
        raise _refuse(
            "status",
            _("Status: en indsats, der er %(now)s, kan ikke blive %(next)s.")
            % {
                "now": initiative.get_status_display().lower(),
                "next": dict(Initiative.Status.choices).get(status, status).lower(),
            },
        )
    if status == "evaluated" and not initiative.result:
        raise _refuse(
            "status", _("Status: skriv resultatet af evalueringen, før indsatsen markeres som evalueret.")
        )
    fields = ["status", "reported_on", "approved_on", "completed_on"]
    before = snapshot(initiative, fields)
    today = timezone.localdate()
    if status == "approved" and initiative.approved_on is None:
        initiative.approved_on = today  # the first approval; kept if it is set back to an idea
    if status == "completed":
        initiative.completed_on = today
    elif status == "running":
        initiative.completed_on = None
    initiative.status = status
    if status == "reported":
        initiative.reported_on = reported_on or today
    initiative.save(update_fields=fields)
    _audit(
        actor,
        "initiative.status",
        _("Indsatsen %(title)s: %(status)s")
        % {"title": initiative.title, "status": initiative.get_status_display()},
        initiative,
        before,
        snapshot(initiative, fields),
    )
    return initiative


@transaction.atomic
def question_add(
    *, actor: Any, initiative: Initiative, question: str, added_by: str = "cluster"
) -> EvaluationQuestion:
    """A question of the cluster's or the SSU's own for the evaluation plan."""
    require_health(actor, Action.EDIT, initiative.cluster)
    plan_open(initiative, "question", _("Evalueringsplan"))
    if not question.strip():
        raise _refuse("question", _("Spørgsmål: skal udfyldes."))
    if added_by not in ("cluster", "ssu"):
        raise _refuse("added_by", _("Tilføjet af: vælg klyngen eller SSU."))
    last = initiative.questions.order_by("-position").values_list("position", flat=True).first() or 0
    obj = EvaluationQuestion.objects.create(
        initiative=initiative, question=question.strip()[:300], added_by=added_by, position=last + 1
    )
    _audit(
        actor,
        "initiative.question",
        _("Evalueringsspørgsmål tilføjet: %(q)s") % {"q": obj.question},
        obj,
        after=snapshot(obj),
    )
    return obj


@transaction.atomic
def evaluation_save(
    *,
    actor: Any,
    initiative: Initiative,
    answers: dict[int, str],
    result: str = "",
    result_summary: str = "",
    recommend_spread: bool = False,
    spread_note: str = "",
) -> Initiative:
    """Answer the evaluation plan's questions and record the results and the recommendation."""
    require_health(actor, Action.EDIT, initiative.cluster)
    if result not in Initiative.Result.values:
        raise _refuse("result", _("Resultat: vælg en af mulighederne."))
    initiative = Initiative.objects.select_for_update().get(pk=initiative.pk)
    plan_open(initiative, "answers", _("Evalueringsplan"))
    questions = {q.pk: q for q in initiative.questions.all()}
    unknown = sorted(set(answers) - set(questions))
    if unknown:
        raise _refuse("answers", _("Svar: spørgsmålet findes ikke i evalueringsplanen."))
    before = {
        **(snapshot(initiative, ["result", "result_summary", "recommend_spread", "spread_note"]) or {}),
        "answers": {str(pk): q.answer for pk, q in questions.items()},
    }
    for pk, answer in answers.items():
        questions[pk].answer = answer.strip()
    EvaluationQuestion.objects.bulk_update(questions.values(), ["answer"])
    initiative.result, initiative.result_summary = result, result_summary.strip()
    initiative.recommend_spread, initiative.spread_note = recommend_spread, spread_note.strip()
    initiative.save(update_fields=["result", "result_summary", "recommend_spread", "spread_note"])
    _audit(
        actor,
        "initiative.evaluation",
        _("Evaluering af %(title)s gemt") % {"title": initiative.title},
        initiative,
        before,
        {
            **(snapshot(initiative, ["result", "result_summary", "recommend_spread", "spread_note"]) or {}),
            "answers": {str(pk): q.answer for pk, q in questions.items()},
        },
    )
    return initiative


# --- Budget and actual costs ----------------------------------------------------------------------


def plan_open(initiative: Initiative, field: str, label: str) -> None:
    """Refuse a change to the budget or the evaluation plan of an initiative reported to the SSU
    (what the SSU was given stands; #13) or cancelled (its history stands)."""
    status = Initiative.objects.filter(pk=initiative.pk).values_list("status", flat=True).first()
    if status == Initiative.Status.REPORTED:
        raise _refuse(
            field,
            _(
                "%(label)s: indsatsen er afrapporteret til SSU, så budget og evalueringsplan er låst som "
                "afrapporteret. Skriv en ny indsats, hvis SSU beder om en ændret plan."
            )
            % {"label": label},
        )
    if status == Initiative.Status.CANCELLED:
        raise _refuse(
            field,
            _("%(label)s: indsatsen er aflyst, så budget og evalueringsplan er låst som historik.")
            % {"label": label},
        )


def plan_locked(initiative: Initiative) -> bool:
    """Whether the budget and evaluation plan are read-only (the page shows them as text)."""
    return initiative.status in (Initiative.Status.REPORTED, Initiative.Status.CANCELLED)


def cost_years_open(initiative: Initiative) -> tuple[int, int] | None:
    """The years actual costs may be recorded for now (#13), or None.

    Approved or running: every year of the period. Completed, or cancelled after it was approved:
    only the year it ended (the year it was completed or cancelled, at most its last year), because
    the last bills of that year arrive after the end — finance staff record them late rather than
    reopening the initiative. An idea, an evaluated or a reported initiative takes none."""
    first, last = initiative.starts_on.year, initiative.ends_on.year
    if initiative.status in (Initiative.Status.APPROVED, Initiative.Status.RUNNING):
        return first, last
    ended: int | None = None
    if initiative.status == Initiative.Status.COMPLETED:
        ended = initiative.completed_on.year if initiative.completed_on else last
    elif initiative.status == Initiative.Status.CANCELLED and initiative.approved_on is not None:
        ended = timezone.localtime(initiative.cancelled_at).year if initiative.cancelled_at else last
    if ended is None:
        return None
    year = max(first, min(ended, last))
    return year, year


def _costs_open(initiative: Initiative, year: int, field: str = "year") -> None:
    """Refuse actual costs outside :func:`cost_years_open`, saying what to do instead."""
    years = cost_years_open(initiative)
    if years is not None and years[0] <= year <= years[1]:
        return
    status = initiative.status
    if status == Initiative.Status.IDEA:
        message = _(
            "Faktiske udgifter: indsatsen er en idé og er ikke godkendt. Udgifter kan først skrives, når "
            "indsatsen er godkendt eller i gang; registrér SSU's beslutning eller godkend indsatsen først."
        )
    elif years is not None:
        message = _(
            "Faktiske udgifter: indsatsen er %(status)s, så kun udgifter for %(year)s (året den sluttede) "
            "kan skrives. Sæt indsatsen i gang igen, hvis der mangler udgifter for andre år."
        ) % {"status": initiative.get_status_display().lower(), "year": years[0]}
    elif status == Initiative.Status.CANCELLED:
        message = _("Faktiske udgifter: indsatsen blev aflyst, før den blev godkendt, og har ingen udgifter.")
    elif status == Initiative.Status.REPORTED:
        message = _(
            "Faktiske udgifter: indsatsen er afrapporteret til SSU, så dens udgifter er låst, som de blev "
            "afrapporteret."
        )
    else:
        message = _(
            "Faktiske udgifter: indsatsen er evalueret, så dens udgifter er låst. Sæt den tilbage til "
            "afsluttet, hvis der mangler udgifter."
        )
    raise _refuse(field, message)


def _executor(initiative: Initiative, member: HealthMember, year: int, field: str = "executor") -> None:
    """The member must be an executing party of ``year`` (#11: the executing party can change from a
    year, e.g. prevention moving from a municipality to the region; a year's costs are its own
    executing parties')."""
    party = initiative.parties.filter(member=member, executes=True).first()
    if party is None:
        raise _refuse(
            field,
            _("Udførende part: %(member)s er ikke udførende part i indsatsen; ret indsatsens parter først.")
            % {"member": member.name},
        )
    if not party.executes_in(year):
        raise _refuse(
            field,
            _(
                "Udførende part: %(member)s er udførende part i %(period)s, ikke i %(year)s; vælg årets "
                "udførende part, eller ret skiftet af udførende part."
            )
            % {"member": member.name, "period": _execution_period(party), "year": year},
        )


def _execution_period(party: InitiativeParty) -> str:
    first = party.executes_from if party.executes_from is not None else party.initiative.starts_on.year
    last = party.executes_until if party.executes_until is not None else party.initiative.ends_on.year
    return f"{first}–{last}"


def _in_period(initiative: Initiative, year: int, field: str = "year") -> None:
    if not initiative.starts_on.year <= year <= initiative.ends_on.year:
        raise _refuse(
            field,
            _("År: %(year)s ligger uden for indsatsens periode (%(first)s–%(last)s).")
            % {"year": year, "first": initiative.starts_on.year, "last": initiative.ends_on.year},
        )


@transaction.atomic
def budget_line_add(
    *,
    actor: Any,
    initiative: Initiative,
    executor: HealthMember,
    year: int,
    activity: str,
    hours: Any,
    hourly_rate: Any = None,
    annual_salary: Any = None,
    annual_norm_hours: Any = None,
) -> BudgetLine:
    """A budget line: hours × hourly rate, or hours × annual salary / annual norm hours, to the øre."""
    require_health(actor, Action.EDIT, initiative.cluster)
    plan_open(initiative, "activity", _("Budget"))
    errors: dict[str, list[str]] = {}
    for check in (
        lambda: clean_year(year),
        lambda: _in_period(initiative, year),
        lambda: _executor(initiative, executor, year),
    ):
        try:
            check()
        except ValidationError as exc:
            errors.update(exc.message_dict)
    if not activity.strip():
        errors["activity"] = [_("Aktivitet: skal udfyldes.")]
    quantity = rate = salary = None
    norm: int | None = None
    try:
        quantity = clean_amount(hours, "hours", _("Timer"), maximum=Decimal(100000))
        if quantity <= 0:
            errors["hours"] = [_("Timer: skal være større end 0.")]
    except ValidationError as exc:
        errors.update(exc.message_dict)
    salary_given = annual_salary not in (None, "")
    if salary_given:
        try:
            salary = clean_amount(annual_salary, "annual_salary", _("Årsløn"), maximum=Decimal(10000000))
        except ValidationError as exc:
            errors.update(exc.message_dict)
        if not isinstance(annual_norm_hours, int) or not 1 <= annual_norm_hours <= 3000:
            errors["annual_norm_hours"] = [_("Årsnorm: skriv antal timer om året, fx 1924.")]
        else:
            norm = annual_norm_hours
    elif hourly_rate not in (None, ""):
        try:
            rate = clean_amount(hourly_rate, "hourly_rate", _("Timesats"), maximum=Decimal(100000))
        except ValidationError as exc:
            errors.update(exc.message_dict)
    else:
        errors["hourly_rate"] = [_("Timesats: skriv en timesats, eller en årsløn og en årsnorm.")]
    if errors:
        raise ValidationError(errors)
    assert quantity is not None
    if salary is not None and norm is not None:
        amount = round_ore(quantity * salary / norm)
        method = BudgetLine.Method.SALARY
    else:
        assert rate is not None
        amount = round_ore(quantity * rate)
        method = BudgetLine.Method.RATE
    line = BudgetLine.objects.create(
        initiative=initiative,
        executor=executor,
        year=year,
        activity=activity.strip(),
        method=method,
        hours=quantity,
        hourly_rate=rate,
        annual_salary=salary,
        annual_norm_hours=norm,
        amount=amount,
    )
    _audit(
        actor,
        "initiative.budget",
        _("Budgetlinje %(activity)s: %(amount)s kr.")
        % {"activity": line.activity, "amount": amount_text(amount)},
        line,
        after=snapshot(line),
    )
    return line


@transaction.atomic
def budget_line_remove(*, actor: Any, line: BudgetLine) -> None:
    require_health(actor, Action.EDIT, line.initiative.cluster)
    plan_open(line.initiative, "activity", _("Budget"))
    before = snapshot(line)
    _audit(
        actor,
        "initiative.budget_remove",
        _("Budgetlinje %(activity)s fjernet") % {"activity": line.activity},
        line,
        before,
    )
    line.delete()


@transaction.atomic
def cost_set(
    *, actor: Any, initiative: Initiative, executor: HealthMember, year: int, amount: Any, source: str = ""
) -> ActualCost:
    """Record what an executing party actually spent on the initiative in a year (replaces the year's figure)."""
    require_health(actor, Action.EDIT, initiative.cluster)
    errors: dict[str, list[str]] = {}
    for check in (
        lambda: clean_year(year),
        lambda: _in_period(initiative, year),
        lambda: _executor(initiative, executor, year),
        lambda: _frozen(initiative.cluster, year, "year", _("Faktiske udgifter")),
    ):
        try:
            check()
        except ValidationError as exc:
            errors.update(exc.message_dict)
    if "year" not in errors:
        try:
            _costs_open(Initiative.objects.get(pk=initiative.pk), year)
        except ValidationError as exc:
            errors.update(exc.message_dict)
    try:
        value = clean_amount(amount, "amount", _("Beløb"))
    except ValidationError as exc:
        errors.update(exc.message_dict)
    if errors:
        raise ValidationError(errors)
    before = snapshot(ActualCost.objects.filter(initiative=initiative, executor=executor, year=year).first())
    obj, _created = ActualCost.objects.update_or_create(
        initiative=initiative,
        executor=executor,
        year=year,
        defaults={"amount": value, "source": source[:100]},
    )
    _carry_overs_hold(initiative.cluster, [year], "amount", _("Beløb"))
    _audit(
        actor,
        "initiative.cost",
        _("Faktisk udgift for %(title)s, %(member)s %(year)s: %(amount)s kr.")
        % {"title": initiative.title, "member": executor.name, "year": year, "amount": amount_text(value)},
        obj,
        before,
        snapshot(obj),
    )
    return obj


def members_by_code(cluster: HealthCluster) -> dict[str, HealthMember]:
    return {m.code: m for m in cluster.members.select_related("municipality", "region")}


# --- Posting a year's settlement in the ledger ----------------------------------------------------------

CASH_ACCOUNT = "HK-LIKVIDE"


def ledger_code(cluster: HealthCluster) -> str:
    return f"HK-{cluster.external_id}"


def cluster_ledger(cluster: HealthCluster) -> Ledger:
    """The health cluster's ledger (made with its first entry), beside the regions' ``GP-`` ledgers."""
    return ledger.ledger_get_or_create(
        code=ledger_code(cluster), name=_("Sundhedsklynge %(name)s") % {"name": cluster.name}
    )


def account_code(function: str, kind: str) -> str:
    """The ledger account of a function × kind of the public chart, e.g. ``HK-4.62.88-4.7``."""
    return f"HK-{function}-{kind}"


def account_chart(code: str) -> tuple[str, str]:
    """The (function, kind) of the public chart a ledger account of :func:`account_code` is for, read
    back from its code (``HK-4.62.88-4.7`` → ``("4.62.88", "4.7")``); ``("", "")`` for any other
    account (the cash account, the regions' GP accounts), which the chart has no code of ours for."""
    if not code.startswith("HK-") or code == CASH_ACCOUNT or "-" not in code[3:]:
        return "", ""
    function, kind = code[3:].rsplit("-", 1)
    return function, kind


def _accounts_for(postings: Sequence[Any]) -> None:
    """The accounts of the chart's function × kind pairs used (expense kinds 0–6, income kinds 7–9),
    and the members' cash account, made when first needed from the stored chart."""
    functions = dict(ChartFunction.objects.values_list("code", "name"))
    kinds = dict(ChartKind.objects.values_list("code", "name"))
    for p in postings:
        income = p.kind.startswith(("7", "8", "9"))
        Account.objects.get_or_create(
            code=account_code(p.function, p.kind),
            defaults={
                "name": f"{p.function} {functions.get(p.function, '')} / {p.kind} {kinds.get(p.kind, '')}"[
                    :200
                ],
                "kind": Account.Kind.INCOME if income else Account.Kind.EXPENSE,
            },
        )
    Account.objects.get_or_create(
        code=CASH_ACCOUNT,
        defaults={"name": _("Likvide midler (medlemmets betalinger)"), "kind": Account.Kind.ASSET},
    )


def _postable(cluster: HealthCluster, year: int, settled: Any) -> None:
    """A year is posted only from facts that are that year's own: every population-key initiative
    with costs in the year needs the year's own population of its payers (not last year's), and every
    function a region posts on needs its regional function code (we never make one up)."""
    from klynge.health.selectors import population_of

    if settled.missing_regional:
        raise _refuse(
            "year",
            _(
                "Regional funktion: %(codes)s har ingen regional funktionskode, så regionens "
                "konteringer for %(year)s kan ikke dannes. En administrator indtaster koden under "
                "Kontoplan (funktioner); bogfør derefter igen."
            )
            % {"codes": ", ".join(settled.missing_regional), "year": year},
        )
    counts = population_of(cluster, year)
    lacking: dict[int, str] = {}
    for initiative in cluster.initiatives.filter(costs__year=year, key_type="population").distinct():
        for party in initiative.parties.select_related("member__municipality", "member__region"):
            if party.pays and counts.get(party.member_id, (0, None))[1] != year:
                lacking[party.member_id] = party.member.name
    if lacking:
        raise _refuse(
            "year",
            _(
                "Indbyggere: %(year)s-tallet mangler for %(names)s, og mindst én indsats fordeles efter "
                "befolkning; skriv årets indbyggertal under Medlemmer, før %(year)s bogføres."
            )
            % {"year": year, "names": ", ".join(lacking.values())},
        )


@transaction.atomic
def settlement_post(
    *, actor: Any, cluster: HealthCluster, year: int, date: dt.date | None = None
) -> SettlementPosting:
    """Post the settlement of ``year`` (:func:`klynge.health.selectors.year_settlement`) in the
    cluster's ledger ``HK-<id>``: one voucher with every member's postings on its own chart (a
    municipality on the municipal function, a region on the regional function code an administrator
    entered), party = the member's code, and per member its payments on the cash account, so each
    member's lines balance on their own. Each line's initiative and counterparty are recorded beside
    it (:class:`SettlementLine`), so the posted year is read from its voucher from then on.

    A year is posted once (until its voucher is reversed); every fact it was computed from is then
    frozen (the services refuse changes to them, saying how to correct)."""
    from klynge.health.selectors import year_settlement

    require_health(actor, Action.EDIT, cluster)
    clean_year(year)
    locked = HealthCluster.objects.select_for_update().get(pk=cluster.pk)
    if posted_year(locked, year) is not None:
        raise _refuse("year", _("År: afregningen for %(year)s er allerede bogført.") % {"year": year})
    day = date or dt.date(year, 12, 31)
    if day.year != year:
        raise _refuse("date", _("Dato: bogføringsdatoen skal ligge i %(year)s.") % {"year": year})
    try:
        settled = year_settlement(locked, year)
    except SharingKeyError as exc:
        raise _key_error(exc) from exc
    postings = [p for p in settled.postings if p.amount != 0]
    if not postings:
        raise _refuse(
            "year",
            _("År: der er ingen faktiske udgifter i %(year)s at bogføre; registrér udgifterne først.")
            % {"year": year},
        )
    _postable(locked, year, settled)
    members = {str(m.pk): m for m in locked.members.select_related("municipality", "region")}
    _accounts_for(postings)
    lines = [
        ledger.Line(account_code(p.function, p.kind), p.amount, party=members[p.member].code, text=p.text)
        for p in postings
    ]
    per_member: dict[str, Decimal] = {}
    for p in postings:
        per_member[p.member] = per_member.get(p.member, Decimal("0.00")) + p.amount
    lines += [
        ledger.Line(CASH_ACCOUNT, -amount, party=members[member].code, text=_("Betalinger"))
        for member, amount in per_member.items()
        if amount != 0
    ]
    entry = ledger.entry_post(
        actor=actor,
        ledger=cluster_ledger(locked),
        date=day,
        text=_("Afregning af %(cluster)s %(year)s") % {"cluster": locked.name, "year": year},
        lines=lines,
        source="health.settlement",
        source_id=f"{locked.external_id}:{year}",
    )
    posted = SettlementPosting.objects.create(cluster=locked, year=year, entry=entry, posted_by=actor)
    written = list(entry.postings.select_related("account").order_by("pk"))[: len(postings)]
    records = []
    for p, line in zip(postings, written, strict=True):
        if (line.account.code, line.amount, line.party) != (
            account_code(p.function, p.kind),
            p.amount,
            members[p.member].code,
        ):  # pragma: no cover - the ledger writes its lines in the order given
            raise RuntimeError("ledger lines out of order")
        records.append(
            SettlementLine(
                posting=posted,
                line=line,
                member=members[p.member],
                initiative_id=int(p.initiative),
                counterparty=members[p.counterparty] if p.counterparty else None,
                role=SettlementLine.Role.COST
                if not p.counterparty
                else SettlementLine.Role.PAYMENT_TO
                if p.amount > 0
                else SettlementLine.Role.PAYMENT_FROM,
                function=p.function,
                kind=p.kind,
            )
        )
    SettlementLine.objects.bulk_create(records)
    _audit(
        actor,
        "health.settlement_post",
        _("Afregningen for %(year)s bogført (bilag %(number)s)")
        % {"year": year, "number": entry.voucher_number},
        locked,
        after={"year": year, "voucher_number": entry.voucher_number, "lines": len(lines)},
    )
    return posted


# --- Correcting a posted year: reversal asked for, approved by a second person --------------------------


def _standing(cluster: HealthCluster, year: int) -> SettlementPosting:
    posting = (
        SettlementPosting.objects.select_for_update()
        .filter(cluster_id=cluster.pk, year=year, reversal_entry__isnull=True)
        .first()
    )
    if posting is None:
        raise _refuse("year", _("År: afregningen for %(year)s er ikke bogført.") % {"year": year})
    return posting


@transaction.atomic
def settlement_reversal_request(
    *, actor: Any, cluster: HealthCluster, year: int, reason: str
) -> SettlementPosting:
    """The secretariat asks for the year's voucher to be reversed, with a reason (step 1 of 2)."""
    require_health(actor, Action.EDIT, cluster)
    posting = _standing(cluster, year)
    if posting.reversal_requested_by_id is not None:
        raise _refuse(
            "year",
            _("År: tilbageførsel af %(year)s er allerede bedt om; den venter på godkendelse.")
            % {"year": year},
        )
    if not reason.strip():
        raise _refuse("reason", _("Begrundelse: skriv, hvad der skal rettes, og hvorfor."))
    posting.reversal_reason = reason.strip()[:500]
    posting.reversal_requested_by, posting.reversal_requested_at = actor, timezone.now()
    posting.save(update_fields=["reversal_reason", "reversal_requested_by", "reversal_requested_at"])
    _audit(
        actor,
        "health.settlement_reversal_request",
        _("Tilbageførsel af afregningen for %(year)s (bilag %(number)s) bedt om: %(reason)s")
        % {"year": year, "number": posting.entry.voucher_number, "reason": posting.reversal_reason},
        cluster,
        after={"year": year, "reason": posting.reversal_reason},
    )
    return posting


@transaction.atomic
def settlement_reversal_cancel(*, actor: Any, cluster: HealthCluster, year: int) -> SettlementPosting:
    """Withdraw a reversal asked for and not yet approved (the requester, or the second person
    declining it); the reason stays in the audit trail."""
    require_health(actor, Action.EDIT, cluster)
    posting = _standing(cluster, year)
    if posting.reversal_requested_by_id is None:
        raise _refuse("year", _("År: der er ikke bedt om tilbageførsel af %(year)s.") % {"year": year})
    before = {"reason": posting.reversal_reason, "requested_by": posting.reversal_requested_by_id}
    posting.reversal_reason, posting.reversal_requested_by, posting.reversal_requested_at = "", None, None
    posting.save(update_fields=["reversal_reason", "reversal_requested_by", "reversal_requested_at"])
    _audit(
        actor,
        "health.settlement_reversal_cancel",
        _("Anmodningen om tilbageførsel af afregningen for %(year)s er trukket tilbage") % {"year": year},
        cluster,
        before,
    )
    return posting


@transaction.atomic
def settlement_reversal_approve(*, actor: Any, cluster: HealthCluster, year: int) -> SettlementPosting:
    """A second person (the cluster's secretariat or an administrator, never the one who asked;
    service and CHECK constraint) approves: the voucher is reversed in the ledger by its exact
    opposite, dated as the voucher (so the year's balances show the year's settlement as it stands),
    and the year is open again, to be corrected and posted anew."""
    require_health(actor, Action.EDIT, cluster)
    locked = HealthCluster.objects.select_for_update().get(pk=cluster.pk)
    posting = _standing(locked, year)
    if posting.reversal_requested_by_id is None:
        raise _refuse(
            "year",
            _("År: bed først om tilbageførsel af %(year)s med en begrundelse; en anden person godkender.")
            % {"year": year},
        )
    if posting.reversal_requested_by_id == getattr(actor, "pk", None):
        raise _refuse(
            "year",
            _(
                "Godkendelse: du bad selv om tilbageførslen af %(year)s; en anden person fra sekretariatet "
                "eller en administrator skal godkende den."
            )
            % {"year": year},
        )
    entry = posting.entry
    reversal = ledger.entry_reverse(
        actor=actor,
        entry=entry,
        date=entry.date,
        text=_("Tilbageførsel af bilag %(number)s (afregning %(year)s): %(reason)s")
        % {"number": entry.voucher_number, "year": year, "reason": posting.reversal_reason},
    )
    posting.reversal_approved_by, posting.reversal_approved_at = actor, timezone.now()
    posting.reversal_entry = reversal
    posting.save(update_fields=["reversal_approved_by", "reversal_approved_at", "reversal_entry"])
    _audit(
        actor,
        "health.settlement_reversal_approve",
        _("Afregningen for %(year)s tilbageført (bilag %(number)s tilbageført ved bilag %(reversal)s)")
        % {"year": year, "number": entry.voucher_number, "reversal": reversal.voucher_number},
        locked,
        after={"year": year, "reason": posting.reversal_reason, "reversal": reversal.voucher_number},
    )
    return posting


# --- The chart of accounts -----------------------------------------------------------------------------


REGIONAL_CODE = re.compile(r"^\d+(\.\d+)*$")


@transaction.atomic
def chart_function_regional_set(
    *, actor: Any, function: ChartFunction, regional_code: str, regional_name: str = ""
) -> ChartFunction:
    """An administrator enters the regional chart's function code a region posts an initiative on
    (for the municipal ``function``), e.g. from the regions' budget and accounting system."""
    if not is_admin(actor):
        raise PermissionDenied(_("Kun en systemadministrator kan ændre kontoplanen."))
    code = regional_code.strip()
    if code and not REGIONAL_CODE.match(code):
        raise _refuse(
            "regional_code",
            _("Regional funktion: skriv koden med tal og punktummer som i kontoplanen (du skrev %(code)s).")
            % {"code": code},
        )
    obj = ChartFunction.objects.select_for_update().get(pk=function.pk)
    before = snapshot(obj, ["regional_code", "regional_name"])
    obj.regional_code, obj.regional_name = code, regional_name.strip()[:200]
    obj.save(update_fields=["regional_code", "regional_name"])
    _audit(
        actor,
        "health.chart_regional",
        _("Regional funktion for %(code)s sat til %(regional)s")
        % {"code": obj.code, "regional": code or "–"},
        obj,
        before,
        snapshot(obj, ["regional_code", "regional_name"]),
    )
    return obj


# --- The executing party from a year (#11) ----------------------------------------------------------------


@transaction.atomic
def executor_change(
    *,
    actor: Any,
    initiative: Initiative,
    member_from: HealthMember,
    member_to: HealthMember,
    from_year: int,
) -> Initiative:
    """From ``from_year`` on, ``member_to`` carries out the initiative instead of ``member_from``
    (the reform moves tasks such as prevention from the municipalities to the region on 1 January
    2027). Each year's settlement uses that year's executing party: the years before stay exactly as
    they were (their costs, parties and vouchers are not touched); the budget lines of ``member_from``
    from ``from_year`` on are moved to ``member_to`` (a plan follows whoever carries it out).

    Refused: a year from ``from_year`` on that is posted (frozen), actual costs of ``member_from``
    from ``from_year`` on (they say it carried the initiative out then: correct them first), a year
    outside the initiative's period, and members that are not (or are already) executing."""
    cluster = initiative.cluster
    require_health(actor, Action.EDIT, cluster)
    clean_year(from_year, "from_year")
    initiative = Initiative.objects.select_for_update().get(pk=initiative.pk)
    first, last = initiative.starts_on.year, initiative.ends_on.year
    if not first < from_year <= last:
        raise _refuse(
            "from_year",
            _(
                "Fra år: vælg et år efter indsatsens første år og senest dens sidste (%(first)s–%(last)s); "
                "skal en anden udføre den fra starten, så ret indsatsens parter."
            )
            % {"first": first + 1, "last": last},
        )
    parties = {p.member_id: p for p in initiative.parties.select_related("initiative")}
    old = parties.get(member_from.pk)
    if old is None or not (old.executes_in(from_year - 1) and old.executes_in(from_year)):
        raise _refuse(
            "member_from",
            _("Udførende part: %(member)s udfører ikke indsatsen i både %(before)s og %(year)s.")
            % {"member": member_from.name, "before": from_year - 1, "year": from_year},
        )
    if member_to.cluster_id != cluster.pk:
        raise _refuse(
            "member_to",
            _("Ny udførende part: %(member)s er ikke medlem af klyngen.") % {"member": member_to.name},
        )
    new = parties.get(member_to.pk)
    if member_to.pk == member_from.pk or (new is not None and new.executes):
        raise _refuse(
            "member_to",
            _(
                "Ny udførende part: %(member)s er allerede udførende part i indsatsen; vælg en anden, "
                "eller ret indsatsens parter."
            )
            % {"member": member_to.name},
        )
    for year in range(from_year, last + 1):
        _frozen(cluster, year, "from_year", _("Skift af udførende part"))
    spent = sorted(
        ActualCost.objects.filter(initiative=initiative, executor=member_from, year__gte=from_year)
        .values_list("year", flat=True)
        .distinct()
    )
    if spent:
        raise _refuse(
            "from_year",
            _(
                "Fra år: %(member)s har faktiske udgifter til indsatsen i %(years)s; ret eller flyt "
                "udgifterne til den nye udførende part først, eller vælg et senere år."
            )
            % {"member": member_from.name, "years": ", ".join(str(y) for y in spent)},
        )
    before = _parties_snapshot(initiative)
    old.executes_until = from_year - 1
    old.save(update_fields=["executes_until"])
    if new is None:
        InitiativeParty.objects.create(
            initiative=initiative, member=member_to, executes=True, pays=False, executes_from=from_year
        )
    else:
        new.executes, new.executes_from, new.executes_until = True, from_year, None
        new.save(update_fields=["executes", "executes_from", "executes_until"])
    moved = BudgetLine.objects.filter(
        initiative=initiative, executor=member_from, year__gte=from_year
    ).update(executor=member_to)
    _audit(
        actor,
        "initiative.executor_change",
        _("Indsatsen %(title)s udføres af %(to)s i stedet for %(from)s fra %(year)s")
        % {"title": initiative.title, "to": member_to.name, "from": member_from.name, "year": from_year},
        initiative,
        {"parties": before},
        {"parties": _parties_snapshot(initiative), "budget_lines_moved": moved},
    )
    return initiative


# --- Health councils (#11): the successor of one or more health clusters ---------------------------------

FINISHED = ("completed", "evaluated", "reported", "cancelled")


@dataclass(frozen=True)
class CouncilPlan:
    """What creating a council moves, before it is done (council_preview): the initiatives that
    continue in the council (started before it: the old one keeps the years before), those moved
    whole (starting on or after its first day), those that stay (finished, or ended before it), and
    each predecessor member's unused funds of the last year, which its finance officer may confirm
    as carry-over into the council."""

    last_year: int
    continued: list[Initiative]
    moved: list[Initiative]
    staying: list[Initiative]
    unused: list[tuple[HealthMember, Decimal]]


def _goes_on(initiative: Initiative, start: dt.date) -> bool:
    return initiative.status not in FINISHED and initiative.ends_on >= start


def _in_region(region_of: Region, region: Region) -> bool:
    """A predecessor's (or municipality's) region is the council's, or merges into it."""
    return region_of.pk == region.pk or region_of.successor_id == region.pk


def _council_errors(
    *,
    name: str,
    external_id: str,
    region: Region,
    municipalities: Sequence[Municipality],
    predecessors: Sequence[HealthCluster],
    valid_from: Any,
    exclude_draft: int | None = None,
) -> dict[str, list[str]]:
    """Every refusal of a council, by field. ``exclude_draft``: the council draft being approved or
    carried out (another open draft with the same id or predecessor is refused)."""
    from klynge.common.dates import window, window_message
    from klynge.health.models import CouncilDraft

    errors: dict[str, list[str]] = {}

    def add(field: str, message: str) -> None:
        errors.setdefault(field, []).append(message)

    if not str(name).strip():
        add("name", _("Navn: skal udfyldes, fx Sundhedsråd Nordjylland."))
    if not str(external_id).strip():
        add("external_id", _("Id: skal udfyldes, fx SR-NORDJYLLAND."))
    elif HealthCluster.objects.filter(external_id=str(external_id).strip()).exists():
        add(
            "external_id",
            _("Id: %(id)s er brugt af en anden sundhedsklynge; vælg et andet.") % {"id": external_id},
        )
    open_drafts = CouncilDraft.objects.filter(
        status__in=[CouncilDraft.Status.DRAFT, CouncilDraft.Status.APPROVED]
    )
    if exclude_draft is not None:
        open_drafts = open_drafts.exclude(pk=exclude_draft)
    other = (
        open_drafts.filter(external_id=str(external_id).strip()).first() if str(external_id).strip() else None
    )
    if other is not None:
        add(
            "external_id",
            _(
                "Id: %(id)s er brugt af kladde nr. %(number)s til et sundhedsråd; vælg et andet, eller træk den tilbage."
            )
            % {"id": external_id, "number": other.pk},
        )
    for draft in open_drafts.filter(predecessors__in=[c.pk for c in predecessors]).distinct().order_by("pk"):
        names = ", ".join(
            sorted(c.name for c in draft.predecessors.all() if c.pk in {p.pk for p in predecessors})
        )
        add(
            "predecessors",
            _(
                "Forgængere: %(names)s indgår allerede i kladde nr. %(number)s til et sundhedsråd; brug den, "
                "eller træk den tilbage først."
            )
            % {"names": names, "number": draft.pk},
        )
    span = window()
    if not isinstance(valid_from, dt.date):
        add("valid_from", _("Gælder fra: skriv en dato, fx 1. januar 2027."))
    elif not span.first <= valid_from <= span.last:
        add("valid_from", window_message(_("Gælder fra"), valid_from, span))
    elif (valid_from.month, valid_from.day) != (1, 1):
        # whole years: a year's funds, settlement and carry-over belong to one organisation
        add(
            "valid_from",
            _(
                "Gælder fra: et sundhedsråd begynder 1. januar (fælles midler, afregning og videreførsel "
                "gælder hele år); skriv 1. januar %(year)s."
            )
            % {"year": valid_from.year + 1},
        )
    if not municipalities:
        add("municipalities", _("Kommuner: vælg mindst én kommune."))
    if len({m.pk for m in municipalities}) != len(municipalities):
        add("municipalities", _("Kommuner: en kommune er valgt flere gange; vælg hver kommune én gang."))
    outside = sorted(m.name for m in municipalities if not _in_region(m.region, region))
    if outside:
        add(
            "municipalities",
            _("Kommuner: %(names)s ligger ikke i %(region)s; vælg rådets egne kommuner.")
            % {"names": ", ".join(outside), "region": region.name},
        )
    seated = (
        HealthMember.objects.filter(municipality__in=municipalities, council_seat=True)
        .select_related("municipality", "cluster")
        .order_by("municipality__name")
    )
    for member in seated:
        add(
            "municipalities",
            _(
                "Kommuner: %(name)s hører allerede til sundhedsrådet %(council)s; en kommune hører til ét "
                "sundhedsråd. Fjern den her, eller ret det andet råd."
            )
            % {"name": member.name, "council": member.cluster.name},
        )
    if not predecessors:
        add("predecessors", _("Forgængere: vælg mindst én sundhedsklynge, som rådet afløser."))
    if not isinstance(valid_from, dt.date):
        return errors
    chosen = {m.pk for m in municipalities}
    for cluster in predecessors:
        if cluster.is_council:
            add(
                "predecessors",
                _("Forgængere: %(name)s er et sundhedsråd, ikke en sundhedsklynge.") % {"name": cluster.name},
            )
        if cluster.successor_id is not None:
            add(
                "predecessors",
                _("Forgængere: %(name)s er allerede afløst af %(successor)s; vælg den ikke igen.")
                % {"name": cluster.name, "successor": cluster.successor.name},  # type: ignore[union-attr]
            )
        elif cluster.valid_to is not None and cluster.valid_to < valid_from - dt.timedelta(days=1):
            add(
                "predecessors",
                _("Forgængere: %(name)s ophørte %(day)s, før rådet begynder.")
                % {"name": cluster.name, "day": long_date(cluster.valid_to)},
            )
        if cluster.valid_from is not None and cluster.valid_from >= valid_from:
            add(
                "predecessors",
                _("Forgængere: %(name)s begynder først %(day)s; rådet skal begynde efter sine forgængere.")
                % {"name": cluster.name, "day": long_date(cluster.valid_from)},
            )
        if not _in_region(cluster.region, region):
            add(
                "predecessors",
                _(
                    "Forgængere: %(name)s hører til %(other)s, ikke %(region)s; et sundhedsråd afløser "
                    "klynger i sin egen region."
                )
                % {"name": cluster.name, "other": cluster.region.name, "region": region.name},
            )
        later = sorted(
            SettlementPosting.objects.filter(
                cluster=cluster, year__gte=valid_from.year, reversal_entry__isnull=True
            ).values_list("year", flat=True)
        )
        if later:
            add(
                "predecessors",
                _(
                    "Forgængere: %(name)s har bogført afregningen for %(years)s, som hører til rådets tid; "
                    "tilbagefør bilaget først."
                )
                % {"name": cluster.name, "years": ", ".join(str(y) for y in later)},
            )
        for initiative in cluster.initiatives.prefetch_related(
            "parties__member__municipality", "parties__member__region"
        ):
            if not _goes_on(initiative, valid_from):
                continue
            missing = sorted(
                p.member.name
                for p in initiative.parties.all()
                if p.member.kind == HealthMember.Kind.MUNICIPALITY and p.member.municipality_id not in chosen
            )
            if missing:
                add(
                    "municipalities",
                    _(
                        "Kommuner: %(names)s er part i den igangværende indsats %(title)s (%(cluster)s), "
                        "men er ikke med i rådet; tag kommunen med, eller afslut indsatsen først."
                    )
                    % {"names": ", ".join(missing), "title": initiative.title, "cluster": cluster.name},
                )
    return errors


def council_preview(
    *,
    actor: Any,
    name: str,
    external_id: str,
    region: Region,
    municipalities: Sequence[Municipality],
    predecessors: Sequence[HealthCluster],
    valid_from: Any,
) -> CouncilPlan:
    """What :func:`council_create` would move, or its refusals (the same checks), changing nothing."""
    _council_access(actor, region)
    errors = _council_errors(
        name=name,
        external_id=external_id,
        region=region,
        municipalities=municipalities,
        predecessors=predecessors,
        valid_from=valid_from,
    )
    if errors:
        raise ValidationError(errors)
    return _plan(predecessors, valid_from)


def _plan(predecessors: Sequence[HealthCluster], start: dt.date) -> CouncilPlan:
    continued, moved, staying = [], [], []
    for cluster in predecessors:
        for initiative in cluster.initiatives.order_by("starts_on", "title", "pk"):
            if not _goes_on(initiative, start):
                staying.append(initiative)
            elif initiative.starts_on >= start:
                moved.append(initiative)
            else:
                continued.append(initiative)
    last = start.year - 1
    unused_funds: list[tuple[HealthMember, Decimal]] = []
    for cluster in predecessors:
        try:
            from klynge.health.selectors import cluster_year

            unused_funds.extend(
                (row.member, row.remaining - row.carried_out) for row in cluster_year(cluster, last)
            )
        except SharingKeyError:  # a key that cannot be computed yet: its funds are shown on its page
            continue
    return CouncilPlan(last, continued, moved, staying, unused_funds)


def _council_access(actor: Any, region: Region) -> None:
    """An administrator, or an officer of the council's region (who administers its organisation)."""
    from klynge.accounts.access import can_in_region

    if not (is_admin(actor) or can_in_region(actor, Action.ADMINISTER, region)):
        raise PermissionDenied(
            _("Kun en systemadministrator eller regionens sagsbehandler kan oprette et sundhedsråd.")
        )


@transaction.atomic
def council_create(
    *,
    actor: Any,
    name: str,
    external_id: str,
    region: Region,
    municipalities: Sequence[Municipality],
    predecessors: Sequence[HealthCluster],
    valid_from: dt.date,
    co_chair_region: str = "",
    co_chair_municipality: str = "",
) -> HealthCluster:
    """Create a health council (sundhedsråd) as the successor of ``predecessors`` from ``valid_from``
    (a 1 January), in one transaction, audited:

    - the council, with the region and ``municipalities`` as its members (each municipality's seat in
      one council is a partial unique constraint);
    - each predecessor ends the day before (``valid_to``), ``successor`` = the council;
    - each running initiative (not completed, evaluated or reported, ending on or after
      ``valid_from``) goes on in the council: one that started before gets a continuation (a new
      initiative, ``continues`` = the old one) with its parties mapped to the council's members of
      the same organisation, its key and percentages, its evaluation questions and answers, and its
      budget lines and costs of the years from ``valid_from``; the old one ends the day before and
      keeps every year before, so the predecessor's settlements (posted or not) do not change. One
      that starts on or after ``valid_from`` moves whole. Finished initiatives stay;
    - the latest population before the council of each municipality (and the region, summed over the
      predecessors) is copied, so a population key can be computed until the council enters its own.

    The predecessors' unused funds are not moved here: each member's finance officer confirms them
    (:func:`council_carry_over_confirm`).

    This is the carrying out: the pages and the demo go through a draft approved by a second person
    (:mod:`klynge.health.councils`), which calls :func:`council_make` without an actor's access check
    (the nightly job carries out a due draft)."""
    _council_access(actor, region)
    return council_make(
        actor=actor,
        name=name,
        external_id=external_id,
        region=region,
        municipalities=municipalities,
        predecessors=predecessors,
        valid_from=valid_from,
        co_chair_region=co_chair_region,
        co_chair_municipality=co_chair_municipality,
    )


@transaction.atomic
def council_make(
    *,
    actor: Any,
    name: str,
    external_id: str,
    region: Region,
    municipalities: Sequence[Municipality],
    predecessors: Sequence[HealthCluster],
    valid_from: dt.date,
    co_chair_region: str = "",
    co_chair_municipality: str = "",
    exclude_draft: int | None = None,
) -> HealthCluster:
    """:func:`council_create` without the access check (the caller has checked who acts)."""
    predecessors = list(
        HealthCluster.objects.select_for_update().filter(pk__in=[c.pk for c in predecessors]).order_by("pk")
    )
    errors = _council_errors(
        name=name,
        external_id=external_id,
        region=region,
        municipalities=municipalities,
        predecessors=predecessors,
        valid_from=valid_from,
        exclude_draft=exclude_draft,
    )
    if errors:
        raise ValidationError(errors)
    plan = _plan(predecessors, valid_from)
    council = HealthCluster.objects.create(
        kind=HealthCluster.Kind.COUNCIL,
        external_id=str(external_id).strip(),
        name=str(name).strip(),
        region=region,
        valid_from=valid_from,
        co_chair_region=co_chair_region,
        co_chair_municipality=co_chair_municipality,
    )
    region_member = HealthMember.objects.create(
        cluster=council, kind=HealthMember.Kind.REGION, region=region, position=0
    )
    by_municipality = {}
    for position, municipality in enumerate(municipalities, start=1):
        by_municipality[municipality.pk] = HealthMember.objects.create(
            cluster=council,
            kind=HealthMember.Kind.MUNICIPALITY,
            municipality=municipality,
            position=position,
            council_seat=True,
        )

    def mapped(member: HealthMember) -> HealthMember:
        return (
            region_member
            if member.kind == HealthMember.Kind.REGION
            else by_municipality[member.municipality_id or 0]
        )

    _copy_population(predecessors, valid_from.year - 1, region_member, by_municipality)
    day_before = valid_from - dt.timedelta(days=1)
    ended = []
    for cluster in predecessors:
        before = snapshot(cluster, ["valid_to", "successor"])
        cluster.valid_to, cluster.successor = day_before, council
        cluster.save(update_fields=["valid_to", "successor"])
        ended.append(
            {"id": cluster.pk, "before": before, "after": snapshot(cluster, ["valid_to", "successor"])}
        )
    continued = [_continue(initiative, council, valid_from, mapped) for initiative in plan.continued]
    for initiative in plan.moved:
        _move(initiative, council, mapped)
    _audit(
        actor,
        "health_council.create",
        _("Sundhedsrådet %(name)s oprettet fra %(day)s som efterfølger af %(predecessors)s")
        % {
            "name": council.name,
            "day": long_date(valid_from),
            "predecessors": ", ".join(c.name for c in predecessors),
        },
        council,
        after={
            **(snapshot(council) or {}),
            "members": [m.code for m in municipalities],
            "predecessors": ended,
            "continued": {str(new.continues_id): new.pk for new in continued},
            "moved": [i.pk for i in plan.moved],
            "staying": [i.pk for i in plan.staying],
        },
    )
    return council


def _copy_population(
    predecessors: Sequence[HealthCluster],
    year: int,
    region_member: HealthMember,
    by_municipality: dict[int, HealthMember],
) -> None:
    rows = list(
        Population.objects.filter(member__cluster__in=predecessors, year=year).select_related("member")
    )
    for row in rows:
        target = by_municipality.get(row.member.municipality_id or 0)
        if row.member.kind == HealthMember.Kind.MUNICIPALITY and target is not None:
            Population.objects.get_or_create(member=target, year=year, defaults={"count": row.count})
    regional = [row.count for row in rows if row.member.kind == HealthMember.Kind.REGION]
    if regional and len(regional) == len(predecessors):  # every predecessor's region count of the year
        Population.objects.create(member=region_member, year=year, count=sum(regional))


def _continue(old: Initiative, council: HealthCluster, start: dt.date, mapped: Any) -> Initiative:
    """The council's continuation of ``old`` from ``start``; ``old`` keeps the years before."""
    new = Initiative.objects.create(
        cluster=council,
        continues=old,
        title=old.title,
        theme=old.theme,
        challenge=old.challenge,
        function=old.function,
        key_type=old.key_type,
        starts_on=start,
        ends_on=old.ends_on,
        status=old.status,
        approved_on=old.approved_on,
        completed_on=old.completed_on,
        contact_name=old.contact_name,
        contact_email=old.contact_email,
        participants=old.participants,
        adopted_from=old.adopted_from,
        result=old.result,
        result_summary=old.result_summary,
        recommend_spread=old.recommend_spread,
        spread_note=old.spread_note,
    )
    for party in old.parties.select_related("member"):
        until = party.executes_until
        if party.executes and until is not None and until < start.year:
            # it executed only before the council: in the council it is a payer (if it pays)
            if not party.pays:
                continue
            InitiativeParty.objects.create(
                initiative=new, member=mapped(party.member), pays=True, percent=party.percent
            )
            continue
        InitiativeParty.objects.create(
            initiative=new,
            member=mapped(party.member),
            executes=party.executes,
            pays=party.pays,
            percent=party.percent,
            executes_from=party.executes_from
            if party.executes_from and party.executes_from > start.year
            else None,
            executes_until=until,
        )
    EvaluationQuestion.objects.bulk_create(
        EvaluationQuestion(
            initiative=new,
            standard=q.standard,
            question=q.question,
            answer=q.answer,
            added_by=q.added_by,
            position=q.position,
        )
        for q in old.questions.all()
    )
    for line in BudgetLine.objects.filter(initiative=old, year__gte=start.year).select_related("executor"):
        line.initiative, line.executor = new, mapped(line.executor)
        line.save(update_fields=["initiative", "executor"])
    for cost in ActualCost.objects.filter(initiative=old, year__gte=start.year).select_related("executor"):
        cost.initiative, cost.executor = new, mapped(cost.executor)
        cost.save(update_fields=["initiative", "executor"])
    old.ends_on = start - dt.timedelta(days=1)
    old.save(update_fields=["ends_on"])
    return new


def _move(initiative: Initiative, council: HealthCluster, mapped: Any) -> None:
    """An initiative starting on or after the council's first day has no year in its predecessor:
    it moves whole, its parties, budget lines and costs mapped to the council's members."""
    initiative.cluster = council
    initiative.save(update_fields=["cluster"])
    for party in initiative.parties.select_related("member"):
        party.member = mapped(party.member)
        party.save(update_fields=["member"])
    for line in initiative.budget_lines.select_related("executor"):
        line.executor = mapped(line.executor)
        line.save(update_fields=["executor"])
    for cost in initiative.costs.select_related("executor"):
        cost.executor = mapped(cost.executor)
        cost.save(update_fields=["executor"])


def council_member_for(member: HealthMember) -> HealthMember | None:
    """The member of ``member``'s successor council that is the same organisation, if any."""
    council = member.cluster.successor
    if council is None or not council.is_council:
        return None
    if member.kind == HealthMember.Kind.REGION:
        return council.members.filter(kind=HealthMember.Kind.REGION).first()
    return council.members.filter(municipality=member.municipality).first()


@transaction.atomic
def council_carry_over_confirm(*, actor: Any, member: HealthMember, amount: Any, note: str = "") -> CarryOver:
    """The finance officer of a predecessor cluster's member confirms room within its expenditure
    ceiling to carry ``amount`` of its unused funds of the cluster's last year into its own member of
    the successor council (brief §4 and §7). Only that organisation's finance officer (not an
    administrator: the room is the organisation's); never more than is unused; never before the last
    year has ended; never out of a posted year. Nothing moves until it is confirmed, and it is
    withdrawn like any carry-over (:func:`carry_over_withdraw`)."""
    member = HealthMember.objects.select_related("cluster__successor", "municipality", "region").get(
        pk=member.pk
    )
    codes = organisations(actor)
    if codes is None or member.code not in codes:
        raise PermissionDenied(
            _(
                "Kun %(member)s' økonomimedarbejder kan bekræfte videreførsel af dens midler til sundhedsrådet."
            )
            % {"member": member.name}
        )
    cluster = member.cluster
    council = cluster.successor
    if council is None or not council.is_council or council.valid_from is None:
        raise _refuse(
            "member",
            _("Medlem: %(cluster)s er ikke afløst af et sundhedsråd; bekræft en almindelig videreførsel.")
            % {"cluster": cluster.name},
        )
    into = council_member_for(member)
    if into is None:
        raise _refuse(
            "member",
            _(
                "Medlem: %(member)s er ikke med i sundhedsrådet %(council)s, så midlerne kan ikke videreføres "
                "dertil; bed rådets sekretariat om at rette rådets kommuner."
            )
            % {"member": member.name, "council": council.name},
        )
    from_year = council.valid_from.year - 1
    _year_ended(from_year, "from_year")
    obj = _carry_over_create(
        actor=actor, member=member, from_year=from_year, amount=amount, note=note, into=into
    )
    value = obj.amount
    _audit(
        actor,
        "health.council_carry_over",
        _(
            "%(amount)s kr. af %(member)s' ubrugte midler fra %(year)s videreført til sundhedsrådet %(council)s"
        )
        % {"amount": amount_text(value), "member": member.name, "year": from_year, "council": council.name},
        obj,
        after=snapshot(obj),
    )
    return obj
