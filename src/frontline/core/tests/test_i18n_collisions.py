"""No two gettext catalogs translate the same message differently.

Django merges every app's catalog (and the project's, under LOCALE_PATHS) into one per
language, so when two catalogs give the same (msgctxt, msgid) different translations only one
of them is shown everywhere. An app whose wording differs must use a message context
(`pgettext`, `{% translate "..." context "..." %}`) instead.
"""

from __future__ import annotations

from collections import defaultdict
from pathlib import Path

import polib
import pytest

import frontline

SRC = Path(frontline.__file__).resolve().parent
LANGUAGES = ["zh_Hans"]


def _catalogs(language: str) -> list[Path]:
    return sorted(SRC.glob(f"**/locale/{language}/LC_MESSAGES/django.po"))


def _name(po: Path) -> str:
    rel = po.relative_to(SRC)
    return "project" if rel.parts[0] == "locale" else rel.parts[0]


def _translations(entry: polib.POEntry) -> tuple[str, ...]:
    if entry.msgid_plural:
        return tuple(entry.msgstr_plural[k] for k in sorted(entry.msgstr_plural))
    return (entry.msgstr,)


def collisions(language: str) -> list[str]:
    seen: dict[tuple[str | None, str], dict[tuple[str, ...], list[str]]] = defaultdict(
        lambda: defaultdict(list)
    )
    for po in _catalogs(language):
        for entry in polib.pofile(str(po)):
            if entry.obsolete or entry.fuzzy or not entry.msgid:
                continue
            strings = _translations(entry)
            if not any(s.strip() for s in strings):
                continue
            seen[(entry.msgctxt, entry.msgid)][strings].append(_name(po))
    found = []
    for (context, msgid), variants in sorted(seen.items(), key=lambda kv: (kv[0][1], kv[0][0] or "")):
        if len(variants) > 1:
            where = "; ".join(f"{'/'.join(apps)}: {' | '.join(s)!r}" for s, apps in variants.items())
            label = f"{context!r} {msgid!r}" if context else repr(msgid)
            found.append(f"{label} -> {where}")
    return found


def test_catalogs_are_found():
    names = {_name(po) for po in _catalogs("zh_Hans")}
    assert {"project", "core", "people", "observation"} <= names


@pytest.mark.parametrize("language", LANGUAGES)
def test_no_two_catalogs_translate_a_message_differently(language):
    found = collisions(language)
    assert not found, (
        f"{len(found)} messages are translated differently by two {language} catalogs; only one "
        "wording is shown everywhere. Give the losing usages a message context "
        "(pgettext / `context`):\n" + "\n".join(found)
    )
