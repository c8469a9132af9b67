"""Real local receivers for outbound tests: an aiosmtpd SMTP server and an HTTP server.

Nothing is mocked: messages go over TCP on 127.0.0.1 to servers running in this process.
"""

from __future__ import annotations

import email
import json
import socket
import ssl
import subprocess
import threading
from dataclasses import dataclass, field
from email import policy
from email.message import Message as MailMessage
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest
from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult, LoginPassword

from kpi.notify.config import Outbound, SmtpConfig

USER, PASSWORD = "mailer", "s3cret-pass"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@dataclass
class Inbox:
    """What the SMTP server received, parsed; ``logins`` holds the accepted user names."""

    mails: list[MailMessage] = field(default_factory=list)
    rcpts: list[list[str]] = field(default_factory=list)
    logins: list[str] = field(default_factory=list)

    async def handle_DATA(self, server, session, envelope):  # noqa: N802 (aiosmtpd's name)
        self.mails.append(email.message_from_bytes(envelope.content, policy=policy.default))
        self.rcpts.append(list(envelope.rcpt_tos))
        return "250 OK"

    def authenticate(self, server, session, envelope, mechanism, auth_data):
        ok = isinstance(auth_data, LoginPassword) and (
            auth_data.login.decode(), auth_data.password.decode()) == (USER, PASSWORD)  # fmt: skip
        if ok:
            self.logins.append(USER)
        return AuthResult(success=ok)


def body(mail: MailMessage) -> str:
    """The text part of a received e-mail, decoded."""
    return mail.get_body(("plain",)).get_content()


@pytest.fixture
def smtp_inbox():
    """A plain SMTP server (no TLS, no login) and the Outbound settings that reach it."""
    inbox = Inbox()
    port = free_port()
    controller = Controller(inbox, hostname="127.0.0.1", port=port)
    controller.start()
    config = SmtpConfig("127.0.0.1", port, starttls=False, sender="kpi@example.com")
    yield inbox, Outbound(config, "http://kpi.example:8501")
    controller.stop()


def self_signed(folder: Path) -> tuple[Path, Path]:
    cert, key = folder / "cert.pem", folder / "key.pem"
    subprocess.run(
        ["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1",
         "-subj", "/CN=127.0.0.1", "-addext", "subjectAltName=IP:127.0.0.1",
         "-keyout", str(key), "-out", str(cert)],
        check=True, capture_output=True,
    )  # fmt: skip
    return cert, key


@pytest.fixture
def tls_smtp_inbox(tmp_path: Path):
    """An SMTP server that requires STARTTLS and a login; settings trust its certificate."""
    cert, key = self_signed(tmp_path)
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    context.load_cert_chain(cert, key)
    inbox = Inbox()
    port = free_port()
    controller = Controller(
        inbox, hostname="127.0.0.1", port=port, tls_context=context, require_starttls=True,
        auth_required=True, authenticator=inbox.authenticate,
    )  # fmt: skip
    controller.start()
    config = SmtpConfig("127.0.0.1", port, True, USER, PASSWORD, "kpi@example.com", str(cert))
    yield inbox, config
    controller.stop()


@dataclass
class Hooks:
    """What the HTTP receiver got (parsed JSON bodies) and the status it answers with."""

    bodies: list[dict] = field(default_factory=list)
    status: int = 200
    url: str = ""


@pytest.fixture
def webhook():
    hooks = Hooks()

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self):  # noqa: N802 (http.server's name)
            length = int(self.headers.get("Content-Length", 0))
            hooks.bodies.append(json.loads(self.rfile.read(length)))
            self.send_response(hooks.status)
            self.end_headers()
            self.wfile.write(b"ok")

        def log_message(self, *args):  # keep test output quiet
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    hooks.url = f"http://127.0.0.1:{server.server_address[1]}/hook"
    yield hooks
    server.shutdown()
    server.server_close()
