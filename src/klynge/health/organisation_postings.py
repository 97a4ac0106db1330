"""An organisation's postings for its own finance system (issue #13; layout: docs/postings-export.md).

A region's postings are its GP-cluster ledger (``GP-<regionskode>``, every line) and its own lines
(party = its regionskode) in the ledgers of the health clusters it is a member of; a municipality's
are its own lines (party = its kommunekode) in its health clusters' ledgers. Each member's lines of a
settlement voucher balance on their own (its payments on the cash account), so an organisation's
postings balance too.

One entry point for the page and the command line, :func:`export`: it checks the organisation, the
period and the user's access before the first byte is written, and refuses with a message naming the
field (``organisation``, ``aar``, ``fra``, ``til``) and the fix. Who may export what is
:func:`klynge.accounts.access.postings_organisations`.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Q
from django.utils.translation import gettext as _

from klynge.accounts import access
from klynge.common.dates import date_errors, long_date, window
from klynge.health.models import HealthCluster, Municipality
from klynge.health.services import account_chart, ledger_code
from klynge.ledger.models import Ledger
from klynge.ledger.postings_csv import Books, csv_chunks, postings_count
from klynge.payouts.runs import ledger_code as region_ledger_code
from klynge.registry.models import Region


@dataclass(frozen=True)
class Organisation:
    code: str  # kommunekode (3 digits) or regionskode (4 digits)
    name: str
    is_region: bool

    def __str__(self) -> str:
        return f"{self.name} ({self.code})"


def organisation(code: str) -> Organisation:
    """The region or municipality with ``code``; refused (field ``organisation``) when there is none."""
    code = (code or "").strip()
    region = Region.objects.filter(code=code).first() if code else None
    if region is not None:
        return Organisation(region.code, region.name, True)
    municipality = Municipality.objects.filter(code=code).first() if code else None
    if municipality is not None:
        return Organisation(municipality.code, municipality.name, False)
    if not code:
        message = _("Organisation: skal udfyldes. Skriv kommunekoden eller regionskoden, fx 851 eller 1081.")
    else:
        message = _(
            "Organisation: «%(code)s» er hverken en kommunekode eller en regionskode. Skriv fx 851 "
            "(Aalborg Kommune) eller 1081 (Region Nordjylland)."
        ) % {"code": code[:20]}
    raise ValidationError({"organisation": [message]}, code="unknown_organisation")


def exportable(user: Any) -> list[Organisation]:
    """The organisations whose postings ``user`` may export, regions first."""
    codes = access.postings_organisations(user)
    regions = Region.objects.order_by("code")
    municipalities = Municipality.objects.order_by("name")
    if codes is not None:
        regions = regions.filter(code__in=codes)
        municipalities = municipalities.filter(code__in=codes)
    return [Organisation(r.code, r.name, True) for r in regions] + [
        Organisation(m.code, m.name, False) for m in municipalities
    ]


def require_access(user: Any, org: Organisation) -> None:
    codes = access.postings_organisations(user)
    if codes is not None and org.code not in codes:
        raise PermissionDenied(
            _("Du har kun adgang til din egen organisations konteringer, ikke til %(org)s.") % {"org": org}
        )


def period(year: int | None, first: dt.date | None, last: dt.date | None) -> tuple[dt.date, dt.date]:
    """The first and last day to export: a calendar year, or a from–to range (inclusive)."""
    span = window()
    if year is not None and (first is not None or last is not None):
        raise ValidationError(
            {"aar": [_("År: vælg enten et år eller en periode med fra- og til-dato, ikke begge.")]}
        )
    if year is not None:
        if year not in span.years():
            raise ValidationError(
                {
                    "aar": [
                        _("År: skriv et årstal mellem %(first)s og %(last)s (du skrev %(year)s).")
                        % {"first": span.first.year, "last": span.last.year, "year": year}
                    ]
                }
            )
        return dt.date(year, 1, 1), dt.date(year, 12, 31)
    if first is None and last is None:
        raise ValidationError({"aar": [_("År: vælg et år, eller skriv en fra- og en til-dato.")]})
    errors = date_errors([("fra", _("Fra"), first), ("til", _("Til"), last)], span)
    if first is None:
        errors.setdefault("fra", []).append(_("Fra: skal udfyldes, når en til-dato er valgt."))
    if last is None:
        errors.setdefault("til", []).append(_("Til: skal udfyldes, når en fra-dato er valgt."))
    if not errors and first is not None and last is not None and last < first:
        errors["til"] = [
            _("Til: datoen skal ligge på eller efter fra-datoen (%(first)s).") % {"first": long_date(first)}
        ]
    if errors:
        raise ValidationError(errors)
    assert first is not None and last is not None
    return first, last


def parse_day(text: str | None, *, field: str, label: str) -> dt.date | None:
    """A date typed on the command line: ISO ``2024-06-30`` or Danish ``30.06.2024`` / ``30-06-2024``."""
    if not text:
        return None
    for pattern in ("%Y-%m-%d", "%d.%m.%Y", "%d-%m-%Y"):
        try:
            return dt.datetime.strptime(text.strip(), pattern).date()  # noqa: DTZ007 - a day, no time
        except ValueError:
            continue
    raise ValidationError(
        {
            field: [
                _("%(label)s: «%(text)s» er ikke en dato. Skriv fx 2024-06-30 eller 30.06.2024.")
                % {"label": label, "text": text[:30]}
            ]
        }
    )


def books(org: Organisation) -> list[Books]:
    """The ledgers (and the lines in them) that are ``org``'s, as the module docstring says."""
    found: list[Books] = []
    if org.is_region:
        gp = Ledger.objects.filter(code=region_ledger_code(Region.objects.get(code=org.code))).first()
        if gp is not None:
            found.append(Books(gp))
    clusters = HealthCluster.objects.filter(
        Q(members__municipality__code=org.code) | Q(members__region__code=org.code)
    ).distinct()
    codes = [ledger_code(c) for c in clusters]
    found.extend(Books(ledger, party=org.code) for ledger in Ledger.objects.filter(code__in=codes))
    return found


@dataclass(frozen=True)
class Export:
    organisation: Organisation
    first: dt.date
    last: dt.date
    chunks: Iterator[str]
    count: int = 0  # the postings in the file

    @property
    def filename(self) -> str:
        return f"konteringer-{self.organisation.code}-{self.first.isoformat()}-{self.last.isoformat()}.csv"


def export(
    *,
    actor: Any,
    organisation_code: str,
    year: int | None = None,
    first: dt.date | None = None,
    last: dt.date | None = None,
) -> Export:
    """``organisation_code``'s postings dated in the year (or ``first`` to ``last``), streamed.

    Refusals (``ValidationError`` naming the field; ``PermissionDenied`` for another organisation's
    postings) come before anything is written."""
    org = organisation(organisation_code)
    require_access(actor, org)
    start, end = period(year, first, last)
    found = books(org)
    return Export(
        org,
        start,
        end,
        csv_chunks(org.code, found, start, end, account_chart),
        postings_count(found, start, end),
    )
