"""Sorting arrivals: which categories an arrival falls in, and which rule of the office
matches it first (by priority, among the rules in force on the arrival date)."""

from __future__ import annotations

import copy
import datetime
from dataclasses import dataclass
from decimal import Decimal

from frontline.arrivals.models import (
    CHILD_AGE,
    FEVER_CELSIUS,
    Arrival,
    ArrivalCategory,
    SortingRule,
)
from frontline.core import refcache


def age_on(birth_date: datetime.date | None, day: datetime.date) -> int | None:
    if birth_date is None:
        return None
    return day.year - birth_date.year - ((day.month, day.day) < (birth_date.month, birth_date.day))


def has_fever(temperature: Decimal | float | None) -> bool:
    return temperature is not None and float(temperature) >= FEVER_CELSIUS


RULES, RISK = "arrivals.sorting_rules", "people.risk_countries"


def _risk_rows() -> tuple[tuple[str, datetime.date, datetime.date | None], ...]:
    from frontline.people.models import RiskCountry

    return tuple((str(country), start, end) for country, start, end in  # scoped-ok: reference
                 RiskCountry.objects.values_list("country", "effective_from", "effective_to"))


def risk_countries(day: datetime.date, *, token: str | None | object = ...) -> set[str]:
    """The countries on the office's risk list on `day` (people.RiskCountry, any office);
    the list is kept per process while unchanged (`core.refcache`)."""
    rows = refcache.cached(RISK, _risk_rows, token=token)
    return {country for country, start, end in rows
            if start <= day and (end is None or end >= day)}


def categories_of(arrival: Arrival, *, risk: set[str] | None = None) -> list[str]:
    """The sorting categories of an arrival, computed from what it carries."""
    found = set(arrival.categories or []) & {ArrivalCategory.DIPLOMAT.value}
    if arrival.doc_type == "diplomatic_id":
        found.add(ArrivalCategory.DIPLOMAT.value)
    age = age_on(arrival.birth_date, arrival.travel_date)
    if age is not None and age < CHILD_AGE:
        found.add(ArrivalCategory.CHILD.value)
    if arrival.symptoms or has_fever(arrival.temperature):
        found.add(ArrivalCategory.SYMPTOMS.value)
    risk = risk_countries(arrival.travel_date) if risk is None else risk
    visited = set(arrival.visited_countries or [])
    if arrival.departure_country:
        visited.add(str(arrival.departure_country))
    if visited & risk:
        found.add(ArrivalCategory.RISK_COUNTRY.value)
    return sorted(found)


@dataclass
class Suggestion:
    disposition: str
    rule: SortingRule | None


def _all_rules() -> tuple[SortingRule, ...]:
    return tuple(SortingRule.objects.filter(  # scoped-ok: rules apply to every arrival below
        is_active=True).select_related("hotel", "transfer_to").order_by("priority", "id"))


def _rule_tables() -> list[str]:
    from frontline.areas.apps import JURISDICTIONS, PLACES

    return [RULES, PLACES, JURISDICTIONS]  # the rules, their hotels and transfer districts


def rules_in_force(office_code: str, day: datetime.date, *,
                   versions: dict[str, str] | None = None) -> list[SortingRule]:
    """The active rules of the offices above (or at) `office_code` in force on `day`, by
    priority, with their hotel and transfer district. They are kept per process while the
    rules, places and divisions are unchanged (`core.refcache`; `versions` when the caller
    read the tokens); each call answers copies, the hotel and district copied too, so nothing
    one request changes is seen by another."""
    prefixes = {office_code[:n] for n in (2, 4, 6, 9, 12) if n <= len(office_code)}
    kept = refcache.cached_on("arrivals.rules_in_force", _rule_tables(), _all_rules,
                              read=versions)
    found = []
    for rule in kept:
        if rule.jurisdiction_code in prefixes and rule.effective_from <= day and (
                rule.effective_to is None or rule.effective_to >= day):
            mine = copy.copy(rule)
            for name, related in mine._state.fields_cache.items():
                mine._state.fields_cache[name] = copy.copy(related)
            found.append(mine)
    return found


def rule_matches(rule: SortingRule, *, destination_code: str, visited: set[str],
                 categories: set[str]) -> bool:
    if rule.destination_prefix and not destination_code.startswith(rule.destination_prefix):
        return False
    if rule.countries and not (set(rule.countries) & visited):
        return False
    return not (rule.categories and not (set(rule.categories) & categories))


def suggest(arrival: Arrival, *, destination_code: str = "", office_code: str = "",
            categories: list[str] | None = None,
            versions: dict[str, str] | None = None) -> Suggestion:
    """The first matching rule's disposition; without one, home observation."""
    destination_code = destination_code or (
        arrival.destination.code if arrival.destination_id else "")
    office_code = office_code or arrival.transfer_point.jurisdiction_code
    visited = set(arrival.visited_countries or [])
    if arrival.departure_country:
        visited.add(str(arrival.departure_country))
    found = set(categories_of(arrival) if categories is None else categories)
    for rule in rules_in_force(office_code, arrival.travel_date, versions=versions):
        if rule_matches(rule, destination_code=destination_code, visited=visited,
                        categories=found):
            return Suggestion(rule.disposition, rule)
    return Suggestion("home", None)


def sort(arrival: Arrival, *, destination_code: str,
         versions: dict[str, str] | None = None) -> tuple[list[str], Suggestion]:
    """The categories of an arrival and the suggestion for it, the versions of the rules and
    of the risk list read in one statement (a desk check-in), or given as `versions` when the
    caller read them (`reference_versions`)."""
    if versions is None:
        versions = refcache.tokens([RISK, *_rule_tables()])
    risk = risk_countries(arrival.travel_date, token=versions.get(RISK))
    categories = categories_of(arrival, risk=risk)
    return categories, suggest(arrival, destination_code=destination_code,
                               categories=categories, versions=versions)


def reference_versions() -> dict[str, str]:
    """The versions a desk registration reads, in one statement: the sorting rules, the risk
    list, the places (the rules' hotels) and the division table (the destination is named by
    code)."""
    return refcache.tokens([RISK, *_rule_tables()])
