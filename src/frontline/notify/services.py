"""Every write of the notify app: sending through the outbox, delivering, retrying, robots.

Other apps call `message_send`, `notify_users` and `notify_chat_group` from inside their own
services: the outbox rows are written in the caller's transaction and delivery is scheduled
with `transaction.on_commit`, so a rolled-back workflow sends nothing.

Delivery guarantees: an in-app notification is created in the same transaction that marks
the message sent, so it is delivered exactly once. E-mail and chat-group messages leave the
database, so they are delivered at least once: a worker first claims the message (status
`sending` until a deadline), sends outside any transaction, then records the outcome; a
worker that dies after the remote side accepted the message but before the outcome was
recorded may cause one repeat once the claim expires.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import logging
import re
import time
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Iterable
from datetime import datetime, timedelta
from functools import partial
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.mail import EmailMessage, get_connection
from django.core.validators import validate_email
from django.db import IntegrityError, transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from frontline.areas.models import CODE_RE, Jurisdiction
from frontline.audit.models import ChangeAction
from frontline.audit.services import change_record, snapshot
from frontline.core.models import OutOfScope, ensure_in_scope, get_in_scope, scope_for
from frontline.core.permissions import Action
from frontline.notify.models import (
    Channel,
    ChatWebhook,
    Message,
    MessageStatus,
    Notification,
    WebhookKind,
    mask_webhook_url,
)
from frontline.notify.tasks import schedule_delivery

logger = logging.getLogger(__name__)

# A retry found a few seconds early (clocks of the worker and the web server differ) still runs.
DUE_TOLERANCE = timedelta(seconds=5)
MAX_ERROR_CHARS = 2000
MAX_RESPONSE_BYTES = 64 * 1024
MAX_DEDUPE_KEY = 200


class DeliveryError(Exception):
    """One delivery attempt failed; a `permanent` failure is not retried."""

    def __init__(self, message: str, *, permanent: bool = False) -> None:
        super().__init__(message)
        self.permanent = permanent


# -- sending -------------------------------------------------------------------------------

def _one_line(text: str, limit: int) -> str:
    return re.sub(r"\s+", " ", text or "").strip()[:limit]


def _clean_link(url: str) -> str:
    """A link is a path on this site or an http(s) address; nothing a browser could run."""
    url = (url or "").strip()
    if not url:
        return ""
    if "\\" not in url and not any(c.isspace() for c in url):
        if url.startswith("/") and not url.startswith("//"):
            return url[:500]
        parts = urllib.parse.urlsplit(url)
        if parts.scheme in ("http", "https") and parts.netloc and len(url) <= 500:
            return url
    raise ValidationError({"url": _("A link must be a path on this site or an http(s) address.")})


def absolute_link(url: str) -> str:
    """The link as someone outside the site needs it (in an e-mail or a chat group)."""
    if url.startswith("/"):
        base = getattr(settings, "FRONTLINE_SITE_URL", "").rstrip("/")
        return f"{base}{url}" if base else url
    return url


def message_send(
    *,
    actor: Any,
    channel: Channel | str,
    jurisdiction_code: str,
    recipient: Any = None,
    email: str = "",
    webhook: ChatWebhook | None = None,
    subject: str = "",
    body: str = "",
    url: str = "",
    markdown: bool = False,
    dedupe_key: str | None = None,
) -> Message:
    """Put one message in the outbox, in the caller's transaction; it is delivered after commit.

    `recipient` (a user) is needed for in-app messages; e-mail goes to `email` or else the
    recipient's address; chat-group messages go to `webhook`. The message is filed under
    `jurisdiction_code`, which decides who sees it in the outbox. The calling service has
    already decided that the actor may cause it. With `dedupe_key`, sending the same key again
    returns the first message and sends nothing.
    """
    channel = Channel(channel)
    errors: dict[str, str] = {}
    if not CODE_RE.match(jurisdiction_code or ""):
        errors["jurisdiction_code"] = _("A message must be filed under a division code.")
    if channel == Channel.IN_APP and recipient is None:
        errors["recipient"] = _("An in-app notification needs a recipient.")
    if channel == Channel.EMAIL:
        email = (email or getattr(recipient, "email", "") or "").strip()
        try:
            validate_email(email)
        except ValidationError:
            errors["email"] = _("An e-mail needs a valid address.")
    if channel == Channel.CHAT_WEBHOOK and webhook is None:
        errors["webhook"] = _("A chat-group message needs a robot.")
    if not (subject.strip() or body.strip()):
        errors["body"] = _("A message needs a subject or a text.")
    if dedupe_key is not None and not 0 < len(dedupe_key) <= MAX_DEDUPE_KEY:
        raise ValueError(f"dedupe_key must be 1 to {MAX_DEDUPE_KEY} characters")
    if errors:
        raise ValidationError(errors)
    url = _clean_link(url)
    if dedupe_key:
        existing = Message.objects.filter(dedupe_key=dedupe_key).first()
        if existing is not None:
            return existing
    now = timezone.now()
    message = Message(
        channel=channel,
        recipient=recipient if channel != Channel.CHAT_WEBHOOK else None,
        email=email if channel == Channel.EMAIL else "",
        webhook=webhook if channel == Channel.CHAT_WEBHOOK else None,
        subject=_one_line(subject, 200),
        body=body.strip(),
        url=url,
        markdown=bool(markdown) and channel == Channel.CHAT_WEBHOOK,
        status=MessageStatus.PENDING,
        next_attempt_at=now,
        created_at=now,
        created_by=actor if getattr(actor, "pk", None) else None,
        jurisdiction_code=jurisdiction_code,
        dedupe_key=dedupe_key or None,
    )
    with transaction.atomic():
        try:
            with transaction.atomic():  # a savepoint: a concurrent sender of the same key wins
                message.save()
        except IntegrityError:
            if not dedupe_key:
                raise
            return Message.objects.get(dedupe_key=dedupe_key)
        transaction.on_commit(partial(schedule_delivery, message.pk), robust=True)
    return message


def notify_users(
    *,
    actor: Any,
    users: Iterable[Any],
    title: str,
    body: str,
    url: str = "",
    channels: Iterable[Channel | str] = (Channel.IN_APP,),
    jurisdiction_code: str,
    dedupe_key: str | None = None,
) -> list[Message]:
    """Notify each active user on each channel; a user without an e-mail address gets none.

    With `dedupe_key`, each (channel, user) gets the key `<dedupe_key>:<channel>:<user id>`.
    """
    channels = [Channel(c) for c in channels]
    if Channel.CHAT_WEBHOOK in channels:
        raise ValueError("chat groups are not users; use notify_chat_group")
    sent: list[Message] = []
    seen: set[int] = set()
    with transaction.atomic():
        for user in users:
            if user.pk in seen or not user.is_active:
                continue
            seen.add(user.pk)
            for channel in channels:
                if channel == Channel.EMAIL and not user.email:
                    continue
                sent.append(message_send(
                    actor=actor, channel=channel, recipient=user, subject=title, body=body,
                    url=url, jurisdiction_code=jurisdiction_code,
                    dedupe_key=f"{dedupe_key}:{channel}:{user.pk}" if dedupe_key else None,
                ))
    return sent


def notify_chat_group(
    *,
    actor: Any,
    webhook: ChatWebhook,
    text: str,
    jurisdiction_code: str,
    title: str = "",
    url: str = "",
    markdown: bool = False,
    dedupe_key: str | None = None,
) -> Message:
    """Post a text (or markdown) to a WeCom or DingTalk group through its robot."""
    return message_send(actor=actor, channel=Channel.CHAT_WEBHOOK, webhook=webhook,
                        subject=title, body=text, url=url, markdown=markdown,
                        jurisdiction_code=jurisdiction_code, dedupe_key=dedupe_key)


# -- delivering ----------------------------------------------------------------------------

def backoff_delay(attempts: int) -> timedelta:
    """How long to wait after `attempts` failed attempts: doubling, capped (an hour by default)."""
    base = settings.NOTIFY_BACKOFF_SECONDS
    cap = getattr(settings, "NOTIFY_BACKOFF_MAX_SECONDS", 3600)
    return timedelta(seconds=min(base * 2 ** min(max(attempts - 1, 0), 30), cap))


def _claim_duration() -> timedelta:
    """How long a worker holds a message it is sending before another may take it over."""
    timeout = max(settings.NOTIFY_WEBHOOK_TIMEOUT, getattr(settings, "EMAIL_TIMEOUT", None) or 10)
    return timedelta(seconds=2 * timeout + 60)


def _is_due(message: Message, now: datetime) -> bool:
    if message.status in (MessageStatus.PENDING, MessageStatus.FAILED):
        return message.next_attempt_at is None or message.next_attempt_at <= now + DUE_TOLERANCE
    if message.status == MessageStatus.SENDING:  # the claim of a worker that died has expired
        return message.next_attempt_at is None or message.next_attempt_at <= now
    return False


def _chat_text(message: Message) -> str:
    link = absolute_link(message.url)
    if message.markdown:
        parts = [f"### {message.subject}" if message.subject else "", message.body,
                 f"[{link}]({link})" if link else ""]
        return "\n\n".join(p for p in parts if p)
    return "\n".join(p for p in (message.subject, message.body, link) if p)


def webhook_payload(message: Message) -> dict[str, Any]:
    """The JSON a WeCom or DingTalk group robot expects for this message."""
    text = _chat_text(message)
    kind = message.webhook.kind
    if message.markdown:
        if kind == WebhookKind.DINGTALK:
            title = message.subject or _one_line(message.body, 60)
            return {"msgtype": "markdown", "markdown": {"title": title, "text": text}}
        return {"msgtype": "markdown", "markdown": {"content": text}}
    return {"msgtype": "text", "text": {"content": text}}


def dingtalk_signed_url(url: str, secret: str, *, timestamp_ms: int | None = None) -> str:
    """The address of a DingTalk robot secured by signing: HMAC-SHA256 of "timestamp\\nsecret"."""
    timestamp = str(timestamp_ms if timestamp_ms is not None else int(time.time() * 1000))
    digest = hmac.new(secret.encode("utf-8"), f"{timestamp}\n{secret}".encode(),
                      hashlib.sha256).digest()
    sign = urllib.parse.quote_plus(base64.b64encode(digest))
    separator = "&" if urllib.parse.urlsplit(url).query else "?"
    return f"{url}{separator}timestamp={timestamp}&sign={sign}"


class _NoRedirects(urllib.request.HTTPRedirectHandler):
    """A robot that answers with a redirect has failed: urllib would re-send the POST as GET."""

    def redirect_request(self, req, fp, code, msg, headers, newurl):
        return None


def _post_json(url: str, payload: dict[str, Any]) -> None:
    """POST JSON to a robot; a non-2xx status or a non-zero "errcode" is a DeliveryError."""
    if urllib.parse.urlsplit(url).scheme not in ("http", "https"):
        raise DeliveryError(_("The robot's address is not an http(s) address."), permanent=True)
    request = urllib.request.Request(  # noqa: S310 - the scheme is checked above
        url, data=json.dumps(payload, ensure_ascii=False).encode("utf-8"), method="POST",
        headers={"Content-Type": "application/json; charset=utf-8"},
    )
    # A fresh opener per call, so proxy settings are read now (not cached at first use).
    opener = urllib.request.build_opener(_NoRedirects)
    try:
        with opener.open(request, timeout=settings.NOTIFY_WEBHOOK_TIMEOUT) as response:
            status = response.status
            raw = response.read(MAX_RESPONSE_BYTES)
    except urllib.error.HTTPError as exc:
        detail = exc.read(500).decode("utf-8", "replace") if exc.fp else ""
        raise DeliveryError(f"HTTP {exc.code} {exc.reason} {detail}".strip()) from exc
    except urllib.error.URLError as exc:
        raise DeliveryError(f"{type(exc.reason).__name__}: {exc.reason}") from exc
    except (TimeoutError, OSError) as exc:
        raise DeliveryError(f"{type(exc).__name__}: {exc}") from exc
    if not 200 <= status < 300:
        raise DeliveryError(f"HTTP {status}")
    try:
        reply = json.loads(raw.decode("utf-8"))
    except (UnicodeDecodeError, ValueError):
        return  # a 2xx answer that is not JSON: accepted
    if isinstance(reply, dict):
        errcode = reply.get("errcode", 0)
        if str(errcode) != "0":
            raise DeliveryError(f"errcode {errcode}: {reply.get('errmsg', '')}".strip())


def _send_chat(message: Message) -> None:
    webhook = message.webhook
    if webhook is None or not webhook.is_active:
        raise DeliveryError(_("The chat-group robot is switched off."), permanent=True)
    url = webhook.url
    if webhook.kind == WebhookKind.DINGTALK and webhook.secret:
        url = dingtalk_signed_url(url, webhook.secret)
    _post_json(url, webhook_payload(message))


def _send_email(message: Message) -> None:
    link = absolute_link(message.url)
    body = f"{message.body}\n\n{link}" if link else message.body
    subject = message.subject or _one_line(message.body, 80)
    connection = get_connection(fail_silently=False)
    try:
        EmailMessage(subject=subject, body=body, from_email=settings.DEFAULT_FROM_EMAIL,
                     to=[message.email], connection=connection).send()
    except Exception as exc:  # smtplib and socket errors of every kind
        raise DeliveryError(f"{type(exc).__name__}: {exc}") from exc


def _record_sent(message: Message, now: datetime) -> None:
    message.status = MessageStatus.SENT
    message.attempts += 1
    message.sent_at = now
    message.next_attempt_at = None
    message.last_error = ""
    message.save(update_fields=["status", "attempts", "sent_at", "next_attempt_at",
                                "last_error"])


def _record_failure(message: Message, error: DeliveryError, now: datetime) -> None:
    message.attempts += 1
    message.last_error = str(error)[:MAX_ERROR_CHARS]
    if error.permanent or message.attempts >= settings.NOTIFY_MAX_ATTEMPTS:
        message.status = MessageStatus.DEAD
        message.next_attempt_at = None
    else:
        message.status = MessageStatus.FAILED
        message.next_attempt_at = now + backoff_delay(message.attempts)
        transaction.on_commit(partial(schedule_delivery, message.pk,
                                      run_after=message.next_attempt_at), robust=True)
    message.save(update_fields=["status", "attempts", "last_error", "next_attempt_at"])


def message_deliver(message_id: int) -> Message | None:
    """Make one delivery attempt of a due message; a message sent, given up or not yet due is
    left alone, so running this twice (a worker retried after a crash) sends once."""
    now = timezone.now()
    with transaction.atomic():
        message = (Message.objects.select_for_update(of=("self",)).select_related("webhook", "recipient")
                   .filter(pk=message_id).first())
        if message is None or not _is_due(message, now):
            return message
        if message.channel == Channel.IN_APP:
            # One transaction: the notification exists if and only if the message is sent.
            Notification.objects.get_or_create(message=message, defaults={
                "user": message.recipient,
                "title": message.subject or _one_line(message.body, 200),
                "body": message.body, "url": message.url, "created_at": now,
            })
            _record_sent(message, now)
            return message
        message.status = MessageStatus.SENDING
        message.next_attempt_at = now + _claim_duration()
        message.save(update_fields=["status", "next_attempt_at"])

    error: DeliveryError | None = None
    try:
        if message.channel == Channel.EMAIL:
            _send_email(message)
        else:
            _send_chat(message)
    except DeliveryError as exc:
        error = exc
    except Exception as exc:  # a bug must not leave the message claimed until the deadline
        logger.exception("notify: delivering message %s failed unexpectedly", message_id)
        error = DeliveryError(f"{type(exc).__name__}: {exc}")

    now = timezone.now()
    with transaction.atomic():
        message = Message.objects.select_for_update().get(pk=message_id)
        if error is None:
            _record_sent(message, now)
        else:
            logger.warning("notify: message %s attempt %s failed: %s", message_id,
                           message.attempts + 1, error)
            _record_failure(message, error, now)
    return message


def _plain(values: dict[str, Any]) -> dict[str, Any]:
    return {k: v.isoformat() if isinstance(v, datetime) else v for k, v in values.items()}


def message_retry(*, actor: Any, message: Message) -> Message:
    """Try a failed or given-up message again now (one more attempt), on an operator's order."""
    with transaction.atomic():
        message = get_in_scope(Message, actor, Action.CONFIGURE, for_update=True, pk=message.pk)
        if message.status not in (MessageStatus.FAILED, MessageStatus.DEAD):
            raise ValidationError(_("Only a failed message can be retried."))
        before = {"status": message.status, "next_attempt_at": message.next_attempt_at}
        message.status = MessageStatus.PENDING
        message.next_attempt_at = timezone.now()
        message.save(update_fields=["status", "next_attempt_at"])
        change_record(actor=actor, action=ChangeAction.EVENT, obj=message, event="notify.retry",
                      before=_plain(before),
                      after=_plain({"status": message.status,
                                    "next_attempt_at": message.next_attempt_at}))
        transaction.on_commit(partial(schedule_delivery, message.pk), robust=True)
    return message


