"""Everything voicebot sends to Twilio: SMS, calls and recording downloads.

Outbound SMS and calls are written to the database before they are sent (`Message`,
`Dial`), then claimed with a conditional update and sent: the row is the outbox. A process
that dies between claiming and sending leaves a row in `sending`/`dialing`; the worker's
sweep asks Twilio whether it went out before sending it again, so nothing is sent twice.

All REST traffic goes through the real `twilio` Client, whose HTTP layer is rebased onto
`TWILIO_API_URL`, so a Twilio-compatible provider or a local test double can stand in.
In dry-run mode nothing leaves the machine: messages are stored and logged as "dry-run".
"""

from __future__ import annotations

import datetime as dt
import logging
import re
import threading
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from typing import Any, TypeVar
from urllib.parse import urlsplit, urlunsplit

import requests
from flask import Flask, current_app
from sqlalchemy import select, update
from sqlalchemy.orm import Session
from twilio.base.exceptions import TwilioException, TwilioRestException
from twilio.http.http_client import TwilioHttpClient
from twilio.http.response import Response
from twilio.rest import Client

from voicebot import db
from voicebot.models import Dial, Message, utcnow
from voicebot.phones import mask

log = logging.getLogger("voicebot.telephony")
T = TypeVar("T")

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


# -- where Twilio calls us back ----------------------------------------------------------
class NoPublicUrl(RuntimeError):
    """Live telephony needs VOICEBOT_PUBLIC_URL for what Twilio fetches on its own."""


def public_url(app: Flask, endpoint: str, **values: Any) -> str:
    base = app.config.get("PUBLIC_URL")
    if not base:
        raise NoPublicUrl("VOICEBOT_PUBLIC_URL is not set: Twilio needs a public URL to reach "
                          f"{endpoint} (the ngrok or proxy URL the console points at)")
    path: str = app.url_map.bind("localhost").build(endpoint, values)
    return str(base).rstrip("/") + path


def public_url_or_none(app: Flask, endpoint: str, **values: Any) -> str | None:
    """For optional callbacks (delivery status): without a public URL we go without."""
    try:
        return public_url(app, endpoint, **values)
    except NoPublicUrl:
        return None


class RecordingRefused(ValueError):
    """A recording URL we will not fetch: another host or another account's recording."""


class RecordingNotReady(RuntimeError):
    """Twilio has not got the recording ready, or could not be reached: try again later."""


class RecordingFetchFailed(RuntimeError):
    """Twilio answered in a way trying again will not change (credentials, a deleted recording)."""


FINAL_CALL_STATUSES = frozenset({"completed", "busy", "failed", "no-answer", "canceled"})
CALL_ORDER = {"pending": 0, "dialing": 1, "queued": 2, "initiated": 3, "ringing": 4,
              "in-progress": 5, **{s: 6 for s in FINAL_CALL_STATUSES}, "dry-run": 6}
"""Call statuses only move forward: a late 'ringing' must not reopen a 'completed' call."""
TWILIO_ERRORS = (TwilioRestException, TwilioException, OSError)
UNSUBSCRIBED = 21610
"""Twilio's refusal to text a number that is unsubscribed from ours (it replied STOP to it)."""
Refused = Callable[[Session, Message, str, dt.datetime], None]
"""What is done, in the sending transaction, with an SMS Twilio refused, given its error code."""


def refused(exc: BaseException) -> bool:
    """Twilio answered no (a 4xx): nothing was created. A timeout, a dropped connection or a
    5xx leaves it unknown whether Twilio acted on the request."""
    return isinstance(exc, TwilioRestException) and 400 <= (exc.status or 0) < 500


def forward(current: str, new: str, order: dict[str, int]) -> str:
    return new if order.get(new, 0) >= order.get(current, 0) else current


