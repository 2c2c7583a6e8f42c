"""The plain-text format of document templates: one segment per line, a few line markers.

A template's Chinese body is plain text; each non-empty line is one segment (the unit that
is translated, compared, remembered and exchanged). A line may start with a marker that
says how it is laid out; the marker is structure, not text, so translators never type it:

    # 注意事项              a heading
    - 每日测量体温两次      a list item
    ? 姓名                  a form field: a label followed by a line to fill in
    > 东城区人民政府外事办公室  a signature line (right-aligned, beside the seal)
    其他                    a paragraph

Placeholders are `{name}`: a lower-case identifier in braces, no spaces.
"""

from __future__ import annotations

import re
import unicodedata
from collections import Counter
from dataclasses import dataclass

MARKERS = {"#": "heading", "-": "item", "?": "field", ">": "signature"}
PLACEHOLDER_RE = re.compile(r"\{([a-z][a-z0-9_]*)\}")
# Anything brace-like that is not a well-formed placeholder: "{ name }", "{Name", "name}".
BRACE_RE = re.compile(r"[{}｛｝]")


@dataclass(frozen=True)
class Segment:
    role: str  # paragraph, heading, item, field, signature
    text: str


def parse_body(body: str) -> list[Segment]:
    """Split a body into segments: one per non-empty line, markers taken off."""
    segments = []
    for raw in (body or "").replace("\r\n", "\n").replace("\r", "\n").split("\n"):
        line = raw.strip()
        if not line:
            continue
        role = "paragraph"
        if len(line) >= 2 and line[0] in MARKERS and line[1] == " ":
            role = MARKERS[line[0]]
            line = line[2:].strip()
        segments.append(Segment(role, line))
    return segments


def join_body(segments: list[Segment]) -> str:
    """The inverse of parse_body."""
    prefix = {v: k + " " for k, v in MARKERS.items()}
    return "\n".join(prefix.get(s.role, "") + s.text for s in segments)


def placeholders(text: str) -> list[str]:
    """The placeholders of a text, in order, with repeats."""
    return PLACEHOLDER_RE.findall(text or "")


def malformed_braces(text: str) -> bool:
    """Whether the text holds a brace that is not part of a well-formed placeholder."""
    return bool(BRACE_RE.search(PLACEHOLDER_RE.sub("", text or "")))


def placeholder_counts(text: str) -> Counter:
    return Counter(placeholders(text))


def normalise(text: str) -> str:
    """NFKC, case-folded, whitespace collapsed: the form texts are compared in."""
    text = unicodedata.normalize("NFKC", text or "").casefold()
    return re.sub(r"\s+", " ", text).strip()


def width_units(text: str) -> int:
    """How wide a text prints: East Asian wide and full-width characters count 2."""
    return sum(2 if unicodedata.east_asian_width(ch) in ("W", "F") else 1 for ch in text or "")


def substitute(text: str, values: dict[str, str], *, blank: str = "") -> list[tuple[str, bool]]:
    """Split a text into literal and filled-in parts: [(text, is_value), ...].

    A placeholder without a value becomes `blank` (a line to fill in by hand), marked as a
    value so the renderer can draw it as such. Values are plain text; escaping is the
    renderer's job.
    """
    parts: list[tuple[str, bool]] = []
    pos = 0
    for match in PLACEHOLDER_RE.finditer(text or ""):
        if match.start() > pos:
            parts.append((_after(parts, text[pos:match.start()]), False))
        value = values.get(match.group(1))
        parts.append((value if value not in (None, "") else blank, True))
        pos = match.end()
    if pos < len(text or ""):
        parts.append((_after(parts, text[pos:]), False))
    return parts


def _after(parts: list[tuple[str, bool]], literal: str) -> str:
    """The text after a value, without the full stop the value already ends with (a Russian
    date ends in "г.", and "…{end_date}." would print "г..")."""
    if parts and parts[-1][1] and parts[-1][0].endswith(".") and literal.startswith(".") \
            and not literal.startswith(".."):
        return literal[1:]
    return literal
