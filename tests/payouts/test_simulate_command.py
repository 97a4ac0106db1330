"""``klynge simulate FILE --json [--lang da|en]``: the exchange format's simulation, which reproduces
examples/gp-cluster-basic.expected.json; a malformed file gets every problem with its place, nothing on
standard output and a non-zero exit status. No database is used."""

from __future__ import annotations

import copy
import io
import json
import os
import subprocess
import sys
from collections.abc import Callable
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from django.core.management import CommandError, call_command

from klynge.payouts import simulation

KLYNGE = Path(sys.executable).with_name("klynge")

# What our document has beyond the expected file, which lists only dates, clusters and amounts (the
# format allows more keys): the arrival window and lines of a payout, why a claim is made and its
# lines, and the balances carried forward to be netted.
EXTRAS = {
    ("runs[]", "carried_forward"),
    ("runs[].payouts[]", "expected_arrival"),
    ("runs[].payouts[]", "lines"),
    ("runs[].claims[]", "reason"),
    ("runs[].claims[]", "practice"),
    ("runs[].claims[]", "rule"),
    ("runs[].claims[]", "lines"),
}


def shaped_like(value: Any, pattern: Any) -> Any:
    """``value`` with only the keys that ``pattern`` has, recursively; lists keep all their items."""
    if isinstance(value, dict) and isinstance(pattern, dict):
        return {key: shaped_like(value[key], pattern[key]) for key in pattern if key in value}
    if isinstance(value, list) and isinstance(pattern, list):
        return [shaped_like(v, p) for v, p in zip(value, pattern, strict=False)] + value[len(pattern) :]
    return value


def extras(value: Any, pattern: Any, where: str = "") -> set[tuple[str, str]]:
    """Where ``value`` has keys that ``pattern`` lacks (only below keys both have)."""
    found: set[tuple[str, str]] = set()
    if isinstance(value, dict) and isinstance(pattern, dict):
        for key in value:
            if key not in pattern:
                found.add((where.lstrip("."), key))
            else:
                found |= extras(value[key], pattern[key], f"{where}.{key}")
    elif isinstance(value, list) and isinstance(pattern, list):
        for v, p in zip(value, pattern, strict=False):
            found |= extras(v, p, f"{where}[]")
    return found


def run_command(*args: str) -> dict[str, Any]:
    out = io.StringIO()
    call_command("simulate", *args, "--json", stdout=out)
    result: dict[str, Any] = json.loads(out.getvalue())
    return result


def write(tmp_path: Path, data: Any) -> str:
    path = tmp_path / "scenario.json"
    if isinstance(data, bytes):
        path.write_bytes(data)
    else:
        path.write_text(data if isinstance(data, str) else json.dumps(data, ensure_ascii=False), "utf-8")
    return str(path)


def broken(example_input: Any, change: Callable[[dict[str, Any]], Any]) -> dict[str, Any]:
    data = copy.deepcopy(example_input)
    change(data)
    return data


def refusal(*args: str) -> str:
    out = io.StringIO()
    with pytest.raises(CommandError) as caught:
        call_command("simulate", *args, "--json", stdout=out)
    assert out.getvalue() == ""  # nothing written
    return str(caught.value)


# --- The worked example ---------------------------------------------------------------------------


def test_the_command_reproduces_the_expected_file_exactly(
    tmp_path: Path, example_input: Any, example_expected: Any
) -> None:
    result = run_command(write(tmp_path, example_input))
    assert shaped_like(result, example_expected) == example_expected
    assert extras(result, example_expected) == EXTRAS


def test_the_comparison_notices_a_wrong_amount_a_missing_run_and_an_extra_run(example_expected: Any) -> None:
    wrong = copy.deepcopy(example_expected)
    wrong["runs"][0]["payouts"][0]["amount"] = "30501.38"
    assert shaped_like(wrong, example_expected) != example_expected
    assert shaped_like({"runs": example_expected["runs"][:-1]}, example_expected) != example_expected
    longer = {"runs": [*example_expected["runs"], example_expected["runs"][0]]}
    assert shaped_like(longer, example_expected) != example_expected


def test_every_payout_is_explained_to_the_ore_by_its_lines(tmp_path: Path, example_input: Any) -> None:
    result = run_command(write(tmp_path, example_input))
    payouts = [payout for run in result["runs"] for payout in run["payouts"]]
    assert payouts
    for payout in payouts:
        assert sum(Decimal(line["amount"]) for line in payout["lines"]) == Decimal(payout["amount"])


