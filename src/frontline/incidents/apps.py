"""The incidents app's configuration."""
from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _

from frontline.core.permissions import Action


class IncidentsConfig(AppConfig):
    name = "frontline.incidents"
    label = "incidents"
    verbose_name = _("Incidents")
    periodic = [(60, "frontline.incidents.services.steps_escalate")]
    navigation = [
        (_("Incidents"), "incidents:dashboard", Action.VIEW),
    ]

    def home_cards(self, user):
        from django.urls import reverse

        from frontline.incidents import selectors

        if not user.can(Action.VIEW):
            return []
        url = reverse("incidents:dashboard")
        return [
            {"label": _("open incidents"),
             "count": selectors.incident_list(actor=user).count(), "url": url},
            {"label": _("overdue incident steps"),
             "count": selectors.overdue_steps(actor=user).count(), "url": url},
        ]

    def person_panel(self, user, person):
        from django.urls import reverse

        from frontline.incidents.models import IncidentPerson

        links = (IncidentPerson.objects.restrict(user, Action.VIEW).filter(person=person)
                 .select_related("incident"))
        rows = [(f"#{link.incident_id} {link.incident.title} · "
                 f"{link.incident.get_status_display()}",
                 reverse("incidents:incident_detail", args=[link.incident_id]))
                for link in links]
        if not rows:
            return None
        return {"title": _("Incidents"), "rows": rows, "actions": [], "empty": ""}
