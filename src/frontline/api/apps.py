from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ApiConfig(AppConfig):
    name = "frontline.api"
    label = "api"
    navigation = [
        (_("API"), "api:docs", None),
    ]
    verbose_name = _("API")

    def ready(self):
        from frontline.api import schema  # noqa: F401 - registers the OpenAPI extensions
