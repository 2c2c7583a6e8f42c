"""Every knowledge page answers, in Chinese and English, and forms refuse bad input."""

import pytest
from django.urls import reverse

from frontline.knowledge.models import CountryNoteVersion, Policy, TrainingSession
from frontline.knowledge.tests.factories import make_faq, make_note, make_policy


@pytest.mark.parametrize("language", ["zh-hans", "en"])
def test_pages_answer(tree, language, settings):
    settings.LANGUAGE_CODE = language
    version = make_note(tree)
    make_policy(tree)
    make_faq(tree)
    client = tree.client("district")
    client.cookies["django_language"] = language
    for name in ("knowledge:index", "knowledge:policy_list", "knowledge:faq_list",
                 "knowledge:feed", "knowledge:booklet_list", "knowledge:training_list",
                 "knowledge:training_create", "knowledge:note_create",
                 "knowledge:policy_create"):
        assert client.get(reverse(name)).status_code == 200, name
    assert client.get(reverse("knowledge:note_edit", kwargs={"pk": version.note_id})
                      ).status_code == 200
    index = tree.client("proofreader").get(reverse("knowledge:index")).content.decode()
    assert 'id="waiting-list"' in index


def test_forms_refuse_bad_input_and_outsiders(tree):
    client = tree.client("district")
    response = client.post(reverse("knowledge:note_create"), {"country": "IT"})
    assert response.status_code == 200 and not CountryNoteVersion.objects.exists()
    response = client.post(reverse("knowledge:policy_create"), {
        "code": "x", "source": "s", "effective_from": "2020-13-01"})
    assert response.status_code == 200 and not Policy.objects.exists()
    assert tree.client("hotel").get(reverse("knowledge:note_create")).status_code == 403
    assert tree.client("hotel").get(reverse("knowledge:policy_create")).status_code == 403
    assert tree.client("translator").get(reverse("knowledge:training_create")).status_code == 403


def test_planning_a_session_through_the_page(tree):
    client = tree.client("street")
    response = client.post(reverse("knowledge:training_create"), {
        "title": "街道涉外培训", "starts_at": "2020-04-02T09:00", "location": "街道办",
        "audience": "street", "jurisdiction": tree.jurisdictions["110101001"].pk,
        "trainer": "李老师"})
    session = TrainingSession.objects.get()
    assert response.status_code == 302 and session.jurisdiction_code == "110101001"
    # another street is not even offered
    response = client.post(reverse("knowledge:training_create"), {
        "title": "x", "starts_at": "2020-04-02T09:00", "location": "x", "audience": "street",
        "jurisdiction": tree.jurisdictions["110101002"].pk, "trainer": "x"})
    assert response.status_code == 200 and TrainingSession.objects.count() == 1


def test_index_costs_the_same_for_more_countries(tree):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    client = tree.client("hotel")

    def count():
        with CaptureQueriesContext(connection) as ctx:
            assert client.get(reverse("knowledge:index")).status_code == 200
        return len(ctx.captured_queries)

    make_note(tree, "IT")
    make_policy(tree, "a")
    count()  # the first request of a session loads what it caches
    few = count()
    make_note(tree, "JP", name_zh="日本", name_en="Japan")
    make_note(tree, "FR", name_zh="法国", name_en="France")
    make_policy(tree, "b")
    assert count() == few
