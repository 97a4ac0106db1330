"""Login and sessions (#10): lock-out after repeated failures, two-factor login per role, recovery
codes, idle expiry and logging out everywhere."""

from __future__ import annotations

import binascii
import datetime as dt
import re
import time
from collections.abc import Callable
from typing import Any

import pytest
from axes.models import AccessAttempt
from django.conf import settings as django_settings
from django.contrib.sessions.models import Session
from django.test import Client
from django.urls import reverse
from django.utils import timezone
from django_otp.oath import totp
from django_otp.plugins.otp_static.models import StaticDevice

from klynge.accounts import lockout, sessions, twofactor
from klynge.audit.models import AuditEntry

PASSWORD = "demo-pass-123"
LOGIN = "/konto/login/"


def post_login(client: Client, username: str, password: str, *, address: str = "127.0.0.1") -> Any:
    return client.post(reverse("login"), {"username": username, "password": password}, REMOTE_ADDR=address)


@pytest.fixture
def strict(settings: Any) -> Any:
    """Production's rule: the required roles must use two-factor login."""
    settings.KLYNGE_RELAX_TWO_FACTOR = False
    return settings


def enrol(client: Client, next_url: str = "") -> list[str]:
    """Enrol the logged-in user's app through the page; returns the recovery codes shown."""
    page = client.get(reverse("two_factor_enrol"))
    assert page.status_code == 200
    secret = client.session["klynge_totp_secret"]
    code = f"{totp(binascii.unhexlify(secret)):06d}"
    response = client.post(reverse("two_factor_enrol"), {"token": code, "next": next_url}, follow=True)
    assert response.redirect_chain[0][0].startswith(reverse("two_factor_recovery_codes"))
    return re.findall(r"<li><code>([a-z2-7]{8})</code></li>", response.content.decode())


def next_code(user: Any) -> str:
    """The app's code of the next time step (within the tolerance, and never used before)."""
    device = user.totpdevice_set.get(confirmed=True)
    return f"{totp(device.bin_key, drift=1):06d}"


# --- Lock-out ---------------------------------------------------------------------------------------


def test_five_wrong_passwords_lock_the_username_from_any_address_with_a_danish_message_and_an_audit_entry(
    client: Client, coordinator: Any
) -> None:
    for attempt in range(4):
        response = post_login(client, coordinator.username, "forkert", address=f"10.0.0.{attempt + 1}")
        assert response.status_code == 200 and "Der er problemer" in response.content.decode()
    response = post_login(client, coordinator.username, "forkert", address="10.0.0.5")
    html = response.content.decode()
    assert response.status_code == 429
    assert "Log-in er spærret" in html and "ophæves af sig selv kl." in html
    assert "En administrator kan ophæve spærringen" in html
    # The right password from a fresh address is refused too, and answered the same way.
    response = post_login(Client(), coordinator.username, PASSWORD, address="10.9.9.9")
    assert response.status_code == 429 and "_auth_user_id" not in client.session
    entries = AuditEntry.objects.filter(action="login.locked_out", object_id=str(coordinator.pk))
    assert entries.count() == 2 and entries.first().actor is None  # type: ignore[union-attr]
    assert coordinator.username in entries.first().summary  # type: ignore[union-attr]
    # Another user is not affected.
    assert post_login(Client(), "officer", PASSWORD, address="10.9.9.8").status_code == 302


def test_five_failures_from_one_address_lock_the_address_for_every_username(
    client: Client, officer: Any, coordinator: Any
) -> None:
    for number in range(5):
        post_login(client, f"gaet{number}", "forkert", address="192.0.2.7")
    assert post_login(Client(), "officer", PASSWORD, address="192.0.2.7").status_code == 429
    assert post_login(Client(), "officer", PASSWORD, address="192.0.2.8").status_code == 302
    assert [lock.value for lock in lockout.locks()] == ["192.0.2.7"]


def test_the_lock_lifts_by_itself_after_the_cool_off(client: Client, coordinator: Any) -> None:
    for _number in range(5):
        post_login(client, coordinator.username, "forkert")
    assert post_login(Client(), coordinator.username, PASSWORD).status_code == 429
    AccessAttempt.objects.update(attempt_time=timezone.now() - django_settings.AXES_COOLOFF_TIME)
    assert post_login(Client(), coordinator.username, PASSWORD).status_code == 302


