"""Login lock-out (#10), on django-axes: who is locked, the Danish lock-out page, lifting a lock.

django-axes counts failed logins (a wrong password, a wrong two-factor code) per username and per
address. At ``AXES_FAILURE_LIMIT`` failures within ``AXES_COOLOFF_TIME`` further logins for that username,
or from that address, are refused until the cool-off has passed since the latest attempt, or until an
administrator lifts the lock (:func:`lock_lift`, page ``/konto/spaerringer/``). Every refusal and every
lifted lock is written to the audit trail.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from axes.handlers.proxy import AxesProxyHandler
from axes.helpers import get_client_username, get_cool_off
from axes.models import AccessAttempt
from axes.signals import user_locked_out
from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import models, transaction
from django.db.models import Max, Q, Sum
from django.dispatch import receiver
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.utils.translation import gettext as _

from klynge.accounts import access
from klynge.accounts.models import User
from klynge.audit.log import record

USERNAME = "username"
ADDRESS = "ip_address"


def client_ip(request: HttpRequest) -> str | None:
    """The address a login comes from: ``REMOTE_ADDR``, or behind ``KLYNGE_TRUSTED_PROXY_COUNT``
    reverse proxies the address the outermost of them appended to ``X-Forwarded-For``."""
    proxies = settings.KLYNGE_TRUSTED_PROXY_COUNT
    if proxies > 0:
        forwarded = [a.strip() for a in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",") if a.strip()]
        if len(forwarded) >= proxies:
            return forwarded[-proxies]
    return request.META.get("REMOTE_ADDR")


def _cool_off() -> dt.timedelta:
    cool_off = get_cool_off()
    assert cool_off is not None, "AXES_COOLOFF_TIME must be set"
    return cool_off


@dataclass(frozen=True)
class Lock:
    kind: str  # USERNAME or ADDRESS
    value: str
    failures: int
    latest: dt.datetime
    lifts_at: dt.datetime

    @property
    def kind_label(self) -> str:
        return _("Brugernavn") if self.kind == USERNAME else _("Adresse")


def _locks(kind: str, value: str | None = None) -> list[Lock]:
    since = timezone.now() - _cool_off()
    rows = AccessAttempt.objects.filter(attempt_time__gte=since).exclude(**{f"{kind}__isnull": True})
    if value is not None:
        rows = rows.filter(**{kind: value})
    found = []
    for row in rows.values(kind).annotate(failures=Sum("failures_since_start"), latest=Max("attempt_time")):
        if row["failures"] >= settings.AXES_FAILURE_LIMIT:
            latest = row["latest"]
            found.append(Lock(kind, row[kind], row["failures"], latest, latest + _cool_off()))
    return found


def locks() -> list[Lock]:
    """Every username and address locked now, the latest attempt first."""
    return sorted(_locks(USERNAME) + _locks(ADDRESS), key=lambda lock: lock.latest, reverse=True)


def lifts_at(username: str | None, ip_address: str | None) -> dt.datetime | None:
    """When the lock on this username or address lifts by itself (the later of the two), if locked."""
    found = (_locks(USERNAME, username) if username else []) + (
        _locks(ADDRESS, ip_address) if ip_address else []
    )
    return max((lock.lifts_at for lock in found), default=None)


def _subject(username: str | None, ip_address: str | None) -> models.Model | None:
    """What an audit entry is about: the user the username names, else the latest matching attempt."""
    if username:
        user = User.objects.filter(username=username).first()
        if user is not None:
            return user
    q = Q(pk__in=[])
    if username:
        q |= Q(username=username)
    if ip_address:
        q |= Q(ip_address=ip_address)
    return AccessAttempt.objects.filter(q).order_by("-attempt_time").first()


def lock_lift(*, actor: Any, kind: str, value: str) -> int:
    """An administrator lifts the lock on a username or an address; returns the attempts forgotten."""
    if not access.is_admin(actor):
        raise PermissionDenied
    if kind not in (USERNAME, ADDRESS) or not value:
        raise ValidationError({"kind": [_("Vælg en spærring at ophæve.")]})
    with transaction.atomic():
        subject = _subject(value if kind == USERNAME else None, value if kind == ADDRESS else None)
        found = _locks(kind, value)
        if subject is None or not found:
            raise ValidationError({"kind": [_("Der er ingen spærring af %(value)s.") % {"value": value}]})
        summary = (
            _("Spærring af log-in for brugernavnet %(value)s ophævet")
            if kind == USERNAME
            else _("Spærring af log-in fra adressen %(value)s ophævet")
        ) % {"value": value}
        record(
            actor=actor,
            action="login.lock_lift",
            summary=summary,
            obj=subject,
            before={"kind": kind, "value": value, "failures": found[0].failures},
        )
        count: int = AxesProxyHandler.reset_attempts(
            username=value if kind == USERNAME else None, ip_address=value if kind == ADDRESS else None
        )
    return count


@receiver(user_locked_out, dispatch_uid="klynge.accounts.lockout.audit")
def _audit_lock_out(
    sender: Any, request: Any, username: str | None, ip_address: str | None, **kwargs: Any
) -> None:
    """Every refused login of a locked username or address goes to the audit trail."""
    with transaction.atomic():
        subject = _subject(username, ip_address)
        if subject is None:  # nothing on record to point at (cannot happen: the attempt was just saved)
            return
        failures = getattr(request, "axes_failures_since_start", None)
        record(
            actor=None,
            action="login.locked_out",
            summary=_(
                "Log-in spærret efter for mange mislykkede forsøg: brugernavn %(username)s, adresse %(ip)s"
            )
            % {"username": username or "–", "ip": ip_address or "–"},
            obj=subject,
            after={"username": username, "ip_address": ip_address, "failures": failures},
        )


def lockout_response(
    request: HttpRequest, original_response: HttpResponse | None = None, credentials: Any = None
) -> HttpResponse:
    """The login page's answer to a locked username or address (AXES_LOCKOUT_CALLABLE): 429, in Danish,
    saying when the lock lifts by itself and that an administrator can lift it sooner."""
    username = get_client_username(request, credentials) if credentials is not None else None
    username = username or request.POST.get("username") or None
    until = lifts_at(username, getattr(request, "axes_ip_address", None) or client_ip(request))
    context = {
        "lifts_at": timezone.localtime(until) if until else None,
        "cool_off_minutes": int(_cool_off().total_seconds() // 60),
        "failure_limit": settings.AXES_FAILURE_LIMIT,
    }
    return render(request, "registration/locked_out.html", context, status=429)
