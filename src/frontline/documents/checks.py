"""Quality checks of a translation, run on every save; any finding blocks approval.

Findings are stored as codes with parameters (not sentences), so each reader sees them in
their own language. Term matching works without spaces: in Chinese and Japanese a term is
found anywhere inside a word (`集中医学观察期间`), in Korean at the start of a word (particles
follow the noun: `집중 의학 관찰을`), in Arabic at the end of a word (proclitics precede it:
`والملاحظة`), elsewhere as whole words.
"""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass, field
from typing import Any

from django.utils.translation import gettext_lazy as _

from frontline.documents.kinds import KindSpec
from frontline.documents.textformat import (
    Segment,
    malformed_braces,
    normalise,
    placeholder_counts,
    width_units,
)

NO_SPACE_LANGUAGES = frozenset({"zh-hans", "zh-hant", "ja"})
# Korean particles follow the noun (관찰을): a term must start a word but may run on.
PREFIX_ONLY_LANGUAGES = frozenset({"ko"})
# Arabic proclitics (و، ب، ل، ال) attach before the word (والملاحظة): a term must end a word
# but may be preceded by letters.
SUFFIX_ONLY_LANGUAGES = frozenset({"ar"})
TITLE = -1  # the `segment` of a finding about the title
WHOLE = -2  # the `segment` of a finding about the whole text

MESSAGES = {
    "placeholder_missing": _("placeholder {%(placeholder)s} of the source is missing"),
    "placeholder_extra": _("placeholder {%(placeholder)s} is not in the source"),
    "placeholder_renamed": _("placeholder {%(old)s} was renamed to {%(new)s}"),
    "placeholder_malformed": _("a brace does not form a placeholder such as {name}"),
    "segment_empty": _("not translated yet"),
    "segment_count": _("the source has %(source)s segments, the translation %(target)s"),
    "glossary_missing": _("the term “%(term)s” should be translated as “%(expected)s”"),
    "glossary_forbidden": _("“%(forbidden)s” is a forbidden translation of “%(term)s”"),
    "glossary_untranslated": _("the term “%(term)s” must stay untranslated"),
    "too_long": _("the text is %(units)s units long; this kind allows %(limit)s"),
}


@dataclass(frozen=True)
class Finding:
    code: str
    segment: int
    params: dict[str, Any] = field(default_factory=dict)

    def as_dict(self) -> dict[str, Any]:
        return {"code": self.code, "segment": self.segment, "params": dict(self.params)}

    @property
    def message(self) -> str:
        return str(MESSAGES[self.code]) % self.params if self.params else str(MESSAGES[self.code])


def finding_message(data: dict[str, Any]) -> str:
    """The message of a stored finding, in the active language."""
    return Finding(data["code"], data.get("segment", WHOLE), data.get("params") or {}).message


@dataclass(frozen=True)
class GlossaryRule:
    """One glossary term as the checks see it."""

    source: str
    do_not_translate: bool = False
    approved: dict[str, tuple[str, ...]] = field(default_factory=dict)
    forbidden: dict[str, tuple[str, ...]] = field(default_factory=dict)


def contains_term(text: str, term: str, language: str) -> bool:
    """Whether `text` contains `term` under the word rules of `language`."""
    haystack, needle = normalise(text), normalise(term)
    if not needle:
        return False
    if language in NO_SPACE_LANGUAGES:
        return needle in haystack
    pattern = re.escape(needle).replace(r"\ ", r"\s+")
    if language not in SUFFIX_ONLY_LANGUAGES:
        pattern = r"(?<!\w)" + pattern
    if language not in PREFIX_ONLY_LANGUAGES:
        pattern += r"(?!\w)"
    return re.search(pattern, haystack) is not None


