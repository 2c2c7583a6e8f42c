"""The roster pages and the list's figures."""

import pytest
from django.urls import reverse

from frontline.helpdesk.models import DutySlot


def test_roster_pages(tree):
    client = tree.client("district")
    assert client.get(reverse("helpdesk:duty_list")).status_code == 200
    assert client.get(reverse("helpdesk:duty_create")).status_code == 200
    response = client.post(reverse("helpdesk:duty_create"), {
        "jurisdiction": tree.jurisdictions["110101"].pk, "user": tree.users["district"].pk,
        "position": "primary", "starts_at": "2020-04-01T08:00", "ends_at": "2020-04-02T08:00"})
    assert response.status_code == 302 and DutySlot.objects.count() == 1
    bad = client.post(reverse("helpdesk:duty_create"), {
        "jurisdiction": tree.jurisdictions["110101"].pk, "user": tree.users["district"].pk,
        "position": "primary", "starts_at": "2020-04-01T08:00", "ends_at": "2020-04-03T08:00"})
    assert bad.status_code == 200 and DutySlot.objects.count() == 1
    assert tree.client("street").get(reverse("helpdesk:duty_create")).status_code == 403
    west = client.post(reverse("helpdesk:duty_create"), {
        "jurisdiction": tree.jurisdictions["110102"].pk, "user": tree.users["district"].pk,
        "position": "primary", "starts_at": "2020-04-01T08:00", "ends_at": "2020-04-01T20:00"})
    assert west.status_code == 200 and DutySlot.objects.count() == 1


def test_question_list_shows_figures(tree):
    page = tree.client("street").get(reverse("helpdesk:question_list"))
    assert page.status_code == 200 and b'id="helpdesk-figures"' in page.content


def _queries(client, url):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as ctx:
        assert client.get(url).status_code == 200
    return len(ctx.captured_queries)


def test_question_list_costs_the_same_for_more_questions(tree):
    from frontline.helpdesk.tests.factories import ask, roster

    roster(tree)
    client = tree.client("district")
    url = reverse("helpdesk:question_list")
    for _ in range(2):
        ask(tree)
    _queries(client, url)  # the first request of a session loads what it caches
    few = _queries(client, url)
    for _ in range(6):
        ask(tree, "hotel")
    assert _queries(client, url) == few


def test_escalation_task(tree):
    import datetime

    from django.utils import timezone

    from frontline.helpdesk.models import Question
    from frontline.helpdesk.tasks import escalate_due
    from frontline.helpdesk.tests.factories import ask, roster

    roster(tree)
    question = ask(tree, urgency="urgent")
    Question.objects.filter(pk=question.pk).update(
        due_at=timezone.now() - datetime.timedelta(seconds=1))
    assert escalate_due.enqueue().return_value == 1
    question.refresh_from_db()
    assert question.level == 1 and question.breaches == 1


@pytest.mark.parametrize(("language", "expected"), [
    ("en", "Images or PDF files, at most 10 MB each."), ("zh-CN", "每个不超过10 MB")])
def test_the_attachment_help_is_in_the_readers_language(tree, language, expected):
    page = tree.client("street").get(reverse("helpdesk:question_ask"),
                                     HTTP_ACCEPT_LANGUAGE=language).content.decode()
    assert expected in page


def test_a_mistyped_registry_number_is_said_on_its_field_and_the_question_kept(tree):
    from frontline.helpdesk.models import Question

    client = tree.client("community")
    form = client.get(reverse("helpdesk:question_ask")).context["form"]
    where = form.fields["where"].choices[-1][0]
    response = client.post(reverse("helpdesk:question_ask"), {
        "text": "Can a guest receive a parcel?", "urgency": "normal", "where": where,
        "person": "99999999"}, HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 200
    page = response.content.decode()
    assert "No person with this registry number in your area." in page
    assert "Can a guest receive a parcel?" in page and not Question.objects.exists()
