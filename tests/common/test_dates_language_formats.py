"""Issue #13: one human date in the active language. Danish pages write Danish month names ("1. juni
2019"), English pages English ones in English order ("1 June 2019"): never "09/12/2018" (which day?),
never "Dec. 9, 2018", never "1. January". Templates (``|date``) and Python (``long_date``) agree."""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from django import forms
from django.core import mail
from django.core.exceptions import ValidationError
from django.template import Context, Template
from django.test import Client
from django.urls import reverse
from django.utils import translation

import klynge
from klynge.common.dates import long_date, long_datetime

SRC = Path(klynge.__file__).parent
DA_MONTHS = [
    "januar",
    "februar",
    "marts",
    "april",
    "maj",
    "juni",
    "juli",
    "august",
    "september",
    "oktober",
    "november",
    "december",
]
EN_MONTHS = [
    "January",
    "February",
    "March",
    "April",
    "May",
    "June",
    "July",
    "August",
    "September",
    "October",
    "November",
    "December",
]
SLASHED = re.compile(r"\b\d{1,2}/\d{1,2}/\d{2,4}\b")
DANISH_ORDER_ENGLISH_MONTH = re.compile(r"\b\d{1,2}\. (" + "|".join(EN_MONTHS) + r")\b")
ENGLISH_MONTH = re.compile(r"\b(" + "|".join(m for m in EN_MONTHS if m.lower() not in DA_MONTHS) + r")\b")


def rendered(source: str, **context: Any) -> str:
    return Template(source).render(Context(context))


@pytest.mark.parametrize("month", range(1, 13))
def test_long_date_and_the_date_filter_write_the_same_day_in_each_language(month: int) -> None:
    day = dt.date(2019, month, 1)
    with translation.override("da"):
        da = long_date(day)
        assert da == f"1. {DA_MONTHS[month - 1]} 2019"
        assert rendered("{{ d|date }}|{{ d|date:'DATE_FORMAT' }}|{{ d }}", d=day) == f"{da}|{da}|{da}"
    with translation.override("en"):
        en = long_date(day)
        assert en == f"1 {EN_MONTHS[month - 1]} 2019"
        assert rendered("{{ d|date }}|{{ d|date:'DATE_FORMAT' }}|{{ d }}", d=day) == f"{en}|{en}|{en}"


def test_short_dates_and_times_keep_the_month_name_and_a_24_hour_clock() -> None:
    moment = dt.datetime(2018, 12, 9, 14, 5, tzinfo=dt.UTC)  # 15.05 in Copenhagen
    source = (
        "{{ d|date:'SHORT_DATE_FORMAT' }}|{{ m|date:'SHORT_DATETIME_FORMAT' }}|{{ m|date:'DATETIME_FORMAT' }}"
    )
    with translation.override("da"):
        assert (
            rendered(source, d=moment.date(), m=moment)
            == "9. dec. 2018|9. dec. 2018 15:05|9. december 2018 15:05"
        )
        assert long_datetime(moment) == "9. december 2018 15:05"
    with translation.override("en"):
        assert (
            rendered(source, d=moment.date(), m=moment)
            == "9 Dec 2018|9 Dec 2018, 15:05|9 December 2018, 15:05"
        )
        assert long_datetime(moment) == "9 December 2018, 15:05"


def test_an_english_page_reads_a_typed_date_day_first_and_refuses_slashes() -> None:
    field = forms.DateField()
    with translation.override("en"):
        assert field.clean("09.12.2018") == dt.date(2018, 12, 9)
        assert field.clean("2018-12-09") == dt.date(2018, 12, 9)
        with pytest.raises(ValidationError):
            field.clean("12/09/2018")  # 12 September or 9 December: refused, not guessed


def test_no_template_formats_a_date_by_hand() -> None:
    """Every ``|date`` in a template names one of the product's formats, or is ISO for a machine (a
    form value, a link, a comparison): the formats of klynge.formats decide the human text."""
    named = {"DATE_FORMAT", "SHORT_DATE_FORMAT", "DATETIME_FORMAT", "SHORT_DATETIME_FORMAT"}
    named |= {"MONTH_DAY_FORMAT", "YEAR_MONTH_FORMAT", "Y-m-d"}
    templates = [p for p in SRC.rglob("*") if p.suffix in {".html", ".txt"} and "templates" in p.parts]
    assert len(templates) > 50
    offenders = [
        f"{path.relative_to(SRC)}: |date:{fmt}"
        for path in templates
        for fmt in re.findall(r"\|date:[\"']([^\"']*)[\"']", path.read_text(encoding="utf-8"))
        if fmt not in named
    ]
    assert offenders == []


