"""Pages: the bell, one's own notifications, the outbox, and the robot pages."""

from __future__ import annotations

import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from frontline.audit.models import ChangeLogEntry
from frontline.core.testing import snapshot_row
from frontline.notify import services
from frontline.notify.models import ChatWebhook, Message, MessageStatus, Notification
from frontline.notify.tests.factories import make_in_app, make_webhook

pytestmark = pytest.mark.django_db


def _bell_count(response) -> int:
    match = re.search(r'<span class="count">(\d+)</span>', response.content.decode())
    return int(match.group(1)) if match else 0


def test_bell_shows_the_real_unread_count(tree, deliver):
    client = tree.client("street")
    assert _bell_count(client.get(reverse("notify:bell"))) == 0
    with deliver():
        messages = [make_in_app(tree, "street", "110101001", title=f"n{i}") for i in range(3)]
        make_in_app(tree, "street2", "110101002")  # someone else's
    services.notification_mark_read(actor=tree.users["street"],
                                    notification=messages[0].notification)
    response = client.get(reverse("notify:bell"))
    assert response.status_code == 200
    assert _bell_count(response) == 2
    assert reverse("notify:notifications") in response.content.decode()
    assert "no-cache" in response.headers["Cache-Control"]


def test_bell_needs_a_login(client):
    response = client.get(reverse("notify:bell"))
    assert response.status_code == 302


def test_notification_list_shows_only_own_unread_first(tree, deliver):
    with deliver():
        old = make_in_app(tree, "street", "110101001", title="old-unread")
        read = make_in_app(tree, "street", "110101001", title="already-read")
        make_in_app(tree, "street2", "110101002", title="not-mine")
    services.notification_mark_read(actor=tree.users["street"], notification=read.notification)
    response = tree.client("street").get(reverse("notify:notifications"))
    assert response.status_code == 200
    titles = [n.title for n in response.context["object_list"]]
    assert titles == ["old-unread", "already-read"]
    assert old.notification.pk == response.context["object_list"][0].pk
    assert "not-mine" not in response.content.decode()


def test_marking_someone_elses_notification_is_404_and_unchanged(tree, deliver):
    with deliver():
        theirs = make_in_app(tree, "street2", "110101002")
    theirs = theirs.notification
    before = snapshot_row(theirs)
    client = tree.client("street")
    response = client.post(reverse("notify:notification_read", kwargs={"pk": theirs.pk}))
    assert response.status_code == 404
    client.post(reverse("notify:notifications_read_all"))
    assert snapshot_row(theirs) == before


def test_mark_read_and_open(tree, deliver):
    with deliver():
        local = make_in_app(tree, "street", "110101001", url="/notify/outbox/")
        external = make_in_app(tree, "street", "110101001", url="https://evil.example/phish")
    local, external = local.notification, external.notification
    client = tree.client("street")
    response = client.post(reverse("notify:notification_read", kwargs={"pk": local.pk}),
                           {"open": "1"})
    assert response.status_code == 302 and response.url == "/notify/outbox/"
    response = client.post(reverse("notify:notification_read", kwargs={"pk": external.pk}),
                           {"open": "1"})
    assert response.url == reverse("notify:notifications")  # not an open redirect
    assert not Notification.objects.filter(user=tree.users["street"],
                                           read_at__isnull=True).exists()


def test_mark_all_read(tree, deliver):
    with deliver():
        for _ in range(2):
            make_in_app(tree, "street", "110101001")
    response = tree.client("street").post(reverse("notify:notifications_read_all"),
                                          follow=True)
    assert response.status_code == 200
    assert _bell_count(tree.client("street").get(reverse("notify:bell"))) == 0


def test_outbox_needs_the_configure_action(tree):
    for username in ("street", "community", "leader"):
        assert tree.client(username).get(reverse("notify:outbox")).status_code == 403
        assert tree.client(username).get(reverse("notify:webhook_list")).status_code == 403
        assert tree.client(username).get(reverse("notify:webhook_create")).status_code == 403


def test_outbox_filters_and_costs_constant_queries(tree, robot_server, settings, deliver):
    settings.NOTIFY_MAX_ATTEMPTS = 1
    robot_server.status = 500
    webhook = make_webhook(tree, "110101", url=robot_server.url())
    with deliver():
        dead = services.notify_chat_group(actor=tree.users["district"], webhook=webhook,
                                          text="失败的消息", jurisdiction_code="110101")
    client = tree.client("district")

    def page(**params):
        with CaptureQueriesContext(connection) as queries:
            response = client.get(reverse("notify:outbox"), params)
        assert response.status_code == 200
        return response, len(queries)

    page()  # the first request of a session costs more (session, roles)
    for i in range(3):
        make_in_app(tree, "street", "110101001", title=f"m{i}")
    _, few = page()
    for i in range(10):
        make_in_app(tree, "street2", "110101002", title=f"more{i}")
    response, many = page()
    assert many == few
    assert len(response.context["object_list"]) == 14
    response, _ = page(status="dead")
    assert [m.pk for m in response.context["object_list"]] == [dead.pk]
    assert "HTTP 500" in response.content.decode()
    assert response.context["counts"]["dead"] == 1
    assert response.context["counts"]["pending"] == 13


