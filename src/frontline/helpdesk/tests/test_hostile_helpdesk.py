"""Hostile attachments (image bombs, disguised files) on the question page and the API: refused
in the asker's language, and neither the question nor any file is kept."""

from __future__ import annotations

import pytest
from django.urls import reverse

from frontline.core.tests.hostile import corpus
from frontline.core.tests.hostile.checks import (
    audit_added,
    audit_counts,
    files_under,
    has_chinese,
    upload,
)
from frontline.helpdesk.models import Attachment, Question
from frontline.helpdesk.tests.factories import ask, roster


@pytest.fixture(autouse=True)
def _media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


@pytest.mark.parametrize("language", ["zh-hans", "en"])
@pytest.mark.parametrize("item", corpus.items("image"), ids=lambda i: i.key)
def test_a_hostile_attachment_refuses_the_question_in_the_askers_language(
        tree, settings, item, language):
    roster(tree)
    audit = audit_counts()
    response = tree.client("hotel").post(reverse("helpdesk:question_ask"), {
        "text": "客人发烧", "urgency": "urgent", "where": f"place:{tree.places['hotel'].pk}",
        "attachments": upload(item)}, HTTP_ACCEPT_LANGUAGE=language)
    assert response.status_code == 200
    message = " ".join(response.context["form"].errors.get("attachments", []))
    assert message and has_chinese(message) == (language == "zh-hans"), message
    assert not Question.objects.exists() and not Attachment.objects.exists()
    assert not audit_added(audit) and files_under(settings.MEDIA_ROOT) == []


@pytest.mark.parametrize("item", corpus.items("image"), ids=lambda i: i.key)
def test_a_hostile_attachment_is_refused_by_the_api(tree, settings, item):
    question = ask(tree)
    audit = audit_counts()
    response = tree.client("street").post(
        reverse("api:question-attachments", kwargs={"pk": question.pk}), {"file": upload(item)})
    assert response.status_code == 400, response.content[:300]
    assert response.json()
    assert not Attachment.objects.exists() and not audit_added(audit)
    assert files_under(settings.MEDIA_ROOT) == []
