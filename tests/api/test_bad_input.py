"""Brief §6 over the API: every bad input answers 422 naming the field and the fix, and changes nothing."""

from __future__ import annotations

import datetime as dt
import io
import zipfile
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client, override_settings
from django.utils import translation
from django.utils.translation import gettext

from klynge.registry import services
from klynge.registry.models import GpCluster

D = dt.date
Errors = Callable[[Any], dict[str | None, str]]
State = Callable[[], dict[str, Any]]


@pytest.fixture
def coordinator_client(client_for: Callable[..., Client], coordinator: Any) -> Client:
    return client_for(coordinator)


@pytest.fixture
def officer_client(client_for: Callable[..., Client], officer: Any) -> Client:
    return client_for(officer)


def add_practice(cluster: Any, actor: Any, number: str = "100001", joined: dt.date = D(2019, 1, 1)) -> Any:
    return services.practice_add(
        actor=actor,
        cluster=cluster,
        provider_number=number,
        joined=joined,
        name=f"Praksis {number}",
        capacities=2,
    )


NEW_CLUSTER = {
    "region": "1081",
    "name": "Klynge Syd",
    "founded_on": "2020-01-01",
    "coordinator_email": "s@example.dk",
}


def test_a_cvr_failing_modulus_11_is_refused_on_create_and_nothing_is_stored(
    officer_client: Client, post_json: Callable[..., Any], field_errors: Errors, registry_state: State
) -> None:
    before = registry_state()
    errors = field_errors(post_json(officer_client, "/api/clusters", {**NEW_CLUSTER, "cvr": "29403474"}))
    assert list(errors) == ["cvr"]
    assert "modulus 11" in errors["cvr"] and "29403474" in errors["cvr"]
    assert registry_state() == before


def test_a_cvr_failing_modulus_11_is_refused_on_change_and_the_old_cvr_stays(
    coordinator_client: Client,
    cluster: Any,
    post_json: Callable[..., Any],
    field_errors: Errors,
    registry_state: State,
) -> None:
    before = registry_state()
    response = post_json(
        coordinator_client,
        f"/api/clusters/{cluster.pk}",
        {"cvr": "12345678", "name": "Nyt navn"},
        method="patch",
    )
    assert "modulus 11" in field_errors(response)["cvr"]
    assert registry_state() == before
    cluster.refresh_from_db()
    assert cluster.cvr == "29403473" and cluster.name == "Klynge Nord"


def test_an_unknown_provider_number_without_name_and_capacities_is_refused(
    coordinator_client: Client,
    cluster: Any,
    post_json: Callable[..., Any],
    field_errors: Errors,
    registry_state: State,
) -> None:
    before = registry_state()
    response = post_json(
        coordinator_client,
        f"/api/clusters/{cluster.pk}/practices",
        {"provider_number": "123456", "joined": "2019-01-01"},
    )
    errors = field_errors(response)
    assert set(errors) == {"capacities", "name"}
    assert "ny i systemet" in errors["capacities"]
    assert registry_state() == before


def test_a_malformed_provider_number_is_refused(
    coordinator_client: Client,
    cluster: Any,
    post_json: Callable[..., Any],
    field_errors: Errors,
    registry_state: State,
) -> None:
    before = registry_state()
    response = post_json(
        coordinator_client,
        f"/api/clusters/{cluster.pk}/practices",
        {"provider_number": "12345", "joined": "2019-01-01", "name": "P", "capacities": 1},
    )
    assert "6 cifre" in field_errors(response)["provider_number"]
    assert registry_state() == before


def test_a_duplicate_provider_number_is_refused(
    officer_client: Client,
    cluster: Any,
    coordinator: Any,
    post_json: Callable[..., Any],
    field_errors: Errors,
    registry_state: State,
) -> None:
    add_practice(cluster, coordinator, "100001")
    before = registry_state()
    response = post_json(
        officer_client,
        "/api/practices",
        {
            "region": "1081",
            "provider_number": "100001",
            "name": "Kopi",
            "capacities": 1,
            "capacities_from": "2020-01-01",
        },
    )
    errors = field_errors(response)
    assert list(errors) == ["provider_number"]
    assert "allerede registreret" in errors["provider_number"]
    assert registry_state() == before


