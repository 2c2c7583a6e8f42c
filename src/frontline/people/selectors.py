"""Reads of the registry, always restricted: lists with computed flags, search, lodgers,
duplicate candidates. Flags such as "arrived within N days" and "from a risk country" are
computed at query time from the travel history and the risk list in force, never stored."""

from __future__ import annotations

import datetime
import re
from typing import Any

from django.conf import settings
from django.db.models import (
    BooleanField,
    Count,
    Exists,
    ExpressionWrapper,
    OuterRef,
    Prefetch,
    Q,
    QuerySet,
)
from django.utils import timezone

from frontline.areas.models import Place
from frontline.core import crypto
from frontline.core.models import code_prefix_q
from frontline.core.permissions import Action
from frontline.people import names
from frontline.people.models import (
    DuplicateCandidate,
    DuplicateStatus,
    IdentityDocument,
    LodgingStay,
    Person,
    PersonCategory,
    PersonNameGram,
    RiskCountry,
    Travel,
)
from frontline.people.services import DOCUMENT_PURPOSE

_PHONE_LIKE = re.compile(r"^\+?[\d\s\-()]{6,}$")
_DOC_LIKE = re.compile(r"^(?=.*\d)[A-Za-z0-9<\- ]{5,30}$")


def recent_days() -> int:
    return settings.RECENT_ARRIVAL_DAYS


def recent_since(on: datetime.date, days: int | None = None) -> datetime.date:
    """The first day of the recent window ending on `on`: "the past 14 days" are `on` and the
    13 days before it, as the daily figures count them (`reports/computations.py`)."""
    return on - datetime.timedelta(days=(days or recent_days()) - 1)


def risk_travel_exists(*, on: datetime.date | None = None, days: int | None = None) -> Exists:
    """A travel, ending within the last N days, in a country that was on the risk list at the
    time of that travel (the list in force then, not today's)."""
    on = on or timezone.localdate()
    since = recent_since(on, days)
    risky = RiskCountry.objects.filter(country=OuterRef("country")).filter(
        Q(effective_from__lte=OuterRef("to_date"))
        & (Q(effective_to__isnull=True) | Q(effective_to__gte=OuterRef("from_date")))
    )
    return Exists(Travel.objects.filter(person=OuterRef("pk"), to_date__gte=since)
                  .filter(Exists(risky)))


def with_flags(qs: QuerySet[Person], *, on: datetime.date | None = None) -> QuerySet[Person]:
    on = on or timezone.localdate()
    since = recent_since(on)
    return qs.annotate(
        arrived_recently=ExpressionWrapper(Q(arrived_on__gte=since, arrived_on__lte=on),
                                           output_field=BooleanField()),
        from_risk_country=risk_travel_exists(on=on),
    )


def _name_filter(query: str) -> Q:
    folded = names.fold(query).replace(" ", "")
    if not folded:
        return Q(pk__in=[])
    if names.has_cjk(folded):
        grams = names.cjk_grams(folded)
        if grams:
            ids = (PersonNameGram.objects.filter(gram__in=grams).values("person_id")
                   .annotate(n=Count("gram", distinct=True)).filter(n=len(grams))
                   .values("person_id"))
            return Q(pk__in=ids, search_text__contains=folded)
        return Q(search_text__contains=f"|{folded}") | Q(name_zh__startswith=query.strip())
    if len(folded) < 3:
        return Q(search_text__contains=f"|{folded}")  # a prefix of some name part
    return Q(search_text__contains=folded)


def search_q(query: str) -> Q:
    """Name (Latin, native, Chinese, partial), document number (exact) or phone."""
    query = (query or "").strip()[:100]
    if _DOC_LIKE.match(query):
        # A document number is looked up exactly, through its blind index, first: OR-ing it
        # with a partial-name scan would make every number search scan all names.
        index = crypto.blind_index(query, purpose=DOCUMENT_PURPOSE)
        person_ids = list(IdentityDocument.objects.filter(number_index=index)
                          .values_list("person_id", flat=True)[:50])
        if person_ids:
            return Q(pk__in=person_ids)
    q = _name_filter(query)
    if _PHONE_LIKE.match(query):
        digits = re.sub(r"\D", "", query)
        q |= Q(phone__endswith=digits) | Q(phone_alt__endswith=digits)
    return q


def person_list(
    *, actor: Any, query: str = "", category: str = "", nationality: str = "", code: str = "",
    arrived_recently: bool = False, from_risk_country: bool = False,
    action: Action = Action.VIEW, include_merged: bool = False,
) -> QuerySet[Person]:
    qs = Person.objects.restrict(actor, action)
    if not include_merged:
        qs = qs.filter(merged_into__isnull=True)
    if query:
        qs = qs.filter(search_q(query))
    if category:
        qs = qs.filter(pk__in=PersonCategory.objects.filter(category=category)
                       .values("person_id"))
    if nationality:
        qs = qs.filter(nationality=nationality.upper())
    if code:
        qs = qs.filter(code_prefix_q("jurisdiction_code", code))
    qs = with_flags(qs)
    if arrived_recently:
        qs = qs.filter(arrived_recently=True)
    if from_risk_country:
        qs = qs.filter(from_risk_country=True)
    return qs.select_related("residence").prefetch_related(
        "category_links",
        Prefetch("documents", queryset=IdentityDocument.objects.order_by("doc_type")),
    ).order_by("jurisdiction_code", "family_name", "given_names", "id")


