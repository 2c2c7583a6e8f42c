"""Generated division trees: `restrict()` returns exactly the rows a naive walk up the tree
says a user reaches, and a row out of reach answers 404 on its pages and endpoints.

The trees go through the real loader (`divisions_load`), with codes on the edges of the prefix
scheme: a 9 that carries, all nines, a city whose code begins another city's (11 and 1101),
a street code one digit too long beside a district (1101011 and 110101). What the loader
refuses is not in the tree; what it keeps must satisfy "a code starts with another exactly
when the other is above it", which is what makes a prefix filter a correct scope.
"""

from __future__ import annotations

import pytest
from django.db import transaction
from django.test import Client
from django.urls import reverse
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

# Codes chosen to sit on the edges of the prefix ranges: a 9 that carries (110109 → 11011),
# all nines (no upper bound), a city whose code is a prefix of another city's (11 and 1101),
# two cities' districts that meet (11+0101 and 1101+01), a street code one digit too long
# (1101011 beside 110101), a child that does not start with its parent's code.
CITY_CODES = ["11", "12", "1101", "19", "99", "9999"]
TWO = ["01", "09", "10", "99"]
FOUR = ["0101", "0109", "0110", "0199", "9999"]
THREE = ["001", "009", "010", "099", "999"]
LEVEL_ROLE = {"city": "city_office", "district": ("district_staff", "district_leader"),
              "street": "street_staff", "community": "community_worker"}


@st.composite
def division_rows(draw) -> list[tuple[str, str, str]]:
    """(code, level, parent code) rows of one or more cities, in a random order, with some
    rows the loader must refuse."""
    rows: list[tuple[str, str, str]] = []
    for city in draw(st.lists(st.sampled_from(CITY_CODES), min_size=1, max_size=3, unique=True)):
        rows.append((city, "city", ""))
        tails = FOUR if len(city) == 2 else TWO
        for d_tail in draw(st.lists(st.sampled_from(tails), max_size=2, unique=True)):
            district = city + d_tail
            rows.append((district, "district", draw(st.sampled_from([city, ""]))))
            for s_tail in draw(st.lists(st.sampled_from(THREE), max_size=2, unique=True)):
                street = district + s_tail
                rows.append((street, "street", district))
                for c_tail in draw(st.lists(st.sampled_from(THREE), max_size=2, unique=True)):
                    rows.append((street + c_tail, "community", street))
            if draw(st.booleans()):
                rows.append((district + draw(st.sampled_from("019")), "street", district))
            if draw(st.booleans()):
                rows.append((draw(st.sampled_from(CITY_CODES)) + "0199001", "street", district))
    return draw(st.permutations(rows))


def ancestors(code: str, parents: dict[str, str]) -> list[str]:
    """The naive walk: the code itself and every parent up to the root."""
    chain = []
    while code:
        chain.append(code)
        code = parents.get(code, "")
    return chain


@pytest.mark.django_db
@settings(max_examples=40, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
@given(rows=division_rows(), data=st.data())
def test_restrict_is_the_ancestor_walk_on_generated_trees(rows, data):
    from frontline.accounts.models import User
    from frontline.accounts.roles import role_spec
    from frontline.accounts.services import role_grant_from_console
    from frontline.areas.models import Jurisdiction, Place
    from frontline.areas.services import DivisionRow, divisions_load

    with transaction.atomic():
        divisions_load(actor=None, rows=[DivisionRow(i + 2, code, f"n{code}", level, parent)
                                         for i, (code, level, parent) in enumerate(rows)])
        stored = {j.code: j for j in Jurisdiction.objects.select_related("parent")}
        parents = {code: j.parent.code if j.parent else "" for code, j in stored.items()}
        # The invariant the whole scheme rests on: a code starts with another exactly when
        # the other is above it in the tree.
        for a in stored:
            for b in stored:
                assert b.startswith(a) == (a in ancestors(b, parents)), (a, b)

        places = [Place.objects.create(name=f"p{code}", kind=kind, jurisdiction=j,
                                       jurisdiction_code=code)
                  for code, j in sorted(stored.items())
                  for kind in [data.draw(st.sampled_from(["observation_hotel",
                                                          "transfer_point"]))]]
        grants = data.draw(st.lists(
            st.one_of(st.tuples(st.just("code"), st.sampled_from(sorted(stored))),
                      st.tuples(st.just("place"), st.sampled_from(range(len(places))))),
            min_size=1, max_size=3)) if stored else []
        user = User.objects.create_user(username="generated")
        held: list[tuple[str, str | None, int | None]] = []
        for kind, which in grants:
            if kind == "code":
                jurisdiction = stored[which]
                role = LEVEL_ROLE[jurisdiction.level]
                if isinstance(role, tuple):
                    role = data.draw(st.sampled_from(role))
                role_grant_from_console(user=user, role=role, jurisdiction=jurisdiction)
                held.append((role, which, None))
            else:
                place = places[which]
                role = "hotel_staff" if place.kind == "observation_hotel" else "registrar"
                role_grant_from_console(user=user, role=role, place=place)
                held.append((role, None, place.pk))
        user.forget_roles()

        seen_j: set[str] = set()
        seen_p: set[int] = set()
        for action in ("view", "change"):
            mine = [(code, place) for role, code, place in held
                    if action in role_spec(role).actions]
            codes = {code for code, _place in mine if code}
            place_ids = {place for _code, place in mine if place}
            expected_j = {c for c in stored if codes & set(ancestors(c, parents))}
            expected_p = {p.pk for p in places if p.pk in place_ids
                          or codes & set(ancestors(p.jurisdiction_code, parents))}
            got_j = set(Jurisdiction.objects.restrict(user, action).values_list("code", flat=True))
            got_p = set(Place.objects.restrict(user, action).values_list("pk", flat=True))
            assert got_j == expected_j, (action, held)
            assert got_p == expected_p, (action, held)
            seen_j |= expected_j
            seen_p |= expected_p

        # A row the user reaches for no action answers 404 on its pages and endpoints.
        hidden_places = [p for p in places if p.pk not in seen_p]
        hidden_codes = sorted(set(stored) - seen_j)
        if hidden_places or hidden_codes:
            client = Client(raise_request_exception=False)
            client.force_login(user)
            if hidden_places:
                place = data.draw(st.sampled_from(hidden_places))
                for name in ("areas:place_detail", "api:place-detail", "areas:place_edit",
                             "people:lodgers", "observation:hotel_detail"):
                    response = client.get(reverse(name, kwargs={"pk": place.pk}))
                    assert response.status_code == 404, (name, place.jurisdiction_code, held)
            if hidden_codes:
                code = data.draw(st.sampled_from(hidden_codes))
                for name in ("areas:jurisdiction_detail", "api:jurisdiction-detail",
                             "areas:jurisdiction_rename"):
                    response = client.get(reverse(name, kwargs={"code": code}))
                    assert response.status_code == 404, (name, code, held)
        transaction.set_rollback(True)
