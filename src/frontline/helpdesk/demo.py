"""Demo content: a 24-hour duty roster for the office and a few obviously synthetic
questions from a hotel and a street, one answered, one escalated."""

from __future__ import annotations

import datetime

from django.utils import timezone

from frontline.accounts.models import User
from frontline.areas.models import Jurisdiction, Place, PlaceKind
from frontline.helpdesk import services
from frontline.helpdesk.models import DutySlot, Question


def load(*, stdout) -> None:
    district = Jurisdiction.objects.filter(code="110101").first()
    actor = User.objects.filter(username="district").first()
    if district is None or actor is None:
        return
    leader = User.objects.filter(username="leader").first()
    now = timezone.now()
    start = now.replace(minute=0, second=0, microsecond=0) - datetime.timedelta(hours=2)
    if not DutySlot.objects.filter(jurisdiction_code="110101", ends_at__gt=now).exists():
        for day in range(3):  # three days of 24-hour shifts
            begin = start + datetime.timedelta(days=day)
            services.duty_slot_create(actor=actor, jurisdiction=district, user=actor,
                                      position="primary", starts_at=begin,
                                      ends_at=begin + datetime.timedelta(hours=24))
            if leader is not None:
                services.duty_slot_create(actor=actor, jurisdiction=district, user=leader,
                                          position="leader", starts_at=begin,
                                          ends_at=begin + datetime.timedelta(hours=24))
    if Question.objects.exists():  # scoped-ok: demo loader
        stdout.write("helpdesk: demo questions already loaded")
        return
    hotel_user = User.objects.filter(username="hotel").first()
    hotel = Place.objects.filter(kind=PlaceKind.OBSERVATION_HOTEL,
                                 jurisdiction_code__startswith="110101").order_by("pk").first()
    street_user = User.objects.filter(username="street").first()
    asked = 0
    if hotel_user is not None and hotel is not None:
        q = services.question_ask(actor=hotel_user, place=hotel, urgency="urgent",
                                  text="（演示）一位伊朗客人斋月期间要求日落后送餐，可以吗？")
        services.question_reply(actor=actor, question=q,
                                text="（演示）可以。请按《观察酒店餐食安排》在日出前和日落后送清真餐。")
        asked += 1
    if street_user is not None:
        street = Jurisdiction.objects.filter(code="110101001").first()
        services.question_ask(actor=street_user, jurisdiction=street,
                              text="(demo) A Korean resident asks where to get an English "
                                   "copy of the home-observation notice.")
        asked += 1
    stdout.write(f"helpdesk: duty roster and {asked} demo questions")
