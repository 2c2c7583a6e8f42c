"""The translation workflow (Weblate's states), who may do what, history, comments, the
glossary's effect on stored checks, and the translation memory."""

from __future__ import annotations

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404

from frontline.audit.models import ChangeLogEntry
from frontline.core.testing import snapshot_row
from frontline.documents import selectors, services
from frontline.documents.models import (
    DocumentTemplate,
    MemorySegment,
    RevisionEvent,
    Translation,
    TranslationState,
)
from frontline.documents.tests.factories import (
    CERT_BODY,
    CERT_EN,
    CERT_TITLE,
    approve,
    make_template,
    translate,
    translation,
)

pytestmark = pytest.mark.django_db


def test_a_new_template_has_an_empty_translation_in_every_other_language(tree):
    template = make_template(tree)
    states = dict(template.translations.values_list("language", "state"))
    assert len(states) == 12 and "zh-hans" not in states
    assert set(states.values()) == {TranslationState.EMPTY}
    assert ChangeLogEntry.objects.filter(object_type="documents.documenttemplate",
                                         action="create").count() == 1


def test_states_empty_needs_editing_translated_approved(tree):
    template = make_template(tree)
    item = translation(template, "en")
    assert item.state == TranslationState.EMPTY
    item = translate(tree, template, segments=[CERT_EN[0], "", "", ""])
    assert item.state == TranslationState.NEEDS_EDITING  # incomplete
    item = translate(tree, template, ready=False)
    assert item.state == TranslationState.NEEDS_EDITING  # a draft
    item = translate(tree, template)
    assert item.state == TranslationState.TRANSLATED and item.findings == []
    item = approve(tree, item)
    assert item.state == TranslationState.APPROVED and item.is_official
    assert item.approved_by == tree.users["proofreader"]
    events = list(item.revisions.order_by("number").values_list("event", "state"))
    assert events == [(RevisionEvent.EDITED, TranslationState.NEEDS_EDITING),
                      (RevisionEvent.EDITED, TranslationState.NEEDS_EDITING),
                      (RevisionEvent.EDITED, TranslationState.TRANSLATED),
                      (RevisionEvent.APPROVED, TranslationState.APPROVED)]


def test_only_proofreaders_approve_and_a_refusal_changes_nothing(tree):
    template = make_template(tree)
    item = translate(tree, template)
    before = snapshot_row(item)
    with pytest.raises(PermissionDenied):
        services.translation_approve(actor=tree.users["translator"], translation=item)
    with pytest.raises(Http404):  # district staff do not translate: they cannot even reach it
        services.translation_approve(actor=tree.users["district"], translation=item)
    assert snapshot_row(item) == before


def test_a_proofreader_of_another_district_gets_404(tree):
    from frontline.documents.tests.factories import make_west_user

    make_west_user(tree)
    template = make_template(tree)
    item = translate(tree, template)
    with pytest.raises(Http404):
        services.translation_approve(actor=tree.users["proofreader_west"], translation=item)
    with pytest.raises(Http404):
        services.translation_save(actor=tree.users["translator_west"], translation=item,
                                  title="x", segments=["a", "b", "c", "d"])
    assert Translation.objects.get(pk=item.pk).state == TranslationState.TRANSLATED


@pytest.mark.parametrize("segments, code", [
    ([CERT_EN[0].replace(" (document No. {document_masked})", ""), *CERT_EN[1:]],
     "placeholder_missing"),
    ([CERT_EN[0], CERT_EN[1] + " {serial}", *CERT_EN[2:]], "placeholder_extra"),
    ([CERT_EN[0].replace("{start_date}", "{begin_date}"), *CERT_EN[1:]], "placeholder_renamed"),
])
def test_approval_is_blocked_by_placeholder_findings(tree, segments, code):
    template = make_template(tree)
    item = translate(tree, template, segments=segments)
    assert item.state == TranslationState.TRANSLATED
    assert [f["code"] for f in item.findings] == [code]
    with pytest.raises(ValidationError):
        approve(tree, item)
    assert Translation.objects.get(pk=item.pk).state == TranslationState.TRANSLATED


def test_glossary_change_reruns_checks_and_blocks_approval(tree):
    template = make_template(tree)
    item = translate(tree, template)
    assert item.findings == []
    services.glossary_term_save(
        actor=tree.users["proofreader"], jurisdiction=tree.jurisdictions["110101"],
        source="集中医学观察", equivalents={"en": ["centralized medical observation"]},
        forbidden={"en": ["medical observation"]})
    item.refresh_from_db()
    assert {f["code"] for f in item.findings} == {"glossary_missing", "glossary_forbidden"}
    with pytest.raises(ValidationError):
        approve(tree, item)


def test_glossary_is_kept_by_proofreaders_and_configurers_only(tree):
    with pytest.raises(PermissionDenied):
        services.glossary_term_save(actor=tree.users["translator"],
                                    jurisdiction=tree.jurisdictions["110101"], source="术语")
    term = services.glossary_term_save(actor=tree.users["district"],
                                       jurisdiction=tree.jurisdictions["110101"], source="术语",
                                       equivalents={"en": ["term"]})
    assert list(term.equivalents.values_list("language", "text")) == [("en", "term")]
    with pytest.raises(ValidationError):  # the same term twice
        services.glossary_term_save(actor=tree.users["district"],
                                    jurisdiction=tree.jurisdictions["110101"], source="术语")


