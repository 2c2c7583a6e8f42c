"""Training sessions (scoped by team), attendance, the untrained, the booklet PDF and the
knowledge API."""

import datetime
import re
import subprocess

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import timezone

from frontline.core.models import OutOfScope
from frontline.core.testing import ScopedPermissionTests
from frontline.knowledge import selectors, services
from frontline.knowledge.models import Booklet, BookletStatus, TrainingSession
from frontline.knowledge.rendering_jobs import booklet_path
from frontline.knowledge.tests.factories import make_faq, make_note, make_policy


def hotel_session(tree, actor="district", place="hotel"):
    return services.training_session_create(
        actor=tree.users[actor], title="酒店涉外培训", starts_at=timezone.now(),
        location="区外办会议室", audience="hotel", trainer="王老师", place=tree.places[place])


def street_session(tree, street="110101001", actor="district"):
    return services.training_session_create(
        actor=tree.users[actor], title="街道涉外培训", starts_at=timezone.now(),
        location="街道办", audience="street", trainer="李老师",
        jurisdiction=tree.jurisdictions[street])


class TestTrainingSessionPermissions(ScopedPermissionTests):
    model = TrainingSession
    viewer = "street"
    list_url_name = "knowledge:training_list"
    detail_url_name = "knowledge:training_detail"
    api_basename = "trainingsession"

    def make_objects(self, tree):
        return street_session(tree, "110101001"), street_session(tree, "110101002")

    def test_attendance_outside_is_404_and_unchanged(self, tree):
        _, outside = self.make_objects(tree)
        client = tree.client("street")
        url = reverse("knowledge:training_detail", kwargs={"pk": outside.pk})
        assert client.post(url, {"users": [tree.users["street2"].pk]}).status_code == 404
        api = reverse("api:trainingsession-attendance", kwargs={"pk": outside.pk})
        assert client.post(api, {"users": [tree.users["street2"].pk]},
                           content_type="application/json").status_code == 404
        assert not outside.attendances.exists()


def test_hotel_staff_see_their_hotels_sessions_only(tree):
    own = hotel_session(tree)
    other = hotel_session(tree, actor="district_west", place="hotel_other")
    visible = set(selectors.training_list(actor=tree.users["hotel"]).values_list("pk", flat=True))
    assert own.pk in visible and other.pk not in visible


def test_a_street_cannot_plan_for_another_street(tree):
    with pytest.raises(OutOfScope):
        street_session(tree, "110101002", actor="street")
    assert not TrainingSession.objects.exists()


def test_attendance_and_who_is_not_trained_yet(tree):
    session = street_session(tree, "110101001")
    members = {u.username for u in selectors.team_members(session=session)}
    assert members == {"street", "community"}
    services.attendance_record(actor=tree.users["street"], session=session,
                               users=[tree.users["community"]])
    assert [u.username for u in selectors.untrained_members(session=session)] == ["street"]
    with pytest.raises(ValidationError):  # not in the team
        services.attendance_record(actor=tree.users["street"], session=session,
                                   users=[tree.users["street2"]])
    page = tree.client("street").get(reverse("knowledge:training_detail",
                                             kwargs={"pk": session.pk})).content.decode()
    assert 'id="untrained"' in page


def test_bad_training_input(tree):
    with pytest.raises(ValidationError):
        services.training_session_create(
            actor=tree.users["district"], title="", starts_at=timezone.now(), location="x",
            audience="hotel", trainer="", place=tree.places["transfer"])


# -- booklet -------------------------------------------------------------------------------------

def _pdftotext(path) -> str:
    return subprocess.run(["pdftotext", "-layout", str(path), "-"], capture_output=True,
                          check=True, text=True).stdout


def test_booklet_has_contents_page_numbers_and_texts(tree, settings, tmp_path,
                                                    django_capture_on_commit_callbacks):
    settings.MEDIA_ROOT = tmp_path
    italy = make_note(tree)
    japan = make_note(tree, "JP", name_zh="日本", name_en="Japan")
    policy = make_policy(tree)
    with django_capture_on_commit_callbacks(execute=True):
        booklet = services.booklet_request(actor=tree.users["district"], title="酒店工作手册",
                                           language="zh-hans", notes=[italy.note, japan.note],
                                           policies=[policy])
    booklet.refresh_from_db()  # the immediate task backend rendered it on commit
    assert booklet.status == BookletStatus.DONE and booklet.progress == 100
    assert booklet.pages >= 5  # cover, contents, two countries, one policy
    text = _pdftotext(booklet_path(booklet))
    assert "目录" in text and "意大利" in text and "入境人员集中观察规定" in text
    assert "见面握手" in text
    numbers = re.findall(r"(\d+)\s*/\s*(\d+)\s*$", text, re.MULTILINE)
    assert ("1", str(booklet.pages)) not in numbers  # the cover has no number
    assert ("3", str(booklet.pages)) in numbers
    response = tree.client("hotel").get(reverse("knowledge:booklet_pdf", kwargs={"pk": booklet.pk}))
    assert response.status_code == 200 and response["Content-Type"] == "application/pdf"


def test_booklet_needs_content(tree):
    with pytest.raises(ValidationError):
        services.booklet_request(actor=tree.users["district"], title="x", language="en",
                                 notes=[], policies=[])
    assert not Booklet.objects.exists()


# -- API -----------------------------------------------------------------------------------------

def test_api_reads_notes_policies_and_searches(tree):
    make_note(tree)
    make_policy(tree, effective_from=datetime.date(2020, 3, 1))
    make_faq(tree)
    client = tree.client("hotel")
    notes = client.get(reverse("api:countrynote-list")).json()["results"]
    assert notes[0]["country"] == "IT" and notes[0]["current"]["state"] == "review"
    in_force = client.get(reverse("api:policy-list") + "?in_force_on=2020-03-05").json()
    assert in_force["count"] == 1
    assert client.get(reverse("api:policy-list") + "?in_force_on=2020-02-05").json()["count"] == 0
    assert client.get(reverse("api:policy-list") + "?in_force_on=nope").status_code == 400
    hits = client.get(reverse("api:knowledgesearch-list") + "?q=外卖").json()
    assert hits[0]["kind"] == "faq" and "<mark>外卖</mark>" in hits[0]["title"]
    suggest = client.get(reverse("api:faq-suggest") + "?text=客人想点外卖怎么办").json()
    assert suggest and suggest[0]["kind"] == "faq"
    assert client.get(reverse("api:policy-feed")).status_code == 200


def test_api_writes_need_the_right_role(tree):
    body = {"country": "FR", "name_zh": "法国", "name_en": "France",
            "texts": {"en": {"greetings": "Bonjour with a handshake."}}}
    assert tree.client("hotel").post(reverse("api:countrynote-list"), body,
                                     content_type="application/json").status_code == 403
    created = tree.client("district").post(reverse("api:countrynote-list"), body,
                                           content_type="application/json")
    assert created.status_code == 201
    version_id = created.json()["id"]
    url = reverse("api:countrynoteversion-approve", kwargs={"pk": version_id})
    assert tree.client("district").post(url).status_code == 403
    assert tree.client("proofreader").post(url).json()["state"] == "approved"


def test_api_needs_a_signed_in_user(client):
    assert client.get("/api/v1/knowledge/search/?q=x").status_code in (401, 403)
