"""The outbox of outbound messages, the chat-group robots they go to, and in-app notifications."""

from __future__ import annotations

from urllib.parse import parse_qsl, urlsplit

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import URLValidator
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from frontline.areas.models import Jurisdiction
from frontline.core.models import ScopedModel


class WebhookKind(models.TextChoices):
    WECOM = "wecom", _("WeCom group robot")
    DINGTALK = "dingtalk", _("DingTalk group robot")


def mask_webhook_url(url: str) -> str:
    """A robot's address with its key hidden: the key in the query string is the credential."""
    if not url:
        return ""
    parts = urlsplit(url)
    shown = f"{parts.scheme}://{parts.netloc}{parts.path}"
    params = parse_qsl(parts.query, keep_blank_values=True)
    if params:
        shown += "?" + "&".join(f"{k}={v[:4]}…" if v else f"{k}=" for k, v in params)
    return shown


class ChatWebhook(ScopedModel):
    """A chat-group robot (群机器人) of WeCom (企业微信) or DingTalk (钉钉) that messages are posted to.

    The address carries the robot's key, and a DingTalk robot may also have a signing secret
    (加签); both are credentials, so they are masked in the audit log, lists and the API.
    """

    name = models.CharField(_("name"), max_length=100)
    kind = models.CharField(_("kind"), max_length=10, choices=WebhookKind.choices)
    url = models.URLField(
        _("webhook address"), max_length=500, validators=[URLValidator(schemes=["http", "https"])],
        help_text=_("The address the group robot gives, with its key or access token."),
    )
    secret = models.CharField(
        _("signing secret"), max_length=200, blank=True,
        help_text=_("Only for DingTalk robots secured by signing (the secret starts with SEC)."),
    )
    jurisdiction = models.ForeignKey(
        Jurisdiction, verbose_name=_("jurisdiction"), on_delete=models.PROTECT, related_name="+",
    )
    jurisdiction_code = models.CharField(_("division code"), max_length=12, editable=False,
                                         db_index=True)
    is_active = models.BooleanField(_("active"), default=True)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    audit_mask = ("url", "secret")

    class Meta:
        verbose_name = _("chat-group robot")
        verbose_name_plural = _("chat-group robots")
        ordering = ["jurisdiction_code", "name", "id"]

    def __str__(self) -> str:
        return self.name

    def clean(self) -> None:
        if self.secret and self.kind != WebhookKind.DINGTALK:
            raise ValidationError({"secret": _("Only DingTalk robots are signed with a secret.")})

    @property
    def url_display(self) -> str:
        return mask_webhook_url(self.url)

    @property
    def has_secret(self) -> bool:
        return bool(self.secret)


class Channel(models.TextChoices):
    IN_APP = "in_app", _("in-app notification")
    EMAIL = "email", _("e-mail")
    CHAT_WEBHOOK = "chat_webhook", _("chat group")


class MessageStatus(models.TextChoices):
    PENDING = "pending", _("waiting")
    SENDING = "sending", _("sending")
    SENT = "sent", pgettext_lazy("notification", "sent")
    FAILED = "failed", _("failed, will retry")
    DEAD = "dead", _("given up")


class Message(ScopedModel):
    """One outbound message in the outbox (发件箱), delivered by the task worker with retries.

    `next_attempt_at` is when the next attempt may start; while a worker is sending
    (status `sending`) it is the end of that worker's claim, after which another may take over.
    """

    channel = models.CharField(_("channel"), max_length=20, choices=Channel.choices)
    recipient = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("recipient"), null=True, blank=True,
        on_delete=models.CASCADE, related_name="+",
    )
    email = models.EmailField(_("e-mail address"), blank=True)
    webhook = models.ForeignKey(
        ChatWebhook, verbose_name=_("chat-group robot"), null=True, blank=True,
        on_delete=models.PROTECT, related_name="messages",
    )
    subject = models.CharField(_("subject"), max_length=200, blank=True)
    body = models.TextField(_("text"), blank=True)
    url = models.CharField(_("link"), max_length=500, blank=True)
    markdown = models.BooleanField(
        _("markdown"), default=False,
        help_text=_("Post to the chat group as markdown instead of plain text."),
    )
    status = models.CharField(_("status"), max_length=10, choices=MessageStatus.choices,
                              default=MessageStatus.PENDING)
    attempts = models.PositiveSmallIntegerField(_("attempts"), default=0)
    next_attempt_at = models.DateTimeField(_("next attempt"), null=True, blank=True)
    last_error = models.TextField(_("last error"), blank=True)
    created_at = models.DateTimeField(_("created"), default=timezone.now)
    sent_at = models.DateTimeField(_("sent at"), null=True, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("created by"), null=True, blank=True,
        on_delete=models.PROTECT, related_name="+",
    )
    jurisdiction_code = models.CharField(_("division code"), max_length=12, db_index=True)
    dedupe_key = models.CharField(
        _("idempotency key"), max_length=200, null=True, blank=True, unique=True,
        help_text=_("Sending again with the same key returns the first message."),
    )

    class Meta:
        verbose_name = _("outbound message")
        verbose_name_plural = _("outbox")
        ordering = ["-created_at", "-id"]
        indexes = [
            models.Index(fields=["status", "next_attempt_at"], name="notify_msg_due"),
            models.Index(fields=["jurisdiction_code", "-created_at"], name="notify_msg_scope"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=(Q(channel="in_app", recipient__isnull=False)
                           | (Q(channel="email") & ~Q(email=""))
                           | Q(channel="chat_webhook", webhook__isnull=False)),
                name="notify_message_has_destination",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_channel_display()} #{self.pk}: {self.subject or self.body[:40]}"

    @property
    def destination(self) -> str:
        if self.channel == Channel.CHAT_WEBHOOK:
            return str(self.webhook) if self.webhook_id else ""
        if self.channel == Channel.EMAIL:
            return self.email
        return str(self.recipient) if self.recipient_id else ""

    @property
    def can_retry(self) -> bool:
        return self.status in (MessageStatus.FAILED, MessageStatus.DEAD)


class Notification(models.Model):
    """An in-app notification behind the bell; per user, so each user sees only their own."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("user"),
                             on_delete=models.CASCADE, related_name="notifications")
    title = models.CharField(_("title"), max_length=200)
    body = models.TextField(_("text"), blank=True)
    url = models.CharField(_("link"), max_length=500, blank=True)
    created_at = models.DateTimeField(_("created"), default=timezone.now)
    read_at = models.DateTimeField(_("read at"), null=True, blank=True)
    message = models.OneToOneField(
        Message, verbose_name=_("outbound message"), null=True, blank=True,
        on_delete=models.SET_NULL, related_name="notification",
    )

    class Meta:
        verbose_name = _("notification")
        verbose_name_plural = _("notifications")
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["user", "read_at"], name="notify_notif_user_read")]

    def __str__(self) -> str:
        return self.title

    @property
    def is_read(self) -> bool:
        return self.read_at is not None
