"""Read-only views of the registry for the administrator.

Registry data changes only through :mod:`klynge.registry.services` (validated and audited), so the
admin may look but not touch; document types are plain reference data and may be edited here.
"""

from typing import Any

from django.contrib import admin
from django.http import HttpRequest

from klynge.registry.models import DocumentType, GpCluster, Membership, Practice, Region


class ReadOnly(admin.ModelAdmin):
    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


@admin.register(GpCluster)
class GpClusterAdmin(ReadOnly):
    list_display = ["name", "region", "cvr", "founded_on", "completed_on", "status"]
    list_filter = ["region", "status"]
    search_fields = ["name", "cvr", "external_id"]


@admin.register(Practice)
class PracticeAdmin(ReadOnly):
    list_display = ["provider_number", "name", "region"]
    search_fields = ["provider_number", "name"]


@admin.register(Membership)
class MembershipAdmin(ReadOnly):
    list_display = ["practice", "cluster", "joined", "left", "recorded_on"]
    list_filter = ["cluster__region"]


@admin.register(Region)
class RegionAdmin(ReadOnly):
    list_display = [
        "code",
        "name",
        "valid_from",
        "valid_to",
        "successor",
        "processing_days_min",
        "processing_days_max",
        "annual_regulation",
    ]


@admin.register(DocumentType)
class DocumentTypeAdmin(admin.ModelAdmin):
    list_display = ["code", "name", "name_en"]