def test_changing_the_source_sends_every_translation_back_to_needs_editing(tree):
    template = make_template(tree)
    approved = approve(tree, translate(tree, template, "en"))
    waiting = translate(tree, template, "ja")
    draft = translate(tree, template, "ko", ready=False)
    untouched = translation(template, "ru")
    new_body = CERT_BODY.replace("特此证明。", "特此证明，请妥善保管。")
    template = services.template_update(actor=tree.users["district"], template=template,
                                        title=CERT_TITLE, body=new_body)
    assert template.version == 2
    for item in (approved, waiting, draft):
        item.refresh_from_db()
        assert item.state == TranslationState.NEEDS_EDITING, item.language
        assert item.source_version == 2 and not item.is_official
        assert item.revisions.order_by("-number").first().event == RevisionEvent.SOURCE_CHANGED
    untouched.refresh_from_db()
    assert untouched.state == TranslationState.EMPTY
    # Unchanged segments keep their translation; the changed one keeps its old text to edit.
    assert approved.segments == CERT_EN
    assert template.revisions.count() == 2


def test_source_change_realigns_added_and_removed_segments(tree):
    template = make_template(tree)
    item = translate(tree, template)
    lines = CERT_BODY.split("\n")
    new_body = "\n".join([lines[0], "新增的一段。", *lines[2:]])  # one replaced
    services.template_update(actor=tree.users["district"], template=template, title=CERT_TITLE,
                             body=new_body)
    item.refresh_from_db()
    assert item.segments == [CERT_EN[0], CERT_EN[1], CERT_EN[2], CERT_EN[3]]
    body_with_insert = "\n".join([lines[0], "插入的一段。", "新增的一段。", *lines[2:]])
    template.refresh_from_db()
    services.template_update(actor=tree.users["district"], template=template, title=CERT_TITLE,
                             body=body_with_insert)
    item.refresh_from_db()
    assert item.segments == [CERT_EN[0], "", CERT_EN[1], CERT_EN[2], CERT_EN[3]]
    assert {f["code"] for f in item.findings} >= {"segment_empty"}


def test_only_configurers_change_the_source(tree):
    template = make_template(tree)
    before = snapshot_row(template)
    for user in ("translator", "proofreader", "street"):
        with pytest.raises(Http404):
            services.template_update(actor=tree.users[user], template=template, title="x",
                                     body="y")
    assert snapshot_row(template) == before


def test_source_with_undeclared_placeholder_is_refused(tree):
    template = make_template(tree)
    with pytest.raises(ValidationError) as info:
        services.template_update(actor=tree.users["district"], template=template,
                                 title=CERT_TITLE, body=CERT_BODY + "\n{room_rate}")
    assert "{room_rate}" in str(info.value)


def test_editing_an_approved_translation_needs_review_again(tree):
    template = make_template(tree)
    item = approve(tree, translate(tree, template))
    unchanged = services.translation_save(actor=tree.users["translator"], translation=item,
                                          title=item.title, segments=list(item.segments))
    assert unchanged.state == TranslationState.APPROVED
    changed = translate(tree, template, title="Certificate")
    assert changed.state == TranslationState.TRANSLATED and changed.approved_by is None


def test_comments_and_history_with_authors(tree):
    template = make_template(tree)
    item = translate(tree, template)
    services.translation_comment_add(actor=tree.users["proofreader"], translation=item,
                                     text="“underwent” is clearer", segment=0)
    services.translation_comment_add(actor=tree.users["district"], translation=item,
                                     text="Use the office's full name.")
    with pytest.raises(ValidationError):
        services.translation_comment_add(actor=tree.users["translator"], translation=item,
                                         text="  ")
    with pytest.raises(ValidationError):
        services.translation_comment_add(actor=tree.users["translator"], translation=item,
                                         text="x", segment=9)
    comments = list(item.comments.values_list("segment", "author__username"))
    assert comments == [(0, "proofreader"), (None, "district")]
    revision = item.revisions.get()
    assert revision.author == tree.users["translator"] and revision.title == item.title


def test_memory_offers_exact_and_fuzzy_suggestions_from_approved_text_only(tree):
    template = make_template(tree)
    approve(tree, translate(tree, template))
    translate(tree, template, "ja")  # not approved: not in the memory
    assert MemorySegment.objects.filter(language="en").count() == 5  # title + 4 segments
    assert not MemorySegment.objects.filter(language="ja").exists()
    other = services.template_create(
        actor=tree.users["district"], jurisdiction=tree.jurisdictions["110101"],
        kind="observation_commitment", title="集中观察承诺书",
        body="特此证明。\n特此郑重证明。\n完全不同的一句话。")
    texts = [other.title] + [s.text for s in other.segments]
    found = selectors.memory_suggestions(actor=tree.users["translator"], language="en",
                                         texts=texts)
    assert found[1][0].score == 100 and found[1][0].target == CERT_EN[1]
    assert 70 <= found[2][0].score < 100 and found[2][0].target == CERT_EN[1]
    assert found[3] == []
    # Another district's translators see nothing of it.
    from frontline.documents.tests.factories import make_west_user

    make_west_user(tree)
    assert selectors.memory_suggestions(actor=tree.users["translator_west"], language="en",
                                        texts=texts) == [[], [], [], []]


def test_templates_are_readable_below_the_office_but_not_elsewhere(tree):
    template = make_template(tree)
    west = make_template(tree, code="110102")
    street_sees = set(selectors.template_list(actor=tree.users["street"]).values_list(
        "pk", flat=True))
    assert template.pk in street_sees and west.pk not in street_sees
    # Reading widens, configuring does not.
    assert not DocumentTemplate.objects.restrict(tree.users["street"], "configure").exists()
