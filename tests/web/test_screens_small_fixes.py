"""#13, small fixes on the pages: a field that cannot change is shown as read-only text with the reason
(and a change sent anyway is still refused); a region officer is told that approval needs the approver
role; the header links the notices with the number of new ones."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any

from django.test import Client
from django.urls import reverse

from klynge.notices.models import Notice
from klynge.payouts import runs
from klynge.payouts.models import PayoutRun

D = dt.date
LOCKED = "Klyngen er færdigmeldt; kontakt regionen for at rette det."


def _complete(cluster: Any) -> None:
    type(cluster).objects.filter(pk=cluster.pk).update(status="completed", completed_on=D(2019, 1, 1))


def test_a_completed_clusters_cvr_and_founding_date_are_read_only_for_its_coordinator(
    login: Callable[[Any], Client], cluster: Any, coordinator: Any
) -> None:
    url = reverse("cluster_edit", args=[cluster.pk])
    client = login(coordinator)
    editable = client.get(url).content.decode()
    assert 'name="cvr"' in editable and 'name="founded_on"' in editable and LOCKED not in editable
    _complete(cluster)
    page = client.get(url).content.decode()
    assert 'name="cvr"' not in page and 'name="founded_on"' not in page  # no input to be refused
    assert 'name="name"' in page  # the name can still change
    assert page.count(LOCKED) == 2 and "29403473" in page and "1. oktober 2018" in page
    # The form as the page sends it (no CVR, no date): the name changes, nothing else.
    response = client.post(url, {"name": "Klynge Nord-Vest"}, follow=True)
    assert "Stamdata er gemt." in response.content.decode()
    cluster.refresh_from_db()
    assert (cluster.name, cluster.cvr, cluster.founded_on) == ("Klynge Nord-Vest", "29403473", D(2018, 10, 1))
    # A change sent anyway is refused by the service with its message; nothing changes.
    refused = client.post(url, {"name": "Klynge Nord", "cvr": "12345674", "founded_on": "2018-09-01"})
    html = refused.content.decode()
    assert refused.status_code == 200
    assert "Klyngen er færdigmeldt; kontakt regionen for at rette CVR, NemKonto eller stiftelsesdato." in html
    cluster.refresh_from_db()
    assert (cluster.name, cluster.cvr, cluster.founded_on) == ("Klynge Nord-Vest", "29403473", D(2018, 10, 1))


def test_the_region_still_edits_a_completed_clusters_cvr(
    login: Callable[[Any], Client], cluster: Any, officer: Any
) -> None:
    _complete(cluster)
    url = reverse("cluster_edit", args=[cluster.pk])
    page = login(officer).get(url).content.decode()
    assert 'name="cvr"' in page and LOCKED not in page
    login(officer).post(url, {"name": "Klynge Nord", "cvr": "12345674", "founded_on": "2018-10-01"})
    cluster.refresh_from_db()
    assert cluster.cvr == "12345674"


NEEDS_APPROVER = (
    "Godkendelse kræver rollen regional godkender i Region Nordjylland. Bed en godkender i regionen om at "
    "godkende kørslen."
)


def test_a_region_officer_is_told_that_approval_needs_the_approver_role(
    login: Callable[[Any], Client],
    example: Any,
    region: Any,
    officer: Any,
    make_user: Callable[..., Any],
    other_region: Any,
) -> None:
    run = runs.run_prepare(actor=officer, region=region, run_date=D(2018, 12, 10))
    colleague = make_user("region_officer", username="kollega", region=region)
    client = login(colleague)
    page = client.get(reverse("run_detail", args=[run.pk])).content.decode()
    assert NEEDS_APPROVER in page and "Godkend kørslen" not in page
    response = client.post(reverse("run_approve", args=[run.pk]), follow=True)
    assert response.status_code == 200 and NEEDS_APPROVER in response.content.decode()
    run.refresh_from_db()
    assert run.status == PayoutRun.Status.DRAFT and run.approved_by is None
    # Someone outside the region still gets nothing (not even that the run exists).
    stranger = make_user("region_officer", username="fremmed", region=other_region)
    assert login(stranger).post(reverse("run_approve", args=[run.pk])).status_code == 404


def test_the_approver_sees_no_such_text(
    login: Callable[[Any], Client], example: Any, region: Any, officer: Any, approver: Any
) -> None:
    run = runs.run_prepare(actor=officer, region=region, run_date=D(2018, 12, 10))
    page = login(approver).get(reverse("run_detail", args=[run.pk])).content.decode()
    assert "Godkend kørslen" in page and NEEDS_APPROVER not in page


def _notice(user: Any, key: str) -> Notice:
    return Notice.objects.create(
        recipient=user, kind=Notice.Kind.RUN_AWAITING, object_key=key, subject=key, body="b", link="/"
    )


def test_the_header_links_the_notices_with_the_number_of_new_ones(
    login: Callable[[Any], Client], approver: Any, officer: Any, django_assert_max_num_queries: Any
) -> None:
    client = login(approver)
    home = client.get(reverse("home")).content.decode()
    assert f'href="{reverse("notice_list")}"' in home and "Beskeder (" not in home
    _notice(approver, "run:1")
    _notice(approver, "run:2")
    _notice(officer, "run:3")  # someone else's
    assert "Beskeder (2 nye)" in client.get(reverse("home")).content.decode()
    client.get(reverse("notice_list"))  # seen
    assert "Beskeder (" not in client.get(reverse("home")).content.decode()
    _notice(approver, "run:4")
    assert "Beskeder (1 ny)" in client.get(reverse("home")).content.decode()
    # Counting them is one query.
    from klynge.notices.views import unread

    request = client.get(reverse("home")).wsgi_request
    with django_assert_max_num_queries(1):
        assert unread(request, approver) == 1
    # In English.
    client.post(reverse("set_language"), {"language": "en", "next": "/"})
    assert "Notices (1 new)" in client.get(reverse("home")).content.decode()


def test_another_users_cookie_counts_nothing_as_seen(
    login: Callable[[Any], Client], approver: Any, officer: Any
) -> None:
    _notice(approver, "run:1")
    client = login(approver)
    client.get(reverse("notice_list"))
    client.force_login(officer)  # same browser, another user: the approver's mark is not theirs
    _notice(officer, "run:2")
    assert "Beskeder (1 ny)" in client.get(reverse("home")).content.decode()
