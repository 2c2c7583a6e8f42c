"""Demo data: the district's contingency plans for the seven incident types, who must be told by
level, a liaison directory to be completed, and one incident worked through its plan."""

from __future__ import annotations

from django.utils import timezone

from frontline.accounts.models import User
from frontline.areas.models import Jurisdiction, Place, PlaceKind
from frontline.incidents import services
from frontline.incidents.models import Contact, ContingencyPlan, Incident, NoticeRule
from frontline.people.models import Person

D, S, L, H, C = "district_staff", "street_staff", "district_leader", "hotel_staff", "community_worker"

PLANS = {
    "positive_test": ("外籍人员核酸检测阳性处置预案（演示）", [
        (30, H, "隔离房间内就地管控，停止与其他人员接触"),
        (60, D, "报告区卫健委，联系定点医院转运"),
        (120, D, "通报使馆领事部门（外国公民需通报）"),
        (120, S, "排查密切接触者并落实观察措施"),
        (240, D, "首报信息报送至区委区政府"),
        (1440, D, "续报转运与救治情况"),
    ]),
    "refuses_observation": ("外籍人员拒不配合医学观察处置预案（演示）", [
        (30, H, "安排外语志愿者沟通，告知政策与法律依据"),
        (60, S, "街道、社区、派出所到场协同劝导"),
        (120, D, "必要时联系使馆协助沟通"),
        (240, D, "信息报送"),
    ]),
    "serious_illness": ("外籍人员突发重病或死亡处置预案（演示）", [
        (15, H, "拨打120，就近送医"),
        (60, D, "通报使馆领事部门"),
        (120, D, "首报信息报送"),
        (1440, D, "协助家属与使馆办理后续事宜"),
    ]),
    "diplomatic": ("涉及外交领事人员事件处置预案（演示）", [
        (30, D, "核实身份证件与豁免范围"),
        (60, D, "报告市外办礼宾部门"),
        (120, D, "按对等原则与使馆沟通处置方案"),
        (240, D, "信息报送"),
    ]),
    "group_arrival": ("外籍人员团组集中入境处置预案（演示）", [
        (60, D, "确认团组名单、航班与目的地"),
        (120, S, "协调转运车辆与接收社区"),
        (120, D, "调度语言志愿者到转运点"),
        (240, D, "信息报送"),
    ]),
    "media_event": ("涉外舆情事件处置预案（演示）", [
        (60, D, "核实情况，记录舆情来源与内容"),
        (120, D, "报告区委宣传部与市外办"),
        (240, D, "拟定回应口径"),
        (1440, D, "跟踪舆情走向"),
    ]),
    "embassy_complaint": ("使馆交涉或投诉处置预案（演示）", [
        (60, D, "记录交涉内容，核实事实"),
        (240, D, "报告市外办"),
        (1440, D, "书面答复使馆"),
    ]),
}

CONTACTS = [
    ("embassy", "IT", "意大利驻华大使馆 Embassy of Italy"),
    ("embassy", "KR", "韩国驻华大使馆 Embassy of the Republic of Korea"),
    ("embassy", "JP", "日本驻华大使馆 Embassy of Japan"),
    ("embassy", "IR", "伊朗驻华大使馆 Embassy of Iran"),
    ("embassy", "FR", "法国驻华大使馆 Embassy of France"),
    ("embassy", "ES", "西班牙驻华大使馆 Embassy of Spain"),
    ("embassy", "DE", "德国驻华大使馆 Embassy of Germany"),
    ("embassy", "US", "美国驻华大使馆 Embassy of the United States"),
    ("embassy", "GB", "英国驻华大使馆 Embassy of the United Kingdom"),
    ("embassy", "RU", "俄罗斯驻华大使馆 Embassy of Russia"),
    ("partner", "", "北京市人民政府外事办公室 Beijing Municipal Foreign Affairs Office"),
    ("partner", "", "东城区卫生健康委员会 Dongcheng District Health Commission"),
]


def load(*, stdout) -> None:
    actor = User.objects.get(username="district")
    district = Jurisdiction.objects.get(code="110101")
    for incident_type, (title, steps) in PLANS.items():
        if not ContingencyPlan.objects.filter(jurisdiction=district,
                                              incident_type=incident_type).exists():
            services.plan_save(actor=actor, jurisdiction=district, incident_type=incident_type,
                               title=title, steps=[{"minutes": m, "responsible_role": r,
                                                    "title": t} for m, r, t in steps])
    if not NoticeRule.objects.filter(jurisdiction=district).exists():
        for severity, role, minutes in [(2, L, 30), (3, D, 60), (4, S, 120)]:
            services.notice_rule_save(actor=actor, jurisdiction=district, max_severity=severity,
                                      role=role, minutes=minutes)
    for kind, country, name in CONTACTS:
        if not Contact.objects.filter(name=name).exists():
            services.contact_save(actor=actor, kind=kind, country=country, name=name,
                                  notes="演示：地址、电话与值班联系人请以外交部公布信息为准后补录 "
                                        "(demo: fill in from the official list)")
    if Incident.objects.exists():
        stdout.write("incidents: demo already loaded")
        return
    hotel = Place.objects.filter(kind=PlaceKind.OBSERVATION_HOTEL).order_by("id").first()
    person = Person.objects.filter(nationality="IT", given_names__startswith="DEMO").first()
    incident = services.incident_open(
        actor=actor, incident_type="positive_test", severity=3,
        title="演示：观察酒店一名意大利籍人员核酸检测阳性",
        description="演示数据：怀柔第一观察酒店一名意大利籍人员体温38.5℃，核酸检测结果阳性。",
        jurisdiction=district, place=hotel, people=[person] if person else [],
        source="健康预警")  # as the office's staff (in Chinese) open it from an alert
    steps = list(incident.steps.all())
    for step in steps[:4]:
        services.step_complete(actor=actor, step=step, note="演示：已完成")
    embassy = Contact.objects.get(country="IT", kind="embassy")
    services.liaison_record(actor=actor, incident=incident, contact=embassy, direction="sent",
                            channel="电话 phone",
                            text="演示：已电话通报领事部门该公民情况及转运医院。")
    services.report_draft(actor=actor, incident=incident, kind="first")
    stdout.write(f"incidents: {len(PLANS)} plans, {Contact.objects.count()} directory entries, "
                 f"demo incident #{incident.pk} ({timezone.localdate()})")
