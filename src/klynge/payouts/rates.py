"""Years that have no rate in the scheme in force (#9 §6): a run pays nothing for such a year, so the
region's dashboard and the run pages say so ("2026 har ingen sats for OK22") before anyone releases a
run believing it complete. An administrator adds the rate (``services.rate_set``); the next run pays
the year.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass

from django.db.models import Min
from django.utils import timezone
from django.utils.translation import gettext as _

from klynge.core.scenario import Scheme
from klynge.core.schemes import SchemeTable
from klynge.registry.models import GpCluster, Region


@dataclass(frozen=True)
class MissingRate:
    """``year`` has no rate in ``scheme`` (the scheme in force), or no scheme at all (``scheme`` empty)."""

    year: int
    scheme: str

    def message(self) -> str:
        if self.scheme:
            return _("%(year)s har ingen sats for %(scheme)s") % {"year": self.year, "scheme": self.scheme}
        return _("%(year)s hører ikke under nogen ordning") % {"year": self.year}

    def __str__(self) -> str:
        return self.message()


def years_without_rate(schemes: Iterable[Scheme], years: Iterable[int]) -> list[MissingRate]:
    """Of ``years``, those whose scheme (the one in force on 1 January, :class:`SchemeTable`) has no rate."""
    table = SchemeTable(schemes)
    missing = []
    for year in years:
        scheme = table.for_year(year)
        if scheme is None:
            missing.append(MissingRate(year, ""))
        elif year not in dict(scheme.annual_rates):
            missing.append(MissingRate(year, scheme.code))
    return missing


def missing_rates(region: Region, *, through: dt.date | None = None) -> list[MissingRate]:
    """The years from the founding of the region's first cluster through today's year (or the year of
    ``through``, a run's date, if later) that have no rate in the scheme in force."""
    from klynge.payouts.runs import schemes

    first = GpCluster.objects.filter(region=region).aggregate(first=Min("founded_on"))["first"]
    if first is None:
        return []
    last = max(timezone.localdate(), through or dt.date.min).year
    return years_without_rate(schemes(), range(first.year, last + 1))