@pytest.mark.parametrize("capacities", [0, -1])
def test_capacities_below_one_are_refused_when_adding_a_practice(
    coordinator_client: Client,
    cluster: Any,
    post_json: Callable[..., Any],
    field_errors: Errors,
    registry_state: State,
    capacities: int,
) -> None:
    before = registry_state()
    response = post_json(
        coordinator_client,
        f"/api/clusters/{cluster.pk}/practices",
        {"provider_number": "100001", "joined": "2019-01-01", "name": "P", "capacities": capacities},
    )
    assert "mindst 1" in field_errors(response)["capacities"]
    assert registry_state() == before


def test_capacities_below_one_are_refused_when_recording_a_change(
    coordinator_client: Client,
    cluster: Any,
    coordinator: Any,
    post_json: Callable[..., Any],
    field_errors: Errors,
    registry_state: State,
) -> None:
    add_practice(cluster, coordinator)
    before = registry_state()
    response = post_json(
        coordinator_client,
        "/api/practices/100001/capacities",
        {"cluster": cluster.pk, "valid_from": "2020-01-01", "count": 0},
    )
    assert "mindst 1" in field_errors(response)["count"]
    assert registry_state() == before


def test_left_not_after_joined_is_refused(
    coordinator_client: Client,
    cluster: Any,
    coordinator: Any,
    post_json: Callable[..., Any],
    field_errors: Errors,
    registry_state: State,
) -> None:
    membership = add_practice(cluster, coordinator, joined=D(2019, 5, 1))
    before = registry_state()
    for left in ("2019-05-01", "2019-04-30"):
        response = post_json(coordinator_client, f"/api/memberships/{membership.pk}/end", {"left": left})
        assert "efter indtrædelsesdatoen" in field_errors(response)["left"]
    assert registry_state() == before


def test_an_overlapping_membership_of_one_practice_is_refused(
    coordinator_client: Client,
    cluster: Any,
    make_cluster: Callable[..., Any],
    officer: Any,
    post_json: Callable[..., Any],
    field_errors: Errors,
    registry_state: State,
) -> None:
    other = make_cluster("Nabo")
    add_practice(other, officer, "100001", joined=D(2019, 1, 1))
    before = registry_state()
    response = post_json(
        coordinator_client,
        f"/api/clusters/{cluster.pk}/practices",
        {"provider_number": "100001", "joined": "2020-06-01"},
    )
    assert "kun være i én klynge" in field_errors(response)["joined"]
    assert registry_state() == before


def test_completion_with_something_missing_is_refused_and_says_what(
    coordinator_client: Client,
    cluster: Any,
    coordinator: Any,
    post_json: Callable[..., Any],
    field_errors: Errors,
    registry_state: State,
) -> None:
    add_practice(cluster, coordinator)
    before = registry_state()
    errors = field_errors(coordinator_client.post(f"/api/clusters/{cluster.pk}/completion"))
    assert list(errors) == [None]
    assert "Mangler" in errors[None] and "Vedtægter" in errors[None] and "Bekræft, at alle" in errors[None]
    status = coordinator_client.get(f"/api/clusters/{cluster.pk}/completion").json()
    assert status["can_complete"] is False
    assert {item["code"] for item in status["missing"]} == {
        "all_registered",
        "document:vedtaegter",
        "document:referat-stiftende-gf",
    }
    assert registry_state() == before