def test_an_administrator_lifts_a_lock_on_the_locks_page_and_it_is_audited(
    client: Client, coordinator: Any, admin_user: Any, login: Callable[[Any], Client]
) -> None:
    for _number in range(5):
        post_login(client, coordinator.username, "forkert", address="198.51.100.1")
    admin = login(admin_user)
    html = admin.get(reverse("login_locks")).content.decode()
    assert f"Brugernavn: {coordinator.username}" in html and "Adresse: 198.51.100.1" in html
    response = admin.post(
        reverse("login_locks"), {"kind": "username", "value": coordinator.username}, follow=True
    )
    assert "Spærringen af" in response.content.decode()
    entry = AuditEntry.objects.get(action="login.lock_lift")
    assert entry.actor == admin_user and entry.object_id == str(coordinator.pk)
    assert post_login(Client(), coordinator.username, PASSWORD, address="203.0.113.1").status_code == 302
    assert lockout.locks() == []  # the address's failures were all for that username
    # An address locked by guesses at many usernames is lifted on its own.
    for number in range(5):
        post_login(Client(), f"gaet{number}", "forkert", address="198.51.100.2")
    assert post_login(Client(), coordinator.username, PASSWORD, address="198.51.100.2").status_code == 429
    admin.post(reverse("login_locks"), {"kind": "ip_address", "value": "198.51.100.2"})
    assert post_login(Client(), coordinator.username, PASSWORD, address="198.51.100.2").status_code == 302
    lifted = AuditEntry.objects.filter(action="login.lock_lift").order_by("id").last()
    assert lifted is not None and "198.51.100.2" in lifted.summary
    assert lockout.locks() == []


def test_only_an_administrator_sees_the_locks_page(login: Callable[[Any], Client], officer: Any) -> None:
    client = login(officer)
    assert client.get(reverse("login_locks")).status_code == 403
    assert client.post(reverse("login_locks"), {"kind": "username", "value": "x"}).status_code == 403


def test_the_address_behind_trusted_proxies_is_the_forwarded_one(rf: Any, settings: Any) -> None:
    request = rf.get("/", REMOTE_ADDR="10.0.0.1", HTTP_X_FORWARDED_FOR="203.0.113.9, 10.0.0.2")
    assert lockout.client_ip(request) == "10.0.0.1"
    settings.KLYNGE_TRUSTED_PROXY_COUNT = 1
    assert lockout.client_ip(request) == "10.0.0.2"
    settings.KLYNGE_TRUSTED_PROXY_COUNT = 2
    assert lockout.client_ip(request) == "203.0.113.9"


# --- Two-factor login -------------------------------------------------------------------------------


@pytest.mark.parametrize("role", ["region_officer", "region_approver", "admin"])
def test_the_required_roles_must_enrol_before_any_other_page(
    strict: Any, make_user: Callable[..., Any], region: Any, role: str
) -> None:
    user = make_user(role, **({} if role == "admin" else {"region": region}))
    client = Client()
    response = post_login(client, user.username, PASSWORD)
    assert response.status_code == 302
    landing = client.get(response["Location"])
    assert landing.status_code == 302 and landing["Location"].startswith(reverse("two_factor_enrol"))
    for url in (reverse("region_list"), reverse("cluster_list"), reverse("account_security"), "/admin/"):
        answer = client.get(url)
        assert answer.status_code == 302 and answer["Location"].startswith(reverse("two_factor_enrol")), url
    api = client.get("/api/auth/me")
    assert api.status_code == 401 and "totrinsbekræftelse" in api.json()["detail"]
    page = client.get(reverse("two_factor_enrol"))
    html = page.content.decode()
    assert page.status_code == 200 and "Din rolle kræver totrinsbekræftelse" in html
    assert '<svg role="img" aria-label="QR-kode til din app"' in html and 'id="totp-secret"' in html
    codes = enrol(client)
    assert len(codes) == 10 and len(set(codes)) == 10
    assert client.get(reverse("cluster_list")).status_code == 200
    assert client.get("/api/auth/me").status_code == 200
    assert AuditEntry.objects.filter(action="two_factor.enrol", actor=user).count() == 1


@pytest.mark.parametrize("role", ["coordinator", "health_secretariat", "finance_officer", "ssu_reader"])
def test_the_other_roles_may_log_in_without_two_factor(
    strict: Any, make_user: Callable[..., Any], region: Any, cluster: Any, role: str
) -> None:
    from klynge.health.models import HealthCluster

    scope: dict[str, Any] = {
        "coordinator": {"gp_cluster": cluster},
        "health_secretariat": {"health_cluster": HealthCluster.objects.create(name="HK", region=region)},
        "finance_officer": {"organisation_code": "851"},
        "ssu_reader": {"region": region},
    }[role]
    user = make_user(role, **scope)
    client = Client()
    response = post_login(client, user.username, PASSWORD)
    landing = client.get(response["Location"])
    assert landing.status_code in (200, 302)
    assert not landing.get("Location", "").startswith("/konto/totrin/")
    assert client.get(reverse("account_security")).status_code == 200


