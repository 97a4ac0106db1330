"""``klynge import`` and ``klynge export``: output, exit codes, languages."""

from __future__ import annotations

import io
import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from klynge.registry.models import GpCluster, Membership, Practice

# The worked example (tests/fixtures/examples).
EXAMPLE = Path(__file__).resolve().parents[1] / "fixtures" / "examples" / "gp-cluster-basic.json"
KLYNGE = Path(sys.executable).parent / "klynge"


def command(name: str, *args: str) -> tuple[str, str]:
    out, err = io.StringIO(), io.StringIO()
    call_command(name, *args, stdout=out, stderr=err)
    return out.getvalue(), err.getvalue()


def write(tmp_path: Path, data: Any, name: str = "scenario.json") -> str:
    path = tmp_path / name
    path.write_text(json.dumps(data), encoding="utf-8")
    return str(path)


def bad_example(tmp_path: Path) -> str:
    data = json.loads(EXAMPLE.read_text(encoding="utf-8"))
    data["memberships"][3]["left"] = "2019-05-01"
    data["clusters"][1]["region"] = "1099"
    return write(tmp_path, data)


# --- import -----------------------------------------------------------------------------------------


def test_import_prints_the_report_and_stores_the_file(admin_user: Any) -> None:
    out, _err = command("import", str(EXAMPLE))
    assert out.startswith("Importeret.")
    assert "Klynger: 2 oprettet, 0 ændret, 0 uændret" in out
    assert "memberships[3]: Medlemskab 100003 i K1 fra 2019-06-01 til 2020-04-01 oprettet" in out
    assert GpCluster.objects.count() == 2 and Membership.objects.count() == 5


def test_import_dry_run_stores_nothing(admin_user: Any) -> None:
    out, _err = command("import", str(EXAMPLE), "--dry-run")
    assert out.startswith("Prøvekørsel: intet er gemt.")
    assert "Medlemskaber: 5 oprettet" in out
    assert GpCluster.objects.count() == Practice.objects.count() == Membership.objects.count() == 0


def test_import_again_says_nothing_changes(admin_user: Any) -> None:
    command("import", str(EXAMPLE))
    out, _err = command("import", str(EXAMPLE))
    assert "Intet at ændre" in out and "Medlemskaber: 0 oprettet, 0 ændret, 5 uændret" in out


def test_import_in_english(admin_user: Any) -> None:
    out, _err = command("import", str(EXAMPLE), "--dry-run", "--lang", "en")
    assert out.startswith("Dry run: nothing has been saved.")
    assert "Clusters: 2 created, 0 updated, 0 unchanged" in out


def test_a_rejected_file_exits_1_and_lists_every_problem(admin_user: Any, tmp_path: Path) -> None:
    err = io.StringIO()
    with pytest.raises(CommandError) as info:
        call_command("import", bad_example(tmp_path), stdout=io.StringIO(), stderr=err)
    assert info.value.returncode == 1
    assert "Filen er afvist; intet er gemt. 2 problemer" in str(info.value)
    assert "memberships[3]" in err.getvalue() and "clusters[1].region" in err.getvalue()
    assert GpCluster.objects.count() == 0


def test_a_rejected_file_in_english(admin_user: Any, tmp_path: Path) -> None:
    err = io.StringIO()
    with pytest.raises(CommandError) as info:
        call_command("import", bad_example(tmp_path), "--lang", "en", stdout=io.StringIO(), stderr=err)
    assert "The file is rejected; nothing has been saved. 2 problems" in str(info.value)
    assert "The region code '1099' does not exist" in err.getvalue()


@pytest.mark.parametrize(
    ("content", "expected"),
    [
        (b"this is not json", "ikke gyldig JSON"),
        (b"\xff\xfe\x00", "ikke UTF-8"),
        (b"[1, 2]", "ét JSON-objekt"),
        (b'{"format": "klynge-health/1"}', "klynge-scenario/1"),
    ],
)
def test_hostile_files_exit_1_with_a_clean_message(
    admin_user: Any, tmp_path: Path, content: bytes, expected: str
) -> None:
    path = tmp_path / "bad.json"
    path.write_bytes(content)
    err = io.StringIO()
    with pytest.raises(CommandError) as info:
        call_command("import", str(path), stdout=io.StringIO(), stderr=err)
    assert info.value.returncode == 1
    assert expected in err.getvalue()


def test_a_missing_file_is_a_clean_error(admin_user: Any, tmp_path: Path) -> None:
    with pytest.raises(CommandError, match="kan ikke læses"):
        command("import", str(tmp_path / "findes-ikke.json"))


def test_import_as_a_named_user(officer: Any, admin_user: Any, make_user: Any, other_region: Any) -> None:
    command("import", str(EXAMPLE), "--user", "officer")
    assert Membership.objects.count() == 5
    make_user("region_officer", username="midt", region=other_region)
    with pytest.raises(CommandError) as info:
        call_command("import", str(EXAMPLE), "--user", "midt", stdout=io.StringIO(), stderr=io.StringIO())
    assert info.value.returncode == 1
    with pytest.raises(CommandError, match="ingen aktiv bruger"):
        command("import", str(EXAMPLE), "--user", "nobody")