def test_a_membership_dated_before_the_founding_assembly_is_refused(
    coordinator_client: Client,
    cluster: Any,
    post_json: Callable[..., Any],
    field_errors: Errors,
    registry_state: State,
) -> None:
    before = registry_state()
    response = post_json(
        coordinator_client,
        f"/api/clusters/{cluster.pk}/practices",
        {"provider_number": "100001", "joined": "2018-09-30", "name": "P", "capacities": 1},
    )
    errors = field_errors(response)
    assert "stiftende generalforsamling" in errors["joined"] and "1. oktober 2018" in errors["joined"]
    assert registry_state() == before


def test_a_move_dated_before_the_receiving_clusters_founding_is_refused(
    officer_client: Client,
    cluster: Any,
    make_cluster: Callable[..., Any],
    officer: Any,
    post_json: Callable[..., Any],
    field_errors: Errors,
    registry_state: State,
) -> None:
    membership = add_practice(cluster, officer)
    late = make_cluster("Ny klynge", founded_on=D(2021, 1, 1))
    before = registry_state()
    response = post_json(
        officer_client, f"/api/memberships/{membership.pk}/move", {"to_cluster": late.pk, "on": "2020-06-01"}
    )
    assert "stiftende generalforsamling" in field_errors(response)["on"]
    assert registry_state() == before


def test_a_move_to_a_cluster_the_user_may_not_reach_is_refused_as_unknown(
    coordinator_client: Client,
    cluster: Any,
    coordinator: Any,
    make_cluster: Callable[..., Any],
    make_user: Callable[..., Any],
    other_region: Any,
    post_json: Callable[..., Any],
    field_errors: Errors,
    registry_state: State,
) -> None:
    membership = add_practice(cluster, coordinator)
    foreign = make_cluster(
        "Midt", region_=other_region, actor=make_user("region_officer", region=other_region)
    )
    before = registry_state()
    for target in (foreign.pk, 999999):
        response = post_json(
            coordinator_client,
            f"/api/memberships/{membership.pk}/move",
            {"to_cluster": target, "on": "2020-06-01"},
        )
        assert "findes ingen klynge" in field_errors(response)["to_cluster"]
    assert registry_state() == before


def _upload(
    client: Client, cluster: Any, name: str, content: bytes, document_type: str = "vedtaegter"
) -> Any:
    return client.post(
        f"/api/clusters/{cluster.pk}/documents",
        {
            "document_type": document_type,
            "file": SimpleUploadedFile(name, content, content_type="application/pdf"),
        },
    )


def _zip(members: dict[str, bytes]) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for name, data in members.items():
            archive.writestr(name, data)
    return buffer.getvalue()


@pytest.mark.parametrize(
    "content",
    [
        pytest.param(
            b"MZ\x90\x00\x03\x00\x00\x00\x04\x00\x00\x00\xff\xff" + b"\x00" * 64, id="windows-program"
        ),
        pytest.param(b"<html><script>alert(1)</script></html>", id="html"),
        pytest.param(_zip({"evil.exe": b"MZ"}), id="zip-that-is-no-docx"),
    ],
)
def test_an_upload_that_is_not_a_document_is_refused_and_nothing_is_stored(
    coordinator_client: Client,
    cluster: Any,
    field_errors: Errors,
    registry_state: State,
    stored_files: Callable[[], list[Path]],
    content: bytes,
) -> None:
    before = registry_state()
    errors = field_errors(_upload(coordinator_client, cluster, "vedtaegter.pdf", content))
    assert list(errors) == ["file"]
    assert "ikke et PDF-, DOCX- eller ODT-dokument" in errors["file"]
    assert registry_state() == before
    assert stored_files() == []


def test_an_upload_that_is_too_large_is_refused_and_nothing_is_stored(
    coordinator_client: Client,
    cluster: Any,
    field_errors: Errors,
    registry_state: State,
    stored_files: Callable[[], list[Path]],
    pdf_bytes: bytes,
) -> None:
    before = registry_state()
    with override_settings(DOCUMENT_MAX_BYTES=len(pdf_bytes) - 1):
        response = _upload(coordinator_client, cluster, "vedtaegter.pdf", pdf_bytes)
    assert response.status_code == 413  # too large is "too large", as for a whole body
    [item] = response.json()["errors"]
    assert item["field"] == "file" and "Fil: filen er for stor: " in item["message"]
    assert registry_state() == before
    assert stored_files() == []


