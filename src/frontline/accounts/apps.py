from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _

from frontline.core.permissions import Action


class AccountsConfig(AppConfig):
    name = "frontline.accounts"
    label = "accounts"
    navigation = [
        (_("Users"), "accounts:user_list", Action.MANAGE_USERS),
    ]
    verbose_name = _("Accounts")

    def ready(self):
        from frontline.accounts import signals  # noqa: F401 - connects the session receivers
