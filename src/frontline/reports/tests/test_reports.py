"""Daily figures: snapshot and roll-up, submitting with validation, approval and locking,
unlocking, the late board and its rates, reminders, the bulletin, meetings, permissions, pages
and the API."""

from __future__ import annotations

import datetime
import subprocess

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse
from django.utils import timezone

from frontline.core.models import OutOfScope
from frontline.core.testing import ScopedPermissionTests, snapshot_row
from frontline.notify.models import Message
from frontline.people.tests.factories import make_person
from frontline.reports import selectors, services
from frontline.reports.models import (
    ActionItem,
    Bulletin,
    Meeting,
    ReportRun,
    Submission,
)


@pytest.fixture
def report(tree):
    actor, district = tree.users["district"], tree.jurisdictions["110101"]
    residents = services.figure_save(actor=actor, jurisdiction=district, key="residents",
                                     name="Residents", source="registry",
                                     computation="permanent_residents", order=1)
    arrivals = services.figure_save(actor=actor, jurisdiction=district, key="arrivals",
                                    name="Arrivals", source="registry",
                                    computation="arrivals_recent", order=2)
    teachers = services.figure_save(actor=actor, jurisdiction=district, key="teachers",
                                    name="Teachers back", source="registry",
                                    computation="teachers_returned", order=3, part_of=arrivals)
    calls = services.figure_save(actor=actor, jurisdiction=district, key="calls",
                                 name="Hotline calls", source="manual", order=4)
    return services.definition_save(
        actor=actor, jurisdiction=district, name="Daily", figures=[residents, arrivals, teachers,
                                                                   calls],
        cutoff=datetime.time(0, 0), deadline=datetime.time(23, 59), reminders=["10:00", "11:30"])


def people(tree):
    today = timezone.localdate()
    make_person(tree, community="110101001001")
    make_person(tree, family_name="B", community="110101001001", arrived_on=today)
    make_person(tree, family_name="C", community="110101001002", arrived_on=today,
                categories=["foreign_teacher"])
    make_person(tree, family_name="D", community="110101002001")


def sub(run, code):
    return Submission.objects.get(run=run, jurisdiction_code=code)


def test_snapshot_counts_each_unit_and_streets_sum_their_communities(tree, report):
    people(tree)
    run = services.run_snapshot(definition=report, day=timezone.localdate())
    assert Submission.objects.filter(run=run).count() == 2 + 3  # 2 streets, 3 communities
    assert sub(run, "110101001001").computed == {"residents": 2, "arrivals": 1, "teachers": 0}
    assert sub(run, "110101001002").computed == {"residents": 0, "arrivals": 1, "teachers": 1}
    assert sub(run, "110101001").computed == {"residents": 2, "arrivals": 2, "teachers": 1}
    assert sub(run, "110101002").computed["residents"] == 1
    assert not Submission.objects.filter(run=run, jurisdiction_code__startswith="110102")
    assert run.by_country == {"IT": 2}
    again = services.run_snapshot(definition=report, day=timezone.localdate())
    assert again.pk == run.pk and Submission.objects.filter(run=run).count() == 5


def test_bad_figures_are_refused_naming_the_figure(tree, report):
    people(tree)
    run = services.run_snapshot(definition=report, day=timezone.localdate())
    unit = sub(run, "110101001002")
    actor = tree.users["street"]
    for values, message in [({"calls": "-1"}, "Hotline calls"), ({"calls": "2.5"}, "Hotline calls"),
                            ({"calls": ""}, "Hotline calls is required".replace(" is", "” is")),
                            ({"calls": "1", "teachers": "5", "arrivals": "1"}, "cannot be larger"),
                            ({"calls": "1", "residents": "9"}, "differs from the registry")]:
        with pytest.raises(ValidationError, match=message.split("”")[0]):
            services.submission_save(actor=actor, submission=unit, values={
                **unit.computed, **values}, submit=True)
    unit.refresh_from_db()
    assert unit.status == "pending" and "calls" not in unit.values
    services.submission_save(actor=actor, submission=unit, values={
        **unit.computed, "calls": "3", "residents": "1"},
        comments={"residents": "one moved in yesterday"}, submit=True)
    unit.refresh_from_db()
    assert unit.status == "submitted" and unit.values["residents"] == 1 and unit.on_time


