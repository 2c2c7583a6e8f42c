"""Top-level URL configuration: the API assembly, then every Frontline app's `urls.py`."""

import importlib.util

from django.apps import apps
from django.urls import include, path
from django.views.i18n import set_language

from frontline.accounts.views import home

# The API first: its routes all start with api/v1/, and a request to it then skips trying
# every page's pattern before its own (a desk check-in resolves its URL on every scan).
urlpatterns = [
    path("", include("frontline.api.urls")),
    path("", home, name="home"),
    path("i18n/setlang/", set_language, name="set_language"),
]
for _config in apps.get_app_configs():
    _name = _config.name
    if _name.startswith("frontline.") and _name != "frontline.api" and importlib.util.find_spec(
            f"{_name}.urls"):
        urlpatterns.append(path("", include(f"{_name}.urls")))

handler404 = "frontline.api.exceptions.page_not_found"
handler500 = "frontline.api.exceptions.server_error"
