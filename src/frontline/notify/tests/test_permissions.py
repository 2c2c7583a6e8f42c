"""Generic scoping tests for the robots and the outbox: another district's rows answer 404."""

from __future__ import annotations

import pytest

from frontline.core.testing import ScopedPermissionTests
from frontline.notify import services
from frontline.notify.models import ChatWebhook, Message
from frontline.notify.tests.factories import make_webhook

pytestmark = pytest.mark.django_db


class TestChatWebhookPermissions(ScopedPermissionTests):
    model = ChatWebhook
    viewer = "district"  # only holders of the configure action see robots
    list_url_name = "notify:webhook_list"
    detail_url_name = "notify:webhook_edit"
    edit_url_name = "notify:webhook_edit"
    edit_data = {"name": "taken over", "kind": "wecom", "url": "https://example.org/x?key=1",
                 "jurisdiction": "", "is_active": "on"}
    api_basename = "webhook"
    api_patch = {"name": "taken over"}

    def make_objects(self, tree):
        return make_webhook(tree, "110101001"), make_webhook(tree, "110102")


class TestMessagePermissions(ScopedPermissionTests):
    model = Message
    viewer = "district"
    list_url_name = "notify:outbox"
    detail_url_name = "notify:message_detail"
    api_basename = "outbox"
    api_patch = {"status": "sent"}

    def make_objects(self, tree):
        def send(code):
            return services.message_send(actor=tree.users["city"], channel="in_app",
                                         recipient=tree.users["street"], subject="s",
                                         jurisdiction_code=code)
        return send("110101001"), send("110102")
