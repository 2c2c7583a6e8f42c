"""Builders for registry tests, going through the real services."""

from __future__ import annotations

import datetime
import itertools

from frontline.people import services

_numbers = itertools.count(1)


def make_person(tree, *, actor="district", community="110101001001", **overrides):
    data = {
        "family_name": "ROSSI", "given_names": "MARCO", "nationality": "IT",
        "birth_date": datetime.date(1980, 5, 17), "sex": "M",
        "residence": tree.jurisdictions[community],
    }
    categories = overrides.pop("categories", ["permanent_resident"])
    data.update(overrides)
    return services.person_create(actor=tree.users[actor], categories=categories, **data)


def add_passport(tree, person, number=None, *, actor="district", country="IT"):
    number = number or f"YA{next(_numbers):07d}"
    return services.document_add(actor=tree.users[actor], person=person, doc_type="passport",
                                 number=number, issuing_country=country)
