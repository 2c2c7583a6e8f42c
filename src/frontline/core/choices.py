"""Country choices for forms: every ISO 3166 country named in the active language (CLDR names
through django-countries) and sorted in it; and a language code named in the active language.

Listing and sorting the ~250 names, then Django normalising them again for every field and
widget that receives them, took half of a portal registration (about 12 ms of 25, with nine
country fields on the form). The pairs are made once per language per process and handed out
as a choice iterator, which Django's fields and widgets use as they are.
"""

from __future__ import annotations

from collections.abc import Iterator
from functools import lru_cache

from django.utils.choices import BaseChoiceIterator
from django.utils.translation import get_language, get_language_info
from django_countries import countries


class FixedChoices(BaseChoiceIterator):
    """(value, label) pairs already in the shape Django's choice fields want."""

    def __init__(self, pairs: tuple[tuple[str, str], ...]) -> None:
        self.pairs = pairs

    def __iter__(self) -> Iterator[tuple[str, str]]:
        return iter(self.pairs)

    def __len__(self) -> int:
        return len(self.pairs)

    __hash__ = None  # type: ignore[assignment]  # compared by content (BaseChoiceIterator)


@lru_cache(maxsize=128)
def _country_pairs(language: str | None, blank: bool) -> tuple[tuple[str, str], ...]:
    pairs = tuple((str(code), str(name)) for code, name in countries)
    return (("", "—"), *pairs) if blank else pairs


def country_choices(blank: bool = True) -> FixedChoices:
    """The countries in the active language, with an empty first choice if `blank`."""
    return FixedChoices(_country_pairs(get_language(), blank))


def language_label(code: str) -> str:
    """A language code named in the reader's language (英语 in Chinese, English in English),
    or "" for a code Django does not know."""
    try:
        return str(get_language_info(code)["name_translated"]) if code else ""
    except KeyError:
        return ""