def test_an_upload_of_an_unknown_document_type_or_without_a_file_is_refused(
    coordinator_client: Client,
    cluster: Any,
    field_errors: Errors,
    registry_state: State,
    stored_files: Callable[[], list[Path]],
    pdf_bytes: bytes,
) -> None:
    before = registry_state()
    errors = field_errors(_upload(coordinator_client, cluster, "x.pdf", pdf_bytes, document_type="hemmelig"))
    assert "vedtaegter" in errors["document_type"]
    missing = field_errors(
        coordinator_client.post(f"/api/clusters/{cluster.pk}/documents", {"document_type": "vedtaegter"})
    )
    assert missing == {"file": "Fil: skal udfyldes."}
    assert registry_state() == before
    assert stored_files() == []


@pytest.mark.parametrize(
    "body",
    [
        pytest.param('{"provider_number": "100001", "joined": ', id="cut-off"),
        pytest.param("{'provider_number': '100001'}", id="single-quotes"),
        pytest.param(b"\xff\xfe\x00", id="not-utf8"),
    ],
)
def test_a_malformed_json_body_is_refused_naming_the_body(
    coordinator_client: Client,
    cluster: Any,
    post_json: Callable[..., Any],
    field_errors: Errors,
    registry_state: State,
    body: str | bytes,
) -> None:
    before = registry_state()
    errors = field_errors(post_json(coordinator_client, f"/api/clusters/{cluster.pk}/practices", body))
    assert list(errors) == ["body"]
    assert "ikke gyldig JSON" in errors["body"]
    assert registry_state() == before


@pytest.mark.parametrize(
    ("body", "field", "expected"),
    [
        (
            {"provider_number": "100001", "joined": "01-02-2019", "name": "P", "capacities": 1},
            "joined",
            "ÅÅÅÅ-MM-DD",
        ),
        (
            {"provider_number": "100001", "joined": "2019-02-30", "name": "P", "capacities": 1},
            "joined",
            "ÅÅÅÅ-MM-DD",
        ),
        (
            {"provider_number": "100001", "joined": 20190201, "name": "P", "capacities": 1},
            "joined",
            "ÅÅÅÅ-MM-DD",
        ),
        (
            {"provider_number": "100001", "joined": "2019-02-01", "name": "P", "capacities": "2"},
            "capacities",
            "helt tal",
        ),
        (
            {"provider_number": "100001", "joined": "2019-02-01", "name": "P", "capacities": 1.5},
            "capacities",
            "helt tal",
        ),
        (
            {"provider_number": 100001, "joined": "2019-02-01", "name": "P", "capacities": 1},
            "provider_number",
            "tekst",
        ),
        ({"joined": "2019-02-01", "name": "P", "capacities": 1}, "provider_number", "skal udfyldes"),
        ({"provider_number": "100001", "joined": "2019-02-01", "capacity": 1}, "capacity", "findes ikke"),
        ([{"provider_number": "100001"}], "body", "JSON-objekt"),
    ],
)
def test_a_value_of_the_wrong_type_is_refused_naming_the_field(
    coordinator_client: Client,
    cluster: Any,
    post_json: Callable[..., Any],
    field_errors: Errors,
    registry_state: State,
    body: Any,
    field: str,
    expected: str,
) -> None:
    before = registry_state()
    errors = field_errors(post_json(coordinator_client, f"/api/clusters/{cluster.pk}/practices", body))
    assert expected in errors[field]
    assert registry_state() == before


