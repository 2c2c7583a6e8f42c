"""Demo data: Dongcheng's daily report (figures from the registry and one by hand), two weeks
of finished periods, today's period open with some units late, and meetings with action items.

The past periods are snapshots of the registry as it stood on each day (arrival and
observation dates decide) written as finished: submitted, mostly on time, approved. Their
submission times lie in the past, which no service can write, so they are set directly here.
Today's period goes through the services like a real day."""

from __future__ import annotations

import datetime
import random

from django.utils import timezone

from frontline.accounts.models import User
from frontline.areas.models import Jurisdiction, Level
from frontline.reports import services
from frontline.reports.models import Meeting, ReportDefinition, Submission

SEED = 20200412
FIGURES = [
    ("permanent_residents", "外国人永久居留人员", "foreign permanent residents", "registry", None),
    ("hk_mo_tw_residents", "港澳台居民", "Hong Kong, Macau and Taiwan residents", "registry", None),
    ("hotel_lodgers", "酒店临时住宿人员", "hotel temporary lodgers", "registry", None),
    ("arrivals_recent", "14天内入境人员", "arrivals in the past 14 days", "registry", None),
    ("teachers_returned", "近期返京外籍教师", "foreign teachers returned recently", "registry",
     "arrivals_recent"),
    ("students_returned", "近期返京外籍学生", "foreign students returned recently", "registry",
     "arrivals_recent"),
    ("centralised_observation", "集中医学观察人数", "in centralised observation", "registry",
     None),
    ("home_observation", "居家医学观察人数", "in home observation", "registry", None),
    ("observations_ended", "当日解除观察人数", "observations ended that day", "registry", None),
    ("open_alerts", "未处置健康预警", "open health alerts", "registry", None),
    ("hotline_calls", "外语热线来电（手工填报）", "hotline calls (entered by hand)", "manual", None),
]


def load(*, stdout) -> None:
    actor = User.objects.get(username="district")
    district = Jurisdiction.objects.get(code="110101")
    figures = {}
    for order, (key, name, name_en, source, part_of) in enumerate(FIGURES):
        figures[key] = services.figure_save(
            actor=actor, jurisdiction=district, key=key, name=name, name_en=name_en,
            source=source, computation=key if source == "registry" else "", order=order,
            part_of=figures.get(part_of) if part_of else None)
    definition = ReportDefinition.objects.filter(jurisdiction=district).first()
    if definition is None:
        definition = services.definition_save(
            actor=actor, jurisdiction=district, name="涉外人员每日情况统计（演示）",
            figures=list(figures.values()), cutoff=datetime.time(8, 0),
            deadline=datetime.time(12, 0), reminders=["10:00", "11:30"],
            recipients="leader@demo.invalid\nduty-office@demo.invalid")
    if definition.runs.exists():
        stdout.write("reports: demo already loaded")
        return
    rng = random.Random(SEED)
    today = timezone.localdate()
    tz = timezone.get_default_timezone()
    for back in range(14, 0, -1):
        day = today - datetime.timedelta(days=back)
        run = services.run_snapshot(definition=definition, day=day)
        for sub in Submission.objects.filter(run=run):
            late = rng.random() < 0.06
            minutes = rng.randrange(5, 90) if late else -rng.randrange(5, 200)
            submitted = run.deadline_at + datetime.timedelta(minutes=minutes)
            values = dict(sub.computed)
            values["hotline_calls"] = rng.randrange(0, 4) if sub.level == Level.COMMUNITY else 0
            Submission.objects.filter(pk=sub.pk).update(
                values=values, status="approved", submitted_at=submitted, on_time=not late,
                approved_at=submitted + datetime.timedelta(minutes=20))
        for street in Submission.objects.filter(run=run, level=Level.STREET):
            street.values["hotline_calls"] = sum(
                s.values.get("hotline_calls", 0) for s in Submission.objects.filter(
                    run=run, level=Level.COMMUNITY,
                    jurisdiction_code__startswith=street.jurisdiction_code))
            Submission.objects.filter(pk=street.pk).update(values=street.values)
    run = services.run_snapshot(definition=definition, day=today)
    street_user = User.objects.get(username="street")
    community_user = User.objects.get(username="community")
    for user in (community_user, street_user):
        sub = Submission.objects.filter(run=run, jurisdiction_code__in=[
            r.scope_code for r in user.roles.filter(revoked_at__isnull=True)]).first()
        if sub is not None:
            values = {**sub.computed, "hotline_calls": 1}
            services.submission_save(actor=user, submission=sub, values=values, submit=True)
    meeting = services.meeting_create(
        actor=actor, jurisdiction=district, kind="dispatch", title="日调度会（演示）",
        held_at=timezone.make_aware(datetime.datetime.combine(
            today - datetime.timedelta(days=1), datetime.time(17, 0)), tz),
        notes="演示：通报当日入境与观察情况。", decisions="演示：增派两名意大利语志愿者到怀柔观察酒店。")
    services.action_item_add(actor=actor, meeting=meeting, text="协调两名意大利语志愿者（演示）",
                             owner=actor, due_at=timezone.now() - datetime.timedelta(hours=2))
    services.action_item_add(actor=actor, meeting=meeting, text="更新观察酒店入住须知译文（演示）",
                             owner=actor, due_at=timezone.now() + datetime.timedelta(days=1))
    stdout.write(f"reports: {len(FIGURES)} figures, 15 periods ({Meeting.objects.count()} meeting)")
