"""Cutting texts into search grams, parsing queries and highlighting matches.

Chinese, Japanese and Korean runs are cut into overlapping two-character grams (plus the
run's last character, so a one-character query finds it): a two-character query is then one
exact, indexed lookup, on SQLite and PostgreSQL alike, where FTS5 trigram and LIKE fail.
Latin words are folded (lower case, no accents) and found by prefix.
"""

from __future__ import annotations

import html
import re
import unicodedata
from collections import Counter
from dataclasses import dataclass

from django.utils.safestring import SafeString, mark_safe

CJK_CLASS = "\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uac00-\ud7af\uf900-\ufaff"
_RUNS = re.compile(rf"[{CJK_CLASS}]+|[^\s{CJK_CLASS}]+")
_CJK = re.compile(rf"[{CJK_CLASS}]")
_NOT_WORD = re.compile(rf"[^\w{CJK_CLASS}]+")


def fold(text: str) -> str:
    """Lower case, accents removed, punctuation as single spaces (as the registry folds
    names, without its cache: these texts are long and many)."""
    decomposed = unicodedata.normalize("NFKD", unicodedata.normalize("NFKC", text or ""))
    stripped = "".join(ch for ch in decomposed if not unicodedata.combining(ch))
    return " ".join(_NOT_WORD.sub(" ", stripped.replace("_", " ")).split()).casefold()
MAX_GRAM = 32
TITLE_WEIGHT = 5
MAX_WEIGHT = 30_000


def _runs(text: str) -> list[str]:
    return _RUNS.findall(fold(text))


def is_cjk(text: str) -> bool:
    return bool(_CJK.match(text or ""))


def grams_of(text: str) -> Counter:
    """The grams of a text and how often each occurs."""
    found: Counter = Counter()
    for run in _runs(text):
        if _CJK.match(run):
            for i in range(len(run) - 1):
                found[run[i:i + 2]] += 1
            found[run[-1]] += 1
        elif len(run) >= 2:
            found[run[:MAX_GRAM]] += 1
    return found


def weighted_grams(title: str, body: str) -> dict[str, int]:
    weights = Counter(body and grams_of(body))
    for gram, count in grams_of(title).items():
        weights[gram] += TITLE_WEIGHT * count
    return {g: min(w, MAX_WEIGHT) for g, w in weights.items()}


@dataclass(frozen=True)
class Term:
    """One part of a query: a CJK run (its grams must all match, and the run must be found
    whole) or a Latin word (found as a prefix when three letters or more)."""

    text: str
    cjk: bool

    @property
    def grams(self) -> list[str]:
        if not self.cjk:
            return [self.text[:MAX_GRAM]]
        if len(self.text) == 1:
            return [self.text]
        return sorted({self.text[i:i + 2] for i in range(len(self.text) - 1)})

    @property
    def prefix(self) -> bool:
        return (not self.cjk and len(self.text) >= 3) or (self.cjk and len(self.text) == 1)


def parse_query(query: str, *, limit: int = 8) -> list[Term]:
    terms: list[Term] = []
    for run in _runs((query or "")[:200]):
        term = Term(run, bool(_CJK.match(run)))
        if term not in terms and (term.cjk or len(run) >= 2 or run.isdigit()):
            terms.append(term)
    return terms[:limit]


def next_string(text: str) -> str:
    """The smallest string greater than every string starting with `text` (same trick as
    division codes): a prefix becomes an index-friendly range."""
    return text[:-1] + chr(ord(text[-1]) + 1)


def contains_all(terms: list[Term], text: str) -> bool:
    """Every CJK run of the query occurs whole in the text (grams alone do not ensure it)."""
    folded = fold(text).replace(" ", "")
    return all(t.text in folded for t in terms if t.cjk and len(t.text) > 2)


def _patterns(terms: list[Term]) -> list[re.Pattern]:
    patterns = []
    for t in terms:
        if t.cjk:
            patterns.append(re.compile(re.escape(t.text)))
        else:
            tail = r"\w*" if t.prefix else r"\b"
            patterns.append(re.compile(r"\b" + re.escape(t.text) + tail, re.IGNORECASE))
    return patterns


def _spans(text: str, terms: list[Term]) -> list[list[int]]:
    """The matched ranges of `text`, merged where they overlap or touch, in order."""
    found = sorted((m.start(), m.end()) for pattern in _patterns(terms)
                   for m in pattern.finditer(text) if m.end() > m.start())
    merged: list[list[int]] = []
    for start, end in found:
        if merged and start <= merged[-1][1]:
            merged[-1][1] = max(merged[-1][1], end)
        else:
            merged.append([start, end])
    return merged


def highlight(text: str, terms: list[Term], *, width: int = 160) -> SafeString:
    """A snippet of `text` around the first match, HTML-escaped, matches in <mark>."""
    text = " ".join((text or "").split())
    spans = _spans(text, terms)
    start = max(0, spans[0][0] - width // 4) if spans else 0
    end = min(len(text), start + width)
    out = ["…" if start else ""]
    at = start
    for s_from, s_to in spans:
        if s_to <= start:
            continue
        if s_from >= end:
            break
        s_from, s_to = max(s_from, start), min(s_to, end)
        out.append(html.escape(text[at:s_from]))
        out.append("<mark>" + html.escape(text[s_from:s_to]) + "</mark>")
        at = s_to
    out.append(html.escape(text[at:end]))
    if end < len(text):
        out.append("…")
    return mark_safe("".join(out))  # noqa: S308 - every piece of the text is escaped above
