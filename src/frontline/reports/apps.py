"""The reports app's configuration."""
from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _

from frontline.core.permissions import Action


class ReportsConfig(AppConfig):
    name = "frontline.reports"
    label = "reports"
    verbose_name = _("Daily figures")
    periodic = [(60, "frontline.reports.services.snapshots_due"),
                (60, "frontline.reports.services.reminders_send")]
    navigation = [
        (_("Daily figures"), "reports:board", Action.VIEW),
    ]

    def home_cards(self, user):
        from django.urls import reverse

        from frontline.reports import selectors

        if not user.can(Action.VIEW):
            return []
        run = selectors.latest_run(actor=user)
        cards = []
        if run is not None:
            board = selectors.late_board(actor=user, run=run)
            cards.append({"label": _("units yet to submit today's figures"),
                          "count": len(board["pending"]), "url": reverse("reports:board")})
        cards.append({"label": _("overdue action items"),
                      "count": selectors.overdue_items(actor=user).count(),
                      "url": reverse("reports:meetings")})
        return cards