def test_retry_now_from_the_outbox(tree, robot_server, settings, deliver):
    settings.NOTIFY_MAX_ATTEMPTS = 1
    robot_server.status = 500
    webhook = make_webhook(tree, "110101001", url=robot_server.url())
    with deliver():
        message = services.notify_chat_group(actor=tree.users["district"], webhook=webhook,
                                             text="x", jurisdiction_code="110101001")
    robot_server.status = 200
    client = tree.client("district")
    with deliver():
        response = client.post(reverse("notify:message_retry", kwargs={"pk": message.pk}),
                               {"next": "outbox"})
    assert response.status_code == 302 and response.url == reverse("notify:outbox")
    message.refresh_from_db()
    assert message.status == MessageStatus.SENT
    # Another district's operator gets 404 and changes nothing.
    before = snapshot_row(message)
    response = tree.client("district_west").post(
        reverse("notify:message_retry", kwargs={"pk": message.pk}))
    assert response.status_code == 404 and snapshot_row(message) == before


def test_create_and_edit_a_robot_without_showing_its_credentials(tree, robot_server, deliver):
    client = tree.client("district")
    response = client.get(reverse("notify:webhook_create"))
    assert response.status_code == 200
    choices = {j.code for j in response.context["form"].fields["jurisdiction"].queryset}
    assert "110101001" in choices and "110102" not in choices

    url = robot_server.url("/robot/send?access_token=very-secret-token")
    response = client.post(reverse("notify:webhook_create"), {
        "name": "东城区外办工作群", "kind": "dingtalk", "url": url, "secret": "SECsecret99",
        "jurisdiction": tree.jurisdictions["110101"].pk, "is_active": "on"})
    webhook = ChatWebhook.objects.get()
    assert response.status_code == 302
    assert (webhook.url, webhook.secret, webhook.jurisdiction_code) == (url, "SECsecret99",
                                                                        "110101")
    assert ChangeLogEntry.objects.filter(object_type="notify.chatwebhook",
                                         action="create").exists()

    edit = reverse("notify:webhook_edit", kwargs={"pk": webhook.pk})
    for page in (client.get(edit), client.get(reverse("notify:webhook_list"))):
        html = page.content.decode()
        assert "very-secret-token" not in html and "SECsecret99" not in html
    # Saving with the address and secret left empty keeps both.
    response = client.post(edit, {"name": "工作群", "kind": "dingtalk", "url": "", "secret": "",
                                  "jurisdiction": tree.jurisdictions["110101"].pk,
                                  "is_active": "on"})
    assert response.status_code == 302
    webhook.refresh_from_db()
    assert (webhook.name, webhook.url, webhook.secret) == ("工作群", url, "SECsecret99")
    # Clearing the secret.
    client.post(edit, {"name": "工作群", "kind": "dingtalk", "url": "", "clear_secret": "on",
                       "jurisdiction": tree.jurisdictions["110101"].pk, "is_active": "on"})
    webhook.refresh_from_db()
    assert webhook.secret == ""

    with deliver():
        response = client.post(reverse("notify:webhook_test", kwargs={"pk": webhook.pk}))
    message = Message.objects.get(webhook=webhook)
    assert response.status_code == 302
    assert response.url == reverse("notify:message_detail", kwargs={"pk": message.pk})
    assert message.status == MessageStatus.SENT
    assert "东城区外办" not in robot_server.requests[0].json["text"]["content"]
    assert "工作群" in robot_server.requests[0].json["text"]["content"]
    detail = client.get(response.url)
    assert detail.status_code == 200


def test_robot_form_refuses_a_jurisdiction_outside_scope(tree):
    client = tree.client("district")
    response = client.post(reverse("notify:webhook_create"), {
        "name": "x", "kind": "wecom", "url": "https://qyapi.weixin.qq.com/x?key=1",
        "jurisdiction": tree.jurisdictions["110102"].pk, "is_active": "on"})
    assert response.status_code == 200 and response.context["form"].errors["jurisdiction"]
    assert not ChatWebhook.objects.exists()


def test_wecom_robot_form_refuses_a_secret(tree):
    response = tree.client("district").post(reverse("notify:webhook_create"), {
        "name": "x", "kind": "wecom", "url": "https://qyapi.weixin.qq.com/x?key=1",
        "secret": "SEC1", "jurisdiction": tree.jurisdictions["110101"].pk})
    assert response.status_code == 200 and response.context["form"].errors["secret"]
    assert not ChatWebhook.objects.exists()
