"""The linguists app's configuration."""
from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class LinguistsConfig(AppConfig):
    name = "frontline.linguists"
    label = "linguists"
    verbose_name = _("Linguists")