def visible_person_ids(*, actor: Any, ids: Any) -> set[int]:
    """Which of these people the actor may open: a page that names a person (an observation
    at a hotel, an incident, an arrival in transit) links only to records the reader sees."""
    ids = [pk for pk in ids if pk]
    if not ids:
        return set()
    return set(Person.objects.restrict(actor, Action.VIEW).filter(pk__in=ids)
               .values_list("pk", flat=True))


def person_detail(*, actor: Any, pk: int) -> Person:
    from frontline.core.models import OutOfScope

    person = with_flags(Person.objects.restrict(actor, Action.VIEW)).select_related(
        "residence", "organisation", "merged_into").filter(pk=pk).first()
    if person is None:
        raise OutOfScope()
    return person


def person_documents(*, actor: Any, person: Person) -> QuerySet[IdentityDocument]:
    return IdentityDocument.objects.restrict(actor, Action.VIEW).filter(person=person)


def person_stays(*, actor: Any, person: Person) -> QuerySet[LodgingStay]:
    return (LodgingStay.objects.restrict(actor, Action.VIEW).filter(person=person)
            .select_related("place"))


def current_lodgers(*, actor: Any, place: Place) -> QuerySet[LodgingStay]:
    """Who is checked in at a hotel now (checked in, not yet checked out)."""
    now = timezone.now()
    return (LodgingStay.objects.restrict(actor, Action.VIEW)
            .filter(place=place, check_in__lte=now)
            .filter(Q(check_out__isnull=True) | Q(check_out__gt=now))
            .select_related("person").order_by("room", "person__family_name"))


def duplicate_candidates_find(*, persons: QuerySet[Person] | None = None) -> int:
    """Find pairs that may be one person: same document number (any type), or the same name
    (case, accents, fillers, native/Latin forms folded) with the same date of birth and
    nationality. Returns how many new pairs were queued."""
    base = Person.objects.filter(merged_into__isnull=True)
    pairs: set[tuple[int, int, str]] = set()
    docs = IdentityDocument.objects.filter(person__merged_into__isnull=True)
    if persons is not None:  # only the numbers these people hold (indexed), not the registry
        docs = docs.filter(number_index__in=IdentityDocument.objects.filter(
            person__in=persons).values("number_index"))
    docs = docs.values("number_index").annotate(n=Count("person", distinct=True)).filter(n__gt=1)
    for row in docs:
        ids = sorted(set(IdentityDocument.objects.filter(number_index=row["number_index"])
                         .values_list("person_id", flat=True)))
        for i, a in enumerate(ids):
            for b in ids[i + 1:]:
                pairs.add((a, b, "document"))
    scope = base if persons is None else base.filter(
        nationality__in=persons.values("nationality"), birth_date__in=persons.values("birth_date"))
    groups: dict[tuple, list[tuple[int, set[str]]]] = {}
    for pk, nat, dob, family, given, native, zh in scope.exclude(birth_date__isnull=True)\
            .values_list("pk", "nationality", "birth_date", "family_name", "given_names",
                         "name_native", "name_zh").iterator(chunk_size=5000):
        keys = {k for k in (names.name_key(family, given), names.name_key(native),
                            names.name_key(zh)) if k}
        groups.setdefault((nat, dob), []).append((pk, keys))
    for members in groups.values():
        if len(members) < 2:
            continue
        for i, (a, keys_a) in enumerate(members):
            for b, keys_b in members[i + 1:]:
                if keys_a & keys_b:
                    pairs.add((min(a, b), max(a, b), "name"))
    codes = dict(Person.objects.filter(pk__in={p for pair in pairs for p in pair[:2]})
                 .values_list("pk", "jurisdiction_code"))
    existing = set(DuplicateCandidate.objects.values_list("first_id", "second_id"))
    new = [DuplicateCandidate(first_id=a, second_id=b, reason=reason,
                              jurisdiction_code=_common_prefix(codes[a], codes[b]))
           for a, b, reason in sorted(pairs) if (a, b) not in existing]
    DuplicateCandidate.objects.bulk_create(new, ignore_conflicts=True)
    return len(new)


def _common_prefix(a: str, b: str) -> str:
    """The narrowest unit holding both records (community, street or district code)."""
    for length in (12, 9, 6, 4, 2):
        if a[:length] == b[:length]:
            return a[:length]
    return ""


def duplicate_list(*, actor: Any, status: str = DuplicateStatus.OPEN
                   ) -> QuerySet[DuplicateCandidate]:
    return (DuplicateCandidate.objects.restrict(actor, Action.CHANGE).filter(status=status)
            .select_related("first", "second", "first__residence", "second__residence"))