def messages_retry_due(*, grace_seconds: int = 60, limit: int = 500) -> int:
    """Enqueue every message whose attempt is overdue by `grace_seconds` (the worker was down,
    an enqueue was lost, a worker died while sending); returns how many were enqueued."""
    cutoff = timezone.now() - timedelta(seconds=grace_seconds)
    due = (Message.objects
           .filter(status__in=[MessageStatus.PENDING, MessageStatus.FAILED,
                               MessageStatus.SENDING])
           .filter(Q(next_attempt_at__lte=cutoff)
                   | Q(next_attempt_at__isnull=True, created_at__lte=cutoff))
           .order_by("next_attempt_at", "id")
           .values_list("pk", flat=True)[:limit])
    ids = list(due)
    for pk in ids:
        schedule_delivery(pk)
    return len(ids)


# -- in-app notifications ------------------------------------------------------------------

def notification_mark_read(*, actor: Any, notification: Notification) -> Notification:
    """Mark one of the actor's own notifications read; anyone else's answers 404."""
    with transaction.atomic():
        try:
            notification = (Notification.objects.select_for_update(of=("self",))
                            .get(pk=notification.pk, user_id=getattr(actor, "pk", None)))
        except Notification.DoesNotExist:
            raise OutOfScope() from None
        if notification.read_at is None:
            notification.read_at = timezone.now()
            notification.save(update_fields=["read_at"])
    return notification