def test_approval_locks_and_only_the_district_unlocks(tree, report):
    run = services.run_snapshot(definition=report, day=timezone.localdate())
    community = sub(run, "110101001001")
    services.submission_save(actor=tree.users["community"], submission=community,
                             values={**community.computed, "calls": 0}, submit=True)
    with pytest.raises(PermissionDenied):  # a community does not approve itself
        services.submission_approve(actor=tree.users["community"], submission=community)
    services.submission_approve(actor=tree.users["street"], submission=community)
    with pytest.raises(ValidationError, match="locked"):
        services.submission_save(actor=tree.users["community"], submission=community,
                                 values={"calls": 2})
    with pytest.raises(OutOfScope):
        services.submission_unlock(actor=tree.users["street"], submission=community,
                                   reason="typo")
    services.submission_unlock(actor=tree.users["district"], submission=community,
                               reason="typo in the calls")
    services.submission_save(actor=tree.users["community"], submission=community,
                             values={**community.computed, "calls": 2}, submit=True)
    community.refresh_from_db()
    assert community.values["calls"] == 2 and community.unlock_reason == "typo in the calls"
    street = sub(run, "110101001")
    services.submission_save(actor=tree.users["street"], submission=street,
                             values={**street.computed, "calls": 2}, submit=True)
    with pytest.raises(PermissionDenied):
        services.submission_approve(actor=tree.users["street"], submission=street)
    services.submission_approve(actor=tree.users["district"], submission=street)


def test_a_late_submission_is_marked_late(tree, report):
    run = services.run_snapshot(definition=report, day=timezone.localdate())
    ReportRun.objects.filter(pk=run.pk).update(deadline_at=timezone.now() - datetime.timedelta(
        minutes=1))
    unit = sub(run, "110101001001")
    services.submission_save(actor=tree.users["community"], submission=unit,
                             values={**unit.computed, "calls": 0}, submit=True)
    unit.refresh_from_db()
    assert unit.on_time is False


def test_figures_changed_after_submission_must_be_submitted_again(tree, report):
    run = services.run_snapshot(definition=report, day=timezone.localdate())
    unit = sub(run, "110101001001")
    values = {**unit.computed, "calls": 4}
    services.submission_save(actor=tree.users["community"], submission=unit, values=values,
                             submit=True)
    unit.refresh_from_db()
    first = unit.submitted_at
    # Saved again unchanged: still submitted.
    services.submission_save(actor=tree.users["community"], submission=unit, values=values)
    unit.refresh_from_db()
    assert unit.status == "submitted"
    # Changed without submitting: no longer submitted, so not approvable.
    services.submission_save(actor=tree.users["community"], submission=unit,
                             values={**values, "calls": 9})
    unit.refresh_from_db()
    assert unit.status == "pending" and unit.values["calls"] == 9
    with pytest.raises(ValidationError, match="Only submitted"):
        services.submission_approve(actor=tree.users["street"], submission=unit)
    services.submission_save(actor=tree.users["community"], submission=unit,
                             values={**values, "calls": 9}, submit=True)
    unit.refresh_from_db()
    assert unit.status == "submitted" and unit.submitted_at >= first
    page = tree.client("community")
    response = page.post(f"/reports/submissions/{unit.pk}/", {
        "action": "save", "version": unit.version,
        **{f"v-{k}": v for k, v in {**unit.values, "calls": 5}.items()}}, follow=True)
    assert "no longer submitted" in response.content.decode()


def test_the_city_office_reads_the_districts_runs_and_another_district_does_not(tree, report):
    from frontline.reports import selectors as report_selectors

    run = services.run_snapshot(definition=report, day=timezone.localdate())
    assert run in report_selectors.runs(actor=tree.users["city"])
    assert run in report_selectors.runs(actor=tree.users["community"])  # it submits to it
    assert run not in report_selectors.runs(actor=tree.users["district_west"])
    assert tree.client("city").get(f"/reports/dashboard/?run={run.pk}").status_code == 200
    assert tree.client("district_west").get(
        f"/reports/dashboard/?run={run.pk}").status_code == 404


