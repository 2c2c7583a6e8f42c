"""Reads of the notify app: one's own notifications, and the outbox and robots of one's scope."""

from __future__ import annotations

from typing import Any

from django.db.models import Case, Count, IntegerField, QuerySet, Value, When

from frontline.core.permissions import Action
from frontline.notify.models import ChatWebhook, Message, MessageStatus, Notification


def unread_first(qs: QuerySet[Notification]) -> QuerySet[Notification]:
    """Order notifications unread first, then newest first."""
    unread = Case(When(read_at__isnull=True, then=Value(0)), default=Value(1),
                  output_field=IntegerField())
    return qs.order_by(unread, "-created_at", "-id")


def notification_list(*, actor: Any, unread_only: bool = False) -> QuerySet[Notification]:
    """The actor's own notifications, unread first, newest first."""
    if not getattr(actor, "pk", None):
        return Notification.objects.none()
    # scoped-ok: own notifications (a notification belongs to a user, not to a jurisdiction)
    qs = Notification.objects.filter(user_id=actor.pk)
    if unread_only:
        qs = qs.filter(read_at__isnull=True)
    return unread_first(qs)


def notification_unread_count(*, actor: Any) -> int:
    return notification_list(actor=actor, unread_only=True).count()


def message_list(*, actor: Any, status: str = "", channel: str = "",
                 action: Action = Action.CONFIGURE) -> QuerySet[Message]:
    """The outbox of the actor's scope, newest first."""
    qs = Message.objects.restrict(actor, action).select_related("recipient", "webhook")
    if status:
        qs = qs.filter(status=status)
    if channel:
        qs = qs.filter(channel=channel)
    return qs.order_by("-created_at", "-id")


def webhook_list(*, actor: Any, active_only: bool = False,
                 action: Action = Action.CONFIGURE) -> QuerySet[ChatWebhook]:
    """The chat-group robots of the actor's scope."""
    qs = ChatWebhook.objects.restrict(actor, action).select_related("jurisdiction")
    if active_only:
        qs = qs.filter(is_active=True)
    return qs.order_by("jurisdiction_code", "name", "id")


def message_status_counts(*, actor: Any, action: Action = Action.CONFIGURE) -> dict[str, int]:
    """How many messages of the actor's scope are in each status (one query)."""
    rows = (Message.objects.restrict(actor, action).order_by().values("status")
            .annotate(n=Count("id")))
    counts = dict.fromkeys(MessageStatus.values, 0)
    counts.update({row["status"]: row["n"] for row in rows})
    return counts
