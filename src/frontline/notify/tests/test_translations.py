"""The notify catalogs: every string has a Simplified Chinese translation with the same
placeholders, and nothing is left fuzzy."""

from __future__ import annotations

import re
from pathlib import Path

import polib
import pytest

LOCALE = Path(__file__).resolve().parent.parent / "locale"
PLACEHOLDER = re.compile(r"%\(\w+\)s")


@pytest.mark.parametrize("language", ["zh_Hans", "en"])
def test_no_fuzzy_entries(language):
    catalog = polib.pofile(str(LOCALE / language / "LC_MESSAGES" / "django.po"))
    assert not catalog.fuzzy_entries()
    assert not catalog.metadata_is_fuzzy


def test_every_string_is_translated_to_chinese_with_the_same_placeholders():
    catalog = polib.pofile(str(LOCALE / "zh_Hans" / "LC_MESSAGES" / "django.po"))
    assert len(catalog) > 100
    assert catalog.untranslated_entries() == []
    for entry in catalog:
        translations = (entry.msgstr_plural.values() if entry.msgid_plural
                        else [entry.msgstr])
        for text in translations:
            assert sorted(PLACEHOLDER.findall(text)) == sorted(
                PLACEHOLDER.findall(entry.msgid)), entry.msgid
