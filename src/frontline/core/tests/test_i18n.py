"""Every staff-facing string has a Simplified Chinese translation, with the same placeholders.

Strings are extracted from the source the way makemessages does (Python with Babel's
extractor; templates through Django's own templatize), so the test needs no GNU gettext.
"""

from __future__ import annotations

import io
import re
from pathlib import Path

import pytest
from babel.messages.extract import extract
from babel.messages.pofile import read_po
from django.utils.translation.template import templatize

import frontline

SRC = Path(frontline.__file__).resolve().parent
KEYWORDS = {
    "_": None, "gettext": None, "gettext_lazy": None, "gettext_noop": None,
    "ngettext": (1, 2), "ngettext_lazy": (1, 2),
    "pgettext": ((1, "c"), 2), "pgettext_lazy": ((1, "c"), 2),
    "npgettext": ((1, "c"), 2, 3), "npgettext_lazy": ((1, "c"), 2, 3),
}
PLACEHOLDER = re.compile(r"%\((\w+)\)[sdifr]|\{(\w+)\}")


def _source_files():
    for path in sorted(SRC.rglob("*")):
        rel = path.relative_to(SRC)
        if {"tests", "migrations", "static"} & set(rel.parts) or "locale" in rel.parts:
            continue
        if path.suffix == ".py" and path.name not in ("conftest.py", "testing.py"):
            yield path, path.read_text()
        elif path.suffix in (".html", ".txt") and "templates" in rel.parts:
            yield path, templatize(path.read_text(), origin=str(path))


def extracted_messages() -> dict[tuple[str | None, str], str]:
    found: dict[tuple[str | None, str], str] = {}
    for path, code in _source_files():
        for lineno, message, _comments, context in extract(
            "python", io.BytesIO(code.encode()), keywords=KEYWORDS
        ):
            msgid = message[0] if isinstance(message, tuple) else message
            if msgid:
                found.setdefault((context, msgid), f"{path.relative_to(SRC)}:{lineno}")
    return found


def zh_catalog() -> dict[tuple[str | None, str], object]:
    messages: dict[tuple[str | None, str], object] = {}
    for po in SRC.glob("**/locale/zh_Hans/LC_MESSAGES/django.po"):
        with po.open("rb") as fh:
            for m in read_po(fh):
                if m.id:
                    msgid = m.id[0] if isinstance(m.id, tuple) else m.id
                    messages[(m.context, msgid)] = m
    return messages


def _translated(message) -> bool:
    if message is None or message.fuzzy:
        return False
    strings = message.string if isinstance(message.string, tuple) else (message.string,)
    return all(s.strip() for s in strings)


def test_extraction_finds_strings():
    found = extracted_messages()
    assert ("", "Sign in") in {(c or "", m) for c, m in found}, "templates are scanned"
    assert any(m == "division code" for _c, m in found), "Python sources are scanned"


def test_every_staff_string_has_a_chinese_translation():
    catalog = zh_catalog()
    missing = [f"{where}: {msgid!r}" for (context, msgid), where in extracted_messages().items()
               if not _translated(catalog.get((context, msgid)))]
    assert not missing, (f"{len(missing)} strings have no zh_Hans translation "
                         "(run `make messages` and translate):\n" + "\n".join(missing[:80]))


@pytest.mark.parametrize("po", sorted(SRC.glob("**/locale/*/LC_MESSAGES/django.po")),
                         ids=lambda p: str(p.relative_to(SRC)))
def test_translations_keep_the_placeholders(po):
    with po.open("rb") as fh:
        catalog = read_po(fh)
    wrong = []
    for m in catalog:
        if not m.id or not _translated(m):
            continue
        ids = m.id if isinstance(m.id, tuple) else (m.id,)
        strings = m.string if isinstance(m.string, tuple) else (m.string,)
        expected = {p for i in ids for p in PLACEHOLDER.findall(i)}
        for s in strings:
            if set(PLACEHOLDER.findall(s)) != expected and len(ids) == 1:
                wrong.append(f"{m.id!r} -> {s!r}")
    assert not wrong, "placeholders differ:\n" + "\n".join(wrong)
