"""``klynge settle FILE --json`` reproduces the guide's example and lists bad input by its place."""

from __future__ import annotations

import io
import json
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command

EXAMPLES = Path(__file__).resolve().parents[1] / "fixtures" / "examples"


def settle(*args: str) -> dict:
    out = io.StringIO()
    call_command("settle", *args, stdout=out)
    return json.loads(out.getvalue())


def test_settle_reproduces_the_guides_expected_result() -> None:
    result = settle(str(EXAMPLES / "health-cluster-guide.json"), "--json")
    expected = json.loads((EXAMPLES / "health-cluster-guide.expected.json").read_text(encoding="utf-8"))
    assert result["members"] == expected["members"]
    trimmed = [{k: s[k] for k in ("payer", "payee", "amount", "function")} for s in result["settlements"]]
    assert trimmed == expected["settlements"]
    assert set(result["postings"]) == {"M1", "M2", "R"}


def test_settle_for_another_year_settles_nothing() -> None:
    result = settle(str(EXAMPLES / "health-cluster-guide.json"), "--json", "--year", "2024")
    assert result["members"]["M1"] == {"income": "0.00", "expense": "0.00", "net_frame_impact": "0.00"}


def test_settle_lists_every_problem_with_its_place(tmp_path: Path) -> None:
    doc = json.loads((EXAMPLES / "health-cluster-guide.json").read_text(encoding="utf-8"))
    doc["initiatives"][0]["function"] = "9.99.99"
    doc["initiatives"][0]["costs"][0]["amount"] = "1.234"
    bad = tmp_path / "bad.json"
    bad.write_text(json.dumps(doc), encoding="utf-8")
    with pytest.raises(CommandError) as info:
        settle(str(bad))
    assert "initiatives[0].function: Funktion 9.99.99 findes ikke" in str(info.value)
    assert "initiatives[0].costs[0].amount" in str(info.value)


def test_settle_refuses_a_file_that_is_not_json(tmp_path: Path) -> None:
    bad = tmp_path / "bad.json"
    bad.write_bytes(b"\xff\xfe not json")
    with pytest.raises(CommandError, match="ikke gyldig JSON"):
        settle(str(bad))
