"""Fixtures of the notify tests: a real local HTTP server standing in for the group robots,
and a real local SMTP server."""

from __future__ import annotations

import json
import socket
import threading
import time
from dataclasses import dataclass, field
from email import message_from_bytes, policy
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest
from aiosmtpd.controller import Controller


@dataclass
class RobotRequest:
    path: str
    query: dict[str, list[str]]
    headers: dict[str, str]
    raw: bytes

    @property
    def json(self) -> Any:
        return json.loads(self.raw.decode("utf-8"))


@dataclass
class RobotServer:
    """Answers every POST with `status` and `reply` (JSON), after `delay` seconds."""

    host: str
    port: int
    requests: list[RobotRequest] = field(default_factory=list)
    status: int = 200
    reply: Any = field(default_factory=lambda: {"errcode": 0, "errmsg": "ok"})
    delay: float = 0.0
    headers: dict[str, str] = field(default_factory=dict)

    def url(self, path: str = "/cgi-bin/webhook/send?key=robot-key-1234") -> str:
        return f"http://{self.host}:{self.port}{path}"


@pytest.fixture
def robot_server(monkeypatch):
    for name in ("http_proxy", "HTTP_PROXY", "https_proxy", "HTTPS_PROXY", "all_proxy",
                 "ALL_PROXY"):
        monkeypatch.delenv(name, raising=False)
    state: dict[str, RobotServer] = {}

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self):  # noqa: N802 - the name http.server calls
            server = state["server"]
            length = int(self.headers.get("Content-Length") or 0)
            parts = urlsplit(self.path)
            server.requests.append(RobotRequest(
                path=parts.path, query=parse_qs(parts.query), headers=dict(self.headers),
                raw=self.rfile.read(length)))
            if server.delay:
                time.sleep(server.delay)
            body = (server.reply if isinstance(server.reply, bytes)
                    else json.dumps(server.reply).encode())
            try:
                self.send_response(server.status)
                for name, value in server.headers.items():
                    self.send_header(name, value)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)
            except OSError:  # the client gave up (timeout tests)
                pass

        def log_message(self, format, *args):  # keep the test output quiet
            pass

    httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    state["server"] = RobotServer(host="127.0.0.1", port=httpd.server_address[1])
    thread = threading.Thread(target=httpd.serve_forever, kwargs={"poll_interval": 0.05},
                              daemon=True)
    thread.start()
    yield state["server"]
    httpd.shutdown()
    httpd.server_close()


@dataclass
class ReceivedMail:
    mail_from: str
    rcpt_tos: list[str]
    content: bytes

    @property
    def message(self):
        return message_from_bytes(self.content, policy=policy.default)


class CollectingHandler:
    def __init__(self) -> None:
        self.received: list[ReceivedMail] = []

    async def handle_DATA(self, server, session, envelope):  # noqa: N802 - aiosmtpd's name
        self.received.append(ReceivedMail(envelope.mail_from, list(envelope.rcpt_tos),
                                          envelope.original_content or envelope.content))
        return "250 Message accepted for delivery"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.fixture
def smtp_server(settings):
    """A real SMTP server on 127.0.0.1; settings point Django's SMTP backend at it."""
    handler = CollectingHandler()
    controller = Controller(handler, hostname="127.0.0.1", port=free_port())
    controller.start()
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST = "127.0.0.1"
    settings.EMAIL_PORT = controller.port
    settings.EMAIL_HOST_USER = ""
    settings.EMAIL_HOST_PASSWORD = ""
    settings.EMAIL_USE_TLS = False
    settings.EMAIL_TIMEOUT = 5
    settings.DEFAULT_FROM_EMAIL = "frontline@dongcheng.example"
    yield handler
    controller.stop()


@pytest.fixture
def deliver(django_capture_on_commit_callbacks):
    """Run the code in the block, then its on-commit callbacks (enqueue → immediate delivery)."""
    return lambda: django_capture_on_commit_callbacks(execute=True)
