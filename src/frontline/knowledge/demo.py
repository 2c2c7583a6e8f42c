"""Demo content: country notes for 11 key countries (all waiting for review), a few
obviously synthetic policies (codes start with "demo-"), published FAQ entries and one
training session."""

from __future__ import annotations

import datetime

from django.utils import timezone

from frontline.accounts.models import User
from frontline.areas.models import Place, PlaceKind
from frontline.knowledge import services
from frontline.knowledge.content import FAQ, NOTES, POLICIES
from frontline.knowledge.models import CountryNote, FaqEntry, Policy, TrainingSession

REVIEW_NOTE = "演示内容：批准前请逐项核实，特别是使馆地址和电话 / demo content: verify every fact"


def load(*, stdout) -> None:
    actor = User.objects.get(username="district")
    proofreader = User.objects.filter(username="proofreader").first()
    notes = 0
    for code, name_zh, name_en, phone, texts in NOTES:
        if CountryNote.objects.filter(country=code).exists():
            continue
        services.note_save(actor=actor, country=code, name_zh=name_zh, name_en=name_en,
                           texts=texts, embassy_phone=phone, change_summary=REVIEW_NOTE)
        notes += 1
    policies = 0
    previous = None
    for code, day, source, texts in POLICIES:
        existing = Policy.objects.filter(code=code).first()
        if existing is not None:
            previous = existing if code.endswith("-v1") else previous
            continue
        supersedes = previous if code.endswith("-v2") else None
        policy = services.policy_create(actor=actor, code=code, source=source,
                                        effective_from=datetime.date.fromisoformat(day),
                                        texts=texts, supersedes=supersedes)
        previous = policy if code.endswith("-v1") else previous
        policies += 1
    faq = 0
    if proofreader is not None and not FaqEntry.objects.exists():
        for texts in FAQ:
            # Sent into the document workflow and left waiting for a proofreader: nobody has
            # checked these translations, so they are not published (log in as the demo
            # proofreader to approve them in the translation queue, then publish).
            entry = services.faq_create(actor=actor, texts=texts)
            services.faq_submit(actor=actor, entry=entry)
            faq += 1
    hotel = Place.objects.filter(kind=PlaceKind.OBSERVATION_HOTEL,
                                 jurisdiction_code__startswith="110101").order_by("pk").first()
    if hotel is not None and not TrainingSession.objects.exists():
        session = services.training_session_create(
            actor=actor, title="（演示）观察酒店涉外培训 / (demo) hotel team training",
            starts_at=timezone.now() - datetime.timedelta(days=2), location="区外办会议室",
            audience="hotel", trainer="王晓(演示)", place=hotel,
            notes=list(CountryNote.objects.all()[:4]),
            policies=list(Policy.objects.filter(superseded_on__isnull=True)))
        first = User.objects.filter(username="hotel").first()
        if first is not None:
            services.attendance_record(actor=actor, session=session, users=[first])
    stdout.write(f"knowledge: {notes} country notes, {policies} policies, {faq} FAQ entries")
