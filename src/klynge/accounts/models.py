"""Users and the roles of brief §1, each role scoped to the region, cluster or organisation it serves."""

from __future__ import annotations

from django.contrib.auth.models import AbstractUser
from django.db import models
from django.db.models import Q
from django.utils.crypto import salted_hmac
from django.utils.translation import gettext_lazy as _


class User(AbstractUser):
    """A person who logs in. What they may see and do comes from their :class:`RoleAssignment` rows."""

    # Raised by klynge.accounts.sessions.sessions_end_all: part of the session hash Django checks on
    # every request, so raising it ends every session of the user, on any session backend.
    session_epoch = models.PositiveIntegerField(_("sessionsgeneration"), default=0, editable=False)

    class Meta:
        verbose_name = _("bruger")
        verbose_name_plural = _("brugere")

    def __str__(self) -> str:
        return self.get_full_name() or self.username

    def _get_session_auth_hash(self, secret: str | None = None) -> str:
        """Django's session hash (of the password hash) with the session epoch in it (#10)."""
        key_salt = "klynge.accounts.models.User.get_session_auth_hash"
        value = f"{self.password}:{self.session_epoch}"
        return salted_hmac(key_salt, value, secret=secret, algorithm="sha256").hexdigest()


class Role(models.TextChoices):
    COORDINATOR = "coordinator", _("Klyngekoordinator")
    REGION_OFFICER = "region_officer", _("Regional sagsbehandler")
    REGION_APPROVER = "region_approver", _("Regional godkender")
    HEALTH_SECRETARIAT = "health_secretariat", _("Sundhedsklynge-sekretariat")
    FINANCE_OFFICER = "finance_officer", _("Økonomimedarbejder")
    SSU_READER = "ssu_reader", _("SSU-medlem / medformand")
    ADMIN = "admin", _("Systemadministrator")


class RoleAssignment(models.Model):
    """One role of one user, with the scope it applies to.

    A coordinator's scope is a GP cluster; a health-cluster secretariat's a health cluster; region
    roles' (and an SSU reader's) a region; a finance officer's an organisation (a municipality or region
    code); an administrator's is everything.
    """

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="roles", verbose_name=_("bruger"))
    role = models.CharField(_("rolle"), max_length=32, choices=Role.choices)
    region = models.ForeignKey(
        "registry.Region", null=True, blank=True, on_delete=models.PROTECT, verbose_name=_("region")
    )
    gp_cluster = models.ForeignKey(
        "registry.GpCluster",
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="role_assignments",
        verbose_name=_("praksisklynge"),
    )
    health_cluster = models.ForeignKey(
        "health.HealthCluster",
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="role_assignments",
        verbose_name=_("sundhedsklynge"),
    )
    organisation_code = models.CharField(_("organisation (kommune-/regionskode)"), max_length=8, blank=True)

    class Meta:
        verbose_name = _("rolle")
        verbose_name_plural = _("roller")
        constraints = [
            models.CheckConstraint(
                name="role_coordinator_has_cluster",
                condition=~Q(role="coordinator") | Q(gp_cluster__isnull=False),
            ),
            models.CheckConstraint(
                name="role_secretariat_has_health_cluster",
                condition=~Q(role="health_secretariat") | Q(health_cluster__isnull=False),
            ),
            models.CheckConstraint(
                name="role_finance_officer_has_organisation",
                condition=~Q(role="finance_officer") | ~Q(organisation_code=""),
            ),
            models.CheckConstraint(
                name="role_region_roles_have_region",
                condition=~Q(role__in=["region_officer", "region_approver", "ssu_reader"])
                | Q(region__isnull=False),
            ),
        ]

    def __str__(self) -> str:
        scope = self.gp_cluster or self.health_cluster or self.region or self.organisation_code or _("alle")
        return f"{self.user} · {self.get_role_display()} · {scope}"
