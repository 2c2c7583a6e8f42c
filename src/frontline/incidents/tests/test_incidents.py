"""Incident handling: plans and versions, opening with a checklist and notices, steps,
escalation, people in scope, liaison, reports (approve before send), closing, opinion,
permissions, pages, the API and the demo."""

from __future__ import annotations

import datetime
import subprocess

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse
from django.utils import timezone

from frontline.core.models import OutOfScope
from frontline.core.testing import ScopedPermissionTests, snapshot_row
from frontline.incidents import selectors, services
from frontline.incidents.models import (
    Contact,
    ContingencyPlan,
    Incident,
    IncidentNotice,
    IncidentPerson,
    IncidentReport,
    IncidentStep,
    NoticeRule,
    OpinionEntry,
    TimelineEntry,
)
from frontline.notify.models import Message
from frontline.people.tests.factories import make_person

STEPS = [{"minutes": 30, "responsible_role": "hotel_staff", "title": "Isolate in the room"},
         {"minutes": 60, "responsible_role": "district_staff", "title": "Tell the health commission"},
         {"minutes": 120, "responsible_role": "district_staff", "title": "Tell the embassy",
          "required": False}]


def plan(tree, code="110101", actor="district", incident_type="positive_test"):
    return services.plan_save(actor=tree.users[actor], jurisdiction=tree.jurisdictions[code],
                              incident_type=incident_type, title="Positive test", steps=STEPS)


def open_incident(tree, code="110101001", actor="street", **kwargs):
    data = {"incident_type": "positive_test", "severity": 3, "title": "A guest tests positive",
            "description": "Fever 38.5, test positive."}
    data.update(kwargs)
    return services.incident_open(actor=tree.users[actor], jurisdiction=tree.jurisdictions[code],
                                  **data)


def test_a_new_plan_version_keeps_the_old_and_running_incidents_keep_theirs(tree):
    first = plan(tree)
    incident = open_incident(tree)
    second = services.plan_save(actor=tree.users["district"],
                                jurisdiction=tree.jurisdictions["110101"],
                                incident_type="positive_test", title="Positive test v2",
                                steps=STEPS[:1])
    first.refresh_from_db()
    assert (first.version, first.is_current, second.version, second.is_current) == (
        1, False, 2, True)
    assert incident.plan == first and incident.steps.count() == 3
    assert open_incident(tree, title="later").steps.count() == 1


def test_plan_steps_are_validated(tree):
    with pytest.raises(ValidationError, match="responsible role"):
        services.plan_save(actor=tree.users["district"], jurisdiction=tree.jurisdictions["110101"],
                           incident_type="other", title="x",
                           steps=[{"minutes": 10, "responsible_role": "king", "title": "x"}])
    with pytest.raises(OutOfScope):
        plan(tree, actor="street")


def test_opening_copies_the_checklist_with_due_times_and_tells_by_severity(tree):
    plan(tree)
    district = tree.jurisdictions["110101"]
    services.notice_rule_save(actor=tree.users["district"], jurisdiction=district,
                              max_severity=2, role="district_leader", minutes=30)
    services.notice_rule_save(actor=tree.users["district"], jurisdiction=district,
                              max_severity=4, role="street_staff", minutes=60)
    before = timezone.now()
    minor = open_incident(tree, severity=4)
    steps = list(minor.steps.order_by("order"))
    assert [s.title for s in steps] == [s["title"] for s in STEPS]
    assert before + datetime.timedelta(minutes=29) < steps[0].due_at <= timezone.now() + \
        datetime.timedelta(minutes=30)
    told = set(IncidentNotice.objects.filter(incident=minor).values_list("user__username",
                                                                         flat=True))
    assert told == {"street"}
    serious = open_incident(tree, severity=2, title="serious")
    told = set(IncidentNotice.objects.filter(incident=serious).values_list("user__username",
                                                                           flat=True))
    assert told == {"street", "leader"}
    assert Message.objects.filter(recipient__username="leader").count() == 1
    services.notice_acknowledge(actor=tree.users["leader"], incident=serious)
    assert IncidentNotice.objects.get(incident=serious, user=tree.users["leader"]).acknowledged_at


