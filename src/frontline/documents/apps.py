"""The documents app's configuration."""
from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _

from frontline.core.permissions import Action


class DocumentsConfig(AppConfig):
    name = "frontline.documents"
    label = "documents"
    verbose_name = _("Documents")
    navigation = [
        (_("Documents"), "documents:template_list", Action.VIEW),
        (_("Translations"), "documents:queue", Action.TRANSLATE),
        (_("Proofreading"), "documents:proofread_list", Action.PROOFREAD),
    ]
