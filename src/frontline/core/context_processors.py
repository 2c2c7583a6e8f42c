"""Template context for the page shell: navigation by role.

Each app's AppConfig may declare `navigation = [(label, url name, action or None), ...]`;
an entry shows when the user may do that action somewhere, always for None, or, when the
third element is a function of the user, when it answers true (a personal page: "My duty").
"""

from __future__ import annotations

from django.apps import apps
from django.conf import settings
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from frontline.core.permissions import Action


def navigation_entries():
    entries = [(_("Home"), "home", None)]
    for config in apps.get_app_configs():
        if config.name.startswith("frontline."):
            entries.extend(getattr(config, "navigation", ()))
    return entries


class UserCan:
    """`{% if user_can.change %}`: whether the user may do an action somewhere, for links to
    pages that would refuse them (a button is not shown to someone it would answer 403)."""

    def __init__(self, user) -> None:
        self.user = user

    def __getitem__(self, action: str) -> bool:
        try:
            parsed = Action.parse(action)
        except (KeyError, ValueError):
            raise KeyError(action) from None
        user = self.user
        return bool(user is not None and user.is_authenticated and user.can(parsed))


def shell(request):
    user = getattr(request, "user", None)
    nav = []
    if user is not None and user.is_authenticated:
        for label, url_name, action in navigation_entries():
            if action is None or (action(user) if callable(action) else user.can(action)):
                url = reverse(url_name)
                active = request.path == url or (url != "/" and request.path.startswith(url))
                nav.append({"label": label, "url": url, "active": active})
    return {"nav_items": nav, "user_can": UserCan(user), "staff_languages": settings.LANGUAGES,
            "site_name": _("Frontline")}
