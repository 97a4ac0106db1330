"""Each member's postings as CSV: mirrored settlements, the executing party's whole expense, and a
finance officer sees only its own organisation's postings."""

from __future__ import annotations

import csv
from collections.abc import Callable
from decimal import Decimal
from typing import Any

from django.test import Client
from django.urls import reverse

from klynge.health.postings import postings_csv


def rows(text: str) -> list[list[str]]:
    return list(csv.reader(text.lstrip("\ufeff").splitlines(), delimiter=";"))[1:]


def amount(text: str) -> Decimal:
    return Decimal(text.replace(",", "."))


def test_the_guides_postings_mirror_and_each_member_nets_to_its_share(
    guide_initiative: Any, health_cluster: Any, members: dict[str, Any]
) -> None:
    found = rows(postings_csv(health_cluster, members.values()))
    by_member: dict[str, Decimal] = {}
    for row in found:
        by_member[row[2]] = by_member.get(row[2], Decimal(0)) + amount(row[6])
    assert by_member == {
        "101": Decimal("1000000.00"),
        "147": Decimal("1000000.00"),
        "1084": Decimal("1000000.00"),
    }
    payments = [r for r in found if r[5] in {"4.7", "4.8", "7.7", "7.8"}]
    assert sum(amount(r[6]) for r in payments) == 0
    assert ["4.0", "3000000,00"] in [[r[5], r[6]] for r in found if r[2] == "101"]


def test_a_finance_officer_downloads_only_its_own_organisations_postings(
    guide_initiative: Any, health_cluster: Any, finance: Callable[[str], Any], secretariat: Any
) -> None:
    client = Client()
    client.force_login(finance("147"))
    url = reverse("health_postings_csv", args=[health_cluster.pk])
    own = rows(client.get(url).content.decode("utf-8-sig"))
    assert own and {r[2] for r in own} == {"147"}
    assert client.get(url + "?medlem=101").status_code == 404
    outsider = Client()
    outsider.force_login(finance("851"))
    assert outsider.get(url).status_code == 404
    everyone = Client()
    everyone.force_login(secretariat)
    assert {r[2] for r in rows(everyone.get(url).content.decode("utf-8-sig"))} == {"101", "147", "1084"}
