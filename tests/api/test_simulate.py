"""``POST /api/simulate``: the same document as ``klynge simulate FILE --json`` (which reproduces
examples/gp-cluster-basic.expected.json), for any authenticated caller; a malformed document answers
422 with every problem's place as ``field``, in Danish or English; an oversized body 413."""

from __future__ import annotations

import copy
import io
import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from django.core.management import call_command
from django.test import Client, override_settings

from klynge.api.services import token_create
from klynge.api.simulate import SimulationOut


def shaped_like(value: Any, pattern: Any) -> Any:
    """``value`` with only the keys that ``pattern`` has, recursively; lists keep all their items.

    The expected file lists only dates, clusters and amounts; our document has more (arrival window,
    lines, a claim's reason, practice and rule, ``carried_forward``), which the format allows."""
    if isinstance(value, dict) and isinstance(pattern, dict):
        return {key: shaped_like(value[key], pattern[key]) for key in pattern if key in value}
    if isinstance(value, list) and isinstance(pattern, list):
        return [shaped_like(v, p) for v, p in zip(value, pattern, strict=False)] + value[len(pattern) :]
    return value


def post(client: Client, body: Any, **headers: str) -> Any:
    content = body if isinstance(body, str | bytes) else json.dumps(body)
    return client.post("/api/simulate", content, content_type="application/json", headers=headers)


def broken(example_input: Any, change: Callable[[dict[str, Any]], Any]) -> dict[str, Any]:
    data = copy.deepcopy(example_input)
    change(data)
    return data


def _two_problems(d: dict[str, Any]) -> None:
    d["memberships"][0].update(joined="2019-02-30", cluster="K9")


def test_the_api_answers_the_expected_file(
    client_for: Callable[..., Client], officer: Any, example_input: Any, example_expected: Any
) -> None:
    response = post(client_for(officer), example_input)
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/json")
    assert shaped_like(response.json(), example_expected) == example_expected


def test_the_api_answers_the_same_document_as_the_command(
    client_for: Callable[..., Client], officer: Any, example_input: Any, tmp_path: Path
) -> None:
    path = tmp_path / "scenario.json"
    path.write_text(json.dumps(example_input), "utf-8")
    out = io.StringIO()
    call_command("simulate", str(path), "--json", stdout=out)
    answer = post(client_for(officer), example_input).json()
    assert answer == json.loads(out.getvalue())
    SimulationOut.model_validate(answer)  # the answer has the shape OpenAPI documents


def test_any_logged_in_user_or_token_may_simulate(
    client_for: Callable[..., Client], coordinator: Any, make_user: Callable[..., Any], example_input: Any
) -> None:
    assert post(client_for(make_user()), example_input).status_code == 200  # no role at all
    _token, plaintext = token_create(actor=coordinator, name="script")
    with_token = Client(headers={"Authorization": f"Bearer {plaintext}"})
    assert post(with_token, example_input).status_code == 200


def test_the_api_needs_a_login(example_input: Any, db: Any) -> None:
    response = post(Client(), example_input)
    assert response.status_code == 401
    assert "runs" not in response.json()
    assert post(Client(headers={"Authorization": "Bearer klynge_nope"}), example_input).status_code == 401


@pytest.mark.parametrize(
    ("change", "field", "danish"),
    [
        pytest.param(lambda d: d.update(format="x"), "format", 'skal være "klynge-scenario/1"', id="format"),
        pytest.param(
            lambda d: d["memberships"][0].update(joined="2019-02-30"),
            "memberships[0].joined",
            "ikke en gyldig dato",
            id="date",
        ),
        pytest.param(
            lambda d: d["memberships"][0].update(cluster="K9"),
            "memberships[0].cluster",
            "Klynge K9 findes ikke",
            id="cluster",
        ),
        pytest.param(lambda d: d["runs"].append("i morgen"), "runs[9]", "ikke en gyldig dato", id="run"),
    ],
)
def test_a_malformed_document_answers_422_with_the_place_in_danish(
    client_for: Callable[..., Client],
    officer: Any,
    example_input: Any,
    change: Callable[[dict[str, Any]], Any],
    field: str,
    danish: str,
) -> None:
    response = post(client_for(officer), broken(example_input, change))
    assert response.status_code == 422
    errors = response.json()["errors"]
    assert [e["field"] for e in errors] == [field]
    assert danish in errors[0]["message"]


