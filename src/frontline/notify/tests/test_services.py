"""The outbox: rows written in the caller's transaction, delivery, retries, backoff, idempotency."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.core.exceptions import ValidationError
from django.core.management import call_command
from django.db import transaction
from django.utils import timezone

from frontline.audit.models import ChangeLogEntry
from frontline.core.models import OutOfScope
from frontline.core.testing import snapshot_row
from frontline.notify import services
from frontline.notify.models import ChatWebhook, Message, MessageStatus, Notification
from frontline.notify.tasks import deliver_message
from frontline.notify.tests.factories import make_in_app, make_webhook

pytestmark = pytest.mark.django_db


def test_send_writes_a_pending_row_and_delivers_after_commit(tree, deliver):
    with deliver() as callbacks:
        message = make_in_app(tree, "street", "110101001", title="新的入境人员", body="请查收",
                              url="/arrivals/1/")
        row = Message.objects.get(pk=message.pk)
        assert row.status == MessageStatus.PENDING and row.attempts == 0
        assert not Notification.objects.exists()  # nothing leaves before the commit
    assert len(callbacks) == 1
    row.refresh_from_db()
    assert row.status == MessageStatus.SENT
    assert row.attempts == 1 and row.sent_at is not None and row.next_attempt_at is None
    notification = Notification.objects.get()
    assert (notification.user, notification.title, notification.body, notification.url) == (
        tree.users["street"], "新的入境人员", "请查收", "/arrivals/1/")
    assert notification.message_id == row.pk


def test_a_rolled_back_workflow_sends_nothing(tree, deliver):
    with deliver() as callbacks:
        with pytest.raises(RuntimeError), transaction.atomic():
            make_in_app(tree, "street", "110101001")
            raise RuntimeError("the calling workflow failed")
    assert callbacks == []
    assert not Message.objects.exists() and not Notification.objects.exists()


def test_same_dedupe_key_sends_once(tree, deliver):
    with deliver():
        first = make_in_app(tree, "street", "110101001", dedupe_key="arrival:7:created")
        second = make_in_app(tree, "street", "110101001", dedupe_key="arrival:7:created")
    assert first.pk == second.pk
    assert Message.objects.count() == 1 and Notification.objects.count() == 1


def test_delivery_is_idempotent(tree, deliver):
    with deliver():
        message = make_in_app(tree, "street", "110101001")
    # A worker retried after a crash runs the same task again, twice.
    deliver_message.call(message.pk)
    services.message_deliver(message.pk)
    message.refresh_from_db()
    assert Notification.objects.filter(user=tree.users["street"]).count() == 1
    assert message.status == MessageStatus.SENT and message.attempts == 1


def test_a_message_claimed_by_another_worker_is_left_alone_until_the_claim_expires(tree,
                                                                                   robot_server):
    webhook = make_webhook(tree, "110101", url=robot_server.url())
    message = services.notify_chat_group(actor=tree.users["district"], webhook=webhook,
                                         text="hello", jurisdiction_code="110101")
    Message.objects.filter(pk=message.pk).update(
        status=MessageStatus.SENDING, next_attempt_at=timezone.now() + timedelta(minutes=1))
    services.message_deliver(message.pk)
    assert robot_server.requests == []
    Message.objects.filter(pk=message.pk).update(
        next_attempt_at=timezone.now() - timedelta(seconds=1))
    services.message_deliver(message.pk)
    message.refresh_from_db()
    assert len(robot_server.requests) == 1 and message.status == MessageStatus.SENT


def test_notify_users_skips_users_without_address_and_inactive_users(tree, deliver):
    street, street2, community = (tree.users[u] for u in ("street", "street2", "community"))
    street.email = "street@dongcheng.example"
    street.save(update_fields=["email"])
    community.is_active = False
    community.save(update_fields=["is_active"])
    with deliver():
        sent = services.notify_users(
            actor=tree.users["district"], users=[street, street2, community, street],
            title="日报提醒", body="请在12:00前确认", channels=("in_app", "email"),
            jurisdiction_code="110101")
    assert sorted((m.channel, m.recipient.username) for m in sent) == [
        ("email", "street"), ("in_app", "street"), ("in_app", "street2")]
    assert set(Notification.objects.values_list("user__username", flat=True)) == {
        "street", "street2"}


@pytest.mark.parametrize("kwargs", [
    {"channel": "email"},  # no address and the recipient has none
    {"channel": "in_app", "recipient": None},
    {"channel": "chat_webhook"},  # no robot
    {"channel": "in_app", "url": "javascript:alert(1)"},
    {"channel": "in_app", "url": "//evil.example/"},
    {"channel": "in_app", "jurisdiction_code": ""},
    {"channel": "in_app", "subject": "", "body": " "},
])
def test_invalid_messages_are_refused(tree, kwargs):
    data = {"actor": tree.users["district"], "recipient": tree.users["street"],
            "subject": "s", "body": "b", "jurisdiction_code": "110101", **kwargs}
    with pytest.raises(ValidationError):
        services.message_send(**data)
    assert not Message.objects.exists()


def test_backoff_doubles_and_is_capped(settings):
    settings.NOTIFY_BACKOFF_SECONDS = 30
    assert [services.backoff_delay(n).total_seconds() for n in (1, 2, 3, 4)] == [30, 60, 120,
                                                                                  240]
    assert services.backoff_delay(40).total_seconds() == 3600


def _overdue(message):
    Message.objects.filter(pk=message.pk).update(
        next_attempt_at=timezone.now() - timedelta(seconds=1))


def test_failures_retry_with_backoff_then_give_up(tree, robot_server, settings, deliver):
    settings.NOTIFY_BACKOFF_SECONDS = 10
    settings.NOTIFY_MAX_ATTEMPTS = 3
    robot_server.status, robot_server.reply = 500, {"error": "busy"}
    webhook = make_webhook(tree, "110101", url=robot_server.url())
    with deliver():
        message = services.notify_chat_group(actor=tree.users["district"], webhook=webhook,
                                             text="会议通知", jurisdiction_code="110101")
    message.refresh_from_db()
    assert len(robot_server.requests) == 1  # the immediate backend did not retry in-line
    assert message.status == MessageStatus.FAILED and message.attempts == 1
    assert "HTTP 500" in message.last_error
    wait = (message.next_attempt_at - timezone.now()).total_seconds()
    assert 8 < wait <= 10

    services.message_deliver(message.pk)  # not due yet: nothing happens
    assert len(robot_server.requests) == 1

    _overdue(message)
    services.message_deliver(message.pk)
    message.refresh_from_db()
    assert message.status == MessageStatus.FAILED and message.attempts == 2
    assert 18 < (message.next_attempt_at - timezone.now()).total_seconds() <= 20

    _overdue(message)
    services.message_deliver(message.pk)
    message.refresh_from_db()
    assert message.status == MessageStatus.DEAD and message.attempts == 3
    assert message.next_attempt_at is None

    _overdue(message)
    services.message_deliver(message.pk)  # given up: never sent again by itself
    assert len(robot_server.requests) == 3


def test_retry_is_deferred_with_run_after_on_a_backend_that_can_wait(tree, robot_server,
                                                                   settings, deliver):
    from django_tasks_db.models import DBTaskResult

    settings.TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}
    robot_server.reply = {"errcode": 310000, "errmsg": "sign not match"}
    webhook = make_webhook(tree, "110101", url=robot_server.url())
    with deliver():
        message = services.notify_chat_group(actor=tree.users["district"], webhook=webhook,
                                             text="hello", jurisdiction_code="110101")
    queued = DBTaskResult.objects.get()
    assert queued.task_path == "frontline.notify.tasks.deliver_message"
    assert queued.args_kwargs == {"args": [message.pk], "kwargs": {}}
    assert robot_server.requests == []  # the worker, not the web request, delivers

    with deliver():
        services.message_deliver(message.pk)  # what the worker runs
    message.refresh_from_db()
    assert message.status == MessageStatus.FAILED and "310000" in message.last_error
    retry = DBTaskResult.objects.exclude(pk=queued.pk).get()
    assert retry.run_after == message.next_attempt_at
    assert retry.args_kwargs == {"args": [message.pk], "kwargs": {}}


def test_retry_due_command_takes_up_overdue_messages(tree, robot_server, settings, deliver):
    robot_server.status = 503
    webhook = make_webhook(tree, "110101", url=robot_server.url())
    with deliver():
        failed = services.notify_chat_group(actor=tree.users["district"], webhook=webhook,
                                            text="one", jurisdiction_code="110101")
    stalled = services.notify_chat_group(actor=tree.users["district"], webhook=webhook,
                                         text="two", jurisdiction_code="110101")
    Message.objects.filter(pk=stalled.pk).update(  # a worker died while sending it
        status=MessageStatus.SENDING, next_attempt_at=timezone.now() - timedelta(minutes=5))
    waiting = services.notify_chat_group(actor=tree.users["district"], webhook=webhook,
                                         text="three", jurisdiction_code="110101")
    Message.objects.filter(pk=failed.pk).update(
        next_attempt_at=timezone.now() - timedelta(minutes=5))
    robot_server.status = 200

    with deliver():
        call_command("notify_retry_due", "--grace", "60")
    statuses = dict(Message.objects.values_list("pk", "status"))
    assert statuses == {failed.pk: "sent", stalled.pk: "sent", waiting.pk: "pending"}
    assert sorted(r.json["text"]["content"] for r in robot_server.requests) == ["one", "one", "two"]


def test_operator_retry_of_a_dead_message(tree, robot_server, settings, deliver):
    settings.NOTIFY_MAX_ATTEMPTS = 1
    robot_server.status = 500
    webhook = make_webhook(tree, "110101001", url=robot_server.url())
    with deliver():
        message = services.notify_chat_group(actor=tree.users["district"], webhook=webhook,
                                             text="x", jurisdiction_code="110101001")
    message.refresh_from_db()
    assert message.status == MessageStatus.DEAD

    robot_server.status = 200
    with deliver():
        services.message_retry(actor=tree.users["district"], message=message)
    message.refresh_from_db()
    assert message.status == MessageStatus.SENT and message.attempts == 2
    entry = ChangeLogEntry.objects.get(event="notify.retry")
    assert entry.jurisdiction_code == "110101001" and entry.after["status"] == "pending"

    with pytest.raises(ValidationError):
        services.message_retry(actor=tree.users["district"], message=message)


def test_operator_retry_outside_scope_is_404_and_changes_nothing(tree, settings, robot_server,
                                                                deliver):
    settings.NOTIFY_MAX_ATTEMPTS = 1
    robot_server.status = 500
    webhook = make_webhook(tree, "110102", url=robot_server.url())
    with deliver():
        message = services.notify_chat_group(actor=tree.users["city"], webhook=webhook,
                                             text="x", jurisdiction_code="110102")
    before = snapshot_row(message)
    for username in ("district", "street"):
        with pytest.raises(OutOfScope):
            services.message_retry(actor=tree.users[username], message=message)
    assert snapshot_row(message) == before


# -- robots --------------------------------------------------------------------------------

def test_webhook_create_is_audited_without_its_credentials(tree):
    webhook = services.webhook_create(
        actor=tree.users["district"], name="区外办工作群", kind="dingtalk",
        url="https://oapi.dingtalk.com/robot/send?access_token=abcdef123456", secret="SECxyz789",
        jurisdiction=tree.jurisdictions["110101"], is_active=True)
    assert webhook.jurisdiction_code == "110101"
    entry = ChangeLogEntry.objects.get(object_type="notify.chatwebhook")
    text = str(entry.after)
    assert "abcdef123456" not in text and "SECxyz789" not in text
    assert entry.after["url"] == "https://oapi.dingtalk.com/robot/send?access_token=abcd…"


def test_webhook_outside_scope_cannot_be_created_or_moved(tree):
    with pytest.raises(OutOfScope):
        services.webhook_create(actor=tree.users["district_west"], name="x", kind="wecom",
                                url="https://qyapi.weixin.qq.com/x?key=1",
                                jurisdiction=tree.jurisdictions["110101"])
    with pytest.raises(OutOfScope):  # street staff do not configure
        services.webhook_create(actor=tree.users["street"], name="x", kind="wecom",
                                url="https://qyapi.weixin.qq.com/x?key=1",
                                jurisdiction=tree.jurisdictions["110101001"])
    assert not Message.objects.exists()
    webhook = make_webhook(tree, "110101001")
    before = snapshot_row(webhook)
    with pytest.raises(OutOfScope):
        services.webhook_update(actor=tree.users["district"], webhook=webhook,
                                jurisdiction=tree.jurisdictions["110102"])
    with pytest.raises(OutOfScope):
        services.webhook_update(actor=tree.users["district_west"], webhook=webhook, name="y")
    assert snapshot_row(webhook) == before


def test_only_dingtalk_robots_keep_a_secret(tree):
    with pytest.raises(ValidationError):
        make_webhook(tree, "110101", kind="wecom", secret="SEC123")
    webhook = make_webhook(tree, "110101", kind="dingtalk", secret="SEC123",
                           url="https://oapi.dingtalk.com/robot/send?access_token=t")
    webhook = services.webhook_update(actor=tree.users["district"], webhook=webhook,
                                      kind="wecom")
    assert webhook.secret == ""


def test_a_switched_off_robot_is_given_up_at_once(tree, robot_server, deliver):
    webhook = make_webhook(tree, "110101", url=robot_server.url())
    message = services.notify_chat_group(actor=tree.users["district"], webhook=webhook,
                                         text="x", jurisdiction_code="110101")
    services.webhook_update(actor=tree.users["district"], webhook=webhook, is_active=False)
    services.message_deliver(message.pk)
    message.refresh_from_db()
    assert message.status == MessageStatus.DEAD and robot_server.requests == []
    with pytest.raises(ValidationError):
        services.webhook_send_test(actor=tree.users["district"], webhook=webhook)


# -- notifications -------------------------------------------------------------------------

def test_marking_read_only_touches_own_notifications(tree, deliver):
    with deliver():
        mine = make_in_app(tree, "street", "110101001")
        make_in_app(tree, "street", "110101001", title="second")
        theirs = make_in_app(tree, "street2", "110101002")
    mine_n, theirs_n = mine.notification, theirs.notification
    with pytest.raises(OutOfScope):
        services.notification_mark_read(actor=tree.users["street"], notification=theirs_n)
    theirs_n.refresh_from_db()
    assert theirs_n.read_at is None
    read = services.notification_mark_read(actor=tree.users["street"], notification=mine_n)
    assert read.read_at is not None
    assert services.notification_mark_all_read(actor=tree.users["street"]) == 1
    theirs_n.refresh_from_db()
    assert theirs_n.read_at is None


def test_a_robot_address_must_be_http(tree):
    with pytest.raises(ValidationError):
        make_webhook(tree, "110101", url="ftp://files.example/robot")
    assert not ChatWebhook.objects.exists()
