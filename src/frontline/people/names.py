"""Name normalisation for search and de-duplication: case, accents, MRZ fillers, scripts.

A Latin name from a travel document, a native-script name and a Chinese name are folded to
comparable forms: lower case without accents, MRZ fillers (`<`) as spaces, Cyrillic and
Greek transliterated as ICAO Doc 9303 prescribes for travel documents, Chinese characters
to toneless pinyin (pypinyin).
"""

from __future__ import annotations

import re
import unicodedata
from functools import lru_cache

# ICAO Doc 9303 part 3, transliteration of Cyrillic (Russian, Ukrainian, Belarusian ...).
_CYRILLIC = {
    "а": "a", "б": "b", "в": "v", "г": "g", "ґ": "g", "д": "d", "е": "e", "ё": "e", "є": "ie",
    "ж": "zh", "з": "z", "и": "i", "і": "i", "ї": "i", "й": "i", "к": "k", "л": "l", "м": "m",
    "н": "n", "о": "o", "п": "p", "р": "r", "с": "s", "т": "t", "у": "u", "ў": "u", "ф": "f",
    "х": "kh", "ц": "ts", "ч": "ch", "ш": "sh", "щ": "shch", "ъ": "ie", "ы": "y", "ь": "",
    "э": "e", "ю": "iu", "я": "ia",
}
_GREEK = {
    "α": "a", "β": "v", "γ": "g", "δ": "d", "ε": "e", "ζ": "z", "η": "i", "θ": "th", "ι": "i",
    "κ": "k", "λ": "l", "μ": "m", "ν": "n", "ξ": "x", "ο": "o", "π": "p", "ρ": "r", "σ": "s",
    "ς": "s", "τ": "t", "υ": "y", "φ": "f", "χ": "ch", "ψ": "ps", "ω": "o",
}
_SPACES = re.compile(r"\s+")
_CJK = re.compile(r"[\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uac00-\ud7af\uf900-\ufaff]")


@lru_cache(maxsize=65536)
def fold(text: str) -> str:
    """Lower case, accents removed, MRZ fillers and punctuation as single spaces."""
    text = unicodedata.normalize("NFKC", text or "").replace("<", " ")
    decomposed = unicodedata.normalize("NFKD", text)
    kept = []
    for ch in decomposed:
        if unicodedata.combining(ch):
            continue
        kept.append(ch if (ch.isalnum() or _CJK.match(ch)) else " ")
    return _SPACES.sub(" ", "".join(kept)).strip().casefold()


@lru_cache(maxsize=65536)
def _pinyin(text: str) -> str:
    from pypinyin import lazy_pinyin

    return " ".join(lazy_pinyin(text))


@lru_cache(maxsize=65536)
def transliterate(text: str) -> str:
    """A Latin form of any name: Cyrillic and Greek by ICAO rules, Chinese to pinyin."""
    folded = fold(text)
    if not folded:
        return ""
    out = []
    for ch in folded:
        if ch in _CYRILLIC:
            out.append(_CYRILLIC[ch])
        elif ch in _GREEK:
            out.append(_GREEK[ch])
        else:
            out.append(ch)
    latin = "".join(out)
    if _CJK.search(latin):
        latin = _pinyin(latin)
    return _SPACES.sub(" ", latin).strip()


def name_key(*parts: str) -> str:
    """Order-independent key of a name's tokens: 'SMITH<<JOHN' == 'John Smith'."""
    tokens = sorted(t for part in parts for t in transliterate(part).split() if t)
    return " ".join(tokens)


def search_components(family: str, given: str, native: str, zh: str) -> list[str]:
    """The strings a partial-name query is matched against (spaces removed in each)."""
    latin_family, latin_given = fold(family), fold(given)
    components = [
        latin_family, latin_given,
        f"{latin_family}{latin_given}", f"{latin_given}{latin_family}",
        fold(native), fold(zh),
        transliterate(native), transliterate(zh),
    ]
    seen, result = set(), []
    for c in components:
        c = c.replace(" ", "")
        if c and c not in seen:
            seen.add(c)
            result.append(c)
    return result


def search_text(family: str, given: str, native: str, zh: str) -> str:
    return "|" + "|".join(search_components(family, given, native, zh)) + "|"


def cjk_grams(*texts: str) -> set[str]:
    """Two-character pieces of the Chinese, Japanese and Korean parts of names."""
    grams: set[str] = set()
    for text in texts:
        run = [ch for ch in fold(text) if _CJK.match(ch)]
        for i in range(len(run) - 1):
            grams.add(run[i] + run[i + 1])
    return grams


def has_cjk(text: str) -> bool:
    return bool(_CJK.search(text or ""))
