"""Builders for notify tests: robots and messages made through the real services."""

from __future__ import annotations

from typing import Any

from frontline.notify import services
from frontline.notify.models import ChatWebhook, Message


def make_webhook(tree, code: str, *, url: str = "https://qyapi.weixin.qq.com/cgi-bin/webhook/send?key=k-1234",
                 kind: str = "wecom", secret: str = "", name: str = "", **extra: Any
                 ) -> ChatWebhook:
    """A robot under jurisdiction `code`, configured by the city office (which sees all)."""
    return services.webhook_create(
        actor=tree.users["city"], name=name or f"Robot {code}", kind=kind, url=url,
        secret=secret, jurisdiction=tree.jurisdictions[code], is_active=True, **extra)


def make_in_app(tree, username: str, code: str, *, title: str = "New arrival",
                body: str = "", url: str = "", **extra: Any) -> Message:
    """An in-app message to `username`, filed under `code` (still pending until commit)."""
    return services.message_send(
        actor=tree.users["district"], channel="in_app", recipient=tree.users[username],
        subject=title, body=body, url=url, jurisdiction_code=code, **extra)
