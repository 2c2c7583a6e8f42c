"""Template context for the page shell: navigation by role and the unread count."""

from __future__ import annotations

from django.conf import settings
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from frontline.core.permissions import Action

# (label, url name, action needed anywhere in the user's scope)
NAVIGATION = [
    (_("Home"), "home", None),
    (_("Jurisdictions"), "areas:jurisdiction_list", Action.VIEW),
    (_("Places"), "areas:place_list", Action.VIEW),
    (_("Users"), "accounts:user_list", Action.MANAGE_USERS),
    (_("Audit log"), "audit:change_list", Action.VIEW_AUDIT),
    (_("Outbox"), "notify:outbox", Action.CONFIGURE),
    (_("API"), "api:docs", None),
]


def shell(request):
    user = getattr(request, "user", None)
    nav = []
    if user is not None and user.is_authenticated:
        for label, url_name, action in NAVIGATION:
            if action is None or user.can(action):
                nav.append({"label": label, "url": reverse(url_name),
                            "active": request.path == reverse(url_name)
                            or (url_name != "home"
                                and request.path.startswith(reverse(url_name)))})
    return {"nav_items": nav, "staff_languages": settings.LANGUAGES,
            "site_name": _("Frontline")}
