"""E-mail over real SMTP: a local aiosmtpd server receives what Django's SMTP backend sends."""

from __future__ import annotations

import pytest

from frontline.notify import services
from frontline.notify.models import Message, MessageStatus

pytestmark = pytest.mark.django_db


def test_email_arrives_with_chinese_subject_and_body(tree, smtp_server, deliver, settings):
    settings.FRONTLINE_SITE_URL = "https://frontline.dongcheng.example"
    street = tree.users["street"]
    street.email = "dhm-jiedao@dongcheng.example"
    street.save(update_fields=["email"])
    with deliver():
        [message] = services.notify_users(
            actor=tree.users["district"], users=[street], title="入境人员名单已更新",
            body="东华门街道今日新增入境人员 3 名，请及时对接。", url="/arrivals/",
            channels=("email",), jurisdiction_code="110101001")
    message.refresh_from_db()
    assert message.status == MessageStatus.SENT, message.last_error
    [mail] = smtp_server.received
    assert mail.rcpt_tos == ["dhm-jiedao@dongcheng.example"]
    parsed = mail.message
    assert parsed["Subject"] == "入境人员名单已更新"
    assert parsed["From"] == "frontline@dongcheng.example"
    assert parsed["To"] == "dhm-jiedao@dongcheng.example"
    body = parsed.get_body().get_content()
    assert "东华门街道今日新增入境人员 3 名，请及时对接。" in body
    assert "https://frontline.dongcheng.example/arrivals/" in body


def test_email_to_a_server_that_is_down_fails_and_is_retried_later(tree, settings, deliver):
    from frontline.notify.tests.conftest import free_port

    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT, settings.EMAIL_TIMEOUT = "127.0.0.1", free_port(), 2
    with deliver():
        message = services.message_send(
            actor=tree.users["district"], channel="email", email="someone@dongcheng.example",
            subject="测试", body="正文", jurisdiction_code="110101")
    message = Message.objects.get(pk=message.pk)
    assert message.status == MessageStatus.FAILED and message.attempts == 1
    assert "refused" in message.last_error.lower()
    assert message.next_attempt_at is not None
