"""Chat-group robots over real HTTP: a local server records what WeCom and DingTalk would get."""

from __future__ import annotations

import base64
import hashlib
import hmac
import time

import pytest

from frontline.notify import services
from frontline.notify.models import MessageStatus
from frontline.notify.tests.factories import make_webhook

pytestmark = pytest.mark.django_db


def _post(tree, webhook, deliver, **kwargs):
    with deliver():
        message = services.notify_chat_group(actor=tree.users["district"], webhook=webhook,
                                             jurisdiction_code="110101", **kwargs)
    message.refresh_from_db()
    return message


def test_wecom_text(tree, robot_server, deliver, settings):
    settings.FRONTLINE_SITE_URL = "https://frontline.dongcheng.example"
    webhook = make_webhook(tree, "110101", url=robot_server.url())
    message = _post(tree, webhook, deliver, title="今日例会", text="14:00 在区外办三楼会议室",
                    url="/incidents/3/")
    assert message.status == MessageStatus.SENT
    [request] = robot_server.requests
    assert request.path == "/cgi-bin/webhook/send"
    assert request.query == {"key": ["robot-key-1234"]}
    assert request.headers["Content-Type"] == "application/json; charset=utf-8"
    assert request.json == {"msgtype": "text", "text": {
        "content": "今日例会\n14:00 在区外办三楼会议室\n"
                   "https://frontline.dongcheng.example/incidents/3/"}}
    assert "今日例会".encode() in request.raw  # UTF-8 JSON, not \u escapes


def test_wecom_markdown(tree, robot_server, deliver):
    webhook = make_webhook(tree, "110101", url=robot_server.url())
    _post(tree, webhook, deliver, title="新增入境人员", text="东华门街道 **3** 人",
          markdown=True)
    assert robot_server.requests[0].json == {"msgtype": "markdown", "markdown": {
        "content": "### 新增入境人员\n\n东华门街道 **3** 人"}}


def test_dingtalk_text_unsigned(tree, robot_server, deliver):
    webhook = make_webhook(tree, "110101", kind="dingtalk",
                           url=robot_server.url("/robot/send?access_token=tok-5678"))
    _post(tree, webhook, deliver, text="请各街道于12:00前确认日报")
    [request] = robot_server.requests
    assert request.path == "/robot/send"
    assert request.query == {"access_token": ["tok-5678"]}
    assert request.json == {"msgtype": "text", "text": {"content": "请各街道于12:00前确认日报"}}


def test_dingtalk_signed_robot_gets_timestamp_and_signature(tree, robot_server, deliver):
    secret = "SEC0123456789abcdef"
    webhook = make_webhook(tree, "110101", kind="dingtalk", secret=secret,
                           url=robot_server.url("/robot/send?access_token=tok-5678"))
    before = int(time.time() * 1000)
    message = _post(tree, webhook, deliver, title="通知", text="正文", markdown=True)
    after = int(time.time() * 1000)
    assert message.status == MessageStatus.SENT
    [request] = robot_server.requests
    assert request.query["access_token"] == ["tok-5678"]
    [timestamp] = request.query["timestamp"]
    [sign] = request.query["sign"]  # parse_qs has undone the URL encoding
    assert before <= int(timestamp) <= after
    expected = base64.b64encode(hmac.new(secret.encode(), f"{timestamp}\n{secret}".encode(),
                                         hashlib.sha256).digest()).decode()
    assert sign == expected
    assert request.json == {"msgtype": "markdown",
                            "markdown": {"title": "通知", "text": "### 通知\n\n正文"}}


def test_signature_is_url_encoded():
    url = services.dingtalk_signed_url("https://oapi.dingtalk.com/robot/send?access_token=t",
                                       "SECabc", timestamp_ms=1700000000000)
    digest = base64.b64encode(hmac.new(b"SECabc", b"1700000000000\nSECabc",
                                       hashlib.sha256).digest()).decode()
    encoded = digest.replace("+", "%2B").replace("/", "%2F").replace("=", "%3D")
    assert url == ("https://oapi.dingtalk.com/robot/send?access_token=t"
                   f"&timestamp=1700000000000&sign={encoded}")


@pytest.mark.parametrize(("status", "reply", "error"), [
    (500, {"errcode": -1, "errmsg": "system busy"}, "HTTP 500"),
    (200, {"errcode": 310000, "errmsg": "keywords not in content"}, "errcode 310000"),
    (200, {"errcode": 93000, "errmsg": "invalid webhook url"}, "errcode 93000"),
    (302, {}, "HTTP 302"),
])
def test_robot_failures_are_recorded(tree, robot_server, deliver, status, reply, error):
    robot_server.status, robot_server.reply = status, reply
    robot_server.headers = {"Location": robot_server.url("/elsewhere")} if status == 302 else {}
    webhook = make_webhook(tree, "110101", url=robot_server.url())
    message = _post(tree, webhook, deliver, text="x")
    assert message.status == MessageStatus.FAILED and message.attempts == 1
    assert error in message.last_error
    assert len(robot_server.requests) == 1  # a redirect is not followed


def test_a_2xx_answer_that_is_not_json_is_accepted(tree, robot_server, deliver):
    robot_server.reply = b"ok"
    webhook = make_webhook(tree, "110101", url=robot_server.url())
    assert _post(tree, webhook, deliver, text="x").status == MessageStatus.SENT


def test_timeout_and_refused_connections_fail(tree, robot_server, deliver, settings):
    settings.NOTIFY_WEBHOOK_TIMEOUT = 0.2
    robot_server.delay = 0.5
    webhook = make_webhook(tree, "110101", url=robot_server.url())
    message = _post(tree, webhook, deliver, text="slow")
    assert message.status == MessageStatus.FAILED
    assert "timed out" in message.last_error.lower()

    from frontline.notify.tests.conftest import free_port

    closed = make_webhook(tree, "110101", url=f"http://127.0.0.1:{free_port()}/send?key=k")
    message = _post(tree, closed, deliver, text="nobody listens")
    assert message.status == MessageStatus.FAILED
    assert "refused" in message.last_error.lower()
