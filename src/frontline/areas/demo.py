"""Demo data: Dongcheng's division tree (from the shipped NBS file) and a few places."""

from __future__ import annotations

from pathlib import Path

from django.conf import settings

from frontline.areas.apps import JURISDICTIONS
from frontline.areas.models import Jurisdiction, Level, Place, PlaceKind
from frontline.areas.services import division_rows_parse, divisions_load
from frontline.core import refcache

DIVISIONS_FILE = Path(settings.PROJECT_DIR) / "data" / "beijing-divisions.csv"
DEMO_DISTRICT = "110101"  # 东城区
# Other districts the demo's places lie in: Huairou (observation hotels), Shunyi (transfer point).
LOCATION_DISTRICTS = ("110116", "110113")

# Obviously synthetic demo places: "(演示)" marks them as demo data.
DEMO_PLACES = [
    # name, English name, kind, responsible code, location code, address, capacity
    ("新国展入境人员分流点(演示)", "New International Expo transfer point (demo)",
     PlaceKind.TRANSFER_POINT, DEMO_DISTRICT, "110113", "顺义区天竺地区裕翔路88号(演示地址)", None),
    ("怀柔第一观察酒店(演示)", "Huairou observation hotel 1 (demo)", PlaceKind.OBSERVATION_HOTEL,
     DEMO_DISTRICT, "110116", "怀柔区示例路1号(演示地址)", 120),
    ("怀柔第二观察酒店(演示)", "Huairou observation hotel 2 (demo)", PlaceKind.OBSERVATION_HOTEL,
     DEMO_DISTRICT, "110116", "怀柔区示例路2号(演示地址)", 90),
    ("东城观察酒店(演示)", "Dongcheng observation hotel (demo)", PlaceKind.OBSERVATION_HOTEL,
     DEMO_DISTRICT, None, "东城区示例胡同3号(演示地址)", 60),
    ("王府井示例饭店(演示)", "Wangfujing sample hotel (demo)", PlaceKind.LODGING_HOTEL,
     "110101001", None, "王府井大街示例1号(演示地址)", 300),
    ("东城示例国际学校(演示)", "Dongcheng sample international school (demo)", PlaceKind.SCHOOL,
     "110101002", None, "景山示例街5号(演示地址)", 800),
    ("东华门示例市场(演示)", "Donghuamen sample market (demo)", PlaceKind.MARKET,
     "110101001", None, "东华门示例街8号(演示地址)", None),
]


def load(*, stdout) -> None:
    if not Jurisdiction.objects.filter(code="11").exists():
        Jurisdiction.objects.create(code="11", name="北京市", name_en="Beijing", level=Level.CITY)
    rows = division_rows_parse(DIVISIONS_FILE.read_bytes())
    wanted = [r for r in rows if r.code.startswith(DEMO_DISTRICT) or r.code in LOCATION_DISTRICTS]
    report = divisions_load(actor=None, rows=wanted)
    Jurisdiction.objects.filter(code=DEMO_DISTRICT, name_en="").update(name_en="Dongcheng")
    Jurisdiction.objects.filter(code="110116", name_en="").update(name_en="Huairou")
    Jurisdiction.objects.filter(code="110113", name_en="").update(name_en="Shunyi")
    refcache.bump(JURISDICTIONS)  # updates send no signal
    created = 0
    codes = {j.code: j for j in Jurisdiction.objects.filter(
        code__in={p[3] for p in DEMO_PLACES} | {p[4] for p in DEMO_PLACES if p[4]})}
    for name, name_en, kind, code, location, address, capacity in DEMO_PLACES:
        _, was_created = Place.objects.get_or_create(
            name=name,
            defaults={"name_en": name_en, "kind": kind, "jurisdiction": codes[code],
                      "jurisdiction_code": code, "location": codes.get(location),
                      "address": address, "capacity": capacity},
        )
        created += was_created
    stdout.write(f"areas: divisions {report.added} added, {report.unchanged} unchanged; "
                 f"places {created} added")
