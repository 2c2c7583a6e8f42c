"""Asking, routing to whoever is on duty, escalation when a timer runs out, the thread,
closing, attachments checked by content, figures, and scoping."""

import datetime

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import timezone

from frontline.core.models import OutOfScope
from frontline.core.testing import ScopedPermissionTests, snapshot_row
from frontline.helpdesk import selectors, services
from frontline.helpdesk.attachments import MAX_BYTES
from frontline.helpdesk.models import (
    Attachment,
    DutySlot,
    Question,
    QuestionStatus,
    Reply,
    ReplyKind,
)
from frontline.helpdesk.tests.factories import PDF_BYTES, ask, office_user, png_bytes, roster
from frontline.notify.models import Message


class TestQuestionPermissions(ScopedPermissionTests):
    model = Question
    viewer = "street"
    list_url_name = "helpdesk:question_list"
    detail_url_name = "helpdesk:question_detail"
    api_basename = "question"

    def make_objects(self, tree):
        return ask(tree, "street"), ask(tree, "street2", street="110101002")

    def test_reply_and_close_outside_are_404_and_unchanged(self, tree):
        _, outside = self.make_objects(tree)
        before = snapshot_row(outside)
        client = tree.client("street")
        assert client.post(reverse("helpdesk:question_detail", kwargs={"pk": outside.pk}),
                           {"text": "hijack"}).status_code == 404
        assert client.post(reverse("helpdesk:question_close", kwargs={"pk": outside.pk})
                           ).status_code == 404
        assert client.post(reverse("api:question-replies", kwargs={"pk": outside.pk}),
                           {"text": "hijack"}, content_type="application/json").status_code == 404
        assert client.post(reverse("api:question-close", kwargs={"pk": outside.pk})
                           ).status_code == 404
        assert snapshot_row(outside) == before
        assert not outside.replies.exclude(kind=ReplyKind.EVENT).exists()

    def test_hotel_staff_see_their_hotels_questions_only(self, tree):
        mine = ask(tree, "hotel")
        street = ask(tree, "street")
        visible = set(Question.objects.restrict(tree.users["hotel"], "view")
                      .values_list("pk", flat=True))
        assert mine.pk in visible and street.pk not in visible
        assert mine.pk in set(Question.objects.restrict(tree.users["district"], "view")
                              .values_list("pk", flat=True))


class TestDutySlotPermissions(ScopedPermissionTests):
    model = DutySlot
    viewer = "district"
    list_url_name = "helpdesk:duty_list"
    api_basename = "dutyslot"

    def make_objects(self, tree):
        now = timezone.now()
        inside = services.duty_slot_create(
            actor=tree.users["district"], jurisdiction=tree.jurisdictions["110101"],
            user=tree.users["district"], position="primary", starts_at=now,
            ends_at=now + datetime.timedelta(hours=8))
        outside = services.duty_slot_create(
            actor=tree.users["district_west"], jurisdiction=tree.jurisdictions["110102"],
            user=tree.users["district_west"], position="primary", starts_at=now,
            ends_at=now + datetime.timedelta(hours=8))
        return inside, outside


# -- routing and escalation ----------------------------------------------------------------------

def test_a_question_goes_to_whoever_is_on_duty_and_notifies_them(tree):
    roster(tree)
    question = ask(tree, urgency="urgent")
    assert question.assignee == tree.users["district"]
    assert question.office_code == "110101" and question.jurisdiction_code == "110101001"
    assert question.due_at - question.created_at <= datetime.timedelta(minutes=15, seconds=1)
    assert Message.objects.filter(recipient=tree.users["district"]).exists()


def test_an_unanswered_question_goes_to_the_next_person_then_a_leader(tree):
    backup = office_user(tree)
    roster(tree, backup=backup)
    question = ask(tree, urgency="urgent")
    now = timezone.now()
    assert services.questions_escalate(now=now + datetime.timedelta(minutes=10)) == 0
    assert services.questions_escalate(now=now + datetime.timedelta(minutes=16)) == 1
    question.refresh_from_db()
    assert question.assignee == backup and question.level == 1 and question.breaches == 1
    assert Message.objects.filter(recipient=backup).exists()
    assert services.questions_escalate(now=now + datetime.timedelta(minutes=32)) == 1
    question.refresh_from_db()
    assert question.assignee == tree.users["leader"] and question.level == 2
    assert question.due_at is None  # a leader is the last step
    assert services.questions_escalate(now=now + datetime.timedelta(hours=5)) == 0
    assert question.replies.filter(kind=ReplyKind.EVENT).count() == 3


def test_a_normal_question_waits_two_hours(tree):
    roster(tree)
    question = ask(tree, urgency="normal")
    now = timezone.now()
    assert services.questions_escalate(now=now + datetime.timedelta(minutes=100)) == 0
    assert services.questions_escalate(now=now + datetime.timedelta(minutes=121)) == 1
    question.refresh_from_db()
    assert question.breaches == 1