def test_every_problem_is_answered_at_once_and_in_english_on_request(
    client_for: Callable[..., Client], officer: Any, example_input: Any
) -> None:
    client, data = client_for(officer), broken(example_input, _two_problems)
    danish = post(client, data)
    assert danish.status_code == 422
    fields = [e["field"] for e in danish.json()["errors"]]
    assert {"memberships[0].joined", "memberships[0].cluster"} <= set(fields)
    english = post(client, data, **{"Accept-Language": "en"})
    assert english.status_code == 422
    assert [e["field"] for e in english.json()["errors"]] == fields
    messages = {e["field"]: e["message"] for e in english.json()["errors"]}
    assert "'2019-02-30' is not a valid date" in messages["memberships[0].joined"]
    assert "Cluster K9 is not under 'clusters'" in messages["memberships[0].cluster"]


@pytest.mark.parametrize(
    ("body", "danish", "english"),
    [
        pytest.param("{nope", "ikke gyldig JSON", "not valid JSON", id="json"),
        pytest.param("", "ikke gyldig JSON", "not valid JSON", id="empty"),
        pytest.param(b"\xff{}", "ikke UTF-8-kodet", "not UTF-8 encoded", id="utf8"),
        pytest.param("[1, 2]", "Her skal stå et objekt", "An object ({...}) is expected", id="not-an-object"),
    ],
)
def test_a_body_that_is_not_a_scenario_is_about_the_body(
    client_for: Callable[..., Client], officer: Any, body: str | bytes, danish: str, english: str
) -> None:
    client = client_for(officer)
    response = post(client, body)
    assert response.status_code == 422
    assert [(e["field"], danish in e["message"]) for e in response.json()["errors"]] == [("body", True)]
    assert english in post(client, body, **{"Accept-Language": "en"}).json()["errors"][0]["message"]


def test_a_body_over_the_upload_limit_answers_413_and_points_to_the_command(
    client_for: Callable[..., Client], officer: Any, example_input: Any
) -> None:
    client = client_for(officer)
    with override_settings(DATA_UPLOAD_MAX_MEMORY_SIZE=1000):
        response = post(client, example_input)
    assert response.status_code == 413
    (problem,) = response.json()["errors"]
    assert problem["field"] == "body"
    assert "1000 bytes" in problem["message"] and "klynge simulate" in problem["message"]
    small = {"format": "klynge-scenario/1", "runs": []} | {
        key: [] for key in ["schemes", "regions", "clusters", "practices", "memberships"]
    }
    with override_settings(DATA_UPLOAD_MAX_MEMORY_SIZE=1000):
        assert post(client, small).json() == {"runs": []}


def test_the_endpoint_is_described_in_openapi_with_a_typed_answer(
    client_for: Callable[..., Client], coordinator: Any
) -> None:
    schema = client_for(coordinator).get("/api/openapi.json").json()
    operation = schema["paths"]["/api/simulate"]["post"]
    assert "klynge-scenario/1" in operation["description"] and "any" in operation["description"].lower()
    assert {"200", "413", "422"} <= set(operation["responses"])
    answer = operation["responses"]["200"]["content"]["application/json"]["schema"]["$ref"].rsplit("/", 1)[1]
    components = schema["components"]["schemas"]
    runs = components[answer]["properties"]["runs"]
    run = components[runs["items"]["$ref"].rsplit("/", 1)[1]]
    assert {"date", "payouts", "claims", "carried_forward"} <= set(run["properties"])
    payout = components[run["properties"]["payouts"]["items"]["$ref"].rsplit("/", 1)[1]]
    line = components[payout["properties"]["lines"]["items"]["$ref"].rsplit("/", 1)[1]]
    assert {"kind", "practice", "from", "to", "days", "capacities", "rate", "amount", "rule"} <= set(
        line["properties"]
    )
    errors = operation["responses"]["422"]["content"]["application/json"]["schema"]["$ref"]
    assert errors.endswith("/ErrorsOut")
