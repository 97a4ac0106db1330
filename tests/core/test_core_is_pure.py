"""klynge.core imports only the standard library and itself: no Django, no third-party packages."""

from __future__ import annotations

import ast
import sys
from pathlib import Path

CORE = Path(__file__).resolve().parents[2] / "src" / "klynge" / "core"


def imported_modules(path: Path) -> set[str]:
    found = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            found |= {alias.name for alias in node.names}
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            found.add(node.module)
    return found


def test_core_modules_import_only_the_standard_library_and_the_core() -> None:
    modules = sorted(CORE.rglob("*.py"))  # every module under the core, subpackages included
    assert len(modules) >= 5
    offenders = {
        f"{path.name}: {name}"
        for path in modules
        for name in imported_modules(path)
        if name.split(".")[0] not in sys.stdlib_module_names and not name.startswith("klynge.core")
    }
    assert not offenders, offenders


def test_the_check_would_catch_a_django_import(tmp_path: Path) -> None:
    bad = tmp_path / "bad.py"
    bad.write_text("from django.db import models\nimport decimal\n", encoding="utf-8")
    assert imported_modules(bad) == {"django.db", "decimal"}