def test_an_answer_stops_the_timer_and_a_clarification_restarts_it(tree):
    roster(tree)
    question = ask(tree, urgency="urgent")
    answer = services.question_reply(actor=tree.users["district"], question=question,
                                     text="可以，请联系酒店经理。")
    question.refresh_from_db()
    assert answer.kind == ReplyKind.ANSWER and question.status == QuestionStatus.ANSWERED
    assert question.first_answered_at and question.due_at is None
    assert services.questions_escalate(now=timezone.now() + datetime.timedelta(hours=3)) == 0
    clarification = services.question_reply(actor=tree.users["street"], question=question,
                                            text="经理不在。")
    question.refresh_from_db()
    assert clarification.kind == ReplyKind.CLARIFICATION
    assert question.status == QuestionStatus.OPEN and question.due_at is not None
    services.question_close(actor=tree.users["street"], question=question)
    question.refresh_from_db()
    assert question.status == QuestionStatus.CLOSED
    with pytest.raises(ValidationError):
        services.question_reply(actor=tree.users["district"], question=question, text="again")


def test_nobody_on_duty_still_records_and_escalates_to_a_leader(tree):
    question = ask(tree, urgency="urgent")
    assert question.assignee is None
    services.questions_escalate(now=timezone.now() + datetime.timedelta(minutes=16))
    services.questions_escalate(now=timezone.now() + datetime.timedelta(minutes=32))
    question.refresh_from_db()
    assert question.assignee == tree.users["leader"]


def test_roster_refuses_bad_shifts(tree):
    now = timezone.now()
    office = tree.jurisdictions["110101"]
    with pytest.raises(ValidationError):
        services.duty_slot_create(actor=tree.users["district"], jurisdiction=office,
                                  user=tree.users["district"], position="primary",
                                  starts_at=now, ends_at=now - datetime.timedelta(hours=1))
    with pytest.raises(ValidationError):  # a hotel user cannot see the office's questions
        services.duty_slot_create(actor=tree.users["district"], jurisdiction=office,
                                  user=tree.users["hotel"], position="primary", starts_at=now,
                                  ends_at=now + datetime.timedelta(hours=2))
    with pytest.raises(OutOfScope):
        services.duty_slot_create(actor=tree.users["street"], jurisdiction=office,
                                  user=tree.users["district"], position="primary",
                                  starts_at=now, ends_at=now + datetime.timedelta(hours=2))
    assert not DutySlot.objects.exists()


# -- bad input -----------------------------------------------------------------------------------

def test_a_person_outside_the_askers_scope_is_404(tree):
    from frontline.people.tests.factories import make_person

    outside = make_person(tree, community="110101002001")
    inside = make_person(tree, community="110101001001")
    with pytest.raises(OutOfScope):
        ask(tree, person=outside)
    assert not Question.objects.exists()
    assert ask(tree, person=inside).person == inside
    response = tree.client("street").post(
        reverse("api:question-list"), {"text": "关于此人", "jurisdiction": "110101001",
                                       "person": outside.pk}, content_type="application/json")
    assert response.status_code == 404
    assert Question.objects.count() == 1


def test_asking_from_somewhere_not_ones_own_is_404(tree):
    with pytest.raises(OutOfScope):
        ask(tree, "street", street="110101002")
    with pytest.raises(OutOfScope):
        services.question_ask(actor=tree.users["street"], text="x",
                              place=tree.places["hotel_other"])
    with pytest.raises(ValidationError):
        services.question_ask(actor=tree.users["street"], text="x")
    with pytest.raises(ValidationError):
        ask(tree, text="   ")


