"""Changes to funding schemes and rates (administrator), each validated, atomic and audited.

Payout-run services are in :mod:`klynge.payouts.runs`.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from klynge.accounts.access import is_admin
from klynge.audit.log import record, snapshot
from klynge.common.dates import date_errors, window
from klynge.core.money import MoneyError, parse_amount
from klynge.payouts.models import FundingScheme, SchemeRate

MAX_RATE = Decimal("100000.00")


def _require_admin(actor: Any) -> None:
    if not is_admin(actor):
        raise PermissionDenied(_("Kun en systemadministrator kan ændre ordninger og satser."))


def clean_money(value: Any, field: str, label: str, *, maximum: Decimal = MAX_RATE) -> Decimal:
    """An amount with at most two decimals, not negative, not absurd; errors name the field."""
    try:
        amount = parse_amount(value if isinstance(value, str | Decimal | int) else str(value))
    except MoneyError as exc:
        reason = {
            "too_many_decimals": _("højst to decimaler (hele øre)"),
            "negative": _("ikke negativ"),
            "scientific": _("skrevet med cifre, fx 100000.00, ikke som 1e5"),
        }.get(str(exc), _("et tal, fx 1000.00"))
        raise ValidationError(
            {
                field: [
                    _("%(label)s: skal være %(reason)s (du skrev %(value)s).")
                    % {"label": label, "reason": reason, "value": value}
                ]
            }
        ) from exc
    if amount > maximum:
        raise ValidationError(
            {
                field: [
                    _("%(label)s: %(value)s er urealistisk stort; tjek beløbet.")
                    % {"label": label, "value": value}
                ]
            }
        )
    return amount


@transaction.atomic
def scheme_save(
    *,
    actor: Any,
    code: str,
    name: str,
    basis: str,
    valid_from: dt.date,
    valid_to: dt.date | None,
    startup_fee_per_capacity: Any = None,
    count: tuple[int, int] | None = None,
    payment: tuple[int, int] | None = None,
    note: str = "",
) -> FundingScheme:
    """Create or change a scheme. Validity periods of schemes may not overlap."""
    _require_admin(actor)
    errors: dict[str, list[str]] = {}
    if basis not in FundingScheme.Basis.values:
        errors["basis"] = [_("Grundlag: vælg kapaciteter eller gruppe 1-patienter.")]
    if valid_to is not None and valid_to < valid_from:
        errors["valid_to"] = [_("Gælder til: skal være samme dag som eller efter 'gælder fra'.")]
    fee = None
    if startup_fee_per_capacity not in (None, ""):
        try:
            fee = clean_money(startup_fee_per_capacity, "startup_fee_per_capacity", _("Opstartshonorar"))
        except ValidationError as exc:
            errors.update(exc.message_dict)
    if basis == "patients":
        for field, value in (("count", count), ("payment", payment)):
            try:
                if value is None:
                    raise ValueError
                dt.date(2001, *value)  # a day of every year: not 29 February (#9)
            except (TypeError, ValueError):
                errors[field] = [
                    _(
                        "Dato (MM-DD): en patientbaseret ordning skal have en gyldig optællings- og udbetalingsdato, "
                        "som findes hvert år (ikke 29. februar)."
                    )
                ]
    others = FundingScheme.objects.exclude(code=code)
    end = valid_to or dt.date.max
    for other in others:
        if other.valid_from <= end and valid_from <= (other.valid_to or dt.date.max):
            errors["valid_from"] = [
                _("Gælder fra: perioden overlapper ordningen %(code)s; et år kan kun høre til én ordning.")
                % {"code": other.code}
            ]
    # A date outside the window (#9) is the first thing to fix, before any overlap it causes.
    errors.update(
        date_errors([("valid_from", _("Gælder fra"), valid_from), ("valid_to", _("Gælder til"), valid_to)])
    )
    if errors:
        raise ValidationError(errors)
    scheme = FundingScheme.objects.select_for_update().filter(code=code).first()
    before = snapshot(scheme)
    scheme = scheme or FundingScheme(code=code)
    scheme.name, scheme.basis, scheme.valid_from, scheme.valid_to = name, basis, valid_from, valid_to
    scheme.startup_fee_per_capacity = fee
    scheme.count_month, scheme.count_day = count or (None, None)
    scheme.payment_month, scheme.payment_day = payment or (None, None)
    scheme.note = note
    scheme.save()
    record(
        actor=actor,
        action="scheme.save",
        summary=_("Ordningen %(code)s gemt") % {"code": code},
        obj=scheme,
        before=before,
        after=snapshot(scheme),
    )
    return scheme


@transaction.atomic
def rate_set(
    *, actor: Any, scheme: FundingScheme, year: int, rate: Any, is_example: bool = False, source: str = ""
) -> SchemeRate:
    """Set the rate of a year within the scheme's validity (an administrator adds rates without code)."""
    _require_admin(actor)
    errors: dict[str, list[str]] = {}
    years = window().years()
    first = max(scheme.valid_from.year, years[0])
    last = min((scheme.valid_to or dt.date.max).year, years[-1])
    if not isinstance(year, int) or not first <= year <= last:
        errors["year"] = [
            _("År: %(year)s ligger uden for ordningens gyldighed (%(first)s–%(last)s).")
            % {"year": year, "first": first, "last": last}
        ]
    try:
        amount = clean_money(rate, "rate", _("Sats"))
    except ValidationError as exc:
        errors.update(exc.message_dict)
    if errors:
        raise ValidationError(errors)
    existing = SchemeRate.objects.select_for_update().filter(scheme=scheme, year=year).first()
    before = snapshot(existing)
    obj, _created = SchemeRate.objects.update_or_create(
        scheme=scheme, year=year, defaults={"rate": amount, "is_example": is_example, "source": source}
    )
    record(
        actor=actor,
        action="scheme.rate",
        summary=_("Sats for %(code)s %(year)s sat til %(rate)s")
        % {"code": scheme.code, "year": year, "rate": amount},
        obj=obj,
        before=before,
        after=snapshot(obj),
    )
    return obj
