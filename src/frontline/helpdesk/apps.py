"""The helpdesk app's configuration."""
from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _

from frontline.core.permissions import Action


class HelpdeskConfig(AppConfig):
    name = "frontline.helpdesk"
    label = "helpdesk"
    verbose_name = _("Helpdesk")
    periodic = [(60, "frontline.helpdesk.services.questions_escalate")]
    navigation = [
        (_("Question desk"), "helpdesk:question_list", Action.VIEW),
    ]

    def home_cards(self, user):
        """Start-page figures of the question desk, in the user's scope."""
        from django.urls import reverse

        from frontline.helpdesk.selectors import figures

        if not user.can(Action.VIEW):
            return []
        f = figures(actor=user, days=7)
        url = reverse("helpdesk:question_list")
        median = f["median_first_answer_minutes"]
        return [
            {"label": _("questions in the past 7 days"), "count": f["asked"], "url": url},
            {"label": _("questions waiting for an answer"), "count": f["open"],
             "url": f"{url}?status=open"},
            {"label": _("median minutes to a first answer"),
             "count": median if median is not None else "—", "url": url},
            {"label": _("timers breached in the past 7 days"), "count": f["breached"],
             "url": url},
        ]