class RebasingHttpClient(TwilioHttpClient):  # type: ignore[misc]  # twilio ships no type hints
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
    def __init__(self, *, account_sid: str, auth_token: str, api_url: str, dry_run: bool,
                 timeout: float = 15.0, concurrency: int = 8) -> None:
        self.account_sid = account_sid
        self.dry_run = dry_run
        self.api_url = api_url.rstrip("/")
        self.timeout = timeout
        self.concurrency = max(1, concurrency)
        self._credentials = (account_sid, auth_token)
        self._local = threading.local()
        self._pool: ThreadPoolExecutor | None = None
        self._pool_lock = threading.Lock()
        self.on_refused: Refused | None = None
        """Set by voicebot.services, which keeps the opt-outs (this module is below it)."""

    @property
    def client(self) -> Client:
        """This thread's Twilio client. One each: twilio's HTTP client keeps every answer on
        itself and returns it from there, so two threads sharing one could each get the
        other's answer (the SID of someone else's call)."""
        client: Client | None = getattr(self._local, "client", None)
        if client is None:
            client = self._local.client = Client(
                *self._credentials, http_client=RebasingHttpClient(self.api_url, self.timeout))
        return client

    def _each(self, request: Callable[[dict[str, Any]], T],
              params: Sequence[dict[str, Any]]) -> list[T | Exception]:
        """`request(p)` for each of `params`, up to `concurrency` at once (threads of this
        process, kept with their connections): a batch of a hundred calls waits about as
        long as its slowest request, not as long as all of them together. Each result, or the
        Twilio error it raised."""
        def one(p: dict[str, Any]) -> T | Exception:
            try:
                return request(p)
            except (*TWILIO_ERRORS, NoPublicUrl) as exc:
                return exc

        if len(params) <= 1:
            return [one(p) for p in params]
        with self._pool_lock:
            if self._pool is None:
                self._pool = ThreadPoolExecutor(self.concurrency, thread_name_prefix="voicebot-twilio")
            pool = self._pool
        return list(pool.map(one, params))

    def close(self) -> None:
        with self._pool_lock:
            pool, self._pool = self._pool, None
        if pool is not None:
            pool.shutdown(wait=True)

    def deliver(
        self, session: Session, message_ids: list[int], status_callback: str | None
    ) -> None:
        """Send pending messages (stored by `voicebot.services.messages`). They are claimed
        with a conditional update first, so two workers can never both send one."""
        claimed = self.claim(session, message_ids)
        session.commit()
        self.send_claimed(session, claimed, status_callback)

    def claim(self, session: Session, message_ids: list[int]) -> list[int]:
        """Mark pending messages `sending`, in the session's transaction; the ids taken. Once
        that commits, this worker sends them; one it dies before sending, the sweep asks
        Twilio about before sending it again."""
        if not message_ids:
            return []
        taken = session.execute(
            update(Message).where(Message.id.in_(message_ids), Message.status == "pending")
            .values(status="sending", updated_at=utcnow()).returning(Message.id)
            .execution_options(synchronize_session=False))
        return sorted(taken.scalars())

    def send_claimed(self, session: Session, message_ids: list[int],
                     status_callback: str | None) -> None:
        """Send messages this worker claimed (and committed as `sending`), all at once (see
        `_each`), and write what Twilio answered in one commit. A crash before that commit
        leaves them `sending`: the sweep asks Twilio about each before sending it again."""
        if not message_ids:
            return
        rows = list(session.scalars(select(Message).where(Message.id.in_(message_ids))
                                    .order_by(Message.id)))
        if self.dry_run:
            for message in rows:
                message.status = "dry-run"
                log.info("dry-run SMS to %s: %s", mask(message.to_number), message.body)
            session.commit()
            return
        extra = {"status_callback": status_callback} if status_callback else {}
        answers = self._each(lambda p: self.client.messages.create(**p), [
            {"to": m.to_number, "from_": m.from_number, "body": m.body, **extra} for m in rows])
        for message, sent in zip(rows, answers, strict=True):
            if isinstance(sent, Exception):
                # Twilio's error code first: the desk words the common ones for staff.
                code = getattr(sent, "code", None)
                message.error = (f"{code}: {sent}" if code else str(sent))[:2000]
                if refused(sent):
                    message.status = "failed"
                    log.error("SMS to %s failed: %s", mask(message.to_number), sent)
                    if self.on_refused is not None:
                        self.on_refused(session, message, str(code or ""), utcnow())
                else:
                    log.warning("SMS to %s: no answer from Twilio (%s); whether it went out is "
                                "checked with Twilio before it is sent again",
                                mask(message.to_number), sent)
                continue
            message.sid = sent.sid
            message.status = sent.status or "queued"
            log.info("SMS %s to %s: %s", sent.sid, mask(message.to_number), message.status)
        session.commit()

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

    # -- outbound calls ------------------------------------------------------------------
    def place_call(self, app: Flask, session: Session, dial_id: int, timeout: int = 30) -> Dial:
        """Place the dial's call, once: claimed first, so two workers never both place it."""
        claimed = self.claim_dials(session, [dial_id])
        session.commit()
        if claimed:
            return self.place_claimed(app, session, claimed, timeout)[0]
        dial = session.get(Dial, dial_id, populate_existing=True)
        assert dial is not None
        return dial

    def claim_dials(self, session: Session, dial_ids: list[int]) -> list[int]:
        """Mark pending dials `dialing`, in the session's transaction; the ids taken. Once that
        commits this worker places them; one it dies before placing, the sweep asks Twilio
        about before placing it again."""
        if not dial_ids:
            return []
        taken = session.execute(
            update(Dial).where(Dial.id.in_(dial_ids), Dial.status == "pending")
            .values(status="dialing", updated_at=utcnow()).returning(Dial.id)
            .execution_options(synchronize_session=False))
        return sorted(taken.scalars())

    def place_claimed(self, app: Flask, session: Session, dial_ids: list[int],
                      timeout: int = 30) -> list[Dial]:
        """Place the calls of dials this worker claimed (and committed as `dialing`), all at
        once (see `_each`), and write what Twilio answered in one commit; the dials.

        Twilio fetches each call's TwiML from our public URL when the callee answers, with
        answering-machine detection so a machine counts as not reached, and reports every
        change of the call to the status callback. A dial Twilio refused (or that has no
        public URL to give it) is `failed`; one Twilio did not answer about stays `dialing`:
        the sweep asks Twilio whether the call exists before placing it again, so a slow
        answer never becomes a second call.
        """
        if not dial_ids:
            return []
        query = select(Dial).where(Dial.id.in_(dial_ids)).order_by(Dial.id)
        dials = list(session.scalars(query))
        if self.dry_run:
            for dial in dials:
                dial.status = "dry-run"
                log.info("dry-run call to %s into %s/%s", mask(dial.to_number), dial.flow_id,
                         dial.entry)
            session.commit()
            return dials
        try:
            status_url = public_url(app, "twilio.voice_status")
            params = [{"to": d.to_number, "from_": d.from_number, "method": "POST",
                       "url": public_url(app, "twilio.outbound", d=d.id),
                       "status_callback": status_url, "status_callback_method": "POST",
                       "status_callback_event": ["initiated", "ringing", "answered", "completed"],
                       "machine_detection": "Enable", "timeout": timeout} for d in dials]
        except NoPublicUrl as exc:
            answers: list[Any] = [exc] * len(dials)
        else:
            answers = self._each(lambda p: self.client.calls.create(**p), params)
        # The answer webhook may have come first and already recorded a call: its row, locked.
        dials = list(session.scalars(query.with_for_update(),
                                     execution_options={"populate_existing": True}))
        for dial, call in zip(dials, answers, strict=True):
            if isinstance(call, Exception):
                dial.error = str(call)[:2000]
                if isinstance(call, NoPublicUrl) or refused(call):
                    dial.status = "failed"
                    log.error("call to %s failed: %s", mask(dial.to_number), call)
                else:
                    log.warning("call to %s: no answer from Twilio (%s); checking later",
                                mask(dial.to_number), call)
                continue
            dial.call_sid = dial.call_sid or call.sid
            dial.status = forward(dial.status, call.status or "queued", CALL_ORDER)
            log.info("call %s to %s placed", call.sid, mask(dial.to_number))
        session.commit()
        return dials

    def find_call(self, dial: Dial) -> tuple[str, str] | None:
        """(sid, status) of the call Twilio placed for `dial`, if it placed one: what a crash
        between claiming and placing left unknown. Calls are matched by numbers and by being
        created after the claim (allowing two minutes of clock difference)."""
        since = dial.updated_at - dt.timedelta(minutes=2)
        for call in self.client.calls.list(to=dial.to_number, from_=dial.from_number, limit=20):
            if call.date_created is not None and call.date_created >= since:
                return str(call.sid), str(call.status)
        return None

    def call_status(self, sid: str) -> str:
        return str(self.client.calls(sid).fetch().status)

    # -- the outbox ----------------------------------------------------------------------
    def deliver_pending(self, app: Flask, *, older_than: dt.timedelta | None = None) -> None:
        """Send outbound SMS still waiting in the outbox (those of a job, or left by a crash)."""
        with db.session_scope(app) as session:
            query = select(Message.id).where(Message.direction == "out", Message.status == "pending")
            if older_than is not None:
                query = query.where(Message.created_at < utcnow() - older_than)
            ids = list(session.scalars(query.order_by(Message.id).limit(500)))
            if ids:
                self.deliver(session, ids, public_url_or_none(app, "twilio.sms_status"))

    def reconcile_messages(self, app: Flask, *, stuck: dt.timedelta) -> None:
        """An SMS left in `sending` by a crash: adopt it if Twilio has it, else send it again.

        Each message is settled on its own, and Twilio is asked outside any transaction: one
        lookup that times out (a slow Twilio, a loaded worker) leaves that message for the next
        sweep, not the whole batch, which could otherwise be asked about and rolled back
        sweep after sweep, never sending the rest. A message another worker settled meanwhile
        is left as that worker left it, so nothing is sent twice."""
        with db.session_scope(app) as session:
            rows = session.scalars(select(Message).where(
                Message.status == "sending", Message.updated_at < utcnow() - stuck)).all()
            session.expunge_all()
        for message in rows:
            try:
                found = None if self.dry_run else self._find_message(message)
            except TWILIO_ERRORS as exc:
                log.warning("cannot ask Twilio about SMS %s now (%s): left for the next sweep",
                            message.id, exc)
                continue
            settled = {"sid": found[0], "status": found[1]} if found else {"status": "pending"}
            with db.session_scope(app) as session:
                changed = db.rowcount(session.execute(
                    update(Message).where(Message.id == message.id, Message.status == "sending")
                    .values(**settled)))
            if found is not None and changed:
                log.info("SMS %s to %s was sent before a crash: adopted", found[0],
                         mask(message.to_number))
        self.deliver_pending(app)

    def _find_message(self, message: Message) -> tuple[str, str] | None:
        since = message.updated_at - dt.timedelta(minutes=2)
        found = self.client.messages.list(to=message.to_number, from_=message.from_number,
                                          limit=20)
        for sent in found:
            if sent.body == message.body and sent.date_created is not None \
                    and sent.date_created >= since:
                return str(sent.sid), str(sent.status)
        return None


def sweep(app: Flask, now: dt.datetime) -> None:  # noqa: ARG001  every sweep job takes (app, now)
    """The worker's outbox sweep: SMS a crash left unsent or half-sent."""
    tel = telephony(app)
    tel.reconcile_messages(app, stuck=dt.timedelta(seconds=float(app.config["STUCK_AFTER"])))
    tel.deliver_pending(app, older_than=dt.timedelta(seconds=5))


def init_app(app: Flask) -> None:
    cfg = app.config
    app.extensions["voicebot.telephony"] = Telephony(
        account_sid=cfg["TWILIO_ACCOUNT_SID"], auth_token=cfg["TWILIO_AUTH_TOKEN"],
        api_url=cfg["TWILIO_API_URL"], dry_run=cfg["DRY_RUN"], timeout=cfg["TWILIO_TIMEOUT"],
        concurrency=cfg["TWILIO_CONCURRENCY"],
    )
    if cfg["DRY_RUN"]:
        app.logger.info("telephony is in dry-run mode: SMS and calls are stored, not sent")


def telephony(app: Flask | None = None) -> Telephony:
    t: Telephony = (app or current_app).extensions["voicebot.telephony"]
    return t
