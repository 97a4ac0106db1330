"""Each member's postings of a health cluster's settlement, as CSV for its finance system.

The postings come from the pure core (:func:`klynge.core.settlement.settle`): the executing party books
the whole expense (kind 4.0) and the others' shares as payments from them (7.7/7.8); each paying party
books its share as a payment to the executing party (4.7/4.8) on the same function, so the two sides of
every settlement mirror each other.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable

from django.utils.translation import gettext as _

from klynge.health.models import HealthCluster, HealthMember
from klynge.health.selectors import settlement

HEADER = [
    "År",
    "Medlem",
    "Kode",
    "Indsats",
    "Funktion",
    "Art",
    "Beløb",
    "Modpart",
    "Modpartens kode",
    "Tekst",
]


def postings_csv(cluster: HealthCluster, members: Iterable[HealthMember], *, year: int | None = None) -> str:
    """The postings of ``members`` (semicolons, decimal comma, UTF-8 with BOM); expense positive,
    income negative, as in the municipal and regional accounts. Each year as
    :func:`klynge.health.selectors.year_settlement` has it (a posted year from its voucher). A
    region's line whose regional function code has not been entered has an empty function and says
    so in its text, rather than a made-up code."""
    chosen = {str(m.pk): m for m in members}
    every = {str(m.pk): m for m in cluster.members.select_related("municipality", "region")}
    titles = {str(i.pk): i.title for i in cluster.initiatives.all()}
    out = io.StringIO()
    out.write("\ufeff")
    writer = csv.writer(out, delimiter=";", lineterminator="\r\n")
    writer.writerow(HEADER)
    for p in settlement(cluster, year=year).postings:
        member = chosen.get(p.member)
        if member is None:
            continue
        other = every.get(p.counterparty)
        writer.writerow(
            [
                p.year,
                member.name,
                member.code,
                titles.get(p.initiative, p.initiative),
                p.function,
                p.kind,
                f"{p.amount:.2f}".replace(".", ","),
                other.name if other else "",
                other.code if other else "",
                p.text
                if p.function
                else _(
                    "%(text)s – REGIONAL FUNKTION MANGLER: en administrator skal indtaste regionens "
                    "funktionskode under Kontoplan (funktioner)"
                )
                % {"text": p.text},
            ]
        )
    return out.getvalue()
