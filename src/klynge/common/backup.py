"""Backups (#10): one file with a consistent copy of the database and the uploaded documents.

The file is a gzip'ed tar archive (``klynge-backup/1``):

- ``klynge-backup.json``: format, when, which database (``sqlite`` or ``postgresql``), the app version;
- ``database.sqlite3``: SQLite's online backup API, a consistent copy taken while the app runs; or
  ``database.pgdump``: ``pg_dump --format=custom``, one consistent snapshot (restored by ``pg_restore``);
- ``documents/...``: the uploaded documents.

The database is copied first and the documents after it. Documents are only ever added (a removed
document keeps its file, for the audit trail), so every document the copied database names is in the
archive; a document uploaded in between is an extra file nobody refers to.

A backup is restored into an empty database (no tables) with an empty documents folder, never over
existing data.
"""

from __future__ import annotations

import datetime as dt
import io
import json
import os
import shutil
import sqlite3
import subprocess
import tarfile
import tempfile
from dataclasses import dataclass
from pathlib import Path, PurePosixPath
from typing import Any

from django.db import connection

import klynge

FORMAT = "klynge-backup/1"
MANIFEST = "klynge-backup.json"
DOCUMENTS = "documents"
DATABASE_FILES = {"sqlite": "database.sqlite3", "postgresql": "database.pgdump"}


class BackupError(Exception):
    """A refusal with one line for the operator."""


@dataclass(frozen=True)
class Summary:
    vendor: str
    documents: int
    path: Path


def document_root() -> Path:
    from klynge.registry.models import document_storage

    return Path(document_storage.location)


def _vendor() -> str:
    if connection.vendor not in DATABASE_FILES:
        raise BackupError(f"klynge backup kan ikke tage backup af en {connection.vendor}-database.")
    return connection.vendor


def _pg_env() -> dict[str, str]:
    """libpq's environment for pg_dump / pg_restore, so no password is on a command line."""
    db = connection.settings_dict
    env = dict(os.environ)
    for key, value in {
        "PGHOST": db.get("HOST"),
        "PGPORT": db.get("PORT"),
        "PGUSER": db.get("USER"),
        "PGPASSWORD": db.get("PASSWORD"),
        "PGDATABASE": db.get("NAME"),
        "PGSSLMODE": (db.get("OPTIONS") or {}).get("sslmode"),
    }.items():
        if value:
            env[key] = str(value)
    return env


def _pg_tool(name: str) -> str:
    found = shutil.which(name)
    if not found:
        raise BackupError(
            f"klynge: {name} findes ikke på maskinen; installér Debians pakke postgresql-client (bin/setup)."
        )
    return found


def _run(command: list[str]) -> None:
    result = subprocess.run(command, env=_pg_env(), capture_output=True, text=True, check=False)  # noqa: S603
    if result.returncode != 0:
        message = (result.stderr or result.stdout).strip().splitlines()
        raise BackupError(
            f"klynge: {Path(command[0]).name} fejlede: {message[0] if message else result.returncode}"
        )


def _copy_database(vendor: str, target: Path) -> None:
    if vendor == "sqlite":
        connection.ensure_connection()
        copy = sqlite3.connect(target)
        try:
            connection.connection.backup(copy)  # the online backup API: consistent while others write
        finally:
            copy.close()
    else:
        _run([_pg_tool("pg_dump"), "--format=custom", "--no-owner", "--no-privileges", f"--file={target}"])


def backup(path: Path) -> Summary:
    """Write the backup file at ``path`` (refused if it exists; written to a temporary name first)."""
    if path.exists():
        raise BackupError(
            f"klynge: {path} findes allerede; vælg et nyt filnavn (backuppen overskriver intet)."
        )
    vendor = _vendor()
    path.parent.mkdir(parents=True, exist_ok=True)
    documents = 0
    with tempfile.TemporaryDirectory(prefix="klynge-backup-") as work:
        database = Path(work) / DATABASE_FILES[vendor]
        _copy_database(vendor, database)
        partial = path.with_name(f".{path.name}.partial")
        try:
            # only the owner may read it: it holds password hashes, two-factor secrets and documents
            os.close(os.open(partial, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600))
            with tarfile.open(partial, "w:gz") as archive:
                manifest = {
                    "format": FORMAT,
                    "created": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
                    "database": vendor,
                    "klynge": klynge.__version__,
                }
                _add_bytes(archive, MANIFEST, json.dumps(manifest, indent=2).encode())
                archive.add(database, arcname=DATABASE_FILES[vendor])
                root = document_root()
                if root.is_dir():
                    for file in sorted(p for p in root.rglob("*") if p.is_file()):
                        archive.add(file, arcname=f"{DOCUMENTS}/{file.relative_to(root).as_posix()}")
                        documents += 1
            partial.replace(path)
        finally:
            partial.unlink(missing_ok=True)
    return Summary(vendor=vendor, documents=documents, path=path)