def test_late_board_rates_never_exceed_100_when_units_change(tree, report):
    from frontline.areas.models import Jurisdiction

    run = services.run_snapshot(definition=report, day=timezone.localdate())
    for code, user in (("110101001001", "community"), ("110101001002", "street")):
        unit = sub(run, code)
        services.submission_save(actor=tree.users[user], submission=unit,
                                 values={**unit.computed, "calls": 0}, submit=True)
    # A community created after the snapshot is not expected; one closed before submitting
    # is not expected either.
    Jurisdiction.objects.create(code="110101001003", name="New", level="community",
                                parent=tree.jurisdictions["110101001"])
    Jurisdiction.objects.filter(code="110101002001").update(is_active=False)
    board = selectors.late_board(actor=tree.users["district"], run=run)
    assert board["expected"] == 4 and board["submitted"] == 2
    assert board["submitted_rate"] <= 100 and board["on_time_rate"] <= 100
    street_board = selectors.late_board(actor=tree.users["street"], run=run)
    assert street_board["expected"] == 3 and street_board["submitted"] == 2


def test_reminders_go_only_to_units_that_have_not_submitted(tree, report):
    run = services.run_snapshot(definition=report, day=timezone.localdate())
    unit = sub(run, "110101001001")
    services.submission_save(actor=tree.users["community"], submission=unit,
                             values={**unit.computed, "calls": 0}, submit=True)
    at = timezone.make_aware(datetime.datetime.combine(run.period_date, datetime.time(10, 1)),
                             timezone.get_default_timezone())
    sent = services.reminders_send(now=at)
    recipients = set(Message.objects.values_list("recipient__username", flat=True))
    assert sent and "community" not in recipients
    assert {"street", "street2", "community2"} <= recipients
    assert services.reminders_send(now=at) == 0  # once per reminder time


def test_the_bulletin_pdf_and_xlsx(tree, report, settings, tmp_path,
                                   django_capture_on_commit_callbacks):
    settings.MEDIA_ROOT = tmp_path
    people(tree)
    yesterday = timezone.localdate() - datetime.timedelta(days=1)
    services.run_snapshot(definition=report, day=yesterday)
    run = services.run_snapshot(definition=report, day=timezone.localdate())
    report.recipients = "chief@example.org"
    report.save()
    from frontline.reports.bulletin import bulletin_request

    with django_capture_on_commit_callbacks(execute=True):
        bulletin = bulletin_request(actor=tree.users["district"], run=run, english=True)
    bulletin.refresh_from_db()  # the immediate task backend has built it
    assert bulletin.status == "done", bulletin.error
    pdf = tmp_path / bulletin.pdf_path
    text = subprocess.run(["pdftotext", str(pdf), "-"], capture_output=True, text=True,
                          check=True).stdout
    assert "Residents" in text and "东华门街道" in text and "Daily bulletin" in text
    from openpyxl import load_workbook

    book = load_workbook(tmp_path / bulletin.xlsx_path, read_only=True)
    rows = list(book.worksheets[0].iter_rows(values_only=True))
    assert rows[0][0] == "区划代码" and len(rows) == 1 + 5
    assert Message.objects.filter(channel="email", email="chief@example.org").exists()
    with pytest.raises(PermissionDenied):
        bulletin_request(actor=tree.users["street"], run=run)


def test_meetings_and_overdue_action_items(tree):
    actor = tree.users["district"]
    meeting = services.meeting_create(actor=actor, jurisdiction=tree.jurisdictions["110101"],
                                      kind="dispatch", title="Daily dispatch",
                                      held_at=timezone.now())
    item = services.action_item_add(actor=actor, meeting=meeting, text="Send two speakers",
                                    owner=tree.users["street"],
                                    due_at=timezone.now() - datetime.timedelta(hours=1))
    assert list(selectors.overdue_items(actor=actor)) == [item]
    services.action_item_done(actor=actor, item=item, note="sent")
    assert not selectors.overdue_items(actor=actor).exists()
    with pytest.raises(ValidationError):
        services.action_item_done(actor=actor, item=item)


def test_pages_render_for_the_district_and_a_street(tree, report):
    people(tree)
    run = services.run_snapshot(definition=report, day=timezone.localdate())
    for user in ("district", "street"):
        client = tree.client(user)
        for name in ("board", "dashboard", "bulletins", "meetings"):
            response = client.get(reverse(f"reports:{name}"))
            assert response.status_code == 200, (user, name)
    client = tree.client("street")
    unit = sub(run, "110101001001")
    response = client.post(reverse("reports:submission", args=[unit.pk]), {
        "v-residents": "2", "v-arrivals": "1", "v-teachers": "0", "v-calls": "x",
        "action": "submit"})
    assert response.status_code == 200 and "whole number" in response.content.decode()
    response = client.post(reverse("reports:submission", args=[unit.pk]), {
        "v-residents": "2", "v-arrivals": "1", "v-teachers": "0", "v-calls": "4",
        "action": "submit"})
    assert response.status_code == 302
    assert sub(run, "110101001001").status == "submitted"
    dashboard = tree.client("district").get(reverse("reports:dashboard"))
    assert dashboard.context["totals"]["residents"] == 3


