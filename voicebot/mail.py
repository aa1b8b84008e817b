"""Sending e-mail: one SMTP conversation per message, with the settings from the environment
(VOICEBOT_SMTP_*). What to send and when to try again is the caller's business."""

from __future__ import annotations

import smtplib
from collections.abc import Mapping
from email.message import EmailMessage
from typing import Any


class MailNotSent(RuntimeError):
    """The message did not go out (no server set, the server down or refusing): try later."""


NOT_SET_UP = "no SMTP server is set up: set VOICEBOT_SMTP_HOST and VOICEBOT_SMTP_FROM"


def configured(config: Mapping[str, Any]) -> bool:
    return bool(config.get("SMTP_HOST") and config.get("SMTP_FROM"))


def sender(config: Mapping[str, Any]) -> str:
    if not configured(config):
        raise MailNotSent(NOT_SET_UP)
    return str(config["SMTP_FROM"])


def send(config: Mapping[str, Any], message: EmailMessage) -> None:
    """Hand `message` to the SMTP server; raises MailNotSent unless every recipient was taken."""
    sender(config)
    try:
        with smtplib.SMTP(str(config["SMTP_HOST"]), int(config["SMTP_PORT"]),
                          timeout=float(config["SMTP_TIMEOUT"])) as smtp:
            if config.get("SMTP_STARTTLS"):
                smtp.starttls()
            if config.get("SMTP_USER"):
                smtp.login(str(config["SMTP_USER"]), str(config.get("SMTP_PASSWORD") or ""))
            refused = smtp.send_message(message)
    except (OSError, smtplib.SMTPException) as exc:
        raise MailNotSent(f"{type(exc).__name__}: {exc}") from exc
    if refused:
        raise MailNotSent(f"the server refused {', '.join(sorted(refused))}")