def notification_mark_all_read(*, actor: Any) -> int:
    """Mark all of the actor's unread notifications read; returns how many there were."""
    if not getattr(actor, "pk", None):
        return 0
    return Notification.objects.filter(user=actor, read_at__isnull=True).update(
        read_at=timezone.now())


# -- chat-group robots ---------------------------------------------------------------------

WEBHOOK_FIELDS = ["name", "kind", "url", "secret", "jurisdiction", "is_active"]


def _webhook_snapshot(webhook: ChatWebhook) -> dict[str, Any]:
    # The address is a credential: the log shows its masked form, enough to see a change.
    return {**snapshot(webhook), "url": mask_webhook_url(webhook.url)}


def _check_jurisdiction(actor: Any, jurisdiction: Jurisdiction) -> None:
    if not scope_for(actor, Action.CONFIGURE).covers_code(jurisdiction.code):
        raise OutOfScope()


def webhook_create(*, actor: Any, **data: Any) -> ChatWebhook:
    """Configure a chat-group robot under a jurisdiction the actor may configure."""
    unknown = set(data) - set(WEBHOOK_FIELDS)
    if unknown:
        raise TypeError(f"unknown webhook fields {sorted(unknown)}")
    with transaction.atomic():
        webhook = ChatWebhook(**data)
        _check_jurisdiction(actor, webhook.jurisdiction)
        webhook.jurisdiction_code = webhook.jurisdiction.code
        webhook.full_clean()
        webhook.save()
        ensure_in_scope(actor, Action.CONFIGURE, webhook)
        change_record(actor=actor, action=ChangeAction.CREATE, obj=webhook,
                      after=_webhook_snapshot(webhook))
    return webhook


