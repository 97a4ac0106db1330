"""Dates outside the window and numbers in scientific notation over the API and the command line
(#9 §6): 422 naming the field and the window, nothing changed; the commands list the problem."""

from __future__ import annotations

import copy
import json
from collections.abc import Callable
from io import StringIO
from pathlib import Path
from typing import Any

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.test import Client

from klynge.common.dates import window
from klynge.registry.models import GpCluster, Membership

Errors = Callable[[Any], dict[str | None, str]]
State = Callable[[], dict[str, Any]]


def window_text() -> str:
    return f"datoen skal ligge mellem 1. januar 2000 og 31. december {window().last.year}"


def test_a_practice_joining_in_year_9999_is_refused_over_the_api(
    client_for: Callable[..., Client],
    coordinator: Any,
    cluster: Any,
    post_json: Callable[..., Any],
    field_errors: Errors,
    registry_state: State,
) -> None:
    client = client_for(coordinator)
    before = registry_state()
    response = post_json(
        client,
        f"/api/clusters/{cluster.pk}/practices",
        {"provider_number": "123456", "joined": "9999-12-31", "name": "P", "capacities": 1},
    )
    assert response.status_code == 422
    errors = field_errors(response)
    assert list(errors) == ["joined"]
    assert errors["joined"].startswith(f"Indtrådt: {window_text()}")
    assert registry_state() == before


def test_a_cluster_founded_in_1999_is_refused_over_the_api_in_english(
    client_for: Callable[..., Client],
    officer: Any,
    post_json: Callable[..., Any],
    field_errors: Errors,
    registry_state: State,
) -> None:
    client = client_for(officer)
    before = registry_state()
    body = {"region": "1081", "name": "K", "founded_on": "1999-12-31", "coordinator_email": "k@example.dk"}
    response = post_json(client, "/api/clusters", body, **{"Accept-Language": "en"})
    errors = field_errors(response)
    assert (
        f"the date must lie between 1 January 2000 and 31 December {window().last.year}"
        in errors["founded_on"]
    )
    assert "(you wrote 31.12.1999)" in errors["founded_on"]
    assert registry_state() == before


@pytest.mark.parametrize("joined", ["10000-01-01", "+9999-12-31", 99991231])
def test_what_is_no_iso_date_is_still_refused_as_such(
    client_for: Callable[..., Client],
    coordinator: Any,
    cluster: Any,
    post_json: Callable[..., Any],
    field_errors: Errors,
    joined: Any,
) -> None:
    body = {"provider_number": "123456", "joined": joined, "name": "P", "capacities": 1}
    errors = field_errors(post_json(client_for(coordinator), f"/api/clusters/{cluster.pk}/practices", body))
    assert "ÅÅÅÅ-MM-DD" in errors["joined"]


@pytest.mark.parametrize("capacities", [1e5, "1e5", 1.0])
def test_a_count_in_scientific_notation_is_refused_over_the_api(
    client_for: Callable[..., Client],
    coordinator: Any,
    cluster: Any,
    post_json: Callable[..., Any],
    field_errors: Errors,
    capacities: Any,
) -> None:
    body = {"provider_number": "123456", "joined": "2019-01-01", "name": "P", "capacities": capacities}
    errors = field_errors(post_json(client_for(coordinator), f"/api/clusters/{cluster.pk}/practices", body))
    assert "skal være et helt tal" in errors["capacities"]
    assert not Membership.objects.exists()


def test_the_api_simulation_refuses_a_year_9999_date_and_a_rate_in_scientific_notation(
    client_for: Callable[..., Client], officer: Any, example_input: Any
) -> None:
    doc = copy.deepcopy(example_input)
    doc["memberships"][0]["joined"] = "9999-12-31"
    doc["schemes"][0]["annual_rates"]["2019"] = "1E+3"
    raw = json.dumps(doc).replace('"1E+3"', "1E+3")  # as a JSON number too: not an amount either
    response = client_for(officer).post("/api/simulate", raw, content_type="application/json")
    assert response.status_code == 422
    errors = {e["field"]: e["message"] for e in response.json()["errors"]}
    assert window_text() in errors["memberships[0].joined"]
    assert "Beløb skrives som tekst" in errors["schemes[0].annual_rates.2019"]


# --- Command line -----------------------------------------------------------------------------------


def test_the_import_command_lists_a_year_9999_date_and_stores_nothing(
    tmp_path: Path, admin_user: Any, region: Any, example_input: Any
) -> None:
    doc = copy.deepcopy(example_input)
    doc["clusters"][0]["founded_on"] = "9999-12-31"
    path = tmp_path / "scenario.json"
    path.write_text(json.dumps(doc), "utf-8")
    err = StringIO()
    with pytest.raises(CommandError, match=r"ikke importeret|not imported|problem"):
        call_command("import", str(path), user="admin", stdout=StringIO(), stderr=err)
    assert "clusters[0].founded_on" in err.getvalue() or "Klynge" in err.getvalue()
    assert window_text() in err.getvalue()
    assert not GpCluster.objects.exists()


def test_the_simulate_command_refuses_a_date_outside_the_window(tmp_path: Path, example_input: Any) -> None:
    doc = copy.deepcopy(example_input)
    doc["runs"][-1] = "2100-01-01"
    path = tmp_path / "scenario.json"
    path.write_text(json.dumps(doc), "utf-8")
    out = StringIO()
    with pytest.raises(CommandError) as caught:
        call_command("simulate", str(path), "--json", "--lang", "en", stdout=out, stderr=StringIO())
    assert f"runs[{len(doc['runs']) - 1}]: '2100-01-01': the date must lie between 1 January 2000" in str(
        caught.value
    )
    assert out.getvalue() == ""


def test_the_simulate_command_warns_of_a_year_without_a_rate_on_standard_error(
    tmp_path: Path, example_input: Any
) -> None:
    doc = copy.deepcopy(example_input)
    doc["runs"].append(f"{window().last.year}-06-01")  # OK22 has rates through 2025 only
    path = tmp_path / "scenario.json"
    path.write_text(json.dumps(doc), "utf-8")
    out, err = StringIO(), StringIO()
    call_command("simulate", str(path), "--json", stdout=out, stderr=err)
    assert json.loads(out.getvalue())["runs"][-1]["date"] == doc["runs"][-1]
    assert f"Advarsel: {window().last.year} har ingen sats for OK22" in err.getvalue()
    assert "2025 har ingen sats" not in err.getvalue()
    call_command(
        "simulate", str(path), "--json", "--lang", "en", stdout=StringIO(), stderr=(err := StringIO())
    )
    assert f"Warning: {window().last.year} has no rate for OK22" in err.getvalue()
