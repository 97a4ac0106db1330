"""The registry's commands: ``klynge import``, ``klynge export``, ``klynge demo``."""

from __future__ import annotations

from django.core.management.base import CommandError
from django.db.models import Q

from klynge.accounts.models import Role, User


def actor_for(username: str | None, en: bool) -> User:
    """The user a command acts as: the one named, or else the first administrator."""
    if username:
        user = User.objects.filter(username=username, is_active=True).first()
        if user is None:
            raise CommandError(
                f"No active user is called '{username}'."
                if en
                else f"Der er ingen aktiv bruger med brugernavnet '{username}'."
            )
        return user
    user = (
        User.objects.filter(Q(is_superuser=True) | Q(roles__role=Role.ADMIN), is_active=True)
        .order_by("pk")
        .distinct()
        .first()
    )
    if user is None:
        raise CommandError(
            "There is no administrator; create one with 'klynge createsuperuser' or name a user with --user."
            if en
            else "Der er ingen administrator; opret en med 'klynge createsuperuser', eller angiv en bruger med --user."
        )
    return user
