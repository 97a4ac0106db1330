"""Two-factor login (#10): a TOTP app and ten recovery codes, on django-otp.

After the password, a user with a confirmed TOTP device gives a code from the app (or a recovery code)
before any page but that one opens. Region approvers, region officers and administrators
(``KLYNGE_TWO_FACTOR_ROLES``) must enrol: until they have, they reach only the enrolment page. The
others may enrol of their own accord. ``KLYNGE_RELAX_TWO_FACTOR`` (bin/demo and the tests, never
production) lets the required roles in without enrolling; whoever has enrolled is still asked.

The REST API: a bearer token is a second secret made by a verified session or by an administrator
on the server (``klynge apitoken``), so token calls are not asked for a code; a browser session that
has not given its code gets 401 from the API.
"""

from __future__ import annotations

import binascii
import math
import os
import time
from base64 import b32encode
from typing import Any, Literal

from django.conf import settings
from django.contrib.auth.models import AnonymousUser
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect, JsonResponse
from django.urls import Resolver404, resolve, reverse
from django.utils import timezone
from django.utils.http import urlencode
from django.utils.translation import gettext as _
from django_otp import devices_for_user
from django_otp import verify_token as otp_verify_token
from django_otp.oath import TOTP
from django_otp.plugins.otp_static.models import StaticDevice, StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice

from klynge.accounts import access
from klynge.accounts.models import User
from klynge.audit.log import record

RECOVERY_CODES = 10
DEVICE_NAME = "Godkendelsesapp"
State = Literal["ok", "verify", "enrol"]


def required(user: Any) -> bool:
    """Whether the user's roles require two-factor login (whatever the relaxing setting says)."""
    return bool(access.roles(user) & set(settings.KLYNGE_TWO_FACTOR_ROLES))


def enrolled(user: Any) -> bool:
    return TOTPDevice.objects.filter(user=user, confirmed=True).exists()


def state(request: HttpRequest) -> State:
    """What the session still needs: nothing, a code from the user's app, or enrolment."""
    user = request.user
    if not user.is_authenticated or getattr(user, "is_verified", lambda: False)():
        return "ok"
    if enrolled(user):
        return "verify"
    if required(user) and not settings.KLYNGE_RELAX_TWO_FACTOR:
        return "enrol"
    return "ok"


def recovery_codes_left(user: Any) -> int:
    return StaticToken.objects.filter(device__user=user, device__confirmed=True).count()


# --- Services ---------------------------------------------------------------------------------------


def new_secret() -> str:
    """A new TOTP secret (20 random bytes, hex), kept in the session until it is confirmed."""
    return binascii.hexlify(os.urandom(20)).decode()


def secret_text(key_hex: str) -> str:
    """The secret as typed into an app by hand: base32 in groups of four."""
    text = b32encode(binascii.unhexlify(key_hex)).decode()
    return " ".join(text[i : i + 4] for i in range(0, len(text), 4))


def config_url(user: Any, key_hex: str) -> str:
    """The ``otpauth://`` address the QR code holds."""
    return TOTPDevice(user=user, key=key_hex).config_url


def _fresh_codes(user: User) -> list[str]:
    StaticDevice.objects.filter(user=user).delete()
    device = StaticDevice.objects.create(user=user, name=_("Reservekoder"), confirmed=True)
    codes = [StaticToken.random_token() for _i in range(RECOVERY_CODES)]
    StaticToken.objects.bulk_create(StaticToken(device=device, token=code) for code in codes)
    return codes


def two_factor_enrol(*, actor: User, key_hex: str, token: str) -> tuple[TOTPDevice, list[str]]:
    """Confirm the app holding ``key_hex`` by a code it shows now; replaces any earlier app and
    recovery codes. Returns the device and the ten new recovery codes (shown once)."""
    code = "".join(token.split())
    totp = TOTP(binascii.unhexlify(key_hex), step=30, t0=0, digits=6)
    totp.time = time.time()
    if not (code.isdigit() and len(code) == 6 and totp.verify(int(code), tolerance=1)):
        raise ValidationError({"token": [_("Koden passer ikke. Skriv de 6 cifre, som appen viser lige nu.")]})
    with transaction.atomic():
        had = enrolled(actor)
        TOTPDevice.objects.filter(user=actor).delete()
        device = TOTPDevice.objects.create(
            user=actor, name=DEVICE_NAME, key=key_hex, confirmed=True, last_t=totp.t()
        )
        codes = _fresh_codes(actor)
        record(
            actor=actor,
            action="two_factor.enrol",
            summary=(_("Ny app til totrinsbekræftelse") if had else _("Totrinsbekræftelse slået til"))
            + f": {actor.get_username()}",
            obj=actor,
            after={"device": device.persistent_id, "recovery_codes": RECOVERY_CODES},
        )
    return device, codes


