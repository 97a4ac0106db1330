"""The account's own pages (#10): the second login step, two-factor enrolment and recovery codes, the
security page, and the administrators' list of locked logins."""

from __future__ import annotations

from typing import Any

import qrcode
import qrcode.image.svg
from axes.handlers.proxy import AxesProxyHandler
from django import forms
from django.conf import settings
from django.contrib import messages
from django.contrib.auth import logout
from django.contrib.auth.decorators import login_required
from django.contrib.auth.signals import user_login_failed
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme, urlencode
from django.utils.safestring import mark_safe
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext
from django.views.decorators.http import require_POST
from django_otp import login as otp_login
from django_otp.plugins.otp_static.models import StaticDevice

from klynge.accounts import access, lockout, twofactor
from klynge.web.forms import ServiceForm
from klynge.web.views.common import actor

SECRET_SESSION_KEY = "klynge_totp_secret"  # noqa: S105 - the session key's name, not a secret
CODES_SESSION_KEY = "klynge_recovery_codes"


class CodeForm(ServiceForm):
    token = forms.CharField(
        label=gettext_lazy("Kode"),
        max_length=32,
        help_text=gettext_lazy("De 6 cifre, som din app viser nu, eller en af dine reservekoder."),
        widget=forms.TextInput(attrs={"autocomplete": "one-time-code", "autocapitalize": "none"}),
    )


class EnrolForm(ServiceForm):
    token = forms.CharField(
        label=gettext_lazy("Kode fra appen"),
        max_length=16,
        help_text=gettext_lazy("De 6 cifre, som appen viser, efter at du har scannet QR-koden."),
        widget=forms.TextInput(
            attrs={"autocomplete": "one-time-code", "inputmode": "numeric", "pattern": "[0-9 ]*"}
        ),
    )


def _next(request: HttpRequest) -> str:
    target = request.POST.get("next") or request.GET.get("next") or ""
    if target and url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return target
    return settings.LOGIN_REDIRECT_URL


def _redirect_next(request: HttpRequest) -> HttpResponse:
    return redirect(_next(request))


@login_required
def two_factor_verify(request: HttpRequest) -> HttpResponse:
    """The second login step: a code from the user's app, or one of their recovery codes."""
    if twofactor.state(request) != "verify":
        return _redirect_next(request)
    user = actor(request)
    credentials = {"username": user.get_username()}
    form = CodeForm(request.POST or None)
    if request.method == "POST":
        if not AxesProxyHandler.is_allowed(request, credentials):
            logout(request)
            return lockout.lockout_response(request, None, credentials)
        if form.is_valid():
            wait = twofactor.wait_seconds(user)
            device = None if wait else twofactor.verify(user, form.cleaned_data["token"])
            if device is not None:
                otp_login(request, device)
                if isinstance(device, StaticDevice):
                    left = twofactor.recovery_codes_left(user)
                    messages.warning(
                        request,
                        _("Du har brugt en reservekode. Du har %(left)s tilbage; lav nye under Sikkerhed.")
                        % {"left": left},
                    )
                return _redirect_next(request)
            # A wrong code counts as a failed login: django-axes locks the username and address too.
            user_login_failed.send(sender=__name__, credentials=credentials, request=request)
            if getattr(request, "axes_locked_out", False):
                logout(request)
                return lockout.lockout_response(request, None, credentials)
            if wait:
                form.add_error(
                    "token",
                    ngettext(
                        "Der er skrevet en forkert kode for lidt siden. Vent %(seconds)s sekund, og prøv igen.",
                        "Der er skrevet en forkert kode for lidt siden. Vent %(seconds)s sekunder, og prøv igen.",
                        wait,
                    )
                    % {"seconds": wait},
                )
            else:
                form.add_error("token", _("Koden passer ikke. Prøv igen med den kode, appen viser nu."))
    return render(request, "registration/two_factor_verify.html", {"form": form, "next": _next(request)})


