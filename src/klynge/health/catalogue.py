"""The catalogue's figures and its CSV export (#13; layout in docs/health-catalogue.md).

:func:`unit_cost` is the one function for an initiative's cost per participant or per citizen; the
catalogue's page, its detail page and the CSV all read it.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable
from dataclasses import dataclass
from decimal import Decimal

from django.db.models import Sum
from django.utils import translation
from django.utils.translation import gettext as _

from klynge.core.money import ZERO, round_ore
from klynge.health.models import HealthMember, Initiative, Population


@dataclass(frozen=True)
class UnitCost:
    """The initiative's actual costs divided by its participants (if the secretariat entered how many
    took part) or else by the citizens it served; ``amount`` is None when there is nothing to divide
    by (no costs, no population)."""

    total: Decimal
    basis: str  # "participant" | "citizen" | ""
    count: int | None
    year: int | None  # the population's year (per citizen)
    amount: Decimal | None

    @property
    def label(self) -> str:
        if self.basis == "participant":
            return _("pr. deltager")
        if self.basis == "citizen":
            return _("pr. borger")
        return ""


def citizens(initiative: Initiative) -> tuple[int, int] | None:
    """(count, year): the citizens an initiative served, in its last year with population figures.

    Fair choice: the citizens are the paying municipalities' population (the region's count covers
    the same people, so it is not added); an initiative only the region pays for served all the
    cluster's municipalities. A municipality's count is its latest up to the initiative's last year."""
    members = list(initiative.parties.filter(pays=True, member__kind=HealthMember.Kind.MUNICIPALITY))
    member_ids = [p.member_id for p in members] or list(
        initiative.cluster.members.filter(kind=HealthMember.Kind.MUNICIPALITY).values_list("pk", flat=True)
    )
    if not member_ids:
        return None
    last = initiative.ends_on.year
    total = 0
    year = 0
    for member_id in member_ids:
        row = (
            Population.objects.filter(member_id=member_id, year__lte=last)
            .order_by("-year")
            .values_list("count", "year")
            .first()
        )
        if row is None:
            return None
        total += row[0]
        year = max(year, row[1])
    return (total, year) if total > 0 else None


def unit_cost(initiative: Initiative) -> UnitCost:
    """Cost per participant (``participants`` entered) or per citizen, rounded half up to øre."""
    total = initiative.costs.aggregate(total=Sum("amount"))["total"] or ZERO
    if initiative.participants:
        return UnitCost(
            total, "participant", initiative.participants, None, round_ore(total / initiative.participants)
        )
    served = citizens(initiative)
    if served is None:
        return UnitCost(total, "", None, None, None)
    count, year = served
    return UnitCost(total, "citizen", count, year, round_ore(total / count))


def adopters(initiative: Initiative) -> list[Initiative]:
    """The initiatives other clusters adopted from ``initiative`` (their cluster is who adopted it)."""
    return list(initiative.adoptions.select_related("cluster").order_by("cluster__name", "pk"))


HEADER = [
    "Id",
    "Titel",
    "Sundhedsklynge",
    "Region",
    "Tema",
    "Start",
    "Slut",
    "Status",
    "Afrapporteret til SSU",
    "Resultat",
    "Resultater",
    "Anbefales udbredt",
    "Kontaktperson",
    "Kontaktpersonens e-mail",
    "Faktiske udgifter",
    "Enhed",
    "Antal",
    "Udgift pr. enhed",
    "Overtaget af",
    "Dokumenter",
]


def _money(amount: Decimal | None) -> str:
    return "" if amount is None else f"{amount:.2f}".replace(".", ",")


def catalogue_csv(initiatives: Iterable[Initiative]) -> str:
    """The catalogue as CSV: semicolons, decimal comma, UTF-8 with BOM, dates as YYYY-MM-DD, one row
    per initiative (docs/health-catalogue.md). The unit is ``deltager``, ``borger`` or empty."""
    with translation.override("da"):  # a Danish file: its header and its words
        return _catalogue_csv(initiatives)


def _catalogue_csv(initiatives: Iterable[Initiative]) -> str:
    out = io.StringIO()
    out.write("\ufeff")
    writer = csv.writer(out, delimiter=";", lineterminator="\r\n")
    writer.writerow(HEADER)
    for i in initiatives:
        cost = unit_cost(i)
        writer.writerow(
            [
                i.pk,
                i.title,
                i.cluster.name,
                i.cluster.region.name,
                i.theme,
                i.starts_on.isoformat(),
                i.ends_on.isoformat(),
                str(i.get_status_display()),  # the words, as the header's language (Danish)
                i.reported_on.isoformat() if i.reported_on else "",
                str(i.get_result_display()) if i.result else "",
                i.result_summary.replace("\r\n", " ").replace("\n", " "),
                "ja" if i.recommend_spread else "nej",
                i.contact_name,
                i.contact_email,
                _money(cost.total),
                {"participant": "deltager", "citizen": "borger"}.get(cost.basis, ""),
                cost.count if cost.count is not None else "",
                _money(cost.amount),
                " | ".join(a.cluster.name for a in adopters(i)),
                " | ".join(f"{d.title} <{d.url}>" for d in i.documents.all()),
            ]
        )
    return out.getvalue()
