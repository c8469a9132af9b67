"""The two ways a message leaves: e-mail through SMTP, and a chat webhook.

The webhook body is ``{"text": ...}``: Slack's incoming webhooks accept it as is, and a
Teams channel takes it through a Workflows "when a webhook request is received" flow.
Failures become ``DeliveryError`` with a message fit for a log line; nothing is retried
here (the caller records the failure and decides).
"""

from __future__ import annotations

import json
import smtplib
import ssl
import urllib.error
import urllib.request
from dataclasses import dataclass
from email.message import EmailMessage
from enum import StrEnum

from kpi.notify.config import SmtpConfig

TIMEOUT_SECONDS = 20


class Channel(StrEnum):
    EMAIL = "email"
    WEBHOOK = "webhook"


class DeliveryError(Exception):
    """A message that could not be handed over (server down, refused, bad address)."""


@dataclass(frozen=True)
class Attachment:
    name: str
    data: bytes
    mime: str = "application/octet-stream"


@dataclass(frozen=True)
class Message:
    """One message to one recipient; ``text`` already holds the link back to the app."""

    channel: Channel
    recipient: str
    subject: str
    text: str
    attachment: Attachment | None = None


def channel_of(recipient: str) -> Channel:
    """A URL is a webhook, anything else an e-mail address."""
    lowered = recipient.strip().lower()
    return Channel.WEBHOOK if lowered.startswith(("http://", "https://")) else Channel.EMAIL


def check_address(recipient: str) -> str:
    """A plausible e-mail address or http(s) URL; raises ValueError naming it otherwise."""
    value = recipient.strip()
    if channel_of(value) is Channel.WEBHOOK:
        if " " in value:
            raise ValueError(f"{value!r} is not a valid webhook URL")
        return value
    local, at, domain = value.partition("@")
    if not (local and at and "." in domain and " " not in value):
        raise ValueError(f"{value!r} is neither an e-mail address nor an http(s) webhook URL")
    return value


def send(message: Message, smtp: SmtpConfig | None) -> None:
    if message.channel is Channel.WEBHOOK:
        post_webhook(message.recipient, _chat_text(message))
    else:
        if smtp is None:
            raise DeliveryError(
                "e-mail is not configured: set KPI_SMTP_HOST (see docs/outbound.md)"
            )
        send_email(smtp, message)


def _chat_text(message: Message) -> str:
    return f"*{message.subject}*\n{message.text}"


def send_email(config: SmtpConfig, message: Message) -> None:
    """One e-mail, with STARTTLS (verified against the system or the configured CA)."""
    mail = EmailMessage()
    subject = " ".join(message.subject.split())  # a line break would start a new header
    mail["From"], mail["To"], mail["Subject"] = config.sender, message.recipient, subject
    mail.set_content(message.text)
    if message.attachment is not None:
        main, _, sub = message.attachment.mime.partition("/")
        mail.add_attachment(
            message.attachment.data, maintype=main, subtype=sub, filename=message.attachment.name
        )
    try:
        with smtplib.SMTP(config.host, config.port, timeout=TIMEOUT_SECONDS) as client:
            if config.starttls:
                context = ssl.create_default_context(cafile=config.ca_file or None)
                client.starttls(context=context)
            if config.user:
                client.login(config.user, config.password)
            client.send_message(mail)
    except (OSError, ValueError, smtplib.SMTPException) as exc:
        raise DeliveryError(f"SMTP {config.host}:{config.port}: {exc}") from None


def post_webhook(url: str, text: str) -> None:
    """POST ``{"text": text}`` as JSON; any answer other than 2xx is a DeliveryError."""
    body = json.dumps({"text": text}).encode("utf-8")
    request = urllib.request.Request(
        url, data=body, method="POST", headers={"Content-Type": "application/json"}
    )
    try:
        with urllib.request.urlopen(request, timeout=TIMEOUT_SECONDS) as answer:
            status = answer.status
    except urllib.error.HTTPError as exc:
        raise DeliveryError(f"webhook {url}: HTTP {exc.code} {exc.reason}") from None
    except (OSError, ValueError) as exc:
        raise DeliveryError(f"webhook {url}: {exc}") from None
    if not 200 <= status < 300:
        raise DeliveryError(f"webhook {url}: HTTP {status}")
