"""REST endpoints: one's own notifications, the chat-group robots and the outbox of one's scope."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import (
    OpenApiParameter,
    extend_schema,
    extend_schema_view,
    inline_serializer,
)
from rest_framework import mixins, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.response import Response

from frontline.areas.models import Jurisdiction
from frontline.core.api import ScopedModelViewSet, ScopedReadOnlyViewSet, as_drf_error
from frontline.core.permissions import Action
from frontline.notify import selectors, services
from frontline.notify.models import (
    Channel,
    ChatWebhook,
    Message,
    MessageStatus,
    Notification,
    WebhookKind,
)


class NotificationSerializer(serializers.ModelSerializer):
    is_read = serializers.BooleanField(read_only=True)

    class Meta:
        model = Notification
        fields = ["id", "title", "body", "url", "created_at", "read_at", "is_read"]
        read_only_fields = fields


@extend_schema_view(
    list=extend_schema(parameters=[
        OpenApiParameter("unread", OpenApiTypes.BOOL, description="Only unread notifications"),
    ]),
)
class NotificationViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin,
                          viewsets.GenericViewSet):
    """Your own in-app notifications, unread first; nobody sees another user's."""

    unscoped_reason = "own rows: filtered by the requesting user"
    serializer_class = NotificationSerializer
    # scoped-ok: own notifications (the schema needs a model; get_queryset filters by user)
    queryset = Notification.objects.none()  # scoped-ok: own rows, see get_queryset

    def get_queryset(self):
        qs = Notification.objects.filter(user=self.request.user)  # scoped-ok: own notifications
        if self.request.query_params.get("unread", "").lower() in ("1", "true", "yes"):
            qs = qs.filter(read_at__isnull=True)
        return selectors.unread_first(qs)

    @extend_schema(request=None, responses={200: NotificationSerializer})
    @action(detail=True, methods=["post"])
    def read(self, request, pk=None):
        """Mark one notification read."""
        notification = services.notification_mark_read(actor=request.user,
                                                       notification=self.get_object())
        return Response(NotificationSerializer(notification).data)

    @extend_schema(request=None, responses={200: inline_serializer(
        "NotificationsReadAll", {"marked": serializers.IntegerField()})})
    @action(detail=False, methods=["post"], url_path="read-all")
    def read_all(self, request):
        """Mark all your unread notifications read."""
        return Response({"marked": services.notification_mark_all_read(actor=request.user)})

    @extend_schema(responses={200: inline_serializer(
        "NotificationsUnreadCount", {"unread": serializers.IntegerField()})})
    @action(detail=False, methods=["get"], url_path="unread-count")
    def unread_count(self, request):
        """How many of your notifications are unread (the number on the bell)."""
        return Response({"unread": selectors.notification_unread_count(actor=request.user)})


