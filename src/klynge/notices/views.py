"""The recipient's page of notices (#13): every notice made for the user, newest first."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from klynge.notices.models import Notice
from klynge.web.views.common import actor


@login_required
def notice_list(request: HttpRequest) -> HttpResponse:
    notices = Notice.objects.filter(recipient=actor(request))[:200]
    return render(request, "notices/notice_list.html", {"section": "notices", "notices": notices})