def test_overdue_steps_escalate_once(tree):
    plan(tree)
    incident = open_incident(tree)
    later = timezone.now() + datetime.timedelta(minutes=45)
    assert services.steps_escalate(now=later) == 1  # only the 30-minute step is late
    assert services.steps_escalate(now=later) == 0
    assert incident.timeline.filter(kind="escalation").count() == 1
    assert Message.objects.filter(recipient__username="district",
                                  subject__icontains="overdue").exists()
    assert len(selectors.overdue_steps(actor=tree.users["street"], now=later)) == 1


def test_a_person_outside_the_scope_cannot_be_linked(tree):
    incident = open_incident(tree)
    mine = make_person(tree, community="110101001001")
    other = make_person(tree, family_name="OTHER", community="110101002001")
    services.person_link(actor=tree.users["street"], incident=incident, person=mine,
                         role="the guest")
    with pytest.raises(OutOfScope):
        services.person_link(actor=tree.users["street"], incident=incident, person=other)
    assert list(IncidentPerson.objects.values_list("person_id", flat=True)) == [mine.pk]
    url = reverse("incidents:person_link", args=[incident.pk])
    assert tree.client("street").post(url, {"person": other.pk}).status_code == 404


def test_closing_with_required_steps_open_needs_a_reason(tree):
    plan(tree)
    incident = open_incident(tree)
    with pytest.raises(ValidationError, match="required steps"):
        services.incident_close(actor=tree.users["street"], incident=incident)
    for step in incident.steps.filter(required=True):
        services.step_complete(actor=tree.users["street"], step=step, note="done")
    services.incident_close(actor=tree.users["street"], incident=incident)
    incident.refresh_from_db()
    assert incident.status == "closed" and incident.close_reason == ""
    with pytest.raises(ValidationError, match="closed"):
        services.note_add(actor=tree.users["street"], incident=incident, text="late")


def test_skipping_a_step_needs_a_note(tree):
    plan(tree)
    step = open_incident(tree).steps.first()
    with pytest.raises(ValidationError, match="why"):
        services.step_complete(actor=tree.users["street"], step=step, status="skipped")


def test_a_report_is_written_from_the_timeline_approved_by_another_then_sent(tree):
    plan(tree)
    incident = open_incident(tree)
    contact = services.contact_save(actor=tree.users["district"], kind="embassy", country="IT",
                                    name="Embassy of Italy")
    services.liaison_record(actor=tree.users["street"], incident=incident, contact=contact,
                            direction="sent", channel="phone", text="Consular section told.")
    with pytest.raises(ValidationError, match="first report first"):
        services.report_draft(actor=tree.users["street"], incident=incident, kind="final")
    report = services.report_draft(actor=tree.users["street"], incident=incident, kind="first")
    assert "Consular section told." in report.text and "Tell the health commission" in report.text
    with pytest.raises(ValidationError, match="before it is approved"):
        services.report_send(actor=tree.users["street"], report=report, recipients="district")
    with pytest.raises(PermissionDenied):
        services.report_approve(actor=tree.users["street"], report=report)
    services.report_approve(actor=tree.users["district"], report=report)
    services.report_send(actor=tree.users["street"], report=report,
                         recipients="区委区政府值班室")
    report.refresh_from_db()
    assert report.status == "sent"
    assert incident.timeline.filter(kind="report").exists()
    with pytest.raises(ValidationError, match="approved report"):
        services.report_edit(actor=tree.users["street"], report=report, text="changed")


def test_the_report_pdf_holds_its_text(tree, tmp_path):
    plan(tree)
    incident = open_incident(tree, title="意大利籍人员阳性")
    report = services.report_draft(actor=tree.users["street"], incident=incident, kind="first")
    response = tree.client("street").get(reverse("incidents:report_pdf", args=[report.pk]))
    assert response.status_code == 200 and response.content[:5] == b"%PDF-"
    path = tmp_path / "r.pdf"
    path.write_bytes(response.content)
    text = subprocess.run(["pdftotext", str(path), "-"], capture_output=True, text=True,
                          check=True).stdout
    assert "意大利籍人员阳性" in text and "Isolate in the room" in text
    from frontline.audit.models import AccessLogEntry

    assert AccessLogEntry.objects.filter(object_type="incidents.incidentreport").exists()


