"""The documents catalogs: every staff string has a Simplified Chinese translation with the
same placeholders, nothing is fuzzy, and the pages really show Chinese."""

from __future__ import annotations

import re
from pathlib import Path

import polib
import pytest
from django.urls import reverse
from django.utils import translation

LOCALE = Path(__file__).resolve().parent.parent / "locale"
PLACEHOLDER = re.compile(r"%\(\w+\)s|\{\w+\}")


@pytest.mark.parametrize("language", ["zh_Hans", "en"])
def test_no_fuzzy_entries(language):
    catalog = polib.pofile(str(LOCALE / language / "LC_MESSAGES" / "django.po"))
    assert not catalog.fuzzy_entries()
    assert not catalog.metadata_is_fuzzy


def test_every_string_is_translated_to_chinese_with_the_same_placeholders():
    catalog = polib.pofile(str(LOCALE / "zh_Hans" / "LC_MESSAGES" / "django.po"))
    assert catalog.metadata["Plural-Forms"].startswith("nplurals=1")
    assert len(catalog) > 300
    assert catalog.untranslated_entries() == []
    for entry in catalog:
        texts = entry.msgstr_plural.values() if entry.msgid_plural else [entry.msgstr]
        for text in texts:
            assert sorted(PLACEHOLDER.findall(text)) == sorted(PLACEHOLDER.findall(
                entry.msgid)), entry.msgid


@pytest.mark.django_db
def test_pages_speak_chinese(tree, settings):
    settings.LANGUAGE_CODE = "zh-hans"
    with translation.override("zh-hans"):
        body = tree.client("translator").get(reverse("documents:template_list"),
                                             HTTP_ACCEPT_LANGUAGE="zh-hans").content.decode()
    assert "文件模板" in body and "翻译任务" in body
