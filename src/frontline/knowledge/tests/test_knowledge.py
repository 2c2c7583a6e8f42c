"""Country notes and their review, policies in force on a date, the feed, the FAQ workflow
and search in Chinese and English."""

import datetime

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse
from django.utils.html import strip_tags

from frontline.knowledge import selectors, services
from frontline.knowledge.models import (
    CountryNoteVersion,
    FaqState,
    Policy,
    ReviewState,
    SearchEntry,
)
from frontline.knowledge.tests.factories import (
    approve_faq_translations,
    make_faq,
    make_note,
    make_policy,
    note_texts,
)

# -- notes and review ----------------------------------------------------------------------------

def test_a_note_is_versioned_and_waits_for_review(tree):
    first = make_note(tree)
    assert first.number == 1 and first.state == ReviewState.REVIEW
    second = make_note(tree, texts=note_texts(zh="贴面礼。", en="Cheek kisses."))
    assert second.number == 2
    assert services.current_version(first.note) == second  # nothing approved: the latest
    services.note_version_approve(actor=tree.users["proofreader"], version=first)
    assert services.current_version(first.note).number == 1  # approved beats newer unapproved
    services.note_version_approve(actor=tree.users["proofreader"], version=second)
    assert services.current_version(first.note).number == 2


def test_only_a_reviewer_approves_and_never_their_own_text(tree):
    version = make_note(tree)
    with pytest.raises(PermissionDenied):
        services.note_version_approve(actor=tree.users["district"], version=version)
    own = make_note(tree, "JP", actor="proofreader", name_zh="日本", name_en="Japan")
    with pytest.raises(PermissionDenied):
        services.note_version_approve(actor=tree.users["proofreader"], version=own)
    assert CountryNoteVersion.objects.get(pk=own.pk).state == ReviewState.REVIEW


def test_street_and_hotel_staff_cannot_write_notes(tree):
    for username in ("street", "hotel", "leader"):
        with pytest.raises(PermissionDenied):
            make_note(tree, actor=username)
    assert not CountryNoteVersion.objects.exists()


def test_bad_note_input_is_refused(tree):
    with pytest.raises(ValidationError):
        make_note(tree, country="XX")
    with pytest.raises(ValidationError):
        make_note(tree, texts={"zh-hans": {"greetings": "  "}})
    with pytest.raises(ValidationError):
        make_note(tree, texts={"fr": {"greetings": "Bonjour"}})


def test_every_staff_member_reads_notes_marked_when_not_approved(tree):
    version = make_note(tree)
    client = tree.client("hotel")
    page = client.get(reverse("knowledge:note_detail", kwargs={"pk": version.note_id}) + "?lang=en")
    assert page.status_code == 200
    body = page.content.decode()
    assert "Shake hands" in body and "waiting for review" in body
    services.note_version_approve(actor=tree.users["proofreader"], version=version)
    body = client.get(reverse("knowledge:note_detail", kwargs={"pk": version.note_id})
                      + "?lang=en").content.decode()
    assert "not yet approved" not in body


def test_approving_through_the_page(tree):
    version = make_note(tree)
    url = reverse("knowledge:note_version_review", kwargs={"pk": version.pk})
    tree.client("hotel").post(url, {"decision": "approve"})
    assert CountryNoteVersion.objects.get(pk=version.pk).state == ReviewState.REVIEW
    tree.client("proofreader").post(url, {"decision": "approve"})
    assert CountryNoteVersion.objects.get(pk=version.pk).state == ReviewState.APPROVED


# -- policies ------------------------------------------------------------------------------------

def test_policy_in_force_on_a_date_and_superseding(tree):
    old = make_policy(tree, "observation-14", effective_from=datetime.date(2020, 3, 1))
    new = make_policy(tree, "observation-14-v2", effective_from=datetime.date(2020, 4, 1),
                      supersedes=old, title_zh="入境人员观察新规定")
    old.refresh_from_db()
    assert old.superseded_on == datetime.date(2020, 4, 1) and old.superseded_by == new
    on = lambda d: set(selectors.policies_in_force(on=d).values_list("code", flat=True))  # noqa: E731
    assert on(datetime.date(2020, 2, 28)) == set()
    assert on(datetime.date(2020, 3, 31)) == {"observation-14"}
    assert on(datetime.date(2020, 4, 1)) == {"observation-14-v2"}
    feed = selectors.change_feed(language="zh-hans")
    assert [(i.event, i.object_id) for i in feed[:2]] == [("superseded", old.pk),
                                                          ("in_force", new.pk)]


