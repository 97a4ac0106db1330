"""#13: the header names a finance officer's organisation, not its code; a secretariat its health
cluster."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.test import Client
from django.urls import reverse

from klynge.health.models import Municipality


def test_the_header_names_the_finance_officers_organisation(
    login: Callable[[Any], Client], make_user: Callable[..., Any]
) -> None:
    aalborg = Municipality.objects.get(code="851")
    officer = make_user("finance_officer", username="okonomi", organisation_code="851")
    page = login(officer).get(reverse("home"), follow=True).content.decode()
    assert f"Økonomimedarbejder, {aalborg.name}" in page
    assert "Økonomimedarbejder, 851" not in page
    region_officer = make_user("finance_officer", username="okonomi-region", organisation_code="1081")
    page = login(region_officer).get(reverse("home"), follow=True).content.decode()
    assert "Økonomimedarbejder, Region Nordjylland" in page