def test_no_python_formats_a_human_date_by_hand() -> None:
    """Numeric dates such as ``09-12-2018`` or ``09.12.2018`` in Python text, or a pattern such as
    ``date_format(day, "j. F Y")`` that is Danish in every language: use long_date or a named format."""
    pattern = re.compile(
        r"""strftime\(["']%d|:%d[-./]%m[-./]%Y\}|\.strftime\(["']%m/|date_format\([^,()]+,\s*["'](?![A-Z_]+["'])"""
    )
    offenders = [
        str(path.relative_to(SRC))
        for path in SRC.rglob("*.py")
        if "migrations" not in path.parts and pattern.search(path.read_text(encoding="utf-8"))
    ]
    assert offenders == []


def _language(client: Client, code: str) -> None:
    client.post(reverse("set_language"), {"language": code, "next": "/"})


def test_a_cluster_page_and_the_welcome_mail_write_dates_in_the_pages_language(
    db: Any, make_cluster: Callable[..., Any], officer: Any, django_capture_on_commit_callbacks: Any
) -> None:
    mail.outbox.clear()
    with translation.override("da"), django_capture_on_commit_callbacks(execute=True):
        cluster = make_cluster("Klynge Nord")  # founded 1 October 2018
    welcome = mail.outbox[-1].body
    assert "1. oktober 2018" in welcome and not SLASHED.search(welcome)
    client = Client()
    client.force_login(officer)
    url = reverse("cluster_detail", args=[cluster.pk])
    danish = client.get(url).content.decode()
    assert "1. oktober 2018" in danish
    assert not SLASHED.search(danish) and not ENGLISH_MONTH.search(danish)
    _language(client, "en")
    english = client.get(url).content.decode()
    assert "1 October 2018" in english and "1. oktober 2018" not in english
    assert not SLASHED.search(english) and not DANISH_ORDER_ENGLISH_MONTH.search(english)


def test_a_refusal_writes_its_dates_in_the_language_it_is_read_in(
    db: Any, cluster: Any, coordinator: Any
) -> None:
    from klynge.registry import services

    for language, expected in (("da", "1. oktober 2018"), ("en", "1 October 2018")):
        with translation.override(language), pytest.raises(ValidationError) as caught:
            services.practice_add(
                actor=coordinator, cluster=cluster, provider_number="100001", joined=dt.date(2018, 9, 30)
            )
        message = " ".join(caught.value.message_dict["joined"])
        assert expected in message and not SLASHED.search(message)
        assert "30-09-2018" not in message and "30.09.2018" not in message


def test_the_explanation_of_an_amount_writes_its_days_in_the_pages_language() -> None:
    """The payout lines' periods ("1. juni–31. december 2019"), as the Økonomi page shows them."""
    import datetime as dt

    from django.utils import translation

    from klynge.payouts.explain import period_text

    first, last = dt.date(2019, 6, 1), dt.date(2019, 12, 31)
    with translation.override("da"):
        assert period_text(first, last) == "1. juni–31. december 2019"
    with translation.override("en"):
        assert period_text(first, last) == "1 June–31 December 2019"
        assert period_text(first, dt.date(2020, 1, 15)) == "1 June 2019–15 January 2020"


def test_amounts_are_written_the_way_the_pages_language_writes_numbers() -> None:
    """#13: "1.234,50 kr." on Danish pages, "DKK 1,234.50" on English ones (rounded to øre, half up);
    the claim letters and the CSV files stay Danish (their own tests)."""
    from decimal import Decimal

    from django.utils import translation

    from klynge.common.money import amount_text
    from klynge.payouts.explain import kr
    from klynge.web.templatetags.klynge_web import dkk

    with translation.override("da"):
        assert dkk(Decimal("1234.5")) == "1.234,50 kr." and kr(Decimal("-20000")) == "-20.000,00 kr."
        assert amount_text(Decimal("0.125")) == "0,13"
    with translation.override("en"):
        assert dkk(Decimal("1234.5")) == "DKK 1,234.50" and kr(Decimal("-20000")) == "DKK -20,000.00"
        assert amount_text(Decimal("0.125")) == "0.13" and dkk(Decimal("10000"), "short") == "DKK 10,000"
