"""Project-level checks the pages rely on: no missing migrations, a complete English catalogue."""

from __future__ import annotations

from io import StringIO
from pathlib import Path

import polib
from django.conf import settings
from django.core.management import call_command


def test_the_models_need_no_new_migration(db: object) -> None:
    out = StringIO()
    call_command("makemigrations", "--check", "--dry-run", stdout=out)
    assert "No changes detected" in out.getvalue()


def test_every_danish_string_in_the_catalogue_has_an_english_translation() -> None:
    po_path = Path(settings.LOCALE_PATHS[0]) / "en" / "LC_MESSAGES" / "django.po"
    catalogue = polib.pofile(str(po_path))
    untranslated = [e.msgid for e in catalogue.untranslated_entries()]
    fuzzy = [e.msgid for e in catalogue.fuzzy_entries()]
    assert untranslated == [], untranslated
    assert fuzzy == [], fuzzy
