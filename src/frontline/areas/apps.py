from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _

from frontline.core.permissions import Action


class AreasConfig(AppConfig):
    name = "frontline.areas"
    label = "areas"
    navigation = [
        (_("Jurisdictions"), "areas:jurisdiction_list", Action.VIEW),
        (_("Places"), "areas:place_list", Action.VIEW),
    ]
    verbose_name = _("Areas")