def test_opinion_entries_link_to_incidents(tree):
    incident = open_incident(tree)
    entry = services.opinion_record(actor=tree.users["street"],
                                    jurisdiction=tree.jurisdictions["110101001"],
                                    source="Weibo", summary="A post about the hotel",
                                    sentiment="negative", incident=incident,
                                    link="https://example.com/post/1")
    services.opinion_follow_up(actor=tree.users["street"], entry=entry,
                               follow_up="Answered by the spokesperson", handled=True)
    entry.refresh_from_db()
    assert entry.status == "handled" and incident.timeline.filter(kind="opinion").exists()
    with pytest.raises(ValidationError):
        services.opinion_record(actor=tree.users["street"],
                                jurisdiction=tree.jurisdictions["110101001"], source="x",
                                summary="y", sentiment="furious")


def test_pages_render_and_work(tree):
    plan(tree)
    client = tree.client("street")
    for name in ("dashboard", "incident_open", "plans", "directory", "opinion"):
        assert client.get(reverse(f"incidents:{name}")).status_code == 200, name
    response = client.post(reverse("incidents:incident_open"), {
        "incident_type": "positive_test", "severity": 3, "title": "T", "description": "D",
        "jurisdiction": tree.jurisdictions["110101001"].pk})
    incident = Incident.objects.get()
    assert response.url == reverse("incidents:incident_detail", args=[incident.pk])
    page = client.get(response.url)
    assert page.status_code == 200 and "Isolate in the room" in page.content.decode()


def test_api_open_complete_and_close(tree):
    plan(tree)
    client = tree.client("street")
    response = client.post(reverse("api:incident-list"), {
        "incident_type": "positive_test", "severity": 3, "title": "API", "description": "D",
        "jurisdiction": "110101001"}, content_type="application/json")
    assert response.status_code == 201, response.content
    data = response.json()
    assert len(data["steps"]) == 3
    for step in data["steps"][:2]:
        url = reverse("api:incidentstep-complete", args=[step["id"]])
        assert client.post(url, {"note": "ok"}, content_type="application/json").status_code == 200
    url = reverse("api:incident-close", args=[data["id"]])
    assert client.post(url, {}, content_type="application/json").json()["status"] == "closed"
    assert client.get(reverse("api:contact-list")).status_code == 200


def test_the_demo_loads_twice_without_change(tree):
    from io import StringIO

    from frontline.incidents import demo

    tree.users["district"].username = "district"
    demo.load(stdout=StringIO())
    counts = (ContingencyPlan.objects.count(), Contact.objects.count(), Incident.objects.count(),
              NoticeRule.objects.count())
    demo.load(stdout=StringIO())
    assert counts == (ContingencyPlan.objects.count(), Contact.objects.count(),
                      Incident.objects.count(), NoticeRule.objects.count())
    assert counts[0] == 7 and counts[2] == 1


# -- permissions -----------------------------------------------------------------------------

def two(tree):
    return open_incident(tree, "110101001"), open_incident(tree, "110101002", actor="street2")


class TestIncidentPermissions(ScopedPermissionTests):
    model = Incident
    api_basename = "incident"
    detail_url_name = "incidents:incident_detail"

    def make_objects(self, tree):
        return two(tree)

    def test_writes_to_another_streets_incident_are_404(self, tree):
        _, outside = two(tree)
        client = tree.client("street")
        before = snapshot_row(outside)
        for name, data in [("note_add", {"text": "x"}), ("incident_close", {"reason": "x"}),
                           ("report_draft", {"kind": "first"})]:
            assert client.post(reverse(f"incidents:{name}", args=[outside.pk]), data
                               ).status_code == 404, name
        assert client.post(reverse("api:incident-close", args=[outside.pk]), {},
                           content_type="application/json").status_code == 404
        assert snapshot_row(outside) == before
        assert not IncidentReport.objects.exists()


