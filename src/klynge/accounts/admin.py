"""User administration for the system administrator (brief §1: users, rates, charts of accounts).

Django's admin records every change it makes in its own ``LogEntry`` (who, when, what).
"""

from django.contrib import admin
from django.contrib.auth.admin import UserAdmin

from klynge.accounts.models import RoleAssignment, User


class RoleInline(admin.TabularInline):
    model = RoleAssignment
    extra = 0
    autocomplete_fields = ["gp_cluster"]


@admin.register(User)
class KlyngeUserAdmin(UserAdmin):
    inlines = [RoleInline]
    list_display = ["username", "email", "first_name", "last_name", "is_active"]