def test_the_dashboard_counts_countries_from_the_streets_it_already_read(tree, report):
    people(tree)
    run = services.run_snapshot(definition=report, day=timezone.localdate())
    dashboard = tree.client("district").get(reverse("reports:dashboard"))
    assert dashboard.context["countries"] == [("IT", 2)]
    assert selectors.by_country(actor=tree.users["district"], run=run) == [("IT", 2)]
    assert selectors.by_country(actor=tree.users["street"], run=run) == [("IT", 2)]
    with pytest.raises(ValueError):  # only street rows of this run may be handed in
        selectors.by_country(actor=tree.users["district"], run=run,
                             streets=[sub(run, "110101001001")])


def test_api_save_approve(tree, report):
    run = services.run_snapshot(definition=report, day=timezone.localdate())
    unit = sub(run, "110101001001")
    client = tree.client("community")
    url = reverse("api:submission-save", args=[unit.pk])
    bad = client.post(url, {"values": {"calls": "-3"}, "submit": True},
                      content_type="application/json")
    assert bad.status_code == 400 and "calls" in bad.json()
    ok = client.post(url, {"values": {**{k: str(v) for k, v in unit.computed.items()},
                                      "calls": "1"}, "submit": True},
                     content_type="application/json")
    assert ok.status_code == 200 and ok.json()["status"] == "submitted"
    approve = tree.client("street").post(reverse("api:submission-approve", args=[unit.pk]))
    assert approve.json()["status"] == "approved"
    runs = tree.client("community").get(reverse("api:reportrun-list")).json()
    assert runs["results"][0]["id"] == run.pk
    board = tree.client("district").get(reverse("api:reportrun-board", args=[run.pk])).json()
    assert board["submitted"] == 1 and board["expected"] == 5


# -- permissions -----------------------------------------------------------------------------

class TestSubmissionPermissions(ScopedPermissionTests):
    model = Submission
    api_basename = "submission"
    detail_url_name = "reports:submission"

    def make_objects(self, tree):
        actor, district = tree.users["district"], tree.jurisdictions["110101"]
        calls = services.figure_save(actor=actor, jurisdiction=district, key="calls",
                                     name="Calls", source="manual")
        definition = services.definition_save(
            actor=actor, jurisdiction=district, name="D", figures=[calls],
            cutoff=datetime.time(0, 0), deadline=datetime.time(12, 0), reminders=[])
        run = services.run_snapshot(definition=definition, day=timezone.localdate())
        return sub(run, "110101001001"), sub(run, "110101002001")

    def test_saving_another_streets_figures_is_404(self, tree):
        _, outside = self.make_objects(tree)
        before = snapshot_row(outside)
        client = tree.client("street")
        assert client.post(reverse("reports:submission", args=[outside.pk]),
                           {"v-calls": "9", "action": "submit"}).status_code == 404
        assert client.post(reverse("api:submission-save", args=[outside.pk]),
                           {"values": {"calls": "9"}, "submit": True},
                           content_type="application/json").status_code == 404
        assert snapshot_row(outside) == before


class TestReportRunVisibility:
    def test_a_street_sees_its_districts_runs_but_not_another_districts(self, tree, report):
        run = services.run_snapshot(definition=report, day=timezone.localdate())
        assert run in selectors.runs(actor=tree.users["street"])
        assert run not in selectors.runs(actor=tree.users["district_west"])
        url = reverse("api:reportrun-detail", args=[run.pk])
        assert tree.client("district_west").get(url).status_code == 404


class TestMeetingPermissions(ScopedPermissionTests):
    model = Meeting
    api_basename = "meeting"
    detail_url_name = "reports:meeting_detail"

    def make_objects(self, tree):
        return tuple(services.meeting_create(actor=tree.users[u], jurisdiction=tree.jurisdictions[c],
                                             kind="dispatch", title="M", held_at=timezone.now())
                     for u, c in (("street", "110101001"), ("street2", "110101002")))


