"""The linguists app's configuration: the language talent pool."""
from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _

from frontline.core.permissions import Action


def _has_duty(user) -> bool:
    """Members of the pool with an account, and the linguist role, have a duty page."""
    from frontline.linguists.models import Linguist

    return (user.roles.filter(role="linguist", revoked_at__isnull=True).exists()
            or Linguist.objects.filter(user=user).exists())  # scoped-ok: the user's own row


class LinguistsConfig(AppConfig):
    name = "frontline.linguists"
    label = "linguists"
    verbose_name = _("Linguists")
    periodic = [(60, "frontline.linguists.services.offers_escalate_due")]
    navigation = [
        (_("Language pool"), "linguists:member_list", Action.VIEW),
        (_("My duty"), "linguists:me", _has_duty),
    ]

    def home_cards(self, user):
        """Start-page figures of the pool: deployed now, and needs not yet met."""
        from django.urls import reverse

        from frontline.linguists.selectors import figures

        if not user.can(Action.VIEW):
            return []
        data = figures(actor=user)
        cards = [
            {"label": _("linguists deployed now"), "count": data["deployed"],
             "url": reverse("linguists:roster")},
            {"label": _("language needs unmet"), "count": data["unmet"],
             "url": reverse("linguists:need_list")},
        ]
        for language, count in sorted(data["unmet_per_language"].items()):
            cards.append({"label": _("unmet needs: %(language)s") % {"language": language},
                          "count": count,
                          "url": reverse("linguists:need_list")})
        return cards