class TestStepPermissions(ScopedPermissionTests):
    model = IncidentStep
    api_basename = "incidentstep"

    def make_objects(self, tree):
        plan(tree)
        inside, outside = two(tree)
        return inside.steps.first(), outside.steps.first()

    def test_completing_another_streets_step_is_404(self, tree):
        _, outside = self.make_objects(tree)
        assert tree.client("street").post(reverse("incidents:step_complete", args=[outside.pk])
                                          ).status_code == 404
        outside.refresh_from_db()
        assert outside.status == "open"


class TestTimelinePermissions(ScopedPermissionTests):
    model = TimelineEntry

    def make_objects(self, tree):
        inside, outside = two(tree)
        return inside.timeline.first(), outside.timeline.first()


class TestReportPermissions(ScopedPermissionTests):
    model = IncidentReport
    api_basename = "incidentreport"

    def make_objects(self, tree):
        inside, outside = two(tree)
        return (services.report_draft(actor=tree.users["street"], incident=inside, kind="first"),
                services.report_draft(actor=tree.users["street2"], incident=outside,
                                      kind="first"))

    def test_the_pdf_of_another_streets_report_is_404(self, tree):
        _, outside = self.make_objects(tree)
        assert tree.client("street").get(reverse("incidents:report_pdf", args=[outside.pk])
                                         ).status_code == 404


class TestOpinionPermissions(ScopedPermissionTests):
    model = OpinionEntry
    api_basename = "opinionentry"

    def make_objects(self, tree):
        return tuple(services.opinion_record(
            actor=tree.users[user], jurisdiction=tree.jurisdictions[code], source="s",
            summary="x", sentiment="neutral") for user, code in
            (("street", "110101001"), ("street2", "110101002")))


class TestPlanPermissions(ScopedPermissionTests):
    model = ContingencyPlan
    viewer = "district"
    api_basename = "contingencyplan"

    def make_objects(self, tree):
        return plan(tree), plan(tree, code="110102", actor="district_west")


class TestIncidentPersonPermissions(ScopedPermissionTests):
    model = IncidentPerson

    def make_objects(self, tree):
        inside, outside = two(tree)
        return (services.person_link(actor=tree.users["street"], incident=inside,
                                     person=make_person(tree, community="110101001001")),
                services.person_link(actor=tree.users["street2"], incident=outside,
                                     person=make_person(tree, community="110101002001")))


class TestNoticePermissions(ScopedPermissionTests):
    model = IncidentNotice

    def make_objects(self, tree):
        services.notice_rule_save(actor=tree.users["district"],
                                  jurisdiction=tree.jurisdictions["110101"], max_severity=4,
                                  role="street_staff", minutes=60)
        inside, outside = two(tree)
        return (IncidentNotice.objects.filter(incident=inside).first(),
                IncidentNotice.objects.filter(incident=outside).first())


class TestNoticeRulePermissions(ScopedPermissionTests):
    model = NoticeRule
    viewer = "district"

    def make_objects(self, tree):
        return tuple(services.notice_rule_save(
            actor=tree.users[user], jurisdiction=tree.jurisdictions[code], max_severity=2,
            role="district_leader", minutes=30)
            for user, code in (("district", "110101"), ("district_west", "110102")))


class TestLiaisonPermissions(ScopedPermissionTests):
    from frontline.incidents.models import LiaisonRecord as model  # noqa: N813

    def make_objects(self, tree):
        contact = Contact.objects.create(kind="embassy", country="IT", name="Embassy")
        inside, outside = two(tree)
        return tuple(services.liaison_record(actor=tree.users[u], incident=i, contact=contact,
                                             direction="sent", channel="phone", text="t")
                     for u, i in (("street", inside), ("street2", outside)))


@pytest.mark.parametrize("user, role", [("district", "district_staff"),
                                         ("leader", "district_leader")])
