"""Demo data: a few hundred obviously synthetic people (given names start with DEMO) of many
nationalities across Dongcheng, with documents, stays, travel and a risk-country list."""

from __future__ import annotations

import datetime
import random

from django.utils import timezone

from frontline.accounts.models import User
from frontline.areas.models import Jurisdiction, Level, Place, PlaceKind
from frontline.people import services
from frontline.people.models import Category, DocumentType, Person, RiskCountry

SEED = 20200413  # the date of the report the demo follows
PEOPLE = 320

# (nationality, family names, given names, native-script names or "", preferred language)
POOLS = [
    ("IT", ["ROSSI", "BIANCHI", "COLOMBO", "RICCI"], ["MARCO", "GIULIA", "LUCA", "SOFIA"], None, "it"),
    ("KR", ["KIM", "LEE", "PARK", "CHOI"], ["MINJUN", "SEOYEON", "JIHO", "HAEUN"],
     ["김민준", "이서연", "박지호", "최하은"], "ko"),
    ("JP", ["SATO", "SUZUKI", "TAKAHASHI", "TANAKA"], ["HARUTO", "YUI", "SOTA", "HINA"],
     ["佐藤陽翔", "鈴木結衣", "高橋蒼太", "田中陽菜"], "ja"),
    ("IR", ["AHMADI", "HOSSEINI", "KARIMI", "MOHAMMADI"], ["ALI", "ZAHRA", "REZA", "FATEMEH"],
     ["احمدی", "حسینی", "کریمی", "محمدی"], "fa"),
    ("FR", ["MARTIN", "BERNARD", "DUBOIS", "THOMAS"], ["LOUIS", "CHLOE", "HUGO", "LEA"], None, "fr"),
    ("ES", ["GARCIA", "FERNANDEZ", "LOPEZ", "MARTINEZ"], ["HUGO", "LUCIA", "MATEO", "PAULA"],
     None, "es"),
    ("DE", ["MUELLER", "SCHMIDT", "SCHNEIDER", "FISCHER"], ["LEON", "EMMA", "PAUL", "MIA"],
     None, "de"),
    ("US", ["SMITH", "JOHNSON", "WILLIAMS", "BROWN"], ["JAMES", "OLIVIA", "NOAH", "AVA"],
     None, "en"),
    ("GB", ["TAYLOR", "DAVIES", "EVANS", "WILSON"], ["OLIVER", "AMELIA", "HARRY", "ISLA"],
     None, "en"),
    ("RU", ["IVANOV", "SMIRNOVA", "KUZNETSOV", "POPOVA"], ["IVAN", "ANNA", "DMITRII", "MARIIA"],
     ["Иванов", "Смирнова", "Кузнецов", "Попова"], "ru"),
    ("EG", ["HASSAN", "IBRAHIM", "MAHMOUD", "ALI"], ["OMAR", "NOUR", "YOUSSEF", "MARIAM"],
     ["حسن", "إبراهيم", "محمود", "علي"], "ar"),
    ("BR", ["SILVA", "SANTOS", "OLIVEIRA", "SOUZA"], ["GABRIEL", "ALICE", "MIGUEL", "LAURA"],
     None, "pt"),
    ("HK", ["CHAN", "WONG", "LEUNG", "CHEUNG"], ["KA MING", "WING YAN", "CHI HO", "HOI YING"],
     ["陳家明", "黃詠欣", "梁志豪", "張凱瑩"], "zh-hant"),
]
ZH_NAMES = ["罗西", "金敏俊", "佐藤", "艾哈迈迪", "马丁", "加西亚", "米勒", "史密斯", "泰勒",
            "伊万诺夫", "哈桑", "席尔瓦", "陈家明"]
RISK = [("IT", 75), ("KR", 80), ("IR", 78), ("ES", 60), ("FR", 55), ("DE", 50), ("US", 40)]


def _doc_number(rng: random.Random) -> str:
    return rng.choice("EGKPXY") + "".join(rng.choice("0123456789") for _ in range(8))


def load(*, stdout) -> None:
    if Person.objects.exists():
        stdout.write("people: demo people already present")
        return
    actor = User.objects.get(username="district")
    district = Jurisdiction.objects.get(code="110101")
    today = timezone.localdate()
    for country, days_ago in RISK:
        if not RiskCountry.objects.filter(country=country).exists():
            services.risk_country_set(actor=actor, country=country, jurisdiction=district,
                                      effective_from=today - datetime.timedelta(days=days_ago),
                                      note="演示数据 demo entry")
    rng = random.Random(SEED)
    communities = list(Jurisdiction.objects.filter(code__startswith="110101", level=Level.COMMUNITY))
    hotel = Place.objects.filter(kind=PlaceKind.LODGING_HOTEL).first()
    school = Place.objects.filter(kind=PlaceKind.SCHOOL).first()
    risk_codes = [c for c, _ in RISK]
    for i in range(PEOPLE):
        nationality, families, givens, natives, language = POOLS[i % len(POOLS)]
        k = rng.randrange(4)
        roll = rng.random()
        categories = [Category.PERMANENT_RESIDENT]
        organisation = None
        if nationality == "HK":
            categories = [Category.HK_MO_TW_RESIDENT]
        elif roll < 0.15 and school:
            categories, organisation = [Category.FOREIGN_TEACHER], school
        elif roll < 0.30 and school:
            categories, organisation = [Category.FOREIGN_STUDENT], school
        elif roll < 0.45:
            categories = [Category.HOTEL_LODGER]
        elif roll < 0.50:
            categories = [Category.BUSINESS_VISITOR]
        birth = datetime.date(1950 + rng.randrange(55), 1 + rng.randrange(12), 1 + rng.randrange(28))
        arrived = today - datetime.timedelta(days=rng.randrange(40)) if rng.random() < 0.4 else None
        person = services.person_create(
            actor=actor, categories=categories,
            family_name=families[k], given_names=f"DEMO {givens[(k + i) % 4]}",
            name_native=natives[k] if natives else "",
            name_zh=ZH_NAMES[i % len(ZH_NAMES)] if rng.random() < 0.3 else "",
            sex=rng.choice("FM"), birth_date=birth, nationality=nationality,
            phone=f"+86139{rng.randrange(10**8):08d}", email="",
            preferred_language=language, residence=rng.choice(communities),
            address=f"演示地址 {rng.randrange(1, 99)} 号", organisation=organisation,
            arrived_on=arrived, notes="演示数据 (demo data)",
        )
        services.document_add(
            actor=actor, person=person,
            doc_type=DocumentType.HK_MACAU_PERMIT if nationality == "HK" else DocumentType.PASSPORT,
            number=_doc_number(rng), issuing_country=nationality,
            expiry_date=today + datetime.timedelta(days=200 + rng.randrange(2000)))
        if arrived:
            where = nationality if nationality in risk_codes or rng.random() < 0.5 \
                else rng.choice(risk_codes)
            services.travel_add(actor=actor, person=person, country=where,
                                from_date=arrived - datetime.timedelta(days=10 + rng.randrange(20)),
                                to_date=arrived - datetime.timedelta(days=1))
        if Category.HOTEL_LODGER in categories and hotel:
            services.stay_check_in(
                actor=actor, person=person, place=hotel, room=str(800 + rng.randrange(60)),
                check_in=timezone.now() - datetime.timedelta(days=rng.randrange(1, 10)))
    from frontline.people.selectors import duplicate_candidates_find

    found = duplicate_candidates_find()
    stdout.write(f"people: {PEOPLE} demo people, {len(RISK)} risk countries, "
                 f"{found} possible duplicates")
