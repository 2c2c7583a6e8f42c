"""REST endpoints to read the audit logs within your scope."""

from __future__ import annotations

from rest_framework import serializers

from frontline.audit.models import AccessLogEntry, ChangeLogEntry
from frontline.core.api import ScopedReadOnlyViewSet
from frontline.core.permissions import Action


class ChangeLogEntrySerializer(serializers.ModelSerializer):
    class Meta:
        model = ChangeLogEntry
        fields = ["id", "time", "actor_label", "request_id", "action", "event", "object_type",
                  "object_id", "object_repr", "jurisdiction_code", "before", "after"]
        read_only_fields = fields


class AccessLogEntrySerializer(serializers.ModelSerializer):
    class Meta:
        model = AccessLogEntry
        fields = ["id", "time", "actor_label", "request_id", "client_ip", "event",
                  "object_type", "object_id", "object_repr", "record_count",
                  "jurisdiction_code", "reason", "detail"]
        read_only_fields = fields


class ChangeLogViewSet(ScopedReadOnlyViewSet):
    """The change log of your scope, newest first."""

    queryset = ChangeLogEntry.objects.order_by("-time", "-id")  # scoped-ok: restricted in get_queryset
    serializer_class = ChangeLogEntrySerializer
    read_action = Action.VIEW_AUDIT


class AccessLogViewSet(ScopedReadOnlyViewSet):
    """The personal-data access log of your scope, newest first."""

    queryset = AccessLogEntry.objects.order_by("-time", "-id")  # scoped-ok: restricted in get_queryset
    serializer_class = AccessLogEntrySerializer
    read_action = Action.VIEW_AUDIT


ROUTES = [
    ("audit/changes", ChangeLogViewSet, "changelog"),
    ("audit/access", AccessLogViewSet, "accesslog"),
]
