"""The checks that run on every save and block approval: placeholders, glossary (also in
languages without spaces), forbidden translations, untranslatable terms, card lengths."""

from __future__ import annotations

from frontline.documents.checks import (
    TITLE,
    WHOLE,
    GlossaryRule,
    check_source,
    check_translation,
    contains_term,
    terms_in_source,
)
from frontline.documents.kinds import DocumentKind, kind_spec
from frontline.documents.textformat import join_body, parse_body, substitute

CERT = kind_spec(DocumentKind.END_CERTIFICATE)
CARD = kind_spec(DocumentKind.REMINDER_CARD)
SOURCE = parse_body("兹证明 {name} 自 {start_date} 至 {end_date} 接受集中医学观察。\n> {issue_date}")
GOOD = ["{name} underwent centralised medical observation from {start_date} to {end_date}.",
        "{issue_date}"]
OBSERVATION = GlossaryRule(
    "集中医学观察",
    approved={"en": ("centralised medical observation",), "ja": ("集中医学観察",),
              "zh-hant": ("集中醫學觀察",), "ko": ("집중 의학 관찰",),
              "ar": ("الملاحظة الطبية المركزية",)},
    forbidden={"en": ("quarantine",)})


def codes(findings):
    return [(f.code, f.segment, f.params) for f in findings]


def run(segments, *, language="en", title="Certificate", rules=(OBSERVATION,), spec=CERT,
        source=SOURCE, source_title="结束观察期证明"):
    return check_translation(source_title=source_title, source_segments=source, title=title,
                             segments=segments, language=language, spec=spec, rules=list(rules))


def test_a_faithful_translation_has_no_finding():
    assert run(GOOD) == []


def test_missing_placeholder():
    segments = ["{name} underwent centralised medical observation until {end_date}.",
                "{issue_date}"]
    assert codes(run(segments)) == [("placeholder_missing", 0, {"placeholder": "start_date"})]


def test_extra_placeholder():
    segments = [GOOD[0], "{issue_date} {serial}"]
    assert codes(run(segments)) == [("placeholder_extra", 1, {"placeholder": "serial"})]


def test_renamed_placeholder():
    segments = ["{name} underwent centralised medical observation from {start_day} to "
                "{end_date}.", "{issue_date}"]
    assert codes(run(segments)) == [("placeholder_renamed", 0,
                                     {"old": "start_date", "new": "start_day"})]


def test_placeholder_moved_to_another_segment_is_caught_in_both():
    segments = ["{name} underwent centralised medical observation from {start_date} to "
                "{end_date}, {issue_date}.", "—"]
    found = codes(run(segments))
    assert ("placeholder_extra", 0, {"placeholder": "issue_date"}) in found
    assert ("placeholder_missing", 1, {"placeholder": "issue_date"}) in found


def test_malformed_braces_and_full_width_braces():
    for bad in ("{ name } underwent", "{Name} underwent", "｛name｝ underwent"):
        segments = [bad + " centralised medical observation from {start_date} to {end_date}.",
                    "{issue_date}"]
        found = [c for c, _s, _p in codes(run(segments))]
        assert "placeholder_malformed" in found or "placeholder_missing" in found, bad
        assert "placeholder_malformed" in found, bad


def test_empty_segment_and_title_block_approval():
    found = codes(run([GOOD[0], ""], title=""))
    assert ("segment_empty", TITLE, {}) in found
    assert ("segment_empty", 1, {}) in found


def test_segment_count_mismatch():
    found = codes(run([GOOD[0]]))
    assert ("segment_count", WHOLE, {"source": 2, "target": 1}) in found


def test_glossary_term_must_use_the_approved_equivalent():
    segments = ["{name} stayed in a hotel from {start_date} to {end_date}.", "{issue_date}"]
    assert codes(run(segments)) == [("glossary_missing", 0, {
        "term": "集中医学观察", "expected": "centralised medical observation"})]


def test_glossary_forbidden_translation():
    segments = ["{name} was in quarantine (centralised medical observation) from {start_date} "
                "to {end_date}.", "{issue_date}"]
    assert codes(run(segments)) == [("glossary_forbidden", 0, {
        "term": "集中医学观察", "forbidden": "quarantine"})]


def test_english_terms_match_whole_words_only():
    assert contains_term("Centralised  Medical\nObservation ends", "centralised medical observation",
                         "en")
    assert not contains_term("decentralised medical observations", "centralised medical "
                             "observation", "en")
    assert not contains_term("quarantined", "quarantine", "en")


