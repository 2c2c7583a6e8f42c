"""The notify app's configuration."""
from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _

from frontline.core.permissions import Action


class NotifyConfig(AppConfig):
    name = "frontline.notify"
    label = "notify"
    navigation = [
        (_("Outbox"), "notify:outbox", Action.CONFIGURE),
    ]
    verbose_name = _("Notifications")
    periodic = [(60, "frontline.notify.services.messages_retry_due")]
