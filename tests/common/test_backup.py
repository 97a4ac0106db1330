"""`klynge backup` / `klynge restore` (#10), on the database the suite runs on (SQLite or PostgreSQL).

The demo (clusters, documents, released payout runs posted in the ledger, health clusters) is built in
a database of its own, backed up while nothing else changes, restored into a fresh, empty database
with an empty documents folder, and then `klynge export`, every ledger's balances, the counts of every
table and the documents must be identical. Everything runs as the operator would: the real commands
in subprocesses."""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import stat
import subprocess
import sys
import tarfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit, urlunsplit

import pytest
from django.db import connection

KLYNGE = [sys.executable, "-m", "klynge"]

FIGURES = """
import json
from django.apps import apps
from klynge.ledger.models import JournalEntry, Ledger
from klynge.ledger.selectors import balances
print(json.dumps({
    "balances": {l.code: {a: str(v) for a, v in balances(l).items()} for l in Ledger.objects.all()},
    "entries": list(JournalEntry.objects.order_by("ledger__code", "voucher_number").values_list("ledger__code", "voucher_number", "posted")),
    "rows": {m._meta.label: m._default_manager.count() for m in apps.get_models()},
}, sort_keys=True))
"""


class Site:
    """One installation: a database URL and a data folder (the documents)."""

    def __init__(self, database_url: str, data: Path) -> None:
        self.env = {
            **{k: v for k, v in os.environ.items() if not k.startswith(("DJANGO_", "KLYNGE_", "PYTEST_"))},
            "DJANGO_DEBUG": "1",
            "DATABASE_URL": database_url,
            "KLYNGE_DATA_DIR": str(data),
        }
        self.documents = data / "documents"

    def run(self, *args: str, ok: bool = True) -> subprocess.CompletedProcess[str]:
        result = subprocess.run(
            [*KLYNGE, *args], env=self.env, capture_output=True, text=True, timeout=300, check=False
        )
        if ok:
            assert result.returncode == 0, f"klynge {' '.join(args)}:\n{result.stdout}\n{result.stderr}"
        return result

    def figures(self) -> dict[str, Any]:
        return json.loads(self.run("shell", "-v", "0", "-c", FIGURES).stdout.strip().splitlines()[-1])

    def export(self) -> str:
        return self.run("export").stdout

    def document_hashes(self) -> dict[str, str]:
        return {
            p.relative_to(self.documents).as_posix(): hashlib.sha256(p.read_bytes()).hexdigest()
            for p in sorted(self.documents.rglob("*"))
            if p.is_file()
        }


@contextlib.contextmanager
def postgres_databases(names: list[str]) -> Iterator[list[str]]:
    """Fresh PostgreSQL databases beside the test database (same server and user), dropped after."""
    import psycopg

    settings = connection.settings_dict
    parts = urlsplit(os.environ["DATABASE_URL"])
    admin = psycopg.connect(
        host=settings["HOST"] or None,
        port=settings["PORT"] or None,
        user=settings["USER"] or None,
        password=settings["PASSWORD"] or None,
        dbname="postgres",
        autocommit=True,
    )
    try:
        for name in names:
            admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
            admin.execute(f'CREATE DATABASE "{name}"')
        yield [urlunsplit(parts._replace(path=f"/{name}")) for name in names]
    finally:
        for name in names:
            admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        admin.close()


@pytest.fixture
def sites(tmp_path: Path) -> Iterator[tuple[Site, Site]]:
    """A source installation and a fresh one to restore into, on the suite's kind of database."""
    if connection.vendor == "sqlite":
        urls = [f"sqlite:///{tmp_path / name / 'klynge.sqlite3'}" for name in ("source", "restored")]
        yield Site(urls[0], tmp_path / "source"), Site(urls[1], tmp_path / "restored")
        return
    base = connection.settings_dict["NAME"].removeprefix("test_")
    with postgres_databases([f"{base}_backup_source", f"{base}_backup_restored"]) as urls:
        yield Site(urls[0], tmp_path / "source"), Site(urls[1], tmp_path / "restored")


def test_a_backup_restored_into_a_fresh_database_has_the_same_export_and_ledger(
    sites: tuple[Site, Site], tmp_path: Path
) -> None:
    source, restored = sites
    source.run("migrate", "--no-input", "-v", "0")
    source.run("demo")
    before = source.figures()
    assert any(entries for entries in before["balances"].values()), "the demo posts to the ledger"
    assert source.document_hashes(), "the demo uploads documents"

    backup = tmp_path / "klynge-backup.tar.gz"
    out = source.run("backup", str(backup)).stdout
    vendor = connection.vendor
    assert f"Backup skrevet: {backup} ({vendor}, {len(source.document_hashes())} dokumenter)" in out
    with tarfile.open(backup) as archive:
        names = archive.getnames()
        manifest = json.load(archive.extractfile("klynge-backup.json"))  # type: ignore[arg-type]
    assert manifest["format"] == "klynge-backup/1" and manifest["database"] == vendor
    assert ("database.sqlite3" if vendor == "sqlite" else "database.pgdump") in names
    assert stat.S_IMODE(backup.stat().st_mode) == 0o600  # password hashes and documents: owner only

    # Never over an existing file.
    again = source.run("backup", str(backup), ok=False)
    assert again.returncode == 1 and "findes allerede" in again.stderr

    out = restored.run("restore", str(backup)).stdout
    assert "Backup lagt tilbage" in out
    assert restored.figures() == before
    assert restored.export() == source.export()
    assert restored.document_hashes() == source.document_hashes()
    # The restored database is complete: no migration is missing, and the audit trail's and the
    # ledger's hash chains, balances and vouchers check out.
    assert "[ ]" not in restored.run("showmigrations").stdout
    restored.run("verify")

    # Never into a database that has tables.
    refused = restored.run("restore", str(backup), ok=False)
    assert refused.returncode == 1
    assert "databasen er ikke tom" in refused.stderr
    assert "Traceback" not in refused.stderr


def test_restore_refuses_a_file_that_is_not_a_backup(tmp_path: Path, sites: tuple[Site, Site]) -> None:
    _source, restored = sites
    bogus = tmp_path / "not-a-backup.tar.gz"
    bogus.write_bytes(b"hello")
    result = restored.run("restore", str(bogus), ok=False)
    assert result.returncode == 1
    assert "kan ikke læses som en backup" in result.stderr
    assert "Traceback" not in result.stderr
