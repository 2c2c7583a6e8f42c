"""The arrivals app's configuration."""
from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _

from frontline.core.permissions import Action


class ArrivalsConfig(AppConfig):
    name = "frontline.arrivals"
    label = "arrivals"
    verbose_name = _("Arrivals")
    # Encrypted values, with their blind index (manage.py rotate_keys re-encrypts them).
    encrypted_fields = [("arrivals.Arrival", "doc_number_encrypted", "doc_number_index",
                         "identity-document")]
    periodic = [(300, "frontline.arrivals.handover.batches_alert_overdue"),
                (3600, "frontline.arrivals.retention.purge_scheduled")]
    navigation = [
        (_("Transfer desk"), "arrivals:desk", Action.CHANGE),
        (_("Arrivals"), "arrivals:arrival_list", Action.VIEW),
        (_("Hand-over"), "arrivals:batch_list", Action.VIEW),
    ]

    def ready(self):
        from frontline.arrivals.models import SortingRule
        from frontline.arrivals.sorting import RISK, RULES
        from frontline.core import refcache
        from frontline.people.models import RiskCountry

        # A check-in keeps the rules and the risk list per process while they are unchanged.
        refcache.watch(SortingRule, RULES)
        refcache.watch(RiskCountry, RISK)

    def person_data(self, person):
        from frontline.arrivals.services import person_data

        return person_data(person)

    def person_erase(self, actor, person):
        from frontline.arrivals.services import person_erase

        person_erase(actor, person)

    def home_cards(self, user):
        """Start-page figures of today's arrivals, in the user's scope."""
        from django.urls import reverse

        from frontline.arrivals.selectors import board_counts

        if not user.can(Action.VIEW):
            return []
        totals = board_counts(actor=user)["totals"]
        url = reverse("arrivals:board")
        return [
            {"label": _("arrivals waiting today"), "count": totals["waiting"], "url": url},
            {"label": _("checked in, waiting for hand-over"), "count": totals["checked_in"],
             "url": url},
            {"label": _("in a hand-over batch"), "count": totals["in_batch"], "url": url},
        ]
