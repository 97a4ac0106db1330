"""``klynge simulate FILE --json`` and ``POST /api/simulate``: the exchange format's simulation, which
reproduces examples/gp-cluster-basic.expected.json; every problem of a malformed file with its place."""

from __future__ import annotations

import copy
import io
import json
from collections.abc import Callable
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from django.core.management import CommandError, call_command
from django.test import Client

from klynge.core.payouts import result_to_json, simulate
from klynge.core.scenario import parse_scenario


def run_command(*args: str) -> dict[str, Any]:
    out = io.StringIO()
    call_command("simulate", *args, "--json", stdout=out)
    return json.loads(out.getvalue())


def write(tmp_path: Path, data: Any) -> str:
    path = tmp_path / "scenario.json"
    if isinstance(data, bytes):
        path.write_bytes(data)
    else:
        path.write_text(data if isinstance(data, str) else json.dumps(data), "utf-8")
    return str(path)


def amounts(runs: list[dict[str, Any]]) -> list[tuple[str, list[tuple[str, str]], list[tuple[str, str]]]]:
    return [
        (
            r["date"],
            [(p["cluster"], p["amount"]) for p in r["payouts"]],
            [(c["cluster"], c["amount"]) for c in r["claims"]],
        )
        for r in runs
    ]


def test_the_command_reproduces_the_worked_example(
    tmp_path: Path, example_input: Any, example_expected: Any
) -> None:
    result = run_command(write(tmp_path, example_input))
    assert amounts(result["runs"]) == amounts(example_expected["runs"])
    assert result == result_to_json(simulate(parse_scenario(example_input)))
    for run in result["runs"]:
        for payout in run["payouts"]:
            assert sum(Decimal(x["amount"]) for x in payout["lines"]) == Decimal(payout["amount"])


def test_the_command_reads_standard_input(
    example_input: Any, example_expected: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    stdin = io.TextIOWrapper(io.BytesIO(json.dumps(example_input).encode()))
    monkeypatch.setattr("sys.stdin", stdin)
    assert amounts(run_command("-")["runs"]) == amounts(example_expected["runs"])


def broken(example_input: Any, change: Callable[[dict[str, Any]], None]) -> dict[str, Any]:
    data = copy.deepcopy(example_input)
    change(data)
    return data


@pytest.mark.parametrize(
    ("change", "path", "danish"),
    [
        (lambda d: d.update(format="klynge-scenario/9"), "format", "skal være"),
        (lambda d: d["memberships"][0].update(joined="2019-02-30"), "memberships[0].joined", "dato"),
        (lambda d: d["memberships"][0].update(cluster="K9"), "memberships[0].cluster", "K9"),
        (lambda d: d["runs"].append("i morgen"), "runs[", "dato"),
    ],
)
def test_a_malformed_file_lists_each_problem_with_its_place_and_prints_nothing(
    tmp_path: Path, example_input: Any, change: Callable[[dict[str, Any]], None], path: str, danish: str
) -> None:
    out = io.StringIO()
    with pytest.raises(CommandError) as caught:
        call_command("simulate", write(tmp_path, broken(example_input, change)), stdout=out)
    assert path in str(caught.value) and danish in str(caught.value)
    assert out.getvalue() == ""


def test_not_json_and_english_messages(tmp_path: Path, example_input: Any) -> None:
    with pytest.raises(CommandError, match="ikke gyldig JSON: linje 1"):
        call_command("simulate", write(tmp_path, "{nope"))
    with pytest.raises(CommandError, match="not valid JSON"):
        call_command("simulate", write(tmp_path, "{nope"), "--lang", "en")
    with pytest.raises(CommandError, match="ikke UTF-8"):
        call_command("simulate", write(tmp_path, b"\xff\xfe{}"))
    with pytest.raises(CommandError, match="No such file"):
        call_command("simulate", str(tmp_path / "missing.json"))


def test_the_api_answers_the_same_simulation(
    client_for: Callable[..., Client], officer: Any, example_input: Any
) -> None:
    response = client_for(officer).post(
        "/api/simulate", json.dumps(example_input), content_type="application/json"
    )
    assert response.status_code == 200
    assert response.json() == result_to_json(simulate(parse_scenario(example_input)))


def test_the_api_refuses_a_malformed_document_with_every_place_and_in_english(
    client_for: Callable[..., Client], officer: Any, example_input: Any
) -> None:
    data = broken(example_input, lambda d: d["memberships"][0].update(joined="2019-02-30", cluster="K9"))
    client = client_for(officer)
    response = client.post("/api/simulate", json.dumps(data), content_type="application/json")
    assert response.status_code == 422
    fields = {e["field"] for e in response.json()["errors"]}
    assert {"memberships[0].joined", "memberships[0].cluster"} <= fields
    english = client.post(
        "/api/simulate", json.dumps(data), content_type="application/json", headers={"Accept-Language": "en"}
    )
    assert any("date" in e["message"] for e in english.json()["errors"])
    assert client.post("/api/simulate", "{nope", content_type="application/json").status_code == 422


def test_the_api_needs_a_login(example_input: Any, db: Any) -> None:
    response = Client().post("/api/simulate", json.dumps(example_input), content_type="application/json")
    assert response.status_code == 401
