"""Demo data of the transfer point: sorting rules, the diplomatic-document reference, and a
few dozen obviously synthetic arrivals (family names start with DEMO) in every state."""

from __future__ import annotations

import random

from django.utils import timezone

from frontline.accounts.models import User
from frontline.areas.models import Jurisdiction, Level, Place, PlaceKind
from frontline.arrivals import services
from frontline.arrivals.models import Arrival, IdentityReference, SortingRule

SEED = 20200310  # the day the transfer point opened
DISTRICT = "110101"
ARRIVALS = 36
POOLS = [("IT", "it"), ("KR", "ko"), ("JP", "ja"), ("IR", "fa"), ("FR", "fr"), ("ES", "es"),
         ("DE", "de"), ("RU", "ru"), ("EG", "ar"), ("BR", "pt"), ("GB", "en"), ("HK", "zh-hant")]
REFERENCE = [
    ("外交官证", "Diplomatic identity card (外交官证)",
     "红色封皮，外交部颁发；持证人为各国驻华使馆外交人员。",
     "按外交对等原则，一般不实行集中医学观察，由使馆落实居家观察。", "exempt", 10),
    ("领事官员证", "Consular officer identity card (领事官员证)",
     "外交部或地方外办颁发；持证人为各国驻华领馆领事官员。",
     "通常同外交官证处理；以外办当日通知为准。", "exempt", 20),
    ("外交公务护照", "Diplomatic or service passport",
     "封面注明 DIPLOMATIC / SERVICE；须结合驻华身份证件核验。",
     "仅护照本身不构成豁免；无驻华身份证件的按一般入境人员分流。", "", 30),
]


def load(*, stdout) -> None:
    district = Jurisdiction.objects.filter(code=DISTRICT).first()
    point = Place.objects.filter(kind=PlaceKind.TRANSFER_POINT, is_active=True).first()
    office = User.objects.filter(roles__role="district_staff", roles__scope_code=DISTRICT,
                                 roles__revoked_at__isnull=True).first()
    registrar = User.objects.filter(roles__role="registrar", roles__place=point,
                                    roles__revoked_at__isnull=True).first() if point else None
    if district is None or point is None or office is None or registrar is None:
        stdout.write("arrivals: skipped (needs the areas and accounts demo first)")
        return
    today = timezone.localdate()
    hotel = Place.objects.filter(kind=PlaceKind.OBSERVATION_HOTEL,
                                 jurisdiction_code__startswith=DISTRICT).first()
    if not SortingRule.objects.filter(jurisdiction=district).exists():
        services.rule_save(actor=office, jurisdiction=district, name="外交人员豁免 (demo)",
                           priority=5, effective_from=today, categories=["diplomat"],
                           disposition="exempt")
        services.rule_save(actor=office, jurisdiction=district, name="发热或有症状送医 (demo)",
                           priority=8, effective_from=today, categories=["symptoms"],
                           disposition="hospital")
        if hotel is not None:
            services.rule_save(actor=office, jurisdiction=district,
                               name="重点国家集中观察 (demo)", priority=10,
                               effective_from=today, countries=["IT", "KR", "IR"],
                               disposition="centralised", hotel=hotel)
    if not IdentityReference.objects.exists():
        for title, title_en, description, exempts, disposition, order in REFERENCE:
            services.reference_save(actor=office, jurisdiction=district, title=title,
                                    title_en=title_en, description=description,
                                    exempts=exempts, disposition=disposition, order=order)
    if Arrival.objects.filter(family_name__startswith="DEMO").exists():  # scoped-ok: demo
        stdout.write("arrivals: demo already loaded")
        return
    rng = random.Random(SEED)
    communities = list(Jurisdiction.objects.filter(level=Level.COMMUNITY,
                                                   code__startswith=DISTRICT)
                       .values_list("code", flat=True)[:20])
    made = []
    for i in range(ARRIVALS):
        country, language = rng.choice(POOLS)
        data = {"travel_mode": "flight", "carrier_number": rng.choice(["CA934", "KE853", "LH720",
                                                                       "AF128"]),
                "travel_date": today, "seat": f"{rng.randint(1, 50)}{rng.choice('ABCDEF')}",
                "departure_country": country, "visited_countries": [country],
                "destination_address": f"演示路 {i + 1} 号", "phone": "+8613800000000",
                "family_name": f"DEMO{country}{i:02d}", "given_names": "TEST",
                "sex": rng.choice("FM"), "birth_date": today.replace(year=today.year - 30),
                "nationality": country, "doc_type": "passport",
                "doc_number": f"DEMO{SEED % 1000}{i:04d}", "doc_country": country,
                "temperature": "38.1" if i % 11 == 0 else "36.5", "language": language,
                "commitment_signed": True, "sensitive_consent": True,
                "destination": rng.choice(communities)}
        if i % 3 == 0:
            made.append(services.arrival_preregister(transfer_point=point, data=data))
        else:
            made.append(services.arrival_register(actor=registrar, transfer_point=point,
                                                  data=data))
    checked = []
    for arrival in made[: ARRIVALS * 2 // 3]:
        checked.append(services.arrival_check_in(actor=registrar, arrival=arrival))
    homes = [a for a in checked if a.disposition == "home"]
    by_street: dict[str, list[Arrival]] = {}
    for arrival in homes:
        by_street.setdefault(arrival.jurisdiction_code[:9], []).append(arrival)
    for n, (street, group) in enumerate(sorted(by_street.items())[:3]):
        batch = services.batch_create(actor=registrar, arrivals=group,
                                      destination=Jurisdiction.objects.get(code=street),
                                      vehicle=f"京A-DEMO{n}")
        if n == 0:
            receiver = User.objects.filter(roles__scope_code=street,
                                           roles__revoked_at__isnull=True).first() or office
            services.batch_receive(actor=receiver, batch=batch, received=[a.pk for a in group])
    party = _demo_party(point, today, communities[0])
    stdout.write(f"arrivals: {len(made) + len(party)} demo arrivals, {len(checked)} checked in, "
                 f"a family of {len(party)} waiting together")


def _demo_party(point: Place, today, community: str) -> list[Arrival]:
    """A family registered together on the portal (a lead, a companion and a child), waiting
    at the desk: what the desk's "check in the party" step is for."""
    common = {"travel_mode": "flight", "carrier_number": "LH720", "travel_date": today,
              "departure_country": "DE", "visited_countries": ["DE"], "nationality": "DE",
              "doc_type": "passport", "doc_country": "DE", "destination": community,
              "destination_address": "演示路 100 号", "phone": "+8613800000000",
              "temperature": "36.5", "language": "de", "commitment_signed": True,
              "sensitive_consent": True, "family_name": "DEMOFAMILY"}
    members = [("KLAUS", "M", 1984, "12A"), ("ANNA", "F", 1986, "12B"), ("MIA", "F", 2018, "12C")]
    party: list[Arrival] = []
    for n, (given, sex, year, seat) in enumerate(members):
        data = {**common, "given_names": given, "sex": sex, "seat": seat,
                "birth_date": today.replace(year=year, day=1),
                "doc_number": f"DEMOFAM{SEED % 1000}{n}"}
        if year > today.year - 14:
            data.update(guardian_name="DEMOFAMILY KLAUS", guardian_consent=True)
        party.append(services.arrival_preregister(transfer_point=point, data=data,
                                                  party_lead=party[0] if party else None))
    return party
