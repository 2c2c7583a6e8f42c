"""Demo data of the document center: Dongcheng's 11 templates in Chinese with translations into
the 12 other traveller languages (all waiting for review, none approved), the glossary, the
print runs of the report (1,500 poster sets, 7,000 reminder cards) and where they went, a
hotel's text sent for proofreading, and one issued certificate. Idempotent."""

from __future__ import annotations

import datetime
import json
from pathlib import Path

from frontline.accounts.models import User
from frontline.areas.models import Jurisdiction, Level, Place, PlaceKind
from frontline.documents import services
from frontline.documents.kinds import ISSUABLE_KINDS, DocumentKind, target_languages
from frontline.documents.models import (
    DocumentTemplate,
    GlossaryTerm,
    IssuedDocument,
    OfficeProfile,
    PrintRun,
    ProofreadRequest,
    TranslationState,
)

CONTENT = Path(__file__).resolve().parent / "content"
DEMO_DISTRICT = "110101"
DEMO_PHONE = "010-0000-0000 (demo)"
HOTEL_TEXT = """Notice for check-in guests
Welcome to our hotel, during the observation you must staying in the room all the time.
Please measure the body temperature two times every day and tell to the staffs.
The meal will be send to your door at 7:30, 12:00 and 18:00.
If you feel not well please call the front desk immediately."""


def _read(name: str):
    return json.loads((CONTENT / name).read_text(encoding="utf-8"))


def load_texts(*, district: Jurisdiction, configurer: User, translator: User | None) -> tuple:
    """Create the templates and fill their empty translations from the content files."""
    source = _read("zh-hans.json")
    created = filled = 0
    for kind in ISSUABLE_KINDS:
        template = DocumentTemplate.objects.filter(  # scoped-ok: demo loader
            jurisdiction_code=district.code, kind=kind).first()
        if template is None:
            template = services.template_create(
                actor=configurer, jurisdiction=district, kind=kind,
                title=source[kind]["title"], body=source[kind]["body"])
            created += 1
        if translator is None:
            continue
        for language in target_languages():
            texts = _read(f"{language}.json").get(kind)
            translation = template.translations.get(language=language)
            if texts is None or translation.state != TranslationState.EMPTY:
                continue
            services.translation_save(actor=translator, translation=translation,
                                      title=texts["title"], segments=texts["segments"],
                                      ready=True)
            filled += 1
    return created, filled


def load_glossary(*, district: Jurisdiction, configurer: User) -> int:
    added = 0
    for term in _read("glossary.json"):
        if GlossaryTerm.objects.filter(  # scoped-ok: demo loader
                jurisdiction_code=district.code, source=term["source"]).exists():
            continue
        services.glossary_term_save(
            actor=configurer, jurisdiction=district, source=term["source"],
            note=term.get("note", ""), do_not_translate=term.get("do_not_translate", False),
            equivalents=term.get("equivalents", {}), forbidden=term.get("forbidden", {}))
        added += 1
    return added


def load_print_runs(*, district: Jurisdiction, configurer: User) -> int:
    if PrintRun.objects.filter(jurisdiction_code=district.code).exists():  # scoped-ok: demo
        return 0
    posters = services.print_run_create(
        actor=configurer, jurisdiction=district, kind=DocumentKind.POSTER,
        languages=["zh-hans", "en"], quantity=1500, printed_on=datetime.date(2020, 3, 2),
        note="中英文新型冠状病毒肺炎防控知识海报 1500 套")
    cards = services.print_run_create(
        actor=configurer, jurisdiction=district, kind=DocumentKind.REMINDER_CARD,
        languages=["en", "ja", "ko"], quantity=7000, printed_on=datetime.date(2020, 3, 5),
        note="英、日、韩文《温馨提示》卡片 7000 张")
    streets = list(Jurisdiction.objects.filter(  # scoped-ok: demo loader
        code__startswith=district.code, level=Level.STREET).order_by("code"))
    communities = list(Jurisdiction.objects.filter(  # scoped-ok: demo loader
        code__startswith=district.code, level=Level.COMMUNITY).order_by("code"))
    market = Place.objects.filter(kind=PlaceKind.MARKET,  # scoped-ok: demo loader
                                  jurisdiction_code__startswith=district.code).first()
    day = datetime.date(2020, 3, 6)
    for street in streets:
        services.distribution_create(actor=configurer, print_run=posters, quantity=60,
                                     target=street, distributed_on=day)
    donghuamen = next((s for s in streets if s.code == "110101001"), None)
    if donghuamen is not None:  # Wangfujing lies in Donghuamen street
        services.distribution_create(actor=configurer, print_run=cards, quantity=1500,
                                     target=donghuamen, distributed_on=day,
                                     note="王府井地区")
    if market is not None:
        services.distribution_create(actor=configurer, print_run=posters, quantity=100,
                                     place=market, distributed_on=day)
        services.distribution_create(actor=configurer, print_run=cards, quantity=500,
                                     place=market, distributed_on=day)
    for community in communities:
        services.distribution_create(actor=configurer, print_run=cards, quantity=29,
                                     target=community, distributed_on=day)
    return 2


def load(*, stdout) -> None:
    district = Jurisdiction.objects.filter(code=DEMO_DISTRICT).first()  # scoped-ok: demo
    configurer = User.objects.filter(username="district").first()
    if district is None or configurer is None:
        stdout.write("documents: no Dongcheng district or demo account; nothing loaded")
        return
    translator = User.objects.filter(username="translator").first()
    if not OfficeProfile.objects.filter(jurisdiction_code=district.code).exists():  # scoped-ok
        services.office_profile_save(actor=configurer, jurisdiction=district, phone=DEMO_PHONE)
    glossary = load_glossary(district=district, configurer=configurer)
    created, filled = load_texts(district=district, configurer=configurer,
                                 translator=translator)
    runs = load_print_runs(district=district, configurer=configurer)
    hotel_user = User.objects.filter(username="hotel").first()
    hotel = Place.objects.filter(kind=PlaceKind.OBSERVATION_HOTEL).order_by(  # scoped-ok: demo
        "id").first()
    if hotel_user and hotel and not ProofreadRequest.objects.exists():  # scoped-ok: demo
        services.proofread_submit(actor=hotel_user, place=hotel, title="Notice for check-in guests",
                                  text=HOTEL_TEXT, language="en")
    street = User.objects.filter(username="street").first()
    if street and not IssuedDocument.objects.exists():  # scoped-ok: demo loader
        services.document_issue(
            actor=street, kind=DocumentKind.END_CERTIFICATE, person=None, language="en",
            context={"jurisdiction_code": "110101001", "name": "DEMO Person",
                     "document_number": "E12345678", "nationality": "Demoland",
                     "start_date": "2020-03-20", "end_date": "2020-04-03",
                     "hotel": "Huairou observation hotel 1 (demo)"})
    stdout.write(f"documents: {created} templates, {filled} translations waiting for review, "
                 f"{glossary} glossary terms, {runs} print runs added")