def _add_bytes(archive: tarfile.TarFile, name: str, data: bytes) -> None:
    info = tarfile.TarInfo(name)
    info.size = len(data)
    info.mtime = int(dt.datetime.now(dt.UTC).timestamp())
    archive.addfile(info, io.BytesIO(data))


def _read_manifest(archive: tarfile.TarFile) -> dict[str, Any]:
    try:
        member = archive.extractfile(MANIFEST)
        manifest = json.load(member) if member else None
    except (KeyError, ValueError):
        manifest = None
    if not isinstance(manifest, dict) or manifest.get("format") != FORMAT:
        raise BackupError(f"klynge: filen er ikke en backup fra klynge backup ({FORMAT}).")
    return manifest


def _safe_relative(name: str) -> PurePosixPath:
    relative = PurePosixPath(name).relative_to(DOCUMENTS)
    if relative.is_absolute() or ".." in relative.parts or not relative.parts:
        raise BackupError(f"klynge: backuppen indeholder en ugyldig sti: {name}")
    return relative


def restore(path: Path) -> Summary:
    """Restore ``path`` into the configured database, which must have no tables, and the documents
    folder, which must hold no files."""
    vendor = _vendor()
    try:
        archive = tarfile.open(path, "r:gz")  # noqa: SIM115 - closed by the with below
    except (OSError, tarfile.TarError) as exc:
        raise BackupError(f"klynge: {path} kan ikke læses som en backup ({exc}).") from exc
    with archive:
        manifest = _read_manifest(archive)
        if manifest.get("database") != vendor:
            raise BackupError(
                f"klynge: backuppen er af en {manifest.get('database')}-database; "
                f"den kan kun lægges tilbage i samme slags database (ikke {vendor})."
            )
        tables = connection.introspection.table_names()
        if tables:
            raise BackupError(
                f"klynge: databasen er ikke tom ({len(tables)} tabeller); en backup lægges kun tilbage "
                "i en tom database. Opret en ny database, og peg DATABASE_URL på den."
            )
        root = document_root()
        if root.is_dir() and any(p.is_file() for p in root.rglob("*")):
            raise BackupError(
                f"klynge: dokumentmappen {root} er ikke tom; en backup lægges kun tilbage i en tom."
            )

        with tempfile.TemporaryDirectory(prefix="klynge-restore-") as work:
            database = Path(work) / DATABASE_FILES[vendor]
            member = archive.extractfile(DATABASE_FILES[vendor])
            if member is None:
                raise BackupError("klynge: backuppen mangler databasen.")
            with database.open("wb") as out:
                shutil.copyfileobj(member, out)
            _restore_database(vendor, database)

        documents = 0
        for info in archive.getmembers():
            if not info.name.startswith(f"{DOCUMENTS}/") or not info.isfile():
                continue
            target = root / _safe_relative(info.name)
            target.parent.mkdir(parents=True, exist_ok=True)
            source = archive.extractfile(info)
            assert source is not None
            with target.open("wb") as out:
                shutil.copyfileobj(source, out)
            documents += 1
    return Summary(vendor=vendor, documents=documents, path=path)


def _restore_database(vendor: str, database: Path) -> None:
    if vendor == "sqlite":
        connection.ensure_connection()
        source = sqlite3.connect(database)
        try:
            source.backup(connection.connection)
        finally:
            source.close()
        connection.close()
    else:
        connection.close()  # pg_restore works on its own connection
        _run(
            [
                _pg_tool("pg_restore"),
                "--no-owner",
                "--no-privileges",
                "--exit-on-error",
                "--single-transaction",
                f"--dbname={connection.settings_dict['NAME']}",
                str(database),
            ]
        )