def test_whoever_is_on_duty_is_told_and_listed_with_their_role(tree, user, role):
    from frontline.helpdesk import services as helpdesk

    now = timezone.now()
    helpdesk.duty_slot_create(actor=tree.users["district"], jurisdiction=tree.jurisdictions["110101"],
                              user=tree.users[user], position="primary",
                              starts_at=now - datetime.timedelta(hours=1),
                              ends_at=now + datetime.timedelta(hours=8))
    incident = open_incident(tree)
    notice = IncidentNotice.objects.get(incident=incident, user=tree.users[user])
    assert notice.role == role


def test_the_open_form_takes_the_area_from_where_it_was_opened(tree):
    url = reverse("incidents:incident_open") + "?source=health+alert&code=110101001&title=X"
    form = tree.client("street").get(url).context["form"]
    assert form.initial["jurisdiction"] == tree.jurisdictions["110101001"].pk
    assert form.initial["source"] == "health alert"
    # a code outside the scope is not prefilled
    url = reverse("incidents:incident_open") + "?code=110101002"
    assert tree.client("street").get(url).context["form"].initial["jurisdiction"] is None


def test_notice_rules_are_managed_on_the_plans_page(tree):
    client = tree.client("district")
    response = client.post(reverse("incidents:plans"), {
        "rule": "1", "jurisdiction": tree.jurisdictions["110101"].pk, "max_severity": 2,
        "role": "district_leader", "minutes": 30})
    assert response.status_code == 302
    assert NoticeRule.objects.get().minutes == 30
    assert tree.client("street").post(reverse("incidents:plans"), {
        "rule": "1", "jurisdiction": tree.jurisdictions["110101"].pk, "max_severity": 2,
        "role": "district_leader", "minutes": 30}).status_code == 403


def test_a_report_longer_than_its_limit_is_refused_and_left_as_it_was(tree):
    plan(tree)
    incident = open_incident(tree)
    report = services.report_draft(actor=tree.users["street"], incident=incident, kind="first")
    with pytest.raises(ValidationError, match="at most 20000 characters"):
        services.report_edit(actor=tree.users["street"], report=report,
                             text="A" * (services.REPORT_MAX_CHARS + 1))
    kept = report.text
    report.refresh_from_db()
    assert report.text == kept
    services.report_edit(actor=tree.users["street"], report=report,
                         text="A" * services.REPORT_MAX_CHARS)


def test_approve_shows_only_to_who_may_approve_and_an_empty_text_is_said(tree):
    plan(tree)
    incident = open_incident(tree)
    report = services.report_draft(actor=tree.users["street"], incident=incident, kind="first")
    url = reverse("incidents:report_detail", args=[report.pk])
    approve = 'value="approve"'
    assert approve not in tree.client("street").get(url).content.decode()  # the writer
    assert approve in tree.client("district").get(url).content.decode()
    response = tree.client("street").post(url, {"action": "save", "text": "   "}, follow=True,
                                          HTTP_ACCEPT_LANGUAGE="en")
    assert "This field is required." in response.content.decode()
    report.refresh_from_db()
    assert report.text.strip()


def test_an_incident_at_the_hotel_housing_a_streets_resident_keeps_the_hotel(tree):
    """A street opens an incident about its resident in the district's observation hotel: the
    hotel is kept (it is not the street's place, but it houses the street's resident), so its
    staff see the incident. A hotel housing nobody of the street stays out of reach."""
    from frontline.observation.tests.factories import make_room, observe

    plan(tree)
    hotel = tree.places["hotel"]
    observe(tree, kind="centralised", room=make_room(tree))
    url = (reverse("incidents:incident_open") + f"?source=x&code=110101001001&place={hotel.pk}")
    form = tree.client("street").get(url).context["form"]
    assert form.initial["place"] == hotel.pk
    assert hotel in form.fields["place"].queryset
    incident = open_incident(tree, place=hotel)
    assert incident.place == hotel
    assert tree.client("hotel").get(
        reverse("incidents:incident_detail", args=[incident.pk])).status_code == 200
    with pytest.raises(OutOfScope):  # the other district's hotel houses nobody of theirs
        open_incident(tree, place=tree.places["hotel_other"])