def _qr_svg(url: str) -> str:
    image = qrcode.make(url, image_factory=qrcode.image.svg.SvgPathImage, box_size=10, border=2)
    svg: str = image.to_string(encoding="unicode")
    label = _("QR-kode til din app")
    return svg.replace("<svg ", f'<svg role="img" aria-label="{label}" class="qr-code" ', 1)


@login_required
def two_factor_enrol(request: HttpRequest) -> HttpResponse:
    """Enrol an app: a QR code and the secret in text, confirmed by a code from the app."""
    if twofactor.state(request) == "verify":  # enrolled but not yet verified: no replacing the app
        return redirect("two_factor_verify")
    user = actor(request)
    secret = request.session.get(SECRET_SESSION_KEY)
    if not secret:
        secret = request.session[SECRET_SESSION_KEY] = twofactor.new_secret()
    form = EnrolForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        done = form.call(
            twofactor.two_factor_enrol, actor=user, key_hex=secret, token=form.cleaned_data["token"]
        )
        if done is not None:
            device, codes = done
            otp_login(request, device)
            del request.session[SECRET_SESSION_KEY]
            request.session[CODES_SESSION_KEY] = codes
            messages.success(request, _("Totrinsbekræftelse er slået til."))
            return redirect(f"{reverse('two_factor_recovery_codes')}?{urlencode({'next': _next(request)})}")
    context = {
        "form": form,
        "qr_svg": mark_safe(_qr_svg(twofactor.config_url(user, secret))),  # made here, from qrcode's SVG
        "secret": twofactor.secret_text(secret),
        "required": twofactor.required(user),
        "enrolled": twofactor.enrolled(user),
        "next": _next(request),
    }
    return render(request, "registration/two_factor_enrol.html", context)


@login_required
def two_factor_recovery_codes(request: HttpRequest) -> HttpResponse:
    """The ten recovery codes, shown once, right after they were made."""
    codes = request.session.pop(CODES_SESSION_KEY, None)
    if not codes:
        return redirect("account_security")
    return render(
        request, "registration/two_factor_recovery_codes.html", {"codes": codes, "next": _next(request)}
    )


@login_required
def account_security(request: HttpRequest) -> HttpResponse:
    user = actor(request)
    context = {
        "enrolled": twofactor.enrolled(user),
        "required": twofactor.required(user),
        "relaxed": settings.KLYNGE_RELAX_TWO_FACTOR,
        "codes_left": twofactor.recovery_codes_left(user),
        "may_disable": twofactor.may_disable(user, user),
        "idle_minutes": settings.KLYNGE_SESSION_IDLE_MINUTES,
        "section": "security",
    }
    return render(request, "registration/account_security.html", context)


@login_required
@require_POST
def recovery_codes_renew(request: HttpRequest) -> HttpResponse:
    codes = twofactor.recovery_codes_renew(actor=actor(request))
    request.session[CODES_SESSION_KEY] = codes
    return redirect("two_factor_recovery_codes")


@login_required
@require_POST
def two_factor_disable(request: HttpRequest) -> HttpResponse:
    user = actor(request)
    twofactor.two_factor_disable(actor=user, user=user)
    messages.success(request, _("Totrinsbekræftelse er slået fra."))
    return redirect("account_security")


@login_required
def login_locks(request: HttpRequest) -> HttpResponse:
    """An administrator sees every locked username and address, and lifts a lock."""
    if not access.is_admin(request.user):
        raise PermissionDenied
    if request.method == "POST":
        kind, value = request.POST.get("kind", ""), request.POST.get("value", "")
        try:
            lockout.lock_lift(actor=actor(request), kind=kind, value=value)
        except ValidationError as exc:
            messages.error(request, " ".join(exc.messages))
        else:
            messages.success(request, _("Spærringen af %(value)s er ophævet.") % {"value": value})
        return redirect("login_locks")
    context: dict[str, Any] = {
        "locks": lockout.locks(),
        "failure_limit": settings.AXES_FAILURE_LIMIT,
        "section": "locks",
    }
    return render(request, "registration/login_locks.html", context)
