"""REST endpoints: own notifications, robots (credentials write-only) and the outbox."""

from __future__ import annotations

import pytest
from django.urls import reverse

from frontline.core.testing import snapshot_row
from frontline.notify.models import ChatWebhook, MessageStatus
from frontline.notify.tests.factories import make_in_app, make_webhook

pytestmark = pytest.mark.django_db


def test_notifications_are_own_only(tree, deliver):
    with deliver():
        mine = make_in_app(tree, "street", "110101001", title="mine")
        theirs = make_in_app(tree, "street2", "110101002", title="theirs")
    mine, theirs = mine.notification, theirs.notification
    client = tree.client("street")
    listed = client.get(reverse("api:notification-list")).json()
    assert [row["title"] for row in listed["results"]] == ["mine"]
    assert client.get(reverse("api:notification-detail", kwargs={"pk": theirs.pk})
                      ).status_code == 404
    before = snapshot_row(theirs)
    assert client.post(reverse("api:notification-read", kwargs={"pk": theirs.pk})
                       ).status_code == 404
    assert snapshot_row(theirs) == before

    assert client.get(reverse("api:notification-unread-count")).json() == {"unread": 1}
    response = client.post(reverse("api:notification-read", kwargs={"pk": mine.pk}))
    assert response.status_code == 200 and response.json()["is_read"] is True
    assert client.get(reverse("api:notification-list"), {"unread": "1"}).json()["count"] == 0
    assert client.post(reverse("api:notification-read-all")).json() == {"marked": 0}
    theirs.refresh_from_db()
    assert theirs.read_at is None


def test_robot_credentials_are_write_only(tree, robot_server, deliver):
    client = tree.client("district")
    url = robot_server.url("/robot/send?access_token=tok-abcdefgh")
    response = client.post(reverse("api:webhook-list"), {
        "name": "区外办群", "kind": "dingtalk", "url": url, "secret": "SECzzz",
        "jurisdiction": "110101001"}, content_type="application/json")
    assert response.status_code == 201, response.json()
    data = response.json()
    assert "url" not in data and "secret" not in data
    assert data["has_secret"] is True and "tok-abcdefgh" not in str(data)
    assert data["url_display"].endswith("access_token=tok-…")
    webhook = ChatWebhook.objects.get()
    assert (webhook.url, webhook.secret, webhook.jurisdiction_code) == (url, "SECzzz",
                                                                        "110101001")

    response = client.patch(reverse("api:webhook-detail", kwargs={"pk": webhook.pk}),
                            {"secret": ""}, content_type="application/json")
    assert response.status_code == 200 and response.json()["has_secret"] is False

    with deliver():
        response = client.post(reverse("api:webhook-test", kwargs={"pk": webhook.pk}))
        assert response.status_code == 201 and response.json()["status"] == "pending"
    assert len(robot_server.requests) == 1
    assert webhook.messages.get().status == MessageStatus.SENT


def test_robots_need_the_configure_action(tree):
    make_webhook(tree, "110101001")
    client = tree.client("street")
    assert client.get(reverse("api:webhook-list")).json()["results"] == []
    response = client.post(reverse("api:webhook-list"), {
        "name": "x", "kind": "wecom", "url": "https://qyapi.weixin.qq.com/x?key=1",
        "jurisdiction": "110101001"}, content_type="application/json")
    assert response.status_code == 400
    assert ChatWebhook.objects.count() == 1
    response = tree.client("district").post(reverse("api:webhook-list"), {
        "name": "x", "kind": "wecom", "url": "https://qyapi.weixin.qq.com/x?key=1",
        "jurisdiction": "110102"}, content_type="application/json")
    assert response.status_code == 400 and "jurisdiction" in response.json()


def test_outbox_api_lists_scope_and_retries(tree, robot_server, settings, deliver):
    settings.NOTIFY_MAX_ATTEMPTS = 1
    robot_server.status = 500
    webhook = make_webhook(tree, "110101", url=robot_server.url())
    from frontline.notify import services

    with deliver():
        message = services.notify_chat_group(actor=tree.users["district"], webhook=webhook,
                                             text="x", jurisdiction_code="110101")
    client = tree.client("district")
    listed = client.get(reverse("api:outbox-list"), {"status": "dead"}).json()
    assert [row["id"] for row in listed["results"]] == [message.pk]
    assert "HTTP 500" in listed["results"][0]["last_error"]
    assert tree.client("district_west").get(reverse("api:outbox-list")).json()["results"] == []
    assert tree.client("street").get(reverse("api:outbox-list")).json()["results"] == []

    robot_server.status = 200
    with deliver():
        response = client.post(reverse("api:outbox-retry", kwargs={"pk": message.pk}))
    assert response.status_code == 200
    message.refresh_from_db()
    assert message.status == MessageStatus.SENT
    response = client.post(reverse("api:outbox-retry", kwargs={"pk": message.pk}))
    assert response.status_code == 400
