"""The /api/v1/ assembly: one router for every app's viewsets, the schema and its docs page.

Each app's `api.py` declares `ROUTES = [(prefix, viewset, basename), ...]`; they are
registered here in the order of INSTALLED_APPS, so adding an app needs no edit here.
"""

import importlib
import importlib.util

from django.apps import apps
from django.urls import include, path
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerSplitView
from rest_framework.routers import DefaultRouter

app_name = "api"

router = DefaultRouter()
router.include_root_view = False
for config in apps.get_app_configs():
    if config.name.startswith("frontline.") and importlib.util.find_spec(f"{config.name}.api"):
        module = importlib.import_module(f"{config.name}.api")
        for prefix, viewset, basename in getattr(module, "ROUTES", ()):
            router.register(prefix, viewset, basename=basename)

urlpatterns = [
    path("api/v1/schema/", SpectacularAPIView.as_view(), name="schema"),
    # The split view serves Swagger UI's start script as a file of its own: the content
    # security policy allows no inline script.
    path("api/v1/docs/", SpectacularSwaggerSplitView.as_view(url_name="api:schema"),
         name="docs"),
    path("api/v1/", include(router.urls)),
]