def terms_in_source(text: str, rules: list[GlossaryRule]) -> list[GlossaryRule]:
    """The glossary terms a Chinese source text uses; a longer term hides the shorter ones
    inside it (集中医学观察 is not also counted as 医学观察)."""
    haystack = normalise(text)
    found = []
    for rule in sorted(rules, key=lambda r: -len(normalise(r.source))):
        needle = normalise(rule.source)
        if needle and needle in haystack:
            found.append(rule)
            haystack = haystack.replace(needle, "\x00" * len(needle))
    return found


def _placeholder_findings(source: str, target: str, segment: int) -> list[Finding]:
    findings = []
    expected, actual = placeholder_counts(source), placeholder_counts(target)
    missing = sorted((expected - actual).elements())
    extra = sorted((actual - expected).elements())
    if len(missing) == 1 and len(extra) == 1:
        findings.append(Finding("placeholder_renamed", segment,
                                {"old": missing[0], "new": extra[0]}))
    else:
        findings += [Finding("placeholder_missing", segment, {"placeholder": p}) for p in missing]
        findings += [Finding("placeholder_extra", segment, {"placeholder": p}) for p in extra]
    if malformed_braces(target) and not malformed_braces(source):
        findings.append(Finding("placeholder_malformed", segment))
    return findings


def _glossary_findings(source: str, target: str, language: str, rules: list[GlossaryRule],
                       segment: int) -> list[Finding]:
    findings = []
    for rule in terms_in_source(source, rules):
        if rule.do_not_translate:
            if not contains_term(target, rule.source, language):
                findings.append(Finding("glossary_untranslated", segment, {"term": rule.source}))
            continue
        approved = rule.approved.get(language, ())
        if approved and not any(contains_term(target, a, language) for a in approved):
            findings.append(Finding("glossary_missing", segment,
                                    {"term": rule.source, "expected": approved[0]}))
        for bad in rule.forbidden.get(language, ()):
            if contains_term(target, bad, language):
                findings.append(Finding("glossary_forbidden", segment,
                                        {"term": rule.source, "forbidden": bad}))
    return findings


def check_translation(*, source_title: str, source_segments: list[Segment], title: str,
                      segments: list[str], language: str, spec: KindSpec,
                      rules: list[GlossaryRule]) -> list[Finding]:
    """Every finding about a translation; an empty list means it may be approved."""
    findings: list[Finding] = []
    if len(segments) != len(source_segments):
        findings.append(Finding("segment_count", WHOLE, {"source": len(source_segments),
                                                         "target": len(segments)}))
    pairs = [(TITLE, source_title, title)] + [
        (i, s.text, segments[i] if i < len(segments) else "")
        for i, s in enumerate(source_segments)]
    for index, source, target in pairs:
        if not (target or "").strip():
            findings.append(Finding("segment_empty", index))
            continue
        findings += _placeholder_findings(source, target, index)
        findings += _glossary_findings(source, target, language, rules, index)
    if spec.max_units:
        units = width_units(title) + sum(width_units(s) for s in segments)
        if units > spec.max_units:
            findings.append(Finding("too_long", WHOLE, {"units": units, "limit": spec.max_units}))
    return findings


def check_source(*, title: str, segments: list[Segment], spec: KindSpec) -> list[str]:
    """Problems of a Chinese source text, as messages (the source is saved only without)."""
    problems = []
    used = Counter()
    for text in [title] + [s.text for s in segments]:
        used.update(placeholder_counts(text))
        if malformed_braces(text):
            problems.append(str(MESSAGES["placeholder_malformed"]))
    unknown = sorted(set(used) - spec.placeholders)
    if unknown:
        problems.append(str(_("placeholders not declared for this kind: %(names)s")
                            % {"names": ", ".join("{" + p + "}" for p in unknown)}))
    if not segments:
        problems.append(str(_("the text is empty")))
    if spec.max_units:
        units = width_units(title) + sum(width_units(s.text) for s in segments)
        if units > spec.max_units:
            problems.append(str(MESSAGES["too_long"] % {"units": units, "limit": spec.max_units}))
    return problems