def test_import_without_any_administrator_says_how_to_make_one(db: Any) -> None:
    with pytest.raises(CommandError, match="createsuperuser"):
        command("import", str(EXAMPLE))


def test_a_large_import_shows_progress_on_stderr(admin_user: Any, tmp_path: Path) -> None:
    n = 600
    data = {
        "format": "klynge-scenario/1",
        "clusters": [
            {
                "id": "BIG",
                "name": "Stor klynge",
                "region": "1081",
                "cvr": "29403473",
                "founded_on": "2019-01-01",
            }
        ],
        "practices": [
            {
                "provider_number": f"{200000 + i}",
                "name": f"Praksis {i}",
                "capacities": [{"from": "2019-01-01", "count": 2}],
            }
            for i in range(n)
        ],
        "memberships": [
            {"practice": f"{200000 + i}", "cluster": "BIG", "joined": "2019-01-01"} for i in range(n)
        ],
    }
    out, err = command("import", write(tmp_path, data))
    assert f"Medlemskaber: {n} oprettet" in out
    assert "Importerer: " in err and err.strip().splitlines()[-1] == f"Importerer: {1 + 3 * n}/{1 + 3 * n}"
    assert Membership.objects.count() == n


# --- export -----------------------------------------------------------------------------------------


def test_export_writes_the_scenario_to_stdout(admin_user: Any) -> None:
    command("import", str(EXAMPLE))
    out, _err = command("export")
    document = json.loads(out)
    assert document["format"] == "klynge-scenario/1"
    assert [c["id"] for c in document["clusters"]] == ["K1", "K2"]


def test_export_to_a_file_and_by_region(admin_user: Any, tmp_path: Path) -> None:
    command("import", str(EXAMPLE))
    target = tmp_path / "ud.json"
    _out, err = command("export", "--output", str(target), "--region", "1081")
    assert "Skrev 2 klynger, 4 praksis, 5 medlemskaber" in err
    assert len(json.loads(target.read_text(encoding="utf-8"))["memberships"]) == 5
    out, _err = command("export", "--region", "1082")
    assert json.loads(out)["clusters"] == []
    with pytest.raises(CommandError, match="Ukendt region"):
        command("export", "--region", "9999")


def test_export_as_a_user_shows_only_their_clusters(
    admin_user: Any, make_user: Any, other_region: Any
) -> None:
    command("import", str(EXAMPLE))
    make_user("region_officer", username="midt", region=other_region)
    out, _err = command("export", "--user", "midt")
    assert json.loads(out)["clusters"] == []


# --- The real command line, in a process of its own --------------------------------------------------


def klynge(*args: str, env: dict[str, str], stdin: bytes | None = None) -> subprocess.CompletedProcess[bytes]:
    return subprocess.run(
        [str(KLYNGE), *args], env=env, input=stdin, capture_output=True, timeout=300, check=False
    )


@pytest.fixture
def cli_env(tmp_path: Path) -> dict[str, str]:
    env = {**os.environ, "KLYNGE_DATA_DIR": str(tmp_path), "DJANGO_DEBUG": "1"}
    env["DATABASE_URL"] = f"sqlite:///{tmp_path / 'cli.sqlite3'}"
    return env


def test_the_command_line_exits_1_on_a_hostile_file_without_a_traceback(
    cli_env: dict[str, str], tmp_path: Path
) -> None:
    path = tmp_path / "bad.json"
    path.write_bytes(b"[" * 200_000)
    result = klynge("import", str(path), env=cli_env)
    assert result.returncode == 1
    stderr = result.stderr.decode()
    assert "Traceback" not in stderr and "dybere end" in stderr


@pytest.mark.skipif(not KLYNGE.exists(), reason="the klynge script is not installed")
def test_the_command_line_imports_and_exports_with_exit_codes(
    cli_env: dict[str, str], tmp_path: Path
) -> None:
    assert klynge("migrate", "--no-input", "-v", "0", env=cli_env).returncode == 0
    assert klynge("demo", "--quiet-if-present", env=cli_env).returncode == 0
    ok = klynge("import", str(EXAMPLE), "--user", "admin", env=cli_env)
    assert ok.returncode == 0, ok.stderr.decode()
    assert "Importeret." in ok.stdout.decode()
    rejected = klynge("import", bad_example(tmp_path), env=cli_env)
    assert rejected.returncode == 1 and "Traceback" not in rejected.stderr.decode()
    assert "clusters[1].region" in rejected.stderr.decode()
    exported = klynge("export", "--region", "1081", env=cli_env)
    assert exported.returncode == 0
    ids = {c["id"] for c in json.loads(exported.stdout)["clusters"]}
    assert {"K1", "K2", "K-AALBORG-OST"} <= ids
