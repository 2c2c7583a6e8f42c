"""The knowledge app's configuration."""
from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class KnowledgeConfig(AppConfig):
    name = "frontline.knowledge"
    label = "knowledge"
    verbose_name = _("Knowledge")
    # Every signed-in staff member reads the front-line knowledge (not personal data).
    navigation = [
        (_("Knowledge"), "knowledge:index", None),
    ]
