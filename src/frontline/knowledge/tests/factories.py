"""Builders for knowledge tests, through the real services."""

from __future__ import annotations

import datetime

from frontline.knowledge import services


def note_texts(zh: str = "见面握手，称呼先生女士。", en: str = "Shake hands; use Mr or Ms.") -> dict:
    return {"zh-hans": {"greetings": zh, "gestures_taboos": "避免询问收入。"},
            "en": {"greetings": en, "gestures_taboos": "Avoid asking about income."}}


def make_note(tree, country: str = "IT", *, actor: str = "district", **kwargs):
    kwargs.setdefault("texts", note_texts())
    return services.note_save(actor=tree.users[actor], country=country,
                              name_zh=kwargs.pop("name_zh", "意大利"),
                              name_en=kwargs.pop("name_en", "Italy"), **kwargs)


def make_policy(tree, code: str = "entry-rules", *, actor: str = "district",
                effective_from=datetime.date(2020, 3, 1), title_zh: str = "入境人员集中观察规定",
                title_en: str = "Centralised observation of arrivals", **kwargs):
    return services.policy_create(
        actor=tree.users[actor], code=code, source="北京市防控办", effective_from=effective_from,
        texts={"zh-hans": {"title": title_zh, "summary": "所有入境人员集中观察14天。",
                           "full_text": "全文。"},
               "en": {"title": title_en, "summary": "All arrivals observed for 14 days.",
                      "full_text": "Full text."}}, **kwargs)


def make_faq(tree, *, published: bool = True, question_zh: str = "外籍人员可以点外卖吗？",
             answer_zh: str = "观察期间可以，由酒店工作人员转交。",
             question_en: str = "Can foreign guests order takeaway food?",
             answer_en: str = "Yes; hotel staff hand it over."):
    entry = services.faq_create(actor=tree.users["district"], texts={
        "zh-hans": {"question": question_zh, "answer": answer_zh},
        "en": {"question": question_en, "answer": answer_en}})
    if published:
        entry = services.faq_submit(actor=tree.users["district"], entry=entry)
        approve_faq_translations(tree, entry)
        entry = services.faq_publish(actor=tree.users["proofreader"], entry=entry)
    return entry


def approve_faq_translations(tree, entry):
    """A proofreader approves the entry's translations in the document workflow."""
    from frontline.documents.services import translation_approve

    entry.refresh_from_db()
    for translation in entry.template.translations.all():
        translation_approve(actor=tree.users["proofreader"], translation=translation)
