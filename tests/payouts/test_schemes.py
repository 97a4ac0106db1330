"""Schemes and rates are data an administrator changes without code; bad values are refused."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from klynge.audit.models import AuditEntry
from klynge.payouts import services
from klynge.payouts.models import FundingScheme, SchemeRate


@pytest.fixture
def ok22(db: Any) -> FundingScheme:
    return FundingScheme.objects.get(code="OK22")


def test_shipped_schemes_carry_the_public_ok22_rates_and_flag_the_ok18_example(ok22: FundingScheme) -> None:
    assert {r.year: r.rate for r in ok22.rates.all()} == {
        2022: Decimal("1.12"),
        2023: Decimal("2.32"),
        2024: Decimal("3.55"),
        2025: Decimal("3.65"),
    }
    assert all(r.is_example for r in SchemeRate.objects.filter(scheme__code="OK18"))
    assert FundingScheme.objects.get(code="OK18").startup_fee_per_capacity == Decimal("10000.00")


def test_an_administrator_adds_next_years_rate_and_it_is_audited(
    ok22: FundingScheme, admin_user: Any
) -> None:
    services.rate_set(actor=admin_user, scheme=ok22, year=2026, rate="3.80", source="kiap.dk")
    assert ok22.rates.get(year=2026).rate == Decimal("3.80")
    assert AuditEntry.objects.filter(action="scheme.rate", actor=admin_user).exists()


@pytest.mark.parametrize(
    ("year", "rate", "field", "words"),
    [
        (2026, "3.805", "rate", "to decimaler"),
        (2026, "-1", "rate", "negativ"),
        (2026, "1000000", "rate", "urealistisk"),
        (2019, "1.00", "year", "uden for ordningens gyldighed"),
        (2026, "abc", "rate", "et tal"),
    ],
)
def test_bad_rates_are_refused_naming_the_field(
    ok22: FundingScheme, admin_user: Any, year: int, rate: str, field: str, words: str
) -> None:
    with pytest.raises(ValidationError) as info:
        services.rate_set(actor=admin_user, scheme=ok22, year=year, rate=rate)
    assert words in info.value.message_dict[field][0]
    assert not ok22.rates.filter(year=year, rate=Decimal("3.80")).exists()
    assert ok22.rates.count() == 4


def test_only_an_administrator_changes_rates(ok22: FundingScheme, officer: Any) -> None:
    with pytest.raises(PermissionDenied, match="Kun en systemadministrator kan ændre ordninger og satser"):
        services.rate_set(actor=officer, scheme=ok22, year=2026, rate="3.80")


def test_a_new_scheme_may_not_overlap_another(admin_user: Any) -> None:
    with pytest.raises(ValidationError) as info:
        services.scheme_save(
            actor=admin_user,
            code="OK26",
            name="Ny",
            basis="patients",
            valid_from=dt.date(2025, 1, 1),
            valid_to=None,
            count=(1, 31),
            payment=(3, 1),
        )
    assert "OK22" in info.value.message_dict["valid_from"][0]
    assert not FundingScheme.objects.filter(code="OK26").exists()


def test_a_patient_scheme_needs_its_count_and_payment_dates(admin_user: Any) -> None:
    FundingScheme.objects.filter(code="OK22").update(valid_to=dt.date(2025, 12, 31))
    with pytest.raises(ValidationError) as info:
        services.scheme_save(
            actor=admin_user,
            code="OK26",
            name="Ny",
            basis="patients",
            valid_from=dt.date(2026, 1, 1),
            valid_to=None,
            count=(2, 30),
            payment=None,
        )
    assert set(info.value.message_dict) == {"count", "payment"}


def test_the_admin_form_shows_the_service_error_on_the_field(
    client: Any, admin_user: Any, ok22: FundingScheme
) -> None:
    admin_user.is_staff = admin_user.is_superuser = True
    admin_user.save()
    client.force_login(admin_user)
    response = client.post(
        "/admin/payouts/schemerate/add/", {"scheme": ok22.pk, "year": 2026, "rate": "3.805"}
    )
    assert response.status_code == 200
    assert "to decimaler" in response.content.decode() or "decimal" in response.content.decode()
    assert not ok22.rates.filter(year=2026).exists()
    response = client.post(
        "/admin/payouts/schemerate/add/", {"scheme": ok22.pk, "year": 2026, "rate": "3.80"}
    )
    assert response.status_code == 302
    assert ok22.rates.get(year=2026).rate == Decimal("3.80")
