"""Logging in and out, where each role lands, language, and the error pages."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.contrib.auth.tokens import default_token_generator
from django.test import Client
from django.urls import reverse
from django.utils.encoding import force_bytes
from django.utils.http import urlsafe_base64_encode


def test_the_login_page_is_a_danish_dkfds_page_with_labelled_fields(client: Client) -> None:
    response = client.get(reverse("login"))
    html = response.content.decode()
    assert response.status_code == 200
    assert '<html lang="da">' in html
    assert 'class="skipnav"' in html and 'id="main-content"' in html
    assert (
        "dkfds/css/dkfds.min.css" in html and "dkfds/js/dkfds.min.js" in html and "htmx/htmx.min.js" in html
    )
    assert '<label class="form-label" for="id_username">' in html
    assert '<label class="form-label" for="id_password">' in html
    assert "Log ind" in html


def test_an_anonymous_visitor_is_sent_to_the_login_page(client: Client, cluster: Any) -> None:
    for url in (reverse("home"), reverse("cluster_detail", args=[cluster.pk]), reverse("cluster_list")):
        response = client.get(url)
        assert response.status_code == 302
        assert response["Location"].startswith(reverse("login"))


def test_a_coordinator_logging_in_lands_on_their_inbox_for_their_cluster(
    client: Client, cluster: Any, coordinator: Any
) -> None:
    """#13: the first page after login says what is waiting, per role (the cluster is in the menu)."""
    response = client.post(
        reverse("login"), {"username": coordinator.username, "password": "demo-pass-123"}, follow=True
    )
    assert response.redirect_chain[-1][0] == reverse("home")
    html = response.content.decode()
    assert f"Klyngekoordinator, {cluster.name}" in html
    assert reverse("cluster_detail", args=[cluster.pk]) in html


def test_a_region_officer_logging_in_lands_on_their_inbox(client: Client, officer: Any, cluster: Any) -> None:
    response = client.post(
        reverse("login"), {"username": "officer", "password": "demo-pass-123"}, follow=True
    )
    assert response.redirect_chain[-1][0] == reverse("home")
    html = response.content.decode()
    assert "Regional sagsbehandler, Region Nordjylland" in html
    assert reverse("cluster_list") in html  # the menu


def test_an_administrator_logging_in_lands_on_the_region_list(client: Client, admin_user: Any) -> None:
    response = client.post(reverse("login"), {"username": "admin", "password": "demo-pass-123"}, follow=True)
    assert response.redirect_chain[-1][0] == reverse("region_list")
    assert "Region Nordjylland" in response.content.decode()


def test_a_user_without_a_role_sees_a_page_saying_so(login: Callable[[Any], Client], make_user: Any) -> None:
    response = login(make_user()).get(reverse("home"))
    assert response.status_code == 200
    assert "ingen sider til din rolle" in response.content.decode()


def test_a_wrong_password_is_refused_with_a_summary_at_the_top(client: Client, coordinator: Any) -> None:
    response = client.post(reverse("login"), {"username": coordinator.username, "password": "forkert"})
    html = response.content.decode()
    assert response.status_code == 200
    assert 'data-module="error-summary"' in html
    assert "Der er problemer" in html
    assert "_auth_user_id" not in client.session


def test_logging_out_is_a_post_and_ends_the_session(login: Callable[[Any], Client], coordinator: Any) -> None:
    client = login(coordinator)
    response = client.post(reverse("logout"))
    assert response.status_code == 302
    assert "_auth_user_id" not in client.session


def test_the_language_switch_makes_the_pages_english(
    login: Callable[[Any], Client], cluster: Any, coordinator: Any
) -> None:
    client = login(coordinator)
    url = reverse("cluster_detail", args=[cluster.pk])
    assert "Tilføj praksis" in client.get(url).content.decode()
    response = client.post(reverse("set_language"), {"language": "en", "next": url}, follow=True)
    html = response.content.decode()
    assert '<html lang="en">' in html
    assert "Add practice" in html and "Master data" in html and "Change log" in html
    assert "Tilføj praksis" not in html


def test_english_comes_from_the_browser_language_too(client: Client, cluster: Any, coordinator: Any) -> None:
    client.force_login(coordinator)
    html = client.get(
        reverse("completion", args=[cluster.pk]), headers={"accept-language": "en"}
    ).content.decode()
    assert "Complete the cluster" in html and "Checklist" in html


def test_another_coordinators_cluster_answers_the_styled_404_page(
    login: Callable[[Any], Client], other_cluster: Any, coordinator: Any
) -> None:
    response = login(coordinator).get(reverse("cluster_detail", args=[other_cluster.pk]))
    assert response.status_code == 404
    html = response.content.decode()
    assert "Siden findes ikke" in html and 'class="header"' in html


def test_a_region_approver_may_look_but_gets_the_styled_403_page_when_changing(
    login: Callable[[Any], Client], cluster: Any, approver: Any
) -> None:
    client = login(approver)
    assert client.get(reverse("cluster_detail", args=[cluster.pk])).status_code == 200
    response = client.get(reverse("practice_add", args=[cluster.pk]))
    assert response.status_code == 403
    assert "Du har ikke adgang til siden" in response.content.decode()


def test_the_welcome_mails_set_password_link_shows_the_password_form(client: Client, cluster: Any) -> None:
    user = cluster.role_assignments.get(role="coordinator").user
    uid = urlsafe_base64_encode(force_bytes(user.pk))
    token = default_token_generator.make_token(user)
    response = client.get(reverse("password_reset_confirm", args=[uid, token]), follow=True)
    html = response.content.decode()
    assert response.status_code == 200
    assert 'name="new_password1"' in html and 'name="new_password2"' in html
    response = client.post(
        response.redirect_chain[-1][0],
        {"new_password1": "Klynge-nord-2019!", "new_password2": "Klynge-nord-2019!"},
        follow=True,
    )
    assert response.status_code == 200
    user.refresh_from_db()
    assert user.check_password("Klynge-nord-2019!")


def test_the_password_pages_use_the_service_layout(client: Client, cluster: Any) -> None:
    user = cluster.role_assignments.get(role="coordinator").user
    uid = urlsafe_base64_encode(force_bytes(user.pk))
    token = default_token_generator.make_token(user)
    html = client.get(reverse("password_reset_confirm", args=[uid, token]), follow=True).content.decode()
    assert 'class="header"' in html and 'for="id_new_password1"' in html


def test_a_coordinator_asks_for_a_new_password_by_email(client: Client, coordinator: Any) -> None:
    from django.core import mail

    page = client.get(reverse("password_reset")).content.decode()
    assert 'class="header"' in page and 'for="id_email"' in page
    response = client.post(reverse("password_reset"), {"email": coordinator.email}, follow=True)
    assert "Tjek din e-mail" in response.content.decode()
    assert mail.outbox[0].to == [coordinator.email]
