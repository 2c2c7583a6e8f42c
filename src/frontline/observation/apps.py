"""The observation app's configuration."""
from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _

from frontline.core.permissions import Action


class ObservationConfig(AppConfig):
    name = "frontline.observation"
    label = "observation"
    verbose_name = _("Observation")
    periodic = [(3600, "frontline.observation.services.purge_scheduled")]
    navigation = [
        (_("Observation"), "observation:board", Action.VIEW),
    ]

    def person_data(self, person):
        from frontline.observation.services import person_data

        return person_data(person)

    def person_erase(self, actor, person):
        from frontline.observation.services import person_erase

        person_erase(actor, person)

    def person_erase_refusal(self, person):
        from frontline.observation.services import person_erase_refusal

        return person_erase_refusal(person)

    def person_panel(self, user, person):
        """The person's observations on their page, and a link to start one."""
        from django.urls import reverse

        from frontline.observation.models import Observation, ObservationStatus

        observations = list(Observation.objects.restrict(user, Action.VIEW).filter(person=person))
        rows = [(f"{o.get_kind_display()} {o.start_date:%Y-%m-%d} – {o.end_date:%Y-%m-%d} · "
                 f"{o.get_status_display()}", reverse("observation:observation_detail", args=[o.pk]))
                for o in observations]
        active = any(o.status == ObservationStatus.ACTIVE for o in observations)
        # Observed now by another office (transferred there): say so, without its details,
        # rather than "never under observation" and a start that would be refused.
        elsewhere = not active and Observation.objects.filter(  # scoped-ok: only whether
            person=person, status=ObservationStatus.ACTIVE).exists()
        if elsewhere:
            rows.append((_("Under observation now, by another community or office."), ""))
        actions = []
        if not (active or elsewhere or person.merged_into_id) and user.scope_for(
                Action.CHANGE).covers_code(person.jurisdiction_code):
            actions.append((_("Start observation"),
                            reverse("observation:observation_start") + f"?person={person.pk}"))
        return {"title": _("Medical observation"), "rows": rows, "actions": actions,
                "empty": _("Never under observation.")}

    def home_cards(self, user):
        """Start-page figures of observation, computed in the user's scope."""
        from django.urls import reverse

        from frontline.observation import selectors

        if not user.can(Action.VIEW):
            return []
        return [
            {"label": _("under observation"),
             "count": selectors.observation_list(actor=user).count(),
             "url": reverse("observation:observation_list")},
            {"label": _("health checks overdue"),
             "count": selectors.overdue_list(actor=user).count(),
             "url": reverse("observation:overdue")},
            {"label": _("open health alerts"),
             "count": selectors.alert_list(actor=user).count(),
             "url": reverse("observation:alerts")},
        ]
