from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _

from frontline.core.permissions import Action


class AuditConfig(AppConfig):
    name = "frontline.audit"
    label = "audit"
    navigation = [
        (_("Audit log"), "audit:change_list", Action.VIEW_AUDIT),
    ]
    verbose_name = _("Audit")
