"""Each amount in plain words, e.g. "1 kapacitet × 1.000,00 kr. × 214/365 dage (1. juni–31. december 2019)".

Used by the run pages, the cluster's "Økonomi" page, the statements and the claim letters. Texts are
made when shown (not stored), so they follow the reader's language.
"""

from __future__ import annotations

import datetime as dt
import functools
from decimal import Decimal
from typing import Protocol

from django.utils.formats import date_format
from django.utils.translation import get_language, ngettext
from django.utils.translation import gettext as _

from klynge.common.money import amount_text


class LineLike(Protocol):
    kind: str
    rule: str
    practice: str
    period_from: dt.date | None
    period_to: dt.date | None
    days: int | None
    days_in_year: int | None
    capacities: int | None
    patients: int | None
    rate: Decimal | None
    amount: Decimal


def day_text(day: dt.date | None) -> str:
    return date_format(day, "DATE_FORMAT") if day else ""  # "1. juni 2019" / "1 June 2019" (#13)


def period_text(first: dt.date | None, last: dt.date | None) -> str:
    """ "1. juni–31. december 2019" (the year once when both days are in it)."""
    if first is None or last is None:
        return day_text(first or last)
    if first == last:
        return day_text(first)
    if first.year == last.year:
        return f"{date_format(first, 'MONTH_DAY_FORMAT')}–{day_text(last)}"
    return f"{day_text(first)}–{day_text(last)}"


def kr(amount: Decimal | None) -> str:
    return _("%(amount)s kr.") % {"amount": amount_text(amount if amount is not None else Decimal(0))}


def _rules() -> dict[str, tuple[str, str]]:
    """Each rule code of the payout engine: its plain Danish words, and the rule in one sentence (in
    the active language; made once per language, as a page may ask for it on each of its lines)."""
    return _rules_in(get_language() or "")


@functools.cache
def _rules_in(language: str) -> dict[str, tuple[str, str]]:
    return {
        "A1": (
            _("Klyngen skal være færdigmeldt"),
            _(
                "Regionen udbetaler først, når klyngen er færdigmeldt med alle praksisser, dokumenter, CVR og NemKonto."
            ),
        ),
        "A2": (
            _("Fra den stiftende generalforsamling"),
            _(
                "Klyngen har ret til midler fra datoen for den stiftende generalforsamling, også når CVR og NemKonto kom senere; første udbetaling er med tilbagevirkende kraft."
            ),
        ),
        "A5": (
            _("Praksis kom med efter færdigmeldingen"),
            _(
                "En praksis, der registreres efter færdigmeldingen, får midler fra 1. januar året efter, med tilbagevirkende kraft fra den dag, den trådte ind."
            ),
        ),
        "A6": (
            _("Årlige midler"),
            _(
                "De årlige midler udbetales pr. lægekapacitet for hele året forud, forholdsmæssigt efter dage og årets sats."
            ),
        ),
        "A7": (
            _("Opstartshonorar"),
            _(
                "Opstartshonoraret på 10.000 kr. pr. kapacitet beholdes kun, hvis praksis bliver i klyngen mindst et år; ellers betales det tilbage."
            ),
        ),
        "A8": (
            _("Praksis flyttet fra en anden klynge"),
            _(
                "En praksis, der flytter, giver den nye klynge midler fra næste 1. januar med tilbagevirkende kraft; den gamle klynges midler reguleres fra fraflytningen."
            ),
        ),
        "A9": (
            _("Regulering af det, der tidligere er udbetalt"),
            _(
                "Hver kørsel udbetaler forskellen mellem det, klyngen har ret til, og det, der allerede er afregnet; et negativt beløb modregnes eller kræves tilbage."
            ),
        ),
    }


def rule_text(rule: str) -> str:
    """A rule code in plain words, as coordinators read it ("A7" → "Opstartshonorar"); the one
    function that turns a rule code into words. An unknown code is shown as it is."""
    found = _rules().get(rule)
    return found[0] if found else rule


def rule_description(rule: str) -> str:
    """The rule in one sentence, for staff who open it (empty for an unknown code)."""
    found = _rules().get(rule)
    return found[1] if found else ""


def rule_name(rule: str) -> str:
    """Staff's name of a rule: its words and its code, "Opstartshonorar (A7)"."""
    text = rule_text(rule)
    return text if text == rule else f"{text} ({rule})"


def explain(line: LineLike) -> str:
    """The computation of one explanation line in plain words."""
    period = period_text(line.period_from, line.period_to)
    if line.kind == "startup_fee":
        if line.amount == 0 or line.capacities is None:
            return _(
                "Opstartshonorar for praksis %(practice)s (%(period)s): tilbagebetales, fordi praksis "
                "udtrådte før første årsdag (%(rate)s pr. kapacitet)."
            ) % {"practice": line.practice, "period": period, "rate": kr(line.rate)}
        return _("%(units)s × %(rate)s i opstartshonorar (praksis %(practice)s indtrådte %(day)s)") % {
            "units": ngettext("%(n)s kapacitet", "%(n)s kapaciteter", line.capacities)
            % {"n": line.capacities},
            "rate": kr(line.rate),
            "practice": line.practice,
            "day": day_text(line.period_from),
        }
    if line.kind == "annual" and line.patients is not None:
        return _("%(units)s × %(rate)s (praksis %(practice)s, optalt %(day)s)") % {
            "units": ngettext("%(n)s gruppe 1-patient", "%(n)s gruppe 1-patienter", line.patients)
            % {"n": line.patients},
            "rate": kr(line.rate),
            "practice": line.practice,
            "day": day_text(line.period_from),
        }
    if line.kind == "annual" and line.capacities is not None and line.days is not None:
        return _("%(units)s × %(rate)s × %(days)s/%(year_days)s dage (%(period)s, praksis %(practice)s)") % {
            "units": ngettext("%(n)s kapacitet", "%(n)s kapaciteter", line.capacities)
            % {"n": line.capacities},
            "rate": kr(line.rate),
            "days": line.days,
            "year_days": line.days_in_year or 365,
            "period": period,
            "practice": line.practice,
        }
    if line.amount < 0:
        return _("Fratrukket: tidligere udbetalt for praksis %(practice)s, %(period)s") % {
            "practice": line.practice,
            "period": period,
        }
    return _("Reguleret for praksis %(practice)s, %(period)s") % {"practice": line.practice, "period": period}