def test_the_command_reads_standard_input(
    example_input: Any, example_expected: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    stdin = io.TextIOWrapper(io.BytesIO(json.dumps(example_input).encode()))
    monkeypatch.setattr("sys.stdin", stdin)
    assert shaped_like(run_command("-"), example_expected) == example_expected


def test_the_klynge_command_needs_no_database_and_reads_a_pipe(
    tmp_path: Path, example_input: Any, example_expected: Any
) -> None:
    env = {**os.environ, "DATABASE_URL": f"sqlite:///{tmp_path / 'missing' / 'none.sqlite3'}"}
    done = subprocess.run(
        [str(KLYNGE), "simulate", "-", "--json"],
        input=json.dumps(example_input).encode(),
        capture_output=True,
        env=env,
        timeout=120,
        check=False,
    )
    assert done.returncode == 0, done.stderr.decode()
    assert shaped_like(json.loads(done.stdout), example_expected) == example_expected
    assert not (tmp_path / "missing").exists()


# --- Malformed files ------------------------------------------------------------------------------

BAD = [
    pytest.param(
        lambda d: d.update(format="klynge-scenario/9"),
        "format",
        'skal være "klynge-scenario/1"',
        id="format-tag",
    ),
    pytest.param(lambda d: d.pop("format"), "format", 'skal være "klynge-scenario/1"', id="no-format"),
    pytest.param(
        lambda d: d["memberships"][0].update(joined="2019-02-30"),
        "memberships[0].joined",
        "'2019-02-30' er ikke en gyldig dato",
        id="bad-date",
    ),
    pytest.param(
        lambda d: d["memberships"][0].update(cluster="K9"),
        "memberships[0].cluster",
        "Klynge K9 findes ikke",
        id="unknown-cluster",
    ),
    pytest.param(
        lambda d: d["runs"].append("i morgen"),
        "runs[9]",
        "'i morgen' er ikke en gyldig dato",
        id="bad-run-date",
    ),
    pytest.param(lambda d: d["runs"].reverse(), "runs[1]", "stigende rækkefølge", id="runs-out-of-order"),
]


@pytest.mark.parametrize(("change", "path", "danish"), BAD)
def test_a_malformed_file_is_refused_with_the_place_of_the_problem_in_danish(
    tmp_path: Path, example_input: Any, change: Callable[[dict[str, Any]], Any], path: str, danish: str
) -> None:
    message = refusal(write(tmp_path, broken(example_input, change)))
    assert f"{path}: " in message
    assert danish in message.split(f"{path}: ", 1)[1].splitlines()[0]


def test_every_problem_is_listed_each_on_its_own_line_with_its_place(
    tmp_path: Path, example_input: Any
) -> None:
    def two(d: dict[str, Any]) -> None:
        d["memberships"][0].update(joined="2019-02-30")
        d["memberships"][1].update(cluster="K9")

    lines = refusal(write(tmp_path, broken(example_input, two))).splitlines()
    assert [line.split(": ", 1)[0] for line in lines] == ["memberships[0].joined", "memberships[1].cluster"]


def test_english_with_lang_en(tmp_path: Path, example_input: Any) -> None:
    file = write(tmp_path, broken(example_input, lambda d: d["memberships"][0].update(joined="2019-02-30")))
    message = refusal(file, "--lang", "en")
    assert "memberships[0].joined: '2019-02-30' is not a valid date" in message
    assert "gyldig" not in message


@pytest.mark.parametrize(
    ("content", "danish", "english"),
    [
        pytest.param(
            "{nope", "ikke gyldig JSON: linje 1, kolonne 2", "not valid JSON: line 1, column 2", id="json"
        ),
        pytest.param("", "ikke gyldig JSON", "not valid JSON", id="empty"),
        pytest.param(b"\xff\xfe{}", "ikke UTF-8-kodet", "not UTF-8 encoded", id="not-utf8"),
        pytest.param("[]", "Her skal stå et objekt", "An object ({...}) is expected", id="not-an-object"),
    ],
)
def test_a_file_that_is_not_a_scenario_names_the_file(
    tmp_path: Path, content: str | bytes, danish: str, english: str
) -> None:
    file = write(tmp_path, content)
    assert refusal(file).startswith(f"{file}: ") and danish in refusal(file)
    assert english in refusal(file, "--lang", "en")


def test_a_file_over_the_limit_is_refused_without_reading_it_all(
    tmp_path: Path, example_input: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(simulation, "MAX_BYTES", 1000)
    message = refusal(write(tmp_path, example_input))
    assert "større end 1000 bytes" in message


def test_a_missing_file_is_named(tmp_path: Path) -> None:
    missing = tmp_path / "missing.json"
    assert refusal(str(missing)).startswith(f"{missing}: ")


def test_a_refused_file_exits_non_zero_and_prints_nothing_on_standard_output(
    tmp_path: Path, example_input: Any
) -> None:
    file = write(tmp_path, broken(example_input, lambda d: d["memberships"][0].update(cluster="K9")))
    for args, text in [([], "Klynge K9 findes ikke"), (["--lang", "en"], "Cluster K9 is not under")]:
        done = subprocess.run(
            [str(KLYNGE), "simulate", file, "--json", *args], capture_output=True, timeout=120, check=False
        )
        assert done.returncode != 0
        assert done.stdout == b""
        assert f"memberships[0].cluster: {text}" in done.stderr.decode("utf-8")
