"""#11: an administrator creates a region on a page (form → region_create); nobody else sees the page."""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse

from klynge.audit.models import AuditEntry
from klynge.registry.models import Region


def test_an_administrator_creates_a_region_on_the_page(
    login: Callable[[Any], Client], admin_user: Any
) -> None:
    client = login(admin_user)
    page = client.get(reverse("region_create")).content.decode()
    assert 'name="code"' in page and 'name="name"' in page and 'name="valid_from"' in page
    assert re.search(r"<script(?![^>]*\bsrc=)", page) is None and " style=" not in page  # the CSP's rules
    assert 'href="/regioner/opret/"' in client.get(reverse("region_list")).content.decode()
    response = client.post(
        reverse("region_create"), {"code": "1086", "name": "Region Østdanmark", "valid_from": "2027-01-01"}
    )
    assert response.status_code == 302 and response["Location"] == reverse("region_list")
    region = Region.objects.get(code="1086")
    assert (region.name, str(region.valid_from)) == ("Region Østdanmark", "2027-01-01")
    assert AuditEntry.objects.filter(action="region.create", actor=admin_user, region=region).count() == 1
    listing = client.get(reverse("region_list")).content.decode()
    assert "Regionen Region Østdanmark (1086) er oprettet." in listing
    assert "fra 1. januar 2027" in listing


@pytest.mark.parametrize(
    ("data", "field", "message"),
    [
        (
            {"code": "1084", "name": "Region Østdanmark"},
            "code",
            "Regionskode: 1084 er allerede brugt af Region Hovedstaden; skriv en anden kode.",
        ),
        (
            {"code": "86", "name": "Region Østdanmark"},
            "code",
            "Regionskode: skriv regionens kode med 4 cifre, fx 1086.",
        ),
        ({"code": "1086", "name": ""}, "name", "Navn: skal udfyldes."),
        (
            {"code": "1086", "name": "Region Østdanmark", "valid_from": "2027-13-01"},
            "valid_from",
            "Gælder fra: skriv en gyldig dato, fx 01.06.2019.",
        ),
        (
            {"code": "1086", "name": "Region Østdanmark", "valid_from": "1999-12-31"},
            "valid_from",
            "Gælder fra: datoen skal ligge mellem 1. januar 2000",
        ),
    ],
)
def test_the_page_shows_the_services_and_the_forms_errors_on_their_fields(
    login: Callable[[Any], Client], admin_user: Any, data: dict[str, str], field: str, message: str
) -> None:
    response = login(admin_user).post(reverse("region_create"), data)
    assert response.status_code == 200
    form = response.context["form"]
    assert any(error.startswith(message) for error in form.errors[field])
    assert message in response.content.decode()
    assert Region.objects.count() == 5


@pytest.mark.parametrize("role", ["region_officer", "region_approver", "ssu_reader"])
def test_the_page_is_for_administrators_only(
    login: Callable[[Any], Client], make_user: Any, region: Any, role: str
) -> None:
    client = login(make_user(role, region=region))
    assert client.get(reverse("region_create")).status_code == 403
    response = client.post(reverse("region_create"), {"code": "1086", "name": "Region Østdanmark"})
    assert response.status_code == 403
    assert not Region.objects.filter(code="1086").exists()
