"""Street and community names in Latin letters for travellers who do not read Chinese.

The official division data names streets and communities in Chinese only. The traveller
portal shows each with its pinyin, without tones and without the administrative suffix
(东华门街道 → Donghuamen), as Beijing's road signs write place names. It is a romanisation
made from the characters (pypinyin's phrase dictionary resolves most readings), not an
official English name: an English name the office enters (`name_en`) is shown instead.
"""

from __future__ import annotations

from functools import lru_cache

SUFFIXES = ("街道办事处", "街道", "地区", "社区", "村委会", "镇", "乡")
# Place names read otherwise than the word's common reading (朝阳 "morning sun" is zhāoyáng,
# the gate and the district are Cháoyáng). Applied here only: pypinyin's own dictionary is
# left alone, since the registry's name search reads people's names (a given name 朝阳 is
# Zhaoyang) through it in the same process.
PLACE_READINGS = {
    "朝阳": ["chao", "yang"],
    "大栅栏": ["da", "shi", "lan"],
    "什刹海": ["shi", "cha", "hai"],
    "长辛店": ["chang", "xin", "dian"],
}


def _syllables(text: str) -> list[str]:
    """Toneless pinyin of `text`, the place readings taking precedence where they occur."""
    from pypinyin import lazy_pinyin

    out: list[str] = []
    rest = text
    while rest:
        hits = [(rest.find(word), word) for word in PLACE_READINGS if word in rest]
        if not hits:
            out += lazy_pinyin(rest, errors="ignore")
            break
        at, word = min(hits, key=lambda hit: (hit[0], -len(hit[1])))
        out += lazy_pinyin(rest[:at], errors="ignore") + PLACE_READINGS[word]
        rest = rest[at + len(word):]
    return out


@lru_cache(maxsize=4096)
def romanised(name: str) -> str:
    """The name's pinyin, capitalised, without its suffix; "" for a name with no Chinese.
    A syllable starting with a, o or e after another takes an apostrophe (Chang'an)."""
    base = name.strip()
    for suffix in SUFFIXES:
        if base.endswith(suffix) and len(base) > len(suffix):
            base = base[: -len(suffix)]
            break
    syllables = _syllables(base)
    text = "".join(("'" + s if i and s[:1] in "aoe" else s) for i, s in enumerate(syllables))
    return text[:1].upper() + text[1:]
