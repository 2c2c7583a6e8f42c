"""The people app's configuration."""
from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _

from frontline.core.permissions import Action


class PeopleConfig(AppConfig):
    name = "frontline.people"
    label = "people"
    navigation = [
        (_("People"), "people:person_list", Action.VIEW),
        (_("Imports"), "people:import_list", Action.CHANGE),
    ]
    verbose_name = _("People")
    # manage.py periodic: the search for possible duplicates of the people queued since.
    periodic = [(15, "frontline.people.services.duplicates_search_queued")]
    # Encrypted values, with their blind index (manage.py rotate_keys re-encrypts them).
    encrypted_fields = [("people.IdentityDocument", "number_encrypted", "number_index",
                         "identity-document")]
    # A check or an import whose worker died too often fails, saying so (frontline.core.workers).
    tasks_abandoned = {"frontline.people.tasks.import_check": "frontline.people.imports.import_abandoned",
                       "frontline.people.tasks.import_run": "frontline.people.imports.import_abandoned"}

    def home_cards(self, user):
        """Start-page figures of the registry, computed in the user's scope."""
        from django.urls import reverse

        from frontline.people.selectors import person_list, recent_days

        if not user.can(Action.VIEW):
            return []
        people = person_list(actor=user)
        url = reverse("people:person_list")
        return [
            {"label": _("people registered"), "count": people.count(), "url": url},
            {"label": _("arrived in the past %(days)s days") % {"days": recent_days()},
             "count": people.filter(arrived_recently=True).count(),
             "url": f"{url}?arrived_recently=on"},
            {"label": _("were in a risk country"),
             "count": people.filter(from_risk_country=True).count(),
             "url": f"{url}?from_risk_country=on"},
        ]
