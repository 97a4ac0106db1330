"""The recipient's page of notices (#13): every notice made for the user, newest first.

"New" in the header's link ("Beskeder (2 nye)") means made since the user last opened this page in
this browser: the page leaves the newest notice's id in a cookie, so the header counts with one query
and no extra table. A user on a new browser sees every notice as new once, until they open the page."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from klynge.notices.models import Notice
from klynge.web.views.common import actor

SEEN_COOKIE = "klynge_beskeder"
SEEN_DAYS = 400


def _seen(request: HttpRequest, user: Any) -> int:
    """The id of the newest notice ``user`` has seen on the page in this browser (0: none)."""
    owner, _sep, newest = request.COOKIES.get(SEEN_COOKIE, "").partition(":")
    return int(newest) if owner == str(user.pk) and newest.isdigit() else 0


def unread(request: HttpRequest, user: Any) -> int:
    """The user's notices made since they last opened the notices page (one query)."""
    return Notice.objects.filter(recipient=user, pk__gt=_seen(request, user)).count()


@login_required
def notice_list(request: HttpRequest) -> HttpResponse:
    user = actor(request)
    notices = list(Notice.objects.filter(recipient=user)[:200])
    response = render(request, "notices/notice_list.html", {"section": "notices", "notices": notices})
    newest = max((n.pk for n in notices), default=0)
    if newest > _seen(request, user):
        response.set_cookie(
            SEEN_COOKIE,
            f"{user.pk}:{newest}",
            max_age=SEEN_DAYS * 24 * 3600,
            httponly=True,
            samesite="Lax",
            secure=settings.SESSION_COOKIE_SECURE,
        )
    return response
