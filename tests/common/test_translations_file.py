"""The English translation file has one entry per message: a message added twice (as happened when
several changes appended the same block) makes GNU msgfmt refuse the file."""

from __future__ import annotations

import re
from collections import Counter
from pathlib import Path

PO = Path(__file__).resolve().parents[2] / "src" / "klynge" / "locale" / "en" / "LC_MESSAGES" / "django.po"


def _keys(text: str) -> list[str]:
    keys = []
    for block in re.split(r"\n\n+", text.strip("\n"))[1:]:  # the first block is the header
        parts: list[str] = []
        current = None
        for line in block.split("\n"):
            if line.startswith("#"):
                continue
            found = re.match(r"(msgctxt|msgid|msgid_plural|msgstr(?:\[\d+\])?) (\".*\")$", line)
            if found:
                current = None if found.group(1).startswith("msgstr") else found.group(1)
                if current:
                    parts.append(f"{current}:{found.group(2)[1:-1]}")
            elif line.startswith('"') and current:
                parts[-1] += line[1:-1]
        keys.append("|".join(parts))
    return keys


def test_every_message_is_translated_once() -> None:
    keys = _keys(PO.read_text("utf-8"))
    assert len(keys) > 1000
    twice = [key for key, n in Counter(keys).items() if n > 1]
    assert twice == []


def test_the_check_finds_a_message_given_twice() -> None:
    entry = 'msgid "Gem"\nmsgstr "Save"'
    assert Counter(_keys(f'msgid ""\nmsgstr ""\n\n{entry}\n\n{entry}\n'))["msgid:Gem"] == 2
