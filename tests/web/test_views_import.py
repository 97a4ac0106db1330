"""The import page: a dry run shows the changes and stores nothing; a bad file lists every problem."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client

from klynge.registry.models import GpCluster, Membership

EXAMPLE = Path(__file__).resolve().parents[1] / "fixtures" / "examples" / "gp-cluster-basic.json"


def upload(client: Client, data: bytes, dry_run: bool) -> Any:
    form = {"file": SimpleUploadedFile("scenario.json", data, content_type="application/json")}
    if dry_run:
        form["dry_run"] = "on"
    return client.post("/import/", form)


def test_a_dry_run_shows_what_would_change_and_stores_nothing(client: Client, officer: Any) -> None:
    client.force_login(officer)
    response = upload(client, EXAMPLE.read_bytes(), dry_run=True)
    text = response.content.decode()
    assert response.status_code == 200 and "Prøvekørsel" in text and "Klynge Nord" in text
    assert not GpCluster.objects.filter(external_id="K1").exists()


def test_an_import_stores_the_file(client: Client, officer: Any) -> None:
    client.force_login(officer)
    response = upload(client, EXAMPLE.read_bytes(), dry_run=False)
    assert "Importeret" in response.content.decode()
    assert GpCluster.objects.filter(external_id__in=["K1", "K2"]).count() == 2
    assert Membership.objects.count() == 5


def test_a_rejected_file_lists_each_problem_with_its_place_and_stores_nothing(
    client: Client, officer: Any
) -> None:
    doc = json.loads(EXAMPLE.read_text(encoding="utf-8"))
    doc["clusters"][0]["cvr"] = "29403474"
    doc["memberships"][1]["left"] = "2018-09-01"
    client.force_login(officer)
    text = upload(client, json.dumps(doc).encode(), dry_run=False).content.decode()
    assert "Filen er afvist" in text
    assert "clusters[0].cvr" in text and "memberships[1].left" in text
    assert not GpCluster.objects.exists()


def test_a_file_that_is_not_json_is_refused(client: Client, officer: Any) -> None:
    client.force_login(officer)
    text = upload(client, b"\x00\xff garbage", dry_run=True).content.decode()
    assert "Filen er afvist" in text


def test_a_coordinator_cannot_open_the_import_page(client: Client, coordinator: Any) -> None:
    client.force_login(coordinator)
    assert client.get("/import/").status_code == 403
