"""Mails the registry sends (Django's e-mail; the console backend by default)."""

from __future__ import annotations

from django.conf import settings
from django.contrib.auth.tokens import default_token_generator
from django.core.mail import send_mail
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils.encoding import force_bytes
from django.utils.http import urlsafe_base64_encode
from django.utils.translation import gettext as _

from klynge.accounts.models import Role, RoleAssignment, User
from klynge.registry.models import GpCluster


def send_welcome(cluster: GpCluster, coordinator: User) -> None:
    """Welcome the coordinator: how to log in, and the region's instructions and required documents."""
    set_password = ""
    if not coordinator.has_usable_password():
        uid = urlsafe_base64_encode(force_bytes(coordinator.pk))
        token = default_token_generator.make_token(coordinator)
        set_password = settings.SITE_URL + reverse("password_reset_confirm", args=[uid, token])
    body = render_to_string(
        "registry/mail/welcome.txt",
        {
            "cluster": cluster,
            "coordinator": coordinator,
            "region": cluster.region,
            "required_documents": list(cluster.region.required_documents.order_by("name")),
            "set_password_url": set_password,
            "site_url": settings.SITE_URL,
        },
    )
    send_mail(
        _("Velkommen til Klyngeøkonomi: %(cluster)s") % {"cluster": cluster.name},
        body,
        settings.DEFAULT_FROM_EMAIL,
        [coordinator.email],
    )


def send_completed(cluster: GpCluster) -> None:
    """Tell the region's officers that a cluster has been completed and is ready for payout."""
    recipients = list(
        RoleAssignment.objects.filter(role=Role.REGION_OFFICER, region=cluster.region)
        .exclude(user__email="")
        .values_list("user__email", flat=True)
        .distinct()
    )
    if not recipients:
        return
    body = render_to_string(
        "registry/mail/completed.txt", {"cluster": cluster, "site_url": settings.SITE_URL}
    )
    send_mail(
        _("Klyngen %(cluster)s er færdigmeldt") % {"cluster": cluster.name},
        body,
        settings.DEFAULT_FROM_EMAIL,
        recipients,
    )