def webhook_update(*, actor: Any, webhook: ChatWebhook, **data: Any) -> ChatWebhook:
    """Change a robot; it must be in scope before and after. A WeCom robot keeps no secret."""
    unknown = set(data) - set(WEBHOOK_FIELDS)
    if unknown:
        raise TypeError(f"unknown webhook fields {sorted(unknown)}")
    with transaction.atomic():
        webhook = get_in_scope(ChatWebhook, actor, Action.CONFIGURE, for_update=True,
                               pk=webhook.pk)
        before = _webhook_snapshot(webhook)
        for name, value in data.items():
            setattr(webhook, name, value)
        if webhook.kind != WebhookKind.DINGTALK and "secret" not in data:
            webhook.secret = ""  # switched to a kind that is not signed
        _check_jurisdiction(actor, webhook.jurisdiction)
        webhook.jurisdiction_code = webhook.jurisdiction.code
        webhook.full_clean()
        webhook.save()
        ensure_in_scope(actor, Action.CONFIGURE, webhook)
        change_record(actor=actor, action=ChangeAction.UPDATE, obj=webhook, before=before,
                      after=_webhook_snapshot(webhook))
    return webhook


def webhook_send_test(*, actor: Any, webhook: ChatWebhook) -> Message:
    """Post a short test message to a robot the actor may configure."""
    with transaction.atomic():
        webhook = get_in_scope(ChatWebhook, actor, Action.CONFIGURE, pk=webhook.pk)
        if not webhook.is_active:
            raise ValidationError(_("Switch the robot on before testing it."))
        text = _("Test message from Frontline, sent by %(user)s to the robot “%(name)s”.") % {
            "user": actor, "name": webhook.name}
        return notify_chat_group(actor=actor, webhook=webhook, text=text,
                                 jurisdiction_code=webhook.jurisdiction_code)
