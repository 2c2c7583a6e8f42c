"""Top-level URL configuration of Frontline."""

from django.urls import include, path
from django.views.i18n import set_language

from frontline.accounts.views import home

urlpatterns = [
    path("", home, name="home"),
    path("i18n/setlang/", set_language, name="set_language"),
    path("", include("frontline.accounts.urls")),
    path("", include("frontline.areas.urls")),
    path("", include("frontline.audit.urls")),
    path("", include("frontline.notify.urls")),
    path("", include("frontline.api.urls")),
]