def test_attachments_are_checked_by_content(tree, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    question = ask(tree, files=[("photo.png", png_bytes()), ("notice.pdf", PDF_BYTES)])
    assert sorted(question.attachments.values_list("content_type", flat=True)) == [
        "application/pdf", "image/png"]
    for name, content in [("fake.pdf", b"MZ\x90\x00 not a pdf at all"),
                          ("photo.pdf", png_bytes()),  # an image named as a PDF
                          ("notice.png", PDF_BYTES),
                          ("huge.pdf", b"%PDF-1.4\n" + b"0" * MAX_BYTES + b"\n%%EOF"),
                          ("broken.png", b"\x89PNG\r\n\x1a\n" + b"garbage"),
                          ("script.html", b"<script>alert(1)</script>")]:
        with pytest.raises(ValidationError):
            ask(tree, files=[(name, content)])
    assert Question.objects.count() == 1 and Attachment.objects.count() == 2


def test_attachment_upload_through_the_api_and_download(tree, settings, tmp_path):
    from django.core.files.uploadedfile import SimpleUploadedFile

    settings.MEDIA_ROOT = tmp_path
    question = ask(tree)
    client = tree.client("street")
    url = reverse("api:question-attachments", kwargs={"pk": question.pk})
    bad = client.post(url, {"file": SimpleUploadedFile("x.pdf", b"GIF89a....")})
    assert bad.status_code == 400
    good = client.post(url, {"file": SimpleUploadedFile("x.pdf", PDF_BYTES)})
    assert good.status_code == 201
    download = client.get(reverse("helpdesk:attachment_download",
                                  kwargs={"pk": question.pk, "attachment_id": good.json()["id"]}))
    assert download.status_code == 200 and b"".join(download.streaming_content) == PDF_BYTES
    other = tree.client("street2").get(reverse("helpdesk:attachment_download", kwargs={
        "pk": question.pk, "attachment_id": good.json()["id"]}))
    assert other.status_code == 404


# -- figures, FAQ promotion, pages ---------------------------------------------------------------

def test_figures_count_questions_answers_and_breaches(tree):
    roster(tree)
    answered = ask(tree)
    ask(tree, urgency="urgent")
    Question.objects.filter(pk=answered.pk).update(
        created_at=timezone.now() - datetime.timedelta(minutes=30))
    services.question_reply(actor=tree.users["district"], question=answered, text="好的")
    services.questions_escalate(now=timezone.now() + datetime.timedelta(minutes=20))
    f = selectors.figures(actor=tree.users["district"])
    assert f["asked"] == 2 and f["breached"] == 1 and f["open"] == 1
    assert 29 <= f["median_first_answer_minutes"] <= 31
    assert selectors.figures(actor=tree.users["street2"])["asked"] == 0
    api = tree.client("district").get(reverse("api:question-figures")).json()
    assert api["asked"] == 2
    cards = tree.client("district").get(reverse("home")).content.decode()
    assert "median minutes to a first answer" in cards


def test_an_answer_becomes_an_faq_draft(tree):
    from frontline.knowledge.models import FaqEntry

    roster(tree)
    question = ask(tree)
    answer = services.question_reply(actor=tree.users["district"], question=question,
                                     text="可以换到同楼层的空房间。")
    url = reverse("helpdesk:reply_promote", kwargs={"pk": question.pk, "reply_id": answer.pk})
    assert tree.client("street").post(url).status_code == 404  # the asker's side cannot
    response = tree.client("district").post(url)
    entry = FaqEntry.objects.get()
    assert response.status_code == 302 and entry.state == "draft"
    assert entry.source_question_id == question.pk
    assert entry.texts.get(language="zh-hans").answer == "可以换到同楼层的空房间。"


def test_pages_ask_and_answer(tree, settings, tmp_path):
    from django.core.files.uploadedfile import SimpleUploadedFile

    settings.MEDIA_ROOT = tmp_path
    roster(tree)
    client = tree.client("hotel")
    form = client.get(reverse("helpdesk:question_ask"))
    assert form.status_code == 200 and b"hx-get" in form.content
    where = f"place:{tree.places['hotel'].pk}"
    bad = client.post(reverse("helpdesk:question_ask"), {
        "text": "客人发烧", "urgency": "urgent", "where": where,
        "attachments": SimpleUploadedFile("scan.pdf", b"not a pdf")})
    assert bad.status_code == 200 and not Question.objects.exists()
    sent = client.post(reverse("helpdesk:question_ask"), {
        "text": "客人发烧", "urgency": "urgent", "where": where,
        "attachments": SimpleUploadedFile("scan.pdf", PDF_BYTES)})
    question = Question.objects.get()
    assert sent.status_code == 302 and question.place == tree.places["hotel"]
    detail = reverse("helpdesk:question_detail", kwargs={"pk": question.pk})
    tree.client("district").post(detail, {"text": "请立即联系120。"})
    assert Reply.objects.filter(question=question, kind=ReplyKind.ANSWER).exists()
    assert "请立即联系120。" in client.get(detail).content.decode()


def test_faq_suggestions_while_typing(tree):
    from frontline.knowledge.tests.factories import make_faq

    make_faq(tree)
    response = tree.client("hotel").get(reverse("helpdesk:faq_suggest") + "?text=客人能点外卖吗")
    assert b"<mark>" in response.content and "外卖" in response.content.decode()
    empty = tree.client("hotel").get(reverse("helpdesk:faq_suggest") + "?text=")
    assert b"faq-suggestion-list" not in empty.content


def test_escalate_command(tree):
    from io import StringIO

    from django.core.management import call_command

    ask(tree, urgency="urgent")
    Question.objects.update(due_at=timezone.now() - datetime.timedelta(minutes=1))
    out = StringIO()
    call_command("helpdesk_escalate", stdout=out)
    assert "escalated 1" in out.getvalue()