def recovery_codes_renew(*, actor: User) -> list[str]:
    """Ten new recovery codes in place of the old ones (which stop working)."""
    if not enrolled(actor):
        raise ValidationError(_("Slå totrinsbekræftelse til først."))
    with transaction.atomic():
        codes = _fresh_codes(actor)
        record(
            actor=actor,
            action="two_factor.recovery_codes",
            summary=_("Nye reservekoder: %(user)s") % {"user": actor.get_username()},
            obj=actor,
        )
    return codes


def may_disable(actor: Any, user: Any) -> bool:
    """A user may switch off their own two-factor login unless their role requires it; an
    administrator may reset anyone's (a lost phone: they enrol again at their next login)."""
    if access.is_admin(actor) and actor.pk != user.pk:
        return True
    return actor.pk == user.pk and (not required(user) or settings.KLYNGE_RELAX_TWO_FACTOR)


def two_factor_disable(*, actor: User, user: User) -> None:
    if not may_disable(actor, user):
        raise PermissionDenied
    with transaction.atomic():
        TOTPDevice.objects.filter(user=user).delete()
        StaticDevice.objects.filter(user=user).delete()
        record(
            actor=actor,
            action="two_factor.disable",
            summary=_("Totrinsbekræftelse slået fra: %(user)s") % {"user": user.get_username()},
            obj=user,
        )


def wait_seconds(user: Any) -> int:
    """Seconds before django-otp's throttling (1, 2, 4, ... seconds after each wrong code) lets the
    user's devices check another code; 0: now."""
    wait = 0.0
    for device in devices_for_user(user, confirmed=True):
        allowed, data = device.verify_is_allowed()
        if not allowed and data and data.get("locked_until"):
            wait = max(wait, (data["locked_until"] - timezone.now()).total_seconds())
    return math.ceil(wait)


def verify(user: Any, token: str) -> Any:
    """The device that accepts ``token`` (6 digits: the app; otherwise a recovery code, used up), or None."""
    code = "".join(token.split()).replace("-", "").lower()
    if not code:
        return None
    wanted = TOTPDevice if (code.isdigit() and len(code) == 6) else StaticDevice
    for device in devices_for_user(user, confirmed=True):
        if isinstance(device, wanted):
            found = otp_verify_token(user, device.persistent_id, code)
            if found is not None:
                return found
    return None


# --- The gate -----------------------------------------------------------------------------------------

_OPEN = {"login", "logout", "set_language"}
_OPEN_FOR: dict[str, set[str]] = {
    "verify": _OPEN | {"two_factor_verify"},
    "enrol": _OPEN | {"two_factor_enrol", "two_factor_recovery_codes"},
}


class TwoFactorMiddleware:
    """Lets a session that still owes its second factor reach only the page that asks for it (and
    logging out, the language switch, static files); the API answers such a session 401."""

    def __init__(self, get_response: Any) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        needs = state(request)
        if needs == "ok" or request.path_info.startswith(settings.STATIC_URL):
            return self.get_response(request)
        try:
            name = resolve(request.path_info).url_name
        except Resolver404:
            name = None
        if name in _OPEN_FOR[needs]:
            return self.get_response(request)
        if request.path_info.startswith("/api/"):
            if request.headers.get("Authorization"):
                # A script's bearer token decides; the half-logged-in session counts for nothing.
                request.user = AnonymousUser()
                return self.get_response(request)
            message = (
                _("Log ind med din kode til totrinsbekræftelse først.")
                if needs == "verify"
                else _("Slå totrinsbekræftelse til først.")
            )
            return JsonResponse({"detail": message}, status=401)
        target = reverse("two_factor_verify" if needs == "verify" else "two_factor_enrol")
        return HttpResponseRedirect(f"{target}?{urlencode({'next': request.get_full_path()})}")