def test_relaxed_the_required_roles_log_in_without_two_factor(officer: Any, cluster: Any) -> None:
    client = Client()
    response = post_login(client, "officer", PASSWORD)
    landing = client.get(response["Location"])  # the inbox (#13), not the two-factor step
    assert response["Location"] == reverse("home") and landing.status_code == 200
    assert "Kravet er slået fra" in client.get(reverse("account_security")).content.decode()


def test_an_enrolled_user_gives_a_code_or_a_recovery_code_after_the_password(
    strict: Any, coordinator: Any, cluster: Any
) -> None:
    client = Client()
    post_login(client, coordinator.username, PASSWORD)
    codes = enrol(client)  # voluntarily: a coordinator need not
    client.post(reverse("logout"))

    post_login(client, coordinator.username, PASSWORD)
    target = reverse("cluster_detail", args=[cluster.pk])
    answer = client.get(target)
    assert answer.status_code == 302 and answer["Location"].startswith(reverse("two_factor_verify"))
    # Half logged in: no re-enrolling to get round the code, no API.
    assert client.get(reverse("two_factor_enrol"))["Location"].startswith(reverse("two_factor_verify"))
    assert client.get("/api/auth/me").status_code == 401
    wrong = client.post(reverse("two_factor_verify"), {"token": "000000", "next": target})
    assert wrong.status_code == 200 and "Koden passer ikke" in wrong.content.decode()
    # django-otp's throttling: right after a wrong code, even the right one must wait a second.
    hurried = client.post(reverse("two_factor_verify"), {"token": next_code(coordinator), "next": target})
    assert hurried.status_code == 200 and "Vent 1 sekund," in hurried.content.decode()
    coordinator.totpdevice_set.update(throttling_failure_timestamp=timezone.now() - dt.timedelta(seconds=5))
    right = client.post(reverse("two_factor_verify"), {"token": next_code(coordinator), "next": target})
    assert right.status_code == 302 and right["Location"] == target
    assert client.get(target).status_code == 200

    client.post(reverse("logout"))
    post_login(client, coordinator.username, PASSWORD)
    used = client.post(reverse("two_factor_verify"), {"token": codes[0].upper()}, follow=True)
    assert "Du har brugt en reservekode. Du har 9 tilbage" in used.content.decode()
    client.post(reverse("logout"))
    post_login(client, coordinator.username, PASSWORD)
    StaticDevice.objects.update(throttling_failure_timestamp=None, throttling_failure_count=0)
    again = client.post(reverse("two_factor_verify"), {"token": codes[0]})
    assert again.status_code == 200 and "Koden passer ikke" in again.content.decode()


def test_wrong_codes_count_as_failed_logins_and_lock_out(strict: Any, coordinator: Any) -> None:
    client = Client()
    post_login(client, coordinator.username, PASSWORD)
    enrol(client)
    client.post(reverse("logout"))
    post_login(client, coordinator.username, PASSWORD)
    for _number in range(4):
        assert client.post(reverse("two_factor_verify"), {"token": "abcdefgh"}).status_code == 200
    locked = client.post(reverse("two_factor_verify"), {"token": "abcdefgh"})
    assert locked.status_code == 429 and "Log-in er spærret" in locked.content.decode()
    assert "_auth_user_id" not in client.session
    assert post_login(Client(), coordinator.username, PASSWORD, address="10.1.1.1").status_code == 429


def test_recovery_codes_are_renewed_and_two_factor_switched_off_on_the_security_page(
    coordinator: Any, login: Callable[[Any], Client]
) -> None:
    client = login(coordinator)
    old = enrol(client)
    html = client.get(reverse("account_security")).content.decode()
    assert "Du har 10 reservekoder tilbage" in html
    renewed = client.post(reverse("recovery_codes_renew"), follow=True)
    new = re.findall(r"<li><code>([a-z2-7]{8})</code></li>", renewed.content.decode())
    assert len(new) == 10 and not set(new) & set(old)
    assert client.get(reverse("two_factor_recovery_codes"))["Location"] == reverse("account_security")
    client.post(reverse("two_factor_disable"))
    assert not twofactor.enrolled(coordinator)
    actions = list(AuditEntry.objects.filter(actor=coordinator).values_list("action", flat=True))
    assert {"two_factor.enrol", "two_factor.recovery_codes", "two_factor.disable"} <= set(actions)


