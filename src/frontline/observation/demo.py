"""Demo data: rooms in the two Huairou observation hotels, a district policy, and DEMO people in
centralised and home observation with their checks (a few with fever), some already ended."""

from __future__ import annotations

import datetime
import random

from django.utils import timezone

from frontline.accounts.models import User
from frontline.areas.models import Jurisdiction, Level, Place, PlaceKind
from frontline.observation import services
from frontline.observation.models import Observation, ObservationPolicy, Room
from frontline.people.models import Person

SEED = 20200320


def _rooms(actor, hotel: Place, floors: range, per_floor: int) -> None:
    for floor in floors:
        for n in range(1, per_floor + 1):
            number = f"{floor}{n:02d}"
            if not Room.objects.filter(hotel=hotel, number=number).exists():
                family = n in (1, 2)
                services.room_create(actor=actor, hotel=hotel, number=number, floor=floor,
                                     kind="family" if family else "single",
                                     beds=3 if family else 1)


def load(*, stdout) -> None:
    actor = User.objects.get(username="district")
    district = Jurisdiction.objects.get(code="110101")
    if not ObservationPolicy.objects.filter(jurisdiction=district).exists():
        services.policy_create(actor=actor, jurisdiction=district, days=14, checks_per_day=2,
                               effective_from=datetime.date(2020, 1, 24),
                               note="演示：集中/居家医学观察14天，每日两次体温检测 (demo)")
    hotels = list(Place.objects.filter(kind=PlaceKind.OBSERVATION_HOTEL,
                                       jurisdiction=district).order_by("id")[:2])
    for hotel, floors in zip(hotels, (range(2, 7), range(2, 6)), strict=False):
        _rooms(actor, hotel, floors, 10)
    if Observation.objects.exists():
        stdout.write("observation: demo already loaded")
        return
    rng = random.Random(SEED)
    today = timezone.localdate()
    people = list(Person.objects.filter(given_names__startswith="DEMO", purged_at__isnull=True,
                                        jurisdiction_code__startswith="110101")
                  .order_by("id")[:90])
    communities = {j.code: j for j in Jurisdiction.objects.filter(
        level=Level.COMMUNITY, code__startswith="110101")}
    started = ended = checks = 0
    for i, person in enumerate(people):
        centralised = i % 3 != 2
        age = rng.randrange(0, 14) if i >= 6 else 15 + i  # six have run their 14 days
        start = today - datetime.timedelta(days=age)
        hotel = hotels[i % len(hotels)] if centralised and hotels else None
        room = None
        if hotel is not None:
            room = (Room.objects.filter(hotel=hotel, status="free").order_by("floor", "number")
                    .first())
        jurisdiction = communities.get(person.jurisdiction_code) or person.residence
        observation = services.observation_start(
            actor=actor, person=person, kind="centralised" if hotel else "home",
            jurisdiction=jurisdiction, start_date=start, hotel=hotel, room=room,
            address="" if hotel else person.address, source="demo")
        started += 1
        last = min(today, observation.end_date)
        day = start
        while day <= last:
            for slot in range(observation.checks_per_day):
                if day == today and slot > 0:
                    break
                if day == today and rng.random() < 0.3:
                    continue  # some are still to be checked today: the overdue list
                fever = rng.random() < 0.01
                services.health_check_record(
                    actor=actor, observation=observation, day=day, slot=slot,
                    temperature=f"{rng.uniform(37.4, 38.6) if fever else rng.uniform(36.0, 37.1):.1f}",
                    symptoms=["cough"] if fever and rng.random() < 0.5 else [])
                checks += 1
            day += datetime.timedelta(days=1)
        if observation.end_date <= today and ended < 3 and not observation.alerts.exclude(
                status="closed").exists():  # a fever still being dealt with: no certificate
            services.observation_end(actor=actor, observation=observation)
            ended += 1
    stdout.write(f"observation: {started} observations ({ended} ended with a certificate), "
                 f"{checks} health checks")
