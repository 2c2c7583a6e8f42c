"""Demo data: the language talent pool of the report (BRIEF §6), obviously synthetic.

26 street English volunteers from the 17 streets on duty at street desks; 23 reserve English
volunteers deployed (10 at the transfer point, 12 at the two Huairou observation hotels, 1 at
the Dongcheng hotel); a reserve of Japanese, Korean, Spanish, French, Russian, Italian and
German speakers; plus the demo `linguist` account's own member row. 80 members, eight
languages. Names end in (演示).
"""

from __future__ import annotations

import datetime
import random

from django.utils import timezone

from frontline.accounts.models import User
from frontline.areas.models import Jurisdiction, Level, Place, PlaceKind
from frontline.linguists import services
from frontline.linguists.models import Linguist, PostKind

SEED = 20200413
SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何林罗高"
GIVEN = "伟芳娜敏静丽强磊军洋勇艳杰娟涛明超秀霞平刚"
RESERVE = [("ja", 6, "jlpt", "N1"), ("ko", 6, "topik", "6"), ("es", 5, "dele", "C1"),
           ("fr", 5, "delf", "DALF C1"), ("ru", 4, "torfl", "3"), ("it", 2, "cefr", "C1"),
           ("de", 2, "cefr", "B2")]


def _name(rng: random.Random, n: int) -> str:
    return f"{rng.choice(SURNAMES)}{rng.choice(GIVEN)}{n:02d}(演示)"


def _levels(rng: random.Random, low: int = 3) -> tuple[int, int, int, int]:
    return tuple(rng.randint(low, 5) for _ in range(4))


def load(*, stdout) -> None:
    if Linguist.objects.exists():
        stdout.write("linguists: demo pool already present")
        return
    actor = User.objects.filter(username="district").first()
    district = Jurisdiction.objects.filter(code="110101").first()
    if actor is None or district is None:
        stdout.write("linguists: no demo district or account; skipped")
        return
    rng = random.Random(SEED)
    streets = list(Jurisdiction.objects.filter(parent=district, level=Level.STREET)
                   .order_by("code"))
    transfer = Place.objects.filter(kind=PlaceKind.TRANSFER_POINT).order_by("id").first()
    hotels = list(Place.objects.filter(kind=PlaceKind.OBSERVATION_HOTEL,
                                       jurisdiction_code__startswith="110101").order_by("id"))
    tz = timezone.get_current_timezone()
    today = timezone.localdate()

    def at(hour: int, days: int = 0) -> datetime.datetime:
        return datetime.datetime.combine(today + datetime.timedelta(days=days),
                                         datetime.time(hour), tzinfo=tz)

    counter = iter(range(1, 1000))

    def member(unit, languages, **fields):
        m = services.linguist_create(actor=actor, name=_name(rng, next(counter)), unit=unit,
                                     **fields)
        for code, levels, pooled in languages:
            services.language_set(actor=actor, linguist=m, language=code, listening=levels[0],
                                  speaking=levels[1], reading=levels[2], writing=levels[3],
                                  in_reserve_pool=pooled)
        return m

    # The demo account's own member row, so the duty page has something to show.
    own = User.objects.filter(username="linguist").first()
    mine = member(district, [("en", (5, 5, 4, 4), False), ("ja", (3, 3, 3, 2), True)],
                  department="区外办", user=own, kind="staff")
    services.certificate_add(actor=actor, linguist=mine, language="en", kind="catti", level="2")

    # 26 street English volunteers: one desk per street, two people at nine of them.
    desks = {}
    for street in streets:
        desks[street.code] = services.post_create(
            actor=actor, name=f"{street.name}外语服务台", kind=PostKind.STREET_DESK,
            jurisdiction=street)
    volunteers = [member(streets[i % len(streets)], [("en", _levels(rng), False)],
                         department=f"{streets[i % len(streets)].name}办事处")
                  for i in range(26)]
    by_street: dict[str, list] = {}
    for v in volunteers:
        by_street.setdefault(v.jurisdiction_code, []).append(v)
    for code, people in by_street.items():
        need = services.need_create(actor=actor, post=desks[code], language="en",
                                    starts_at=at(9), ends_at=at(17), people=len(people),
                                    min_speaking=3)
        for v in people:
            services.shift_assign(actor=actor, need=need, linguist=v)

    # 23 reserve English volunteers: 10 at the transfer point, 12 in Huairou, 1 elsewhere.
    posts = []
    if transfer is not None:
        posts.append((services.post_create(actor=actor, name="机场分流点外语岗(演示)",
                                           kind=PostKind.TRANSFER_POINT, jurisdiction=district,
                                           place=transfer, essential=True), 10, 8, 20))
    for i, hotel in enumerate(hotels):
        people = (6, 6, 1)[i] if i < 3 else 0
        if people:
            posts.append((services.post_create(actor=actor, name=f"{hotel.name}外语岗",
                                               kind=PostKind.OBSERVATION_HOTEL,
                                               jurisdiction=district, place=hotel,
                                               essential=True), people, 18, 32))
    hotline = services.post_create(actor=actor, name="区外办外语热线(演示)",
                                   kind=PostKind.HOTLINE, jurisdiction=district)
    for post, people, start, end in posts:
        need = services.need_create(actor=actor, post=post, language="en",
                                    starts_at=at(start), ends_at=at(end % 24, end // 24),
                                    people=people, min_speaking=3, min_listening=3)
        for _ in range(people):
            v = member(district, [("en", _levels(rng), True)], department="区直机关",
                       status="deployed")
            services.shift_assign(actor=actor, need=need, linguist=v)

    # A reserve of other languages, with certificates.
    reserve = []
    for code, count, certificate, level in RESERVE:
        for _ in range(count):
            unit = rng.choice([district, *streets])
            m = member(unit, [(code, _levels(rng, 2), True)], status="reserve",
                       kind=rng.choice(["staff", "volunteer"]), department="储备")
            services.certificate_add(actor=actor, linguist=m, language=code, kind=certificate,
                                     level=level)
            reserve.append(m)

    # Unmet needs: Italian at the first hotel tonight (offered, unanswered), Korean hotline.
    if posts:
        italian = services.need_create(actor=actor, post=posts[-1][0], language="it",
                                       starts_at=at(18, 1), ends_at=at(8, 2), min_speaking=3,
                                       notes="意大利籍观察对象发热,需要翻译(演示)")
        services.offer_send(actor=actor, need=italian,
                            linguists=[m for m in reserve if m.languages.filter(
                                language="it").exists()])
    services.need_create(actor=actor, post=hotline, language="ko", starts_at=at(9, 1),
                         ends_at=at(17, 1), min_speaking=4, min_listening=4)
    stdout.write(f"linguists: {Linguist.objects.count()} pool members, "
                 f"{len(streets)} street desks")
