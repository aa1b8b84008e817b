"""Everything voicebot sends to Twilio: SMS, calls and recording downloads.

All REST traffic goes through the real `twilio` Client, whose HTTP layer is rebased onto
`TWILIO_API_URL`, so a Twilio-compatible provider or a local test double can stand in.
In dry-run mode nothing leaves the machine: messages are stored and logged as "dry-run".
"""

from __future__ import annotations

import logging
import re
from typing import Any, cast
from urllib.parse import urlsplit, urlunsplit

import requests
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

TWILIO_API_HOST = "api.twilio.com"
_RECORDING_PATH = re.compile(
    r"/2010-04-01/Accounts/(?P<account>AC[0-9a-fA-F]{32})/Recordings/(?P<sid>RE[0-9a-fA-F]{32})"
    r"(?:\.wav|\.mp3|\.json)?"
)
FETCH_TIMEOUT = 20.0
MAX_RECORDING_BYTES = 64 * 1024 * 1024
"""An hour of Twilio's 8 kHz 16-bit WAV is 58 MB; anything larger is not a voicemail."""
TRANSIENT = frozenset({404, 408, 409, 425, 429})
"""Answers worth trying again, with every 5xx: Twilio posts the callback before the media
is always there (404), and throttles (429)."""


class RecordingRefused(ValueError):
    """A recording URL we will not fetch: another host or another account's recording."""


class RecordingNotReady(RuntimeError):
    """Twilio has not got the recording ready, or could not be reached: try again later."""


class RecordingFetchFailed(RuntimeError):
    """Twilio answered in a way trying again will not change (credentials, a deleted recording)."""


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
        self.api_url = api_url.rstrip("/")
        self._credentials = (account_sid, auth_token)
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


    # -- recordings ---------------------------------------------------------------------
    def recording_media_url(self, recording_url: str, recording_sid: str) -> str:
        """The WAV URL to fetch for a recording Twilio reported, on the configured API.

        The URL in a webhook is only read, never fetched as given: a signed request is no
        licence to make the server fetch arbitrary URLs. It must name a recording of our
        account, on Twilio's API host or the configured one; anything else is refused.
        """
        parts = urlsplit(recording_url)
        base = urlsplit(self.api_url)
        prefix = base.path.rstrip("/")
        path = parts.path
        on_twilio = parts.scheme == "https" and parts.hostname == TWILIO_API_HOST
        on_base = (parts.scheme, parts.netloc) == (base.scheme, base.netloc) \
            and path.startswith(prefix + "/")
        if not (on_twilio or on_base) or parts.username or parts.password:
            raise RecordingRefused(
                f"refused to fetch {recording_url!r}: not on the Twilio API host "
                f"({TWILIO_API_HOST} or the configured {self.api_url})")
        if on_base and not on_twilio:
            path = path[len(prefix):]
        found = _RECORDING_PATH.fullmatch(path)
        if found is None or parts.query or parts.fragment:
            raise RecordingRefused(f"refused to fetch {recording_url!r}: not a recording's URL")
        if found["account"] != self.account_sid:
            raise RecordingRefused(f"refused to fetch {recording_url!r}: a recording of another "
                                   f"Twilio account ({found['account']})")
        if found["sid"] != recording_sid:
            raise RecordingRefused(f"refused to fetch {recording_url!r}: it names recording "
                                   f"{found['sid']}, the callback {recording_sid}")
        return f"{self.api_url}/2010-04-01/Accounts/{self.account_sid}/Recordings/{recording_sid}.wav"

    def fetch_recording(self, media_url: str) -> bytes:
        """The recording's audio. Redirects are followed: they come from Twilio itself, which
        serves media from its storage; credentials are not sent on to another host."""
        try:
            with requests.get(media_url, auth=self._credentials, timeout=FETCH_TIMEOUT,
                              stream=True) as answer:
                if answer.status_code in TRANSIENT or answer.status_code >= 500:
                    raise RecordingNotReady(f"Twilio answered HTTP {answer.status_code}")
                if answer.status_code != 200:
                    raise RecordingFetchFailed(f"Twilio answered HTTP {answer.status_code}: "
                                               f"{answer.text[:200]}")
                data = bytearray()
                for chunk in answer.iter_content(64 * 1024):
                    data += chunk
                    if len(data) > MAX_RECORDING_BYTES:
                        raise RecordingFetchFailed(
                            f"the recording is larger than {MAX_RECORDING_BYTES} bytes")
                return bytes(data)
        except requests.RequestException as exc:  # timeouts, refused connections, cut transfers
            raise RecordingNotReady(f"Twilio could not be reached: {exc}") from None


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
