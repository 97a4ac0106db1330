"""The chart of accounts in Django's admin: an administrator enters the regional function code a region
posts an initiative on (for each municipal function). Every save goes through
:func:`klynge.health.services.chart_function_regional_set` (validated, audited); the form runs the
service in a transaction that is rolled back, so errors show on the field."""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import admin
from django.core.exceptions import ValidationError
from django.db import transaction
from django.http import HttpRequest

from klynge.health import services
from klynge.health.models import ChartFunction


class ChartFunctionForm(forms.ModelForm):
    request: HttpRequest

    class Meta:
        model = ChartFunction
        fields = ["regional_code", "regional_name"]

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if self.errors or self.instance.pk is None:
            return data
        try:
            with transaction.atomic():
                services.chart_function_regional_set(
                    actor=self.request.user,
                    function=self.instance,
                    regional_code=data.get("regional_code", ""),
                    regional_name=data.get("regional_name", ""),
                )
                transaction.set_rollback(True)
        except ValidationError as exc:
            for field, messages in exc.message_dict.items():
                self.add_error(field if field in self.fields else None, messages)
        return data


@admin.register(ChartFunction)
class ChartFunctionAdmin(admin.ModelAdmin):
    form = ChartFunctionForm
    list_display = ["code", "name", "regional_code", "regional_name", "active"]
    readonly_fields = ["code", "name", "active"]
    fields = ["code", "name", "active", "regional_code", "regional_name"]

    def get_form(self, request: HttpRequest, obj: Any = None, change: bool = False, **kwargs: Any) -> Any:
        form = super().get_form(request, obj, change, **kwargs)
        form.request = request  # type: ignore[attr-defined]
        return form

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def save_model(self, request: HttpRequest, obj: Any, form: Any, change: bool) -> None:
        data = form.cleaned_data
        services.chart_function_regional_set(
            actor=request.user,
            function=obj,
            regional_code=data.get("regional_code", ""),
            regional_name=data.get("regional_name", ""),
        )
