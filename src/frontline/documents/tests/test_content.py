"""The real texts: every kind in Chinese and in the 12 other traveller languages, with the same
placeholders as the source in every segment; the demo loads them waiting for review."""

from __future__ import annotations

import io
import json
from collections import Counter
from pathlib import Path

import pytest

from frontline.documents import demo
from frontline.documents.kinds import ISSUABLE_KINDS, KIND_SPECS, DocumentKind, target_languages
from frontline.documents.models import (
    DocumentTemplate,
    GlossaryTerm,
    PrintRun,
    Translation,
    TranslationState,
)
from frontline.documents.textformat import parse_body, placeholders

CONTENT = Path(__file__).resolve().parent.parent / "content"


def load(name):
    return json.loads((CONTENT / name).read_text(encoding="utf-8"))


SOURCE = load("zh-hans.json")


def test_every_kind_has_a_chinese_source_within_its_placeholders():
    assert set(SOURCE) == set(ISSUABLE_KINDS)
    for kind, text in SOURCE.items():
        segments = parse_body(text["body"])
        used = set(placeholders(text["title"])) | {p for s in segments for p in placeholders(
            s.text)}
        assert used <= KIND_SPECS[kind].placeholders, kind
        assert KIND_SPECS[kind].required <= used, kind
        assert "东城区" in text["body"] or kind in ("returnee_registration_form",
                                                  "warm_reminder_card", "hotel_checkin_notes",
                                                  "health_commitment"), kind


@pytest.mark.parametrize("language", target_languages())
def test_translations_keep_every_placeholder_of_every_segment(language):
    translations = load(f"{language}.json")
    assert set(translations) == set(SOURCE)
    for kind, text in translations.items():
        source = parse_body(SOURCE[kind]["body"])
        assert len(text["segments"]) == len(source), (language, kind)
        assert text["title"].strip(), (language, kind)
        for i, (segment, target) in enumerate(zip(source, text["segments"], strict=True)):
            assert target.strip(), (language, kind, i)
            assert Counter(placeholders(segment.text)) == Counter(placeholders(target)), (
                language, kind, i)


def test_glossary_file_covers_the_key_terms():
    terms = {t["source"]: t for t in load("glossary.json")}
    for term in ("集中医学观察", "居家医学观察", "结束观察期证明", "健康监测", "入境人员", "区外办"):
        assert term in terms and terms[term]["equivalents"].get("en"), term
    assert "quarantine" in terms["集中医学观察"]["forbidden"]["en"]


@pytest.mark.django_db
def test_demo_loads_everything_waiting_for_review_and_twice_changes_nothing(tree):
    out = io.StringIO()
    demo.load(stdout=out)
    assert DocumentTemplate.objects.filter(jurisdiction_code="110101").count() == 11
    states = Counter(Translation.objects.values_list("state", flat=True))
    assert states == {TranslationState.TRANSLATED: 132}  # never approved by the loader
    assert not Translation.objects.exclude(findings=[]).exists()  # all checks pass
    assert GlossaryTerm.objects.count() == len(load("glossary.json"))
    runs = {r.kind: r for r in PrintRun.objects.all()}
    assert runs[DocumentKind.POSTER].quantity == 1500
    assert runs[DocumentKind.REMINDER_CARD].quantity == 7000
    assert runs[DocumentKind.REMINDER_CARD].languages == ["en", "ja", "ko"]
    counts = (DocumentTemplate.objects.count(), Translation.objects.count(),
              PrintRun.objects.count(), GlossaryTerm.objects.count())
    demo.load(stdout=io.StringIO())
    assert counts == (DocumentTemplate.objects.count(), Translation.objects.count(),
                      PrintRun.objects.count(), GlossaryTerm.objects.count())
    assert "132 translations waiting for review" in out.getvalue()


def test_a_nationality_given_as_a_code_is_named_in_each_language_of_the_document():
    import datetime

    from frontline.documents.kinds import kind_spec
    from frontline.documents.services.preparing import values_for

    spec = kind_spec(DocumentKind.END_CERTIFICATE)
    names = {language: values_for(spec, {"nationality": "IT", "hotel": "东城宾馆"}, language,
                                  serial="x", issued_on=datetime.date(2026, 11, 30),
                                  office_phone="")["nationality"]
             for language in ("zh-hans", "en", "fr", "ar")}
    assert names == {"zh-hans": "意大利", "en": "Italy", "fr": "Italie", "ar": "إيطاليا"}
    typed = values_for(spec, {"nationality": "Italienisch"}, "en", serial="x",
                       issued_on=datetime.date(2026, 11, 30), office_phone="")
    assert typed["nationality"] == "Italienisch"  # typed by hand: printed as typed


def test_the_certificate_no_longer_says_centralised_whatever_the_observation():
    """It is issued for home observation too: the wording says medical observation."""
    content = Path(__file__).resolve().parents[1] / "content"
    source = json.loads((content / "zh-hans.json").read_text())["observation_end_certificate"]
    assert "集中" not in source["body"]
    english = json.loads((content / "en.json").read_text())["observation_end_certificate"]
    assert not any("centralised" in s for s in english["segments"])
