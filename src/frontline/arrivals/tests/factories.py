"""Builders for arrivals tests, going through the real services."""

from __future__ import annotations

import datetime
import itertools

from django.utils import timezone
from mrz.generator.td3 import TD3CodeGenerator

from frontline.arrivals import services

_numbers = itertools.count(1)


def passport_number() -> str:
    return f"XK{next(_numbers):07d}"


def mrz_for(number: str, *, surname: str = "ROSSI", given: str = "MARCO",
            nationality: str = "ITA", birth: str = "800517", sex: str = "M") -> str:
    return str(TD3CodeGenerator("P", nationality, surname, given, number, nationality, birth,
                                sex, "320101", ""))


def arrival_data(**overrides):
    data = {
        "travel_mode": "flight", "carrier_number": "CA934", "seat": "32A",
        "travel_date": timezone.localdate(), "departure_country": "IT",
        "visited_countries": ["IT"], "destination_address": "1 Test Lane",
        "phone": "+8613800138000", "family_name": "ROSSI", "given_names": "MARCO", "sex": "M",
        "birth_date": datetime.date(1980, 5, 17), "nationality": "IT", "doc_type": "passport",
        "doc_number": passport_number(), "doc_country": "IT", "symptoms": [],
        "temperature": "36.6", "commitment_signed": True, "sensitive_consent": True,
        "language": "it",
    }
    data.update(overrides)
    return data


def register(tree, *, actor="registrar", destination="110101001001", **overrides):
    data = arrival_data(destination=destination, **overrides)
    return services.arrival_register(actor=tree.users[actor],
                                     transfer_point=tree.places["transfer"], data=data)


def preregister(tree, **overrides):
    data = arrival_data(**overrides)
    return services.arrival_preregister(transfer_point=tree.places["transfer"], data=data)


def checked_in(tree, *, actor="registrar", destination="110101001001", **overrides):
    arrival = register(tree, actor=actor, destination=destination, **overrides)
    return services.arrival_check_in(actor=tree.users[actor], arrival=arrival)
