"""Template helpers of the document center: its sub-navigation and language attributes."""

from __future__ import annotations

from django import template

from frontline.core.permissions import Action
from frontline.documents.kinds import html_lang as _html_lang
from frontline.documents.kinds import is_rtl, language_name

register = template.Library()


@register.inclusion_tag("documents/_nav.html", takes_context=True)
def documents_nav(context):
    user = context["request"].user
    return {
        "perms_translate": user.can(Action.TRANSLATE),
        "perms_change": user.can(Action.CHANGE),
        "perms_view": user.can(Action.VIEW),
        "perms_configure": user.can(Action.CONFIGURE),
        "perms_proofreading": user.can(Action.VIEW) or user.can(Action.PROOFREAD),
        "perms_glossary": any(user.can(a) for a in (Action.VIEW, Action.TRANSLATE,
                                                     Action.CONFIGURE)),
    }


@register.filter
def language_label(code: str) -> str:
    return language_name(code)


@register.filter
def html_lang(code: str) -> str:
    return _html_lang(code or "")


@register.filter
def text_dir(code: str) -> str:
    return "rtl" if is_rtl(code or "") else "ltr"


@register.filter
def get_item(mapping, key):
    return mapping.get(key, ())
