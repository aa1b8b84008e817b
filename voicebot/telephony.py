"""Everything voicebot sends to Twilio: SMS, calls and recording downloads.

All REST traffic goes through the real `twilio` Client, whose HTTP layer is rebased onto
`TWILIO_API_URL`, so a Twilio-compatible provider or a local test double can stand in.
In dry-run mode nothing leaves the machine: messages are stored and logged as "dry-run".
"""

from __future__ import annotations

import logging
from typing import Any, cast
from urllib.parse import urlsplit, urlunsplit

from flask import Flask, current_app
from sqlalchemy import CursorResult, select, update
from sqlalchemy.orm import Session
from twilio.base.exceptions import TwilioException, TwilioRestException
from twilio.http.http_client import TwilioHttpClient
from twilio.http.response import Response
from twilio.rest import Client

from voicebot.models import Message, utcnow
from voicebot.phones import mask

log = logging.getLogger("voicebot.telephony")


class RebasingHttpClient(TwilioHttpClient):
    """Sends requests meant for `*.twilio.com` to the configured base URL instead."""

    def __init__(self, base_url: str, timeout: float = 15.0) -> None:
        super().__init__(timeout=timeout)
        parts = urlsplit(base_url)
        self.scheme, self.netloc, self.prefix = parts.scheme, parts.netloc, parts.path.rstrip("/")

    def rebase(self, url: str) -> str:
        parts = urlsplit(url)
        if not parts.netloc.endswith("twilio.com"):
            return url
        return urlunsplit((self.scheme, self.netloc, self.prefix + parts.path, parts.query, ""))

    def request(self, method: str, url: str, *args: Any, **kwargs: Any) -> Response:
        return super().request(method, self.rebase(url), *args, **kwargs)


class Telephony:
    def __init__(self, *, account_sid: str, auth_token: str, api_url: str, dry_run: bool) -> None:
        self.account_sid = account_sid
        self.dry_run = dry_run
        self.http = RebasingHttpClient(api_url)
        self.client = Client(account_sid, auth_token, http_client=self.http)

    def queue_sms(
        self,
        session: Session,
        *,
        to: str,
        from_: str,
        body: str,
        purpose: str,
        flow_id: str,
        call_id: int | None,
        dedupe_key: str,
    ) -> Message:
        """Store an outbound SMS once per `dedupe_key`; it is sent by `deliver` after commit."""
        existing = session.scalar(select(Message).where(Message.dedupe_key == dedupe_key))
        if existing is not None:
            return existing
        message = Message(
            direction="out", purpose=purpose, flow_id=flow_id, to_number=to, from_number=from_,
            body=body, call_id=call_id, dedupe_key=dedupe_key, status="pending",
        )
        session.add(message)
        session.flush()
        return message

    def deliver(
        self, session: Session, message_ids: list[int], status_callback: str | None
    ) -> None:
        """Send pending messages. Each is claimed with a conditional update first, so two
        workers replaying the same webhook can never both send it."""
        for message_id in message_ids:
            result = session.execute(
                update(Message)
                .where(Message.id == message_id, Message.status == "pending")
                .values(status="sending", updated_at=utcnow())
            )
            claimed = cast(CursorResult[Any], result).rowcount
            session.commit()
            if not claimed:
                continue
            message = session.get(Message, message_id)
            assert message is not None
            self._send(message, status_callback)
            session.commit()

    def _send(self, message: Message, status_callback: str | None) -> None:
        if self.dry_run:
            message.status = "dry-run"
            log.info("dry-run SMS to %s: %s", mask(message.to_number), message.body)
            return
        try:
            sent = self.client.messages.create(
                to=message.to_number, from_=message.from_number, body=message.body,
                **({"status_callback": status_callback} if status_callback else {}),
            )
        except (TwilioRestException, TwilioException, OSError) as exc:
            message.status = "failed"
            message.error = str(exc)[:2000]
            log.error("SMS to %s failed: %s", mask(message.to_number), exc)
            return
        message.sid = sent.sid
        message.status = sent.status or "queued"
        log.info("SMS %s to %s: %s", sent.sid, mask(message.to_number), message.status)


def init_app(app: Flask) -> None:
    cfg = app.config
    app.extensions["voicebot.telephony"] = Telephony(
        account_sid=cfg["TWILIO_ACCOUNT_SID"], auth_token=cfg["TWILIO_AUTH_TOKEN"],
        api_url=cfg["TWILIO_API_URL"], dry_run=cfg["DRY_RUN"],
    )
    if cfg["DRY_RUN"]:
        app.logger.info("telephony is in dry-run mode: SMS and calls are stored, not sent")


def telephony(app: Flask | None = None) -> Telephony:
    t: Telephony = (app or current_app).extensions["voicebot.telephony"]
    return t