def test_japanese_term_found_without_spaces():
    source = parse_body("自 {start_date} 至 {end_date} 接受集中医学观察期间不得外出。")
    good = ["{start_date}から{end_date}までの集中医学観察期間中は外出しないでください。"]
    bad = ["{start_date}から{end_date}まで隔離期間中は外出しないでください。"]
    assert run(good, language="ja", title="証明", source=source) == []
    assert codes(run(bad, language="ja", title="証明", source=source)) == [
        ("glossary_missing", 0, {"term": "集中医学观察", "expected": "集中医学観察"})]


def test_chinese_term_found_without_spaces():
    source = parse_body("您须接受集中医学观察十四天。")
    assert run(["您須接受集中醫學觀察十四天。"], language="zh-hant", title="證明",
               source=source) == []
    assert codes(run(["您須接受集中隔離十四天。"], language="zh-hant", title="證明",
                     source=source)) == [("glossary_missing", 0, {
                         "term": "集中医学观察", "expected": "集中醫學觀察"})]


def test_korean_term_may_carry_a_particle():
    source = parse_body("接受集中医学观察。")
    assert run(["집중 의학 관찰을 받습니다."], language="ko", title="증명", source=source) == []
    assert codes(run(["격리를 받습니다."], language="ko", title="증명", source=source))


def test_arabic_term_may_carry_a_proclitic():
    source = parse_body("接受集中医学观察。")
    assert run(["يلتزم بالملاحظة الطبية المركزية."], language="ar", title="شهادة",
               source=source) == []


def test_source_terms_longest_first_hide_shorter_ones():
    short = GlossaryRule("医学观察", approved={"en": ("medical observation",)})
    long = GlossaryRule("集中医学观察", approved={"en": ("centralised medical observation",)})
    assert terms_in_source("接受集中医学观察", [short, long]) == [long]
    assert terms_in_source("接受医学观察和集中医学观察", [short, long]) == [long, short]


def test_do_not_translate_term_must_stay_unchanged():
    rule = GlossaryRule("健康宝", do_not_translate=True)
    source = parse_body("请出示健康宝。")
    assert run(["Please show your 健康宝."], title="t", source=source, rules=[rule]) == []
    assert codes(run(["Please show your health code."], title="t", source=source,
                     rules=[rule])) == [("glossary_untranslated", 0, {"term": "健康宝"})]


def test_card_length_limit_counts_wide_characters_double():
    source = parse_body("请戴口罩。")
    long = ["Wear a mask. " * 80]
    found = codes(run(long, title="Reminder", spec=CARD, source=source, rules=[]))
    assert found and found[0][0] == "too_long" and found[0][2]["limit"] == CARD.max_units
    assert run(["Wear a mask."], title="Reminder", spec=CARD, source=source, rules=[]) == []
    assert check_source(title="温馨提示", segments=parse_body("请" * 460), spec=CARD)


def test_source_may_only_use_the_kinds_placeholders():
    problems = check_source(title="t", segments=parse_body("房间 {room}"),
                            spec=kind_spec(DocumentKind.OPEN_LETTER))
    assert problems and "{room}" in problems[0]
    assert check_source(title="t", segments=parse_body("电话 {office_phone}"),
                        spec=kind_spec(DocumentKind.OPEN_LETTER)) == []


def test_body_format_round_trip_and_substitution():
    body = "# 标题\n- 一项\n? 姓名：{name}\n> 东城区外办\n正文"
    segments = parse_body(body)
    assert [s.role for s in segments] == ["heading", "item", "field", "signature", "paragraph"]
    assert join_body(segments) == body
    assert substitute("姓名：{name}，房间：{room}", {"name": "A"}) == [
        ("姓名：", False), ("A", True), ("，房间：", False), ("", True)]


def test_a_value_ending_in_a_full_stop_takes_the_texts_one():
    parts = substitute("по {end_date}. Далее", {"end_date": "30 ноября 2026 г."})
    assert "".join(text for text, _value in parts) == "по 30 ноября 2026 г. Далее"
    parts = substitute("until {end_date}. Then", {"end_date": "30 November 2026"})
    assert "".join(text for text, _value in parts) == "until 30 November 2026. Then"
    parts = substitute("{a}... and", {"a": "etc."})  # an ellipsis is left as written
    assert "".join(text for text, _value in parts) == "etc.... and"