def test_a_policy_cannot_supersede_twice_or_backwards(tree):
    old = make_policy(tree, "a", effective_from=datetime.date(2020, 3, 1))
    with pytest.raises(ValidationError):
        make_policy(tree, "b", effective_from=datetime.date(2020, 2, 1), supersedes=old)
    make_policy(tree, "c", effective_from=datetime.date(2020, 4, 1), supersedes=old)
    with pytest.raises(ValidationError):
        make_policy(tree, "d", effective_from=datetime.date(2020, 5, 1), supersedes=old)
    assert set(Policy.objects.values_list("code", flat=True)) == {"a", "c"}


def test_policy_pages_and_feed(tree):
    policy = make_policy(tree)
    client = tree.client("street")
    listed = client.get(reverse("knowledge:policy_list") + "?on=2020-03-02&lang=zh-hans").content.decode()
    assert "入境人员集中观察规定" in listed
    assert "入境人员集中观察规定" not in client.get(
        reverse("knowledge:policy_list") + "?on=2020-02-02&lang=zh-hans").content.decode()
    assert client.get(reverse("knowledge:policy_detail", kwargs={"pk": policy.pk})).status_code == 200
    rss = client.get(reverse("knowledge:feed_rss") + "?lang=en")
    assert rss.status_code == 200 and b"Centralised observation" in rss.content


# -- FAQ -----------------------------------------------------------------------------------------

def test_faq_goes_draft_review_published_in_both_languages(tree):
    entry = services.faq_create(actor=tree.users["district"], texts={
        "zh-hans": {"question": "可以散步吗？", "answer": "不可以离开房间。"}})
    with pytest.raises(ValidationError):
        services.faq_submit(actor=tree.users["district"], entry=entry)  # English missing
    services.faq_update(actor=tree.users["district"], entry=entry, texts={
        "en": {"question": "May guests walk outside?", "answer": "No, they stay in their room."}})
    services.faq_submit(actor=tree.users["district"], entry=entry)
    assert not selectors.search(query="散步")  # not published: not found
    with pytest.raises(PermissionDenied):
        services.faq_publish(actor=tree.users["district"], entry=entry)
    with pytest.raises(ValidationError, match="translation queue"):
        services.faq_publish(actor=tree.users["proofreader"], entry=entry)  # not approved yet
    approve_faq_translations(tree, entry)
    services.faq_publish(actor=tree.users["proofreader"], entry=entry)
    entry.refresh_from_db()
    assert entry.state == FaqState.PUBLISHED
    assert [h.object_id for h in selectors.search(query="散步")] == [entry.pk]