class TestActionItemPermissions(ScopedPermissionTests):
    model = ActionItem
    api_basename = "actionitem"

    def make_objects(self, tree):
        meetings = TestMeetingPermissions().make_objects(tree)
        return tuple(services.action_item_add(actor=tree.users[u], meeting=m, text="x",
                                              owner=tree.users[u], due_at=timezone.now())
                     for u, m in zip(("street", "street2"), meetings, strict=True))


class TestBulletinPermissions(ScopedPermissionTests):
    model = Bulletin
    viewer = "district"
    api_basename = "bulletin"

    def make_objects(self, tree):
        out = []
        for user, code in (("district", "110101"), ("district_west", "110102")):
            calls = services.figure_save(actor=tree.users[user],
                                         jurisdiction=tree.jurisdictions[code], key="calls",
                                         name="Calls", source="manual")
            definition = services.definition_save(
                actor=tree.users[user], jurisdiction=tree.jurisdictions[code], name="D",
                figures=[calls], cutoff=datetime.time(0, 0), deadline=datetime.time(12, 0),
                reminders=[])
            run = services.run_snapshot(definition=definition, day=timezone.localdate())
            out.append(Bulletin.objects.create(run=run, jurisdiction_code=code))
        return tuple(out)


class TestFigurePermissions(ScopedPermissionTests):
    from frontline.reports.models import Figure as model  # noqa: N813

    viewer = "district"

    def make_objects(self, tree):
        return tuple(services.figure_save(actor=tree.users[u], jurisdiction=tree.jurisdictions[c],
                                          key="k", name="n", source="manual")
                     for u, c in (("district", "110101"), ("district_west", "110102")))


class TestDefinitionPermissions(ScopedPermissionTests):
    from frontline.reports.models import ReportDefinition as model  # noqa: N813

    viewer = "district"

    def make_objects(self, tree):
        return tuple(services.definition_save(
            actor=tree.users[u], jurisdiction=tree.jurisdictions[c], name="D", figures=[],
            cutoff=datetime.time(0, 0), deadline=datetime.time(12, 0), reminders=[])
            for u, c in (("district", "110101"), ("district_west", "110102")))


class TestRunPermissions(ScopedPermissionTests):
    model = ReportRun
    viewer = "district"
    api_basename = "reportrun"

    def make_objects(self, tree):
        return tuple(services.run_snapshot(definition=d, day=timezone.localdate())
                     for d in TestDefinitionPermissions().make_objects(tree))


def test_the_late_board_polls_once(tree, report):
    run = services.run_snapshot(definition=report, day=timezone.localdate())
    page = tree.client("district").get(f"/reports/?run={run.pk}").content.decode()
    assert page.count('id="board"') == 1 and page.count('hx-trigger="every 30s"') == 1


def test_a_streets_figure_that_is_not_its_communities_sum_is_flagged(tree, report):
    run = services.run_snapshot(definition=report, day=timezone.localdate())
    community = sub(run, "110101001001")
    services.submission_save(actor=tree.users["community"], submission=community,
                             values={**community.computed, "calls": 9}, submit=True)
    street = sub(run, "110101001")
    services.submission_save(actor=tree.users["street"], submission=street,
                             values={**street.computed, "calls": 1}, submit=True)
    page = tree.client("district").get(f"/reports/submissions/{street.pk}/")
    flagged = [r["figure"].key for r in page.context["rows"] if r["differs"]]
    assert flagged == ["calls"]
    assert "badge warn" in page.content.decode()


def test_figures_are_named_in_the_readers_language_where_an_english_name_is_set(tree, report):
    from frontline.reports.models import Figure

    Figure.objects.filter(key="residents").update(name="外国人永久居留人员",
                                                  name_en="foreign permanent residents")
    run = services.run_snapshot(definition=report, day=timezone.localdate())
    client = tree.client("district")
    for language, expected in (("en", "foreign permanent residents"), ("zh-CN", "外国人永久居留人员")):
        for url in (reverse("reports:dashboard"),
                    reverse("reports:submission", args=[sub(run, "110101001001").pk])):
            page = client.get(url, HTTP_ACCEPT_LANGUAGE=language).content.decode()
            assert expected in page, (language, url)
    english = client.get(reverse("reports:dashboard"), HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "外国人永久居留人员" not in english
