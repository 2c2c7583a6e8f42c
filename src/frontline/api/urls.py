"""The /api/v1/ assembly: one router for every app's viewsets, the schema and its docs page."""

from django.urls import include, path
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerView
from rest_framework.routers import DefaultRouter

from frontline.accounts.api import ApiTokenViewSet, UserViewSet
from frontline.areas.api import JurisdictionViewSet, PlaceViewSet
from frontline.audit.api import AccessLogViewSet, ChangeLogViewSet
from frontline.notify.api import ChatWebhookViewSet, NotificationViewSet, OutboxViewSet

app_name = "api"

router = DefaultRouter()
router.include_root_view = False
router.register("jurisdictions", JurisdictionViewSet, basename="jurisdiction")
router.register("places", PlaceViewSet, basename="place")
router.register("users", UserViewSet, basename="user")
router.register("tokens", ApiTokenViewSet, basename="token")
router.register("audit/changes", ChangeLogViewSet, basename="changelog")
router.register("audit/access", AccessLogViewSet, basename="accesslog")
router.register("notifications", NotificationViewSet, basename="notification")
router.register("webhooks", ChatWebhookViewSet, basename="webhook")
router.register("outbox", OutboxViewSet, basename="outbox")

urlpatterns = [
    path("api/v1/schema/", SpectacularAPIView.as_view(), name="schema"),
    path("api/v1/docs/", SpectacularSwaggerView.as_view(url_name="api:schema"), name="docs"),
    path("api/v1/", include(router.urls)),
]