def test_faq_texts_go_through_the_document_workflow(tree):
    """Submitting puts the Chinese text into an FAQ template as the source and the English
    into the translation queue, waiting for review; the proofreader's corrected wording is
    what is published; a reviewer's later edit sends it through the workflow again."""
    from frontline.documents import selectors as document_selectors
    from frontline.documents import services as document_services
    from frontline.documents.kinds import DocumentKind
    from frontline.documents.models import TranslationState

    entry = make_faq(tree, published=False, answer_zh="观察期间可以。\n由酒店工作人员转交。",
                     answer_en="Yes, during observation.\nHotel staff hand it over.")
    entry = services.faq_submit(actor=tree.users["district"], entry=entry)
    template = entry.template
    assert template.kind == DocumentKind.FAQ_ENTRY
    assert [s.text for s in template.segments] == [
        "外籍人员可以点外卖吗？", "观察期间可以。", "由酒店工作人员转交。"]
    (translation,) = template.translations.all()  # English only, not all 12 languages
    assert translation.language == "en" and translation.state == TranslationState.TRANSLATED
    queue = document_selectors.translation_queue(actor=tree.users["translator"],
                                                 kind=DocumentKind.FAQ_ENTRY)
    assert list(queue) == [translation]
    # The proofreader corrects the wording in the queue and approves it.
    document_services.translation_save(
        actor=tree.users["proofreader"], translation=translation,
        title="Can guests order takeaway?", segments=[
            "Can guests order takeaway?", "Yes, during observation.",
            "The hotel staff hand it over."])
    translation.refresh_from_db()
    document_services.translation_approve(actor=tree.users["proofreader"],
                                          translation=translation)
    entry = services.faq_publish(actor=tree.users["proofreader"], entry=entry)
    english = entry.texts.get(language="en")
    assert english.question == "Can guests order takeaway?"
    assert english.answer == "Yes, during observation.\nThe hotel staff hand it over."
    # A reviewer's change of the Chinese answer unpublishes it until approved again.
    services.faq_update(actor=tree.users["proofreader"], entry=entry, texts={
        "zh-hans": {"question": "外籍人员可以点外卖吗？", "answer": "可以。\n由酒店转交。"},
        "en": {"question": "Can guests order takeaway?",
               "answer": "Yes.\nThe hotel hands it over."}})
    entry.refresh_from_db()
    translation.refresh_from_db()
    assert entry.state == FaqState.REVIEW and entry.published_at is None
    assert translation.state == TranslationState.TRANSLATED
    assert entry.template_id == template.pk and template.translations.count() == 1


def test_the_translation_queue_link_is_shown_only_to_those_it_opens_for(tree):
    entry = make_faq(tree, published=False)
    entry = services.faq_submit(actor=tree.users["district"], entry=entry)
    (translation,) = entry.template.translations.all()
    url = f"/documents/translations/{translation.pk}/"
    for user, reachable in (("translator", True), ("district", True), ("community", False),
                            ("hotel", False)):
        client = tree.client(user)
        page = client.get(f"/knowledge/faq/{entry.pk}/").content.decode()
        assert (url in page) == reachable, user
        assert client.get(url).status_code == (200 if reachable else 404), user


def test_faq_translation_must_follow_the_paragraphs(tree):
    entry = make_faq(tree, published=False, answer_zh="第一段。\n第二段。",
                     answer_en="One paragraph only.")
    with pytest.raises(ValidationError, match="The English answer has 1 paragraph and"):
        services.faq_submit(actor=tree.users["district"], entry=entry)
    from django.utils import translation

    with translation.override("zh-hans"), pytest.raises(ValidationError, match="英语答案"):
        services.faq_submit(actor=tree.users["district"], entry=entry)
    entry.refresh_from_db()
    assert entry.state == FaqState.DRAFT and entry.template_id is None


def test_faq_templates_are_not_issued_printed_or_created_as_documents(tree):
    from django.core.exceptions import ValidationError as DjangoValidationError

    from frontline.documents import services as document_services
    from frontline.documents.kinds import DocumentKind

    with pytest.raises(DjangoValidationError):
        document_services.template_create(
            actor=tree.users["district"], jurisdiction=tree.jurisdictions["110101"],
            kind=DocumentKind.FAQ_ENTRY, title="问", body="# 问\n答")
    entry = make_faq(tree)
    with pytest.raises(DjangoValidationError):
        document_services.template_update(actor=tree.users["district"],
                                          template=entry.template, title="x", body="# x\ny")
    with pytest.raises(DjangoValidationError):
        document_services.document_issue(
            actor=tree.users["district"], kind=DocumentKind.FAQ_ENTRY, language="en",
            person=None, context={"jurisdiction_code": "110101001"})


def test_hotel_staff_see_only_published_faq(tree):
    published = make_faq(tree)
    draft = make_faq(tree, published=False, question_zh="草稿问题？")
    client = tree.client("hotel")
    assert client.get(reverse("knowledge:faq_detail", kwargs={"pk": published.pk})).status_code == 200
    assert client.get(reverse("knowledge:faq_detail", kwargs={"pk": draft.pk})).status_code == 404