def test_a_wrong_type_in_a_change_is_refused_and_the_cluster_keeps_its_values(
    coordinator_client: Client,
    cluster: Any,
    post_json: Callable[..., Any],
    field_errors: Errors,
    registry_state: State,
) -> None:
    before = registry_state()
    response = post_json(
        coordinator_client,
        f"/api/clusters/{cluster.pk}",
        {"name": "Nyt navn", "all_practices_registered": "ja", "founded_on": "i går"},
        method="patch",
    )
    errors = field_errors(response)
    assert "true eller false" in errors["all_practices_registered"]
    assert "Dato for stiftende generalforsamling" in errors["founded_on"]
    assert registry_state() == before


def test_several_problems_are_reported_together(
    officer_client: Client, post_json: Callable[..., Any], field_errors: Errors, registry_state: State
) -> None:
    before = registry_state()
    body = {**NEW_CLUSTER, "name": " ", "cvr": "29403474", "coordinator_email": "ingen-snabel-a"}
    errors = field_errors(post_json(officer_client, "/api/clusters", body))
    assert set(errors) == {"name", "cvr", "coordinator_email"}
    assert registry_state() == before


def test_an_unknown_region_is_refused_naming_the_region_field(
    officer_client: Client, post_json: Callable[..., Any], field_errors: Errors, registry_state: State
) -> None:
    before = registry_state()
    errors = field_errors(post_json(officer_client, "/api/clusters", {**NEW_CLUSTER, "region": "9999"}))
    assert "1081" in errors["region"]
    assert registry_state() == before


def test_a_bad_list_filter_is_refused_naming_the_parameter(
    coordinator_client: Client, field_errors: Errors
) -> None:
    errors = field_errors(coordinator_client.get("/api/clusters?status=afsluttet&limit=0"))
    assert "registering" in errors["status"] and "eller" in errors["status"]
    assert "mindst 1" in errors["limit"]


CVR_MSGID = "CVR-nummer: %(value)s består ikke modulus 11-kontrollen. Tjek nummeret i CVR-registret."


def test_the_message_is_in_english_when_the_request_asks_for_it(
    officer_client: Client, post_json: Callable[..., Any], field_errors: Errors
) -> None:
    response = post_json(
        officer_client, "/api/clusters", {**NEW_CLUSTER, "cvr": "29403474"}, **{"Accept-Language": "en"}
    )
    assert response["Content-Language"] == "en"  # the request ran in English
    danish = CVR_MSGID % {"value": "29403474"}
    with translation.override("en"):
        english = gettext(CVR_MSGID) % {"value": "29403474"}
    assert english != danish, "the English catalogue must translate the CVR message"
    assert "modulus 11" in english
    assert field_errors(response)["cvr"] == english
    assert GpCluster.objects.count() == 0


def test_the_message_is_danish_by_default(
    officer_client: Client, post_json: Callable[..., Any], field_errors: Errors
) -> None:
    response = post_json(officer_client, "/api/clusters", {**NEW_CLUSTER, "cvr": "29403474"})
    assert response["Content-Language"] == "da"
    assert field_errors(response)["cvr"] == CVR_MSGID % {"value": "29403474"}


def test_adding_a_member_of_the_cluster_again_is_refused_on_the_provider_number(
    coordinator_client: Client,
    cluster: Any,
    coordinator: Any,
    post_json: Callable[..., Any],
    field_errors: Errors,
    registry_state: State,
) -> None:
    """#13: a duplicate of one of the cluster's own members is about the provider number."""
    add_practice(cluster, coordinator, "100001")
    before = registry_state()
    response = post_json(
        coordinator_client,
        f"/api/clusters/{cluster.pk}/practices",
        {"provider_number": "100001", "joined": "2020-01-01"},
    )
    errors = field_errors(response)
    assert set(errors) == {"provider_number"}
    assert "100001" in errors["provider_number"] and "allerede medlem af klyngen" in errors["provider_number"]
    assert registry_state() == before
