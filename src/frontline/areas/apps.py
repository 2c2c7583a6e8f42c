from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _

from frontline.core.permissions import Action

# Names of the reference versions of the two tables (`core.refcache`).
PLACES = "areas.places"
JURISDICTIONS = "areas.jurisdictions"


class AreasConfig(AppConfig):
    name = "frontline.areas"
    label = "areas"
    navigation = [
        (_("Jurisdictions"), "areas:jurisdiction_list", Action.VIEW),
        (_("Places"), "areas:place_list", Action.VIEW),
    ]
    verbose_name = _("Areas")

    def ready(self):
        from frontline.areas.models import Jurisdiction, Place
        from frontline.core import refcache

        # The public portal keeps the transfer points and streets it offers per process while
        # they are unchanged (`portal.forms.public_choices`). Bulk writes bump by hand
        # (`areas.services.divisions_load`, `areas.demo`).
        refcache.watch(Place, PLACES)
        refcache.watch(Jurisdiction, JURISDICTIONS)