# -- search --------------------------------------------------------------------------------------

def titles(hits):
    return [strip_tags(h.title) for h in hits]


def test_two_character_chinese_query_finds_and_ranks(tree):
    make_note(tree, "IT", texts=note_texts(zh="意大利人见面行贴面礼。"))
    make_note(tree, "JP", name_zh="日本", name_en="Japan",
              texts=note_texts(zh="日本人见面鞠躬，鞠躬的深浅表示尊敬。"))
    hits = selectors.search(query="鞠躬")
    assert hits and hits[0].title == "日本"
    assert "<mark>鞠躬</mark>" in hits[0].snippet
    assert set(titles(selectors.search(query="见面"))) == {"意大利", "日本"}
    assert titles(selectors.search(query="贴面"))[0] == "意大利"
    assert selectors.search(query="贴鞠") == []


def test_title_matches_rank_first(tree):
    make_note(tree, "IT", texts=note_texts(zh="与日本不同，意大利人不鞠躬。"))
    make_note(tree, "JP", name_zh="日本", name_en="Japan", texts=note_texts(zh="鞠躬。"))
    assert titles(selectors.search(query="日本"))[0] == "日本"


def test_english_prefix_and_multiple_words(tree):
    make_note(tree, "IT", texts=note_texts(en="Greetings: a handshake and eye contact."))
    make_note(tree, "JP", name_zh="日本", name_en="Japan", texts=note_texts(en="A bow."))
    # Every note has a greetings section; the one that also says it in its text comes first.
    assert titles(selectors.search(query="greet", language="en")) == ["Italy", "Japan"]
    assert titles(selectors.search(query="使馆", language="zh-hans")) == []  # no address given
    assert titles(selectors.search(query="handshake eye")) == ["Italy"]
    assert selectors.search(query="handshake bow") == []


def test_longer_chinese_phrase_must_occur_whole(tree):
    make_note(tree, "IT", texts=note_texts(zh="天主教徒。教会。天主的节日。"))
    assert selectors.search(query="天主教") and selectors.search(query="天主教会") == []


def test_highlight_escapes_html(tree):
    make_note(tree, "IT", texts=note_texts(en="<script>alert(1)</script> handshake"))
    hit = selectors.search(query="handshake")[0]
    assert "<script>" not in hit.snippet and "&lt;script&gt;" in hit.snippet
    page = tree.client("hotel").get(reverse("knowledge:search") + "?q=handshake")
    assert b"<script>alert" not in page.content and b"<mark>handshake</mark>" in page.content


def test_search_covers_notes_policies_and_faq(tree):
    make_note(tree)
    make_policy(tree)
    make_faq(tree)
    kinds = {h.kind for h in selectors.search(query="observed takeaway shake")}
    assert kinds == set()  # every word must match one entry
    assert {h.kind for h in selectors.search(query="集中观察")} == {"policy"}
    assert {h.kind for h in selectors.search(query="外卖")} == {"faq"}
    assert {h.kind for h in selectors.search(query="握手")} == {"note"}


def test_empty_and_junk_queries(tree):
    make_note(tree)
    assert selectors.search(query="") == []
    assert selectors.search(query="   !!! ") == []
    assert selectors.search(query="x" * 500) == []


def test_rebuilding_the_index_gives_the_same_entries(tree):
    make_note(tree)
    make_policy(tree)
    before = set(SearchEntry.objects.values_list("kind", "object_id", "language"))
    assert services.index_rebuild() == len(before)
    assert set(SearchEntry.objects.values_list("kind", "object_id", "language")) == before


def test_search_page_names_the_language_of_each_hit(tree):
    make_note(tree, "IT", texts=note_texts(en="Greetings: a handshake."))
    page = tree.client("hotel").get(reverse("knowledge:search") + "?q=handshake",
                                    HTTP_ACCEPT_LANGUAGE="zh-CN").content.decode()
    assert '<span class="badge" lang="en">英语</span>' in page