class ChatWebhookSerializer(serializers.ModelSerializer):
    url = serializers.URLField(
        write_only=True, max_length=500,
        help_text="The robot's address with its key; write-only (responses show url_display).")
    url_display = serializers.CharField(read_only=True)
    secret = serializers.CharField(
        write_only=True, required=False, allow_blank=True, max_length=200,
        help_text="DingTalk signing secret; write-only. An empty string removes it.")
    has_secret = serializers.BooleanField(read_only=True)
    jurisdiction = serializers.SlugRelatedField(
        slug_field="code",
        queryset=Jurisdiction.objects.none(),  # scoped-ok: replaced by restrict() in __init__
        help_text="Division code of the jurisdiction the robot belongs to (in your scope).")

    class Meta:
        model = ChatWebhook
        fields = ["id", "name", "kind", "url", "url_display", "secret", "has_secret",
                  "jurisdiction", "is_active", "created_at", "updated_at"]
        read_only_fields = ["id", "url_display", "has_secret", "created_at", "updated_at"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        request = self.context.get("request")
        if request is not None and "jurisdiction" in self.fields:
            self.fields["jurisdiction"].queryset = Jurisdiction.objects.restrict(  # scoped-ok
                request.user, Action.CONFIGURE)


class MessageSerializer(serializers.ModelSerializer):
    webhook_name = serializers.CharField(source="webhook.name", read_only=True, default=None,
                                         allow_null=True)

    class Meta:
        model = Message
        fields = ["id", "channel", "recipient", "email", "webhook", "webhook_name", "subject",
                  "body", "url", "markdown", "status", "attempts", "next_attempt_at",
                  "last_error", "created_at", "sent_at", "jurisdiction_code"]
        read_only_fields = fields


@extend_schema_view(
    list=extend_schema(parameters=[
        OpenApiParameter("kind", str, enum=WebhookKind.values),
        OpenApiParameter("active", OpenApiTypes.BOOL, description="Only active robots"),
    ]),
)
class ChatWebhookViewSet(ScopedModelViewSet):
    """WeCom and DingTalk group robots of your scope (needs the configure action).

    The address and the signing secret are credentials: they can be written but are never
    returned; responses show `url_display` (the key shortened) and `has_secret`.
    """

    queryset = ChatWebhook.objects.select_related(  # scoped-ok: restricted in get_queryset
        "jurisdiction").order_by("jurisdiction_code", "name", "id")
    serializer_class = ChatWebhookSerializer
    read_action = Action.CONFIGURE
    write_action = Action.CONFIGURE

    def get_queryset(self):
        qs = super().get_queryset()
        params = self.request.query_params
        if params.get("kind"):
            qs = qs.filter(kind=params["kind"])
        if params.get("active", "").lower() in ("1", "true", "yes"):
            qs = qs.filter(is_active=True)
        return qs

    def perform_create(self, serializer):
        try:
            serializer.instance = services.webhook_create(actor=self.request.user,
                                                          **serializer.validated_data)
        except ValidationError as exc:
            raise as_drf_error(exc) from exc

    def perform_update(self, serializer):
        try:
            serializer.instance = services.webhook_update(
                actor=self.request.user, webhook=serializer.instance,
                **serializer.validated_data)
        except ValidationError as exc:
            raise as_drf_error(exc) from exc

    @extend_schema(request=None, responses={201: MessageSerializer})
    @action(detail=True, methods=["post"])
    def test(self, request, pk=None):
        """Post a test message to the robot's group; returns the outbox message."""
        try:
            message = services.webhook_send_test(actor=request.user, webhook=self.get_object())
        except ValidationError as exc:
            raise as_drf_error(exc) from exc
        message.refresh_from_db()
        return Response(MessageSerializer(message).data, status=status.HTTP_201_CREATED)


@extend_schema_view(
    list=extend_schema(parameters=[
        OpenApiParameter("status", str, enum=MessageStatus.values),
        OpenApiParameter("channel", str, enum=Channel.values),
    ]),
)
class OutboxViewSet(ScopedReadOnlyViewSet):
    """The outbox of your scope, newest first (needs the configure action)."""

    queryset = Message.objects.select_related(  # scoped-ok: restricted in get_queryset
        "webhook").order_by("-created_at", "-id")
    serializer_class = MessageSerializer
    read_action = Action.CONFIGURE
    write_action = Action.CONFIGURE

    def get_queryset(self):
        qs = super().get_queryset()
        params = self.request.query_params
        if params.get("status"):
            qs = qs.filter(status=params["status"])
        if params.get("channel"):
            qs = qs.filter(channel=params["channel"])
        return qs

    @extend_schema(request=None, responses={200: MessageSerializer})
    @action(detail=True, methods=["post"])
    def retry(self, request, pk=None):
        """Try a failed or given-up message again now."""
        try:
            message = services.message_retry(actor=request.user, message=self.get_object())
        except ValidationError as exc:
            raise as_drf_error(exc) from exc
        message.refresh_from_db()
        return Response(MessageSerializer(message).data)


ROUTES = [
    ("notifications", NotificationViewSet, "notification"),
    ("webhooks", ChatWebhookViewSet, "webhook"),
    ("outbox", OutboxViewSet, "outbox"),
]
