"""Schemes and rates in Django's admin: an administrator adds a rate or a scheme without code.

Every save goes through :mod:`klynge.payouts.services` (validated, audited). The form validates by
running the service in a transaction that is rolled back, so errors show on the field.
"""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import admin
from django.core.exceptions import ValidationError
from django.db import transaction
from django.http import HttpRequest

from klynge.payouts import services
from klynge.payouts.models import FundingScheme, PayoutRun, SchemeRate


def _scheme_kwargs(data: dict[str, Any]) -> dict[str, Any]:
    def pair(month: str, day: str) -> tuple[int, int] | None:
        return (data[month], data[day]) if data.get(month) and data.get(day) else None

    return dict(
        code=data["code"],
        name=data["name"],
        basis=data["basis"],
        valid_from=data["valid_from"],
        valid_to=data.get("valid_to"),
        startup_fee_per_capacity=data.get("startup_fee_per_capacity"),
        count=pair("count_month", "count_day"),
        payment=pair("payment_month", "payment_day"),
        note=data.get("note", ""),
    )


class ServiceValidatedForm(forms.ModelForm):
    request: HttpRequest

    def run_service(self, data: dict[str, Any]) -> Any:
        raise NotImplementedError

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if self.errors:
            return data
        try:
            with transaction.atomic():
                self.run_service(data)
                transaction.set_rollback(True)
        except ValidationError as exc:
            for field, messages in exc.message_dict.items():
                self.add_error(field if field in self.fields else None, messages)
        return data


class SchemeForm(ServiceValidatedForm):
    class Meta:
        model = FundingScheme
        fields = [
            "code",
            "name",
            "basis",
            "valid_from",
            "valid_to",
            "startup_fee_per_capacity",
            "count_month",
            "count_day",
            "payment_month",
            "payment_day",
            "note",
        ]

    def run_service(self, data: dict[str, Any]) -> Any:
        return services.scheme_save(actor=self.request.user, **_scheme_kwargs(data))


class RateForm(ServiceValidatedForm):
    class Meta:
        model = SchemeRate
        fields = ["scheme", "year", "rate", "is_example", "source"]

    def run_service(self, data: dict[str, Any]) -> Any:
        return services.rate_set(
            actor=self.request.user,
            scheme=data["scheme"],
            year=data["year"],
            rate=data["rate"],
            is_example=data.get("is_example", False),
            source=data.get("source", ""),
        )


class ServiceAdmin(admin.ModelAdmin):
    def get_form(self, request: HttpRequest, obj: Any = None, change: bool = False, **kwargs: Any) -> Any:
        form = super().get_form(request, obj, change, **kwargs)
        form.request = request  # type: ignore[attr-defined]
        return form

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


@admin.register(FundingScheme)
class FundingSchemeAdmin(ServiceAdmin):
    form = SchemeForm
    list_display = ["code", "name", "basis", "valid_from", "valid_to", "startup_fee_per_capacity"]

    def save_model(self, request: HttpRequest, obj: Any, form: Any, change: bool) -> None:
        saved = services.scheme_save(actor=request.user, **_scheme_kwargs(form.cleaned_data))
        obj.pk = saved.pk


@admin.register(SchemeRate)
class SchemeRateAdmin(ServiceAdmin):
    form = RateForm
    list_display = ["scheme", "year", "rate", "is_example", "source"]
    list_filter = ["scheme"]

    def save_model(self, request: HttpRequest, obj: Any, form: Any, change: bool) -> None:
        data = form.cleaned_data
        saved = services.rate_set(
            actor=request.user,
            scheme=data["scheme"],
            year=data["year"],
            rate=data["rate"],
            is_example=data.get("is_example", False),
            source=data.get("source", ""),
        )
        obj.pk = saved.pk


@admin.register(PayoutRun)
class PayoutRunAdmin(admin.ModelAdmin):
    list_display = [
        "region",
        "run_date",
        "status",
        "prepared_by",
        "approved_by",
        "total_payouts",
        "total_claims",
    ]
    list_filter = ["region", "status"]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False