def test_a_required_role_may_not_switch_two_factor_off(strict: Any, officer: Any) -> None:
    client = Client()
    post_login(client, "officer", PASSWORD)
    enrol(client)
    assert "Slå totrinsbekræftelse fra" not in client.get(reverse("account_security")).content.decode()
    assert client.post(reverse("two_factor_disable")).status_code == 403
    assert twofactor.enrolled(officer)


def test_a_required_roles_api_token_works_without_a_code(strict: Any, officer: Any) -> None:
    from klynge.api.services import token_create

    _token, plaintext = token_create(actor=officer, name="script")
    response = Client().get("/api/auth/me", headers={"authorization": f"Bearer {plaintext}"})
    assert response.status_code == 200 and response.json()["authenticated_by"] == "token"
    # A half-logged-in session sending a token counts for nothing; the token decides.
    client = Client()
    post_login(client, "officer", PASSWORD)
    assert client.get("/api/auth/me", headers={"authorization": "Bearer klynge_wrong"}).status_code == 401
    assert client.get("/api/auth/me", headers={"authorization": f"Bearer {plaintext}"}).status_code == 200


def test_the_relaxing_setting_is_a_warning_in_production(settings: Any) -> None:
    from klynge.accounts.apps import relaxed_two_factor_in_production

    settings.DEBUG = False
    assert [m.id for m in relaxed_two_factor_in_production()] == ["klynge.W001"]
    settings.KLYNGE_RELAX_TWO_FACTOR = False
    assert relaxed_two_factor_in_production() == []


# --- Sessions ---------------------------------------------------------------------------------------


def test_a_session_expires_after_the_idle_minutes_and_each_request_moves_the_expiry_on(
    client: Client, coordinator: Any, cluster: Any
) -> None:
    assert django_settings.SESSION_COOKIE_AGE == django_settings.KLYNGE_SESSION_IDLE_MINUTES * 60 == 30 * 60
    assert django_settings.SESSION_EXPIRE_AT_BROWSER_CLOSE
    post_login(client, coordinator.username, PASSWORD)
    url = reverse("cluster_detail", args=[cluster.pk])
    key = client.session.session_key

    def expires_in(minutes: int, touched_seconds_ago: int) -> None:
        """The session as if its expiry last moved on ``touched_seconds_ago``, ending in ``minutes``."""
        session = client.session
        session[sessions.TOUCHED] = int(time.time()) - touched_seconds_ago
        session.save()
        Session.objects.filter(session_key=key).update(
            expire_date=timezone.now() + dt.timedelta(minutes=minutes)
        )

    # Within the minute the request does not write the session (#12: no database write per page) ...
    expires_in(29, touched_seconds_ago=5)
    before = Session.objects.get(session_key=key).expire_date
    assert client.get(url).status_code == 200
    assert Session.objects.get(session_key=key).expire_date == before
    # ... after it, the request moves the expiry on: sliding.
    expires_in(1, touched_seconds_ago=61)
    assert client.get(url).status_code == 200
    expiry = Session.objects.get(session_key=key).expire_date
    assert expiry > timezone.now() + dt.timedelta(minutes=29)  # moved on by the request: sliding
    Session.objects.filter(session_key=key).update(expire_date=timezone.now() - dt.timedelta(seconds=1))
    response = client.get(url)
    assert response.status_code == 302 and response["Location"].startswith(reverse("login"))


def test_logging_out_ends_the_users_sessions_everywhere(coordinator: Any, cluster: Any, officer: Any) -> None:
    url = reverse("cluster_detail", args=[cluster.pk])
    laptop, phone, colleague = Client(), Client(), Client()
    for client, name in (
        (laptop, coordinator.username),
        (phone, coordinator.username),
        (colleague, "officer"),
    ):
        post_login(client, name, PASSWORD)
        assert client.get(url).status_code == 200
    laptop.post(reverse("logout"))
    response = phone.get(url)
    assert response.status_code == 302 and response["Location"].startswith(reverse("login"))
    assert colleague.get(url).status_code == 200  # another user's session goes on
    entry = AuditEntry.objects.get(action="sessions.end_all")
    assert entry.actor == coordinator
    # Logging in again works.
    post_login(phone, coordinator.username, PASSWORD)
    assert phone.get(url).status_code == 200
