"""Builders for observation tests, through the real services."""

from __future__ import annotations

import datetime

from django.utils import timezone

from frontline.observation import services
from frontline.people.tests.factories import add_passport, make_person


def make_room(tree, number="201", *, hotel="hotel", beds=1, floor=2):
    actor = tree.users["district_west" if hotel == "hotel_other" else "district"]
    return services.room_create(actor=actor, hotel=tree.places[hotel],
                                number=number, floor=floor, beds=beds)


def observe(tree, *, family_name="ROSSI", community="110101001001", kind="home", room=None,
            start=None, actor="district", person=None, **person_fields):
    if person is None:
        person = make_person(tree, actor=actor, family_name=family_name, community=community,
                             **person_fields)
        add_passport(tree, person, actor=actor)
    hotel = room.hotel if room is not None else None
    if kind == "centralised" and hotel is None:
        hotel = tree.places["hotel"]
    return services.observation_start(
        actor=tree.users[actor], person=person, kind=kind,
        jurisdiction=tree.jurisdictions[community],
        start_date=start or timezone.localdate() - datetime.timedelta(days=3),
        hotel=hotel, room=room)


def cert_template(tree):
    """The district's end-of-observation certificate, translated into English."""
    from frontline.documents.tests.factories import make_template, translate

    template = make_template(tree)
    translate(tree, template, "en")
    return template
