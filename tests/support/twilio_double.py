"""A local stand-in for the parts of Twilio's REST API (2010-04-01) that voicebot uses.

It is a real HTTP server, so the real ``twilio.rest.Client`` talks to it through its own HTTP
stack; only the scheme and host are rewritten (``rebasing_http_client``). Every request is
checked against Twilio's OpenAPI description, and so is every JSON resource the double answers
with, so the double cannot drift from the contract it stands in for.
"""

from __future__ import annotations

import base64
import binascii
import io
import ipaddress
import json
import re
import secrets
import threading
import time
import urllib.error
import urllib.request
import wave
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from email.utils import format_datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, urlencode, urlsplit

from twilio.http.http_client import TwilioHttpClient
from twilio.http.response import Response
from twilio.request_validator import RequestValidator
from twilio.rest import Client

from .openapi_contract import check_request, check_response, require_spec

TEST_ACCOUNT_SID = "AC" + "0123456789abcdef" * 2
TEST_AUTH_TOKEN = "test-auth-token-0123456789abcdef"
API_VERSION = "2010-04-01"
_TWILIO_HOST = re.compile(r"^https://api(?:\.[\w-]+)*\.twilio\.com(?=/|$)")
_ACCOUNT = r"^/2010-04-01/Accounts/(?P<account>[^/]+)"
_ENDED = {"completed", "canceled", "failed", "busy", "no-answer"}
Resource = dict[str, Any]
_Answer = tuple[int, str, bytes]  # status, content type, body


def new_sid(prefix: str) -> str:
    return prefix + secrets.token_hex(16)


def _now() -> str:
    return format_datetime(datetime.now(UTC))  # RFC 2822 with +0000, as Twilio writes dates


def rebase_url(url: str, base_url: str) -> str:
    """Point an ``https://api.twilio.com/...`` URL (any region/edge host) at ``base_url``."""
    rebased, count = _TWILIO_HOST.subn(base_url.rstrip("/"), url)
    if not count:
        raise ValueError(f"not a Twilio API URL, refusing to send it anywhere: {url}")
    return rebased


class RebasingHttpClient(TwilioHttpClient):
    """The real twilio HTTP client, sending to ``base_url`` instead of Twilio."""

    def __init__(self, base_url: str, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.base_url = base_url
        if self.session is not None:
            self.session.trust_env = False  # an HTTP(S)_PROXY in the environment must not apply

    def request(self, method: str, url: str, *args: Any, **kwargs: Any) -> Response:
        return super().request(method, rebase_url(url, self.base_url), *args, **kwargs)


def rebasing_http_client(base_url: str) -> RebasingHttpClient:
    return RebasingHttpClient(base_url, timeout=10)


@dataclass(frozen=True)
class RecordedRequest:
    method: str
    path: str  # without the query string
    query: dict[str, list[str]]
    form: dict[str, list[str]]
    headers: dict[str, str]
    status: int
    violations: list[str]

    @property
    def params(self) -> dict[str, str]:
        """Form parameters with the first value only, for the common single-valued case."""
        return {name: values[0] for name, values in self.form.items() if values}


@dataclass(frozen=True)
class CallbackResponse:
    url: str
    params: dict[str, str]
    status: int
    body: bytes


@dataclass
class _Recording:
    resource: Resource
    audio: bytes
    mp3: bytes | None
    failures: list[int] = field(default_factory=list)


class TwilioError(Exception):
    def __init__(self, status: int, code: int, message: str) -> None:
        super().__init__(message)
        self.status, self.code, self.message = status, code, message

    def body(self) -> Resource:
        return {
            "code": self.code,
            "message": self.message,
            "more_info": f"https://www.twilio.com/docs/errors/{self.code}",
            "status": self.status,
        }


class TwilioDouble:
    """Twilio's REST API on ``http://127.0.0.1:<port>``; use as a context manager.

    ``strict=True`` answers 400 (code 20001) to any contract violation instead of only
    recording it; real Twilio silently ignores unknown parameters, so strict mode is stricter.
    """

    def __init__(
        self,
        account_sid: str = TEST_ACCOUNT_SID,
        auth_token: str = TEST_AUTH_TOKEN,
        *,
        api_keys: Mapping[str, str] | None = None,
        strict: bool = False,
    ) -> None:
        self.account_sid = account_sid
        self.auth_token = auth_token
        self.strict = strict
        self._credentials = {account_sid: auth_token, **(api_keys or {})}
        self.requests: list[RecordedRequest] = []
        self.messages: list[Resource] = []
        self.calls: list[Resource] = []
        self.recordings: dict[str, _Recording] = {}
        self._status_callbacks: dict[str, str] = {}
        self.refuse_messages: list[TwilioError] = []
        """Errors the next message creations answer, one each, in order (then they work
        again): e.g. ``TwilioError(400, 21610, ...)`` for a number that texted STOP."""
        self.slow: dict[str, float] = {}
        """Path regex -> seconds to wait before answering (after recording the request), as a
        slow Twilio does: a client killed meanwhile never learns that its request worked."""
        self.slow_once: list[tuple[str, float]] = []
        """(regex on the path and query, seconds): the first request each matches waits that
        long, once (one lookup of several timing out)."""
        self._acknowledged = 0
        self._lock = threading.Lock()
        self._server: ThreadingHTTPServer | None = None
        self._thread: threading.Thread | None = None

    def delay(self, path: str, query: str) -> float:
        """How long to wait before answering this request (`slow`, `slow_once`)."""
        seconds = sum(s for pattern, s in list(self.slow.items()) if re.search(pattern, path))
        with self._lock:
            once = next((e for e in self.slow_once if re.search(e[0], f"{path}?{query}")), None)
            if once is not None:
                self.slow_once.remove(once)
        return seconds + (once[1] if once is not None else 0.0)

    # -- lifecycle ---------------------------------------------------------------------------

    @property
    def base_url(self) -> str:
        if self._server is None:
            raise RuntimeError("TwilioDouble is not running")
        host, port = self._server.server_address[:2]
        return f"http://{host!s}:{port}"

    def start(self) -> TwilioDouble:
        require_spec()
        server = _Server(("127.0.0.1", 0), _handler_for(self))
        # Non-daemon handler threads are joined by server_close(), so none outlives stop().
        server.daemon_threads = False
        server.block_on_close = True
        self._server = server
        self._thread = threading.Thread(
            target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True
        )
        self._thread.start()
        return self

    def stop(self) -> None:
        if self._server is None:
            return
        self._server.shutdown()
        self._server.server_close()
        if self._thread is not None:
            self._thread.join(timeout=5)
        self._server = self._thread = None

    def __enter__(self) -> TwilioDouble:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    def client(self, username: str | None = None, password: str | None = None) -> Client:
        """A real ``twilio.rest.Client`` talking to this double."""
        return Client(
            username or self.account_sid,
            password or self.auth_token,
            account_sid=self.account_sid,
            http_client=rebasing_http_client(self.base_url),
        )

    # -- test-facing state -------------------------------------------------------------------

    def add_recording(
        self,
        sid: str,
        wav_bytes: bytes,
        *,
        call_sid: str | None = None,
        failures: Iterable[int] = (),
        mp3_bytes: bytes | None = None,
    ) -> Resource:
        """Register a recording; the first media fetches get ``failures`` (e.g. 404 while
        Twilio is still processing it), later ones the audio."""
        channels, duration = _wav_shape(wav_bytes)
        uri = f"/{API_VERSION}/Accounts/{self.account_sid}/Recordings/{sid}"
        resource = {
            "account_sid": self.account_sid,
            "api_version": API_VERSION,
            "call_sid": call_sid,
            "conference_sid": None,
            "channels": channels,
            "date_created": _now(),
            "date_updated": _now(),
            "start_time": _now(),
            "price": None,
            "price_unit": "USD",
            "duration": str(duration),
            "sid": sid,
            "source": "RecordVerb",
            "status": "completed",
            "error_code": None,
            "uri": uri + ".json",
            "encryption_details": None,
            "subresource_uris": {
                "add_on_results": uri + "/AddOnResults.json",
                "transcriptions": uri + "/Transcriptions.json",
            },
            "media_url": "https://api.twilio.com" + uri,
        }
        with self._lock:
            self.recordings[sid] = _Recording(resource, wav_bytes, mp3_bytes, list(failures))
        return resource

    def message(self, sid: str) -> Resource:
        return _find(self.messages, sid)

    def call(self, sid: str) -> Resource:
        return _find(self.calls, sid)

    def requests_for(self, method: str, path_pattern: str) -> list[RecordedRequest]:
        """Recorded requests with this method whose path matches the regex (``re.search``)."""
        return [r for r in self.requests if r.method == method and re.search(path_pattern, r.path)]

    def violations(self) -> list[str]:
        return [f"{r.method} {r.path}: {v}" for r in self.requests for v in r.violations]

    def take_violations(self) -> list[str]:
        """Return violations so far and stop ``assert_contract`` from reporting them; for tests
        that send a bad request on purpose."""
        with self._lock:
            found = self.violations()
            self._acknowledged = len(found)
        return found

    def assert_contract(self) -> None:
        unexpected = self.violations()[self._acknowledged :]
        if unexpected:
            raise AssertionError(
                "requests to the Twilio double broke Twilio's API contract:\n  "
                + "\n  ".join(unexpected)
            )

    # -- status callbacks, delivered only when a test asks -----------------------------------

    def deliver_message_status(
        self, sid: str, status: str, error_code: int | None = None
    ) -> CallbackResponse:
        """Report a status, as Twilio does; `error_code` with failed or undelivered (30003:
        the handset was unreachable), in the message and in the callback's ErrorCode."""
        with self._lock:
            message = self.message(sid)
            message.update(status=status, date_updated=_now())
            if error_code is not None:
                message.update(error_code=error_code, error_message=None)
        params = {
            "MessageSid": sid,
            "SmsSid": sid,
            "AccountSid": self.account_sid,
            "From": message["from"] or "",
            "To": message["to"],
            "MessageStatus": status,
            "SmsStatus": status,
            "ApiVersion": API_VERSION,
        }
        if error_code is not None:
            params["ErrorCode"] = str(error_code)
        return self._callback(sid, params)

    def deliver_call_status(
        self, sid: str, status: str, answered_by: str | None = None
    ) -> CallbackResponse:
        with self._lock:
            call = self.call(sid)
            call.update(status=status, date_updated=_now())
            if answered_by is not None:
                call["answered_by"] = answered_by
        params = {
            "CallSid": sid,
            "AccountSid": self.account_sid,
            "From": call["from"],
            "To": call["to"],
            "CallStatus": status,
            "Direction": "outbound-api",
            "ApiVersion": API_VERSION,
        }
        if answered_by is not None:
            params["AnsweredBy"] = answered_by
        return self._callback(sid, params)

    def _callback(self, sid: str, params: dict[str, str]) -> CallbackResponse:
        url = self._status_callbacks.get(sid)
        if url is None:
            raise ValueError(f"{sid} was created without a StatusCallback")
        if not _is_loopback(urlsplit(url).hostname or ""):
            raise ValueError(f"refusing to deliver a callback off this machine: {url}")
        signature = RequestValidator(self.auth_token).compute_signature(url, params)
        request = urllib.request.Request(
            url,
            data=urlencode(params).encode(),
            headers={"X-Twilio-Signature": signature, "User-Agent": "TwilioProxy/1.1"},
            method="POST",
        )
        opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))
        try:
            with opener.open(request, timeout=10) as response:
                return CallbackResponse(url, params, response.status, response.read())
        except urllib.error.HTTPError as error:
            return CallbackResponse(url, params, error.code, error.read())

    # -- the API itself ----------------------------------------------------------------------

    def _authenticate(self, headers: Mapping[str, str], account: str) -> None:
        scheme, _, token = _header(headers, "Authorization").partition(" ")
        try:
            user, _, secret = base64.b64decode(token, validate=True).decode().partition(":")
        except (binascii.Error, UnicodeDecodeError):
            user = secret = ""
        known = self._credentials.get(user)
        valid = known is not None and secrets.compare_digest(known, secret)
        if scheme.lower() != "basic" or not valid or account != self.account_sid:
            raise TwilioError(401, 20003, "Authenticate")

    def _handle(
        self,
        method: str,
        path: str,
        form: dict[str, list[str]],
        headers: Mapping[str, str],
        violations: list[str],
        query: dict[str, list[str]] | None = None,
    ) -> _Answer:
        """Answer one request: (status, content type, body). Raises TwilioError."""
        account = re.match(_ACCOUNT, path)
        if account is None:
            raise TwilioError(404, 20404, f"The requested resource {path} was not found")
        self._authenticate(headers, account["account"])  # before strictness, as Twilio does
        if self.strict and violations:
            raise TwilioError(400, 20001, "; ".join(violations))
        rest = path[account.end() :]
        params = {name: values[0] for name, values in {**(query or {}), **form}.items() if values}
        for pattern, methods, handler in (
            (r"/Messages\.json", {"POST", "GET"}, self._messages),
            (r"/Messages/(?P<sid>[^/.]+)\.json", {"GET"}, self._fetch_message),
            (r"/Calls\.json", {"POST", "GET"}, self._calls),
            (r"/Calls/(?P<sid>[^/.]+)\.json", {"GET", "POST"}, self._call),
            (r"/Recordings/(?P<sid>[^/.]+)\.json", {"GET"}, self._recording),
            (r"/Recordings/(?P<sid>[^/.]+)(?P<ext>\.wav|\.mp3|)", {"GET"}, self._media),
        ):
            match = re.fullmatch(pattern, rest)
            if match is None:
                continue
            if method not in methods:
                raise TwilioError(405, 20004, "Method not allowed")
            with self._lock:
                return handler(method, match, params)
        raise TwilioError(404, 20404, f"The requested resource {path} was not found")

    def _messages(self, method: str, match: re.Match[str], p: dict[str, str]) -> _Answer:
        if method == "GET":
            return self._list("messages", self.messages, p)
        return self._create_message(method, match, p)

    def _calls(self, method: str, match: re.Match[str], p: dict[str, str]) -> _Answer:
        if method == "GET":
            return self._list("calls", self.calls, p)
        return self._create_call(method, match, p)

    def _list(self, key: str, resources: list[Resource], p: dict[str, str]) -> _Answer:
        """One page, newest first, filtered by To and From as Twilio's list endpoints do."""
        found = [r for r in reversed(resources)
                 if p.get("To") in (None, r["to"]) and p.get("From") in (None, r["from"])]
        size = int(p.get("PageSize") or 50)
        uri = f"/{API_VERSION}/Accounts/{self.account_sid}/{key.title()}.json?PageSize={size}&Page=0"
        return _json(200, {
            key: found[:size], "end": max(len(found[:size]) - 1, 0), "first_page_uri": uri,
            "next_page_uri": None, "page": 0, "page_size": size, "previous_page_uri": None,
            "start": 0, "uri": uri,
        })

    def _create_message(self, _: str, __: re.Match[str], p: dict[str, str]) -> _Answer:
        # Twilio's own validation, which the schema cannot express (codes from its error list).
        if not p.get("To"):
            raise TwilioError(400, 21604, "A 'To' phone number is required.")
        if not (p.get("From") or p.get("MessagingServiceSid")):
            raise TwilioError(400, 21603, "A 'From' phone number is required.")
        if not (p.get("Body") or p.get("MediaUrl") or p.get("ContentSid")):
            raise TwilioError(400, 21602, "Message body is required.")
        if self.refuse_messages:
            raise self.refuse_messages.pop(0)
        sid = new_sid("SM")
        uri = f"/{API_VERSION}/Accounts/{self.account_sid}/Messages/{sid}"
        message = {
            "account_sid": self.account_sid,
            "api_version": API_VERSION,
            "body": p.get("Body", ""),
            "date_created": _now(),
            "date_sent": None,
            "date_updated": _now(),
            "direction": "outbound-api",
            "error_code": None,
            "error_message": None,
            "from": p.get("From"),
            "messaging_service_sid": p.get("MessagingServiceSid"),
            "num_media": "0",
            "num_segments": "1",
            "price": None,
            "price_unit": "USD",
            "sid": sid,
            "status": "queued" if p.get("From") else "accepted",
            "subresource_uris": {"media": uri + "/Media.json"},
            "to": p["To"],
            "uri": uri + ".json",
        }
        self.messages.append(message)
        if p.get("StatusCallback"):
            self._status_callbacks[sid] = p["StatusCallback"]
        return _json(201, message)

    def _fetch_message(self, _: str, match: re.Match[str], __: dict[str, str]) -> _Answer:
        return _json(200, _find(self.messages, match["sid"]))

    def _create_call(self, _: str, __: re.Match[str], p: dict[str, str]) -> _Answer:
        if not p.get("To"):
            raise TwilioError(400, 21201, "No 'To' number is specified")
        if not p.get("From"):
            raise TwilioError(400, 21213, "No 'From' number is specified")
        if not (p.get("Url") or p.get("Twiml") or p.get("ApplicationSid")):
            raise TwilioError(400, 21205, "Url, Twiml or ApplicationSid is required")
        sid = new_sid("CA")
        uri = f"/{API_VERSION}/Accounts/{self.account_sid}/Calls/{sid}"
        call = {
            "account_sid": self.account_sid,
            "answered_by": None,
            "api_version": API_VERSION,
            "caller_name": None,
            "date_created": _now(),
            "date_updated": _now(),
            "direction": "outbound-api",
            "duration": None,
            "end_time": None,
            "forwarded_from": None,
            "from": p["From"],
            "from_formatted": p["From"],
            "group_sid": None,
            "parent_call_sid": None,
            "phone_number_sid": None,
            "price": None,
            "price_unit": "USD",
            "queue_time": "0",
            "sid": sid,
            "start_time": None,
            "status": "queued",
            "subresource_uris": {
                name: f"{uri}/{name.title().replace('_', '')}.json"
                for name in ("notifications", "recordings", "events")
            },
            "to": p["To"],
            "to_formatted": p["To"],
            "trunk_sid": None,
            "uri": uri + ".json",
        }
        self.calls.append(call)
        if p.get("StatusCallback"):
            self._status_callbacks[sid] = p["StatusCallback"]
        return _json(201, call)

    def _call(self, method: str, match: re.Match[str], p: dict[str, str]) -> _Answer:
        call = _find(self.calls, match["sid"])
        if method == "POST":
            if (p.get("Url") or p.get("Twiml")) and call["status"] in _ENDED:
                raise TwilioError(400, 21220, "Call is not in-progress. Cannot redirect.")
            if p.get("Status") in ("completed", "canceled") and call["status"] not in _ENDED:
                call.update(status=p["Status"], end_time=_now())
            call["date_updated"] = _now()
        return _json(200, call)

    def _recording(self, _: str, match: re.Match[str], __: dict[str, str]) -> _Answer:
        return _json(200, self._find_recording(match["sid"]).resource)

    def _media(self, _: str, match: re.Match[str], __: dict[str, str]) -> _Answer:
        recording = self._find_recording(match["sid"])
        if recording.failures:
            status = recording.failures.pop(0)
            raise TwilioError(status, 20000 + status, f"Recording {match['sid']} not available")
        if match["ext"] == ".mp3":
            if recording.mp3 is None:
                raise TwilioError(404, 20404, "double: add_recording(mp3_bytes=...) to serve mp3")
            return 200, "audio/mpeg", recording.mp3
        return 200, "audio/x-wav", recording.audio

    def _find_recording(self, sid: str) -> _Recording:
        if sid not in self.recordings:
            raise TwilioError(404, 20404, f"The requested resource Recording {sid} was not found")
        return self.recordings[sid]


def twilio_double(
    account_sid: str = TEST_ACCOUNT_SID, auth_token: str = TEST_AUTH_TOKEN, **kwargs: Any
) -> TwilioDouble:
    """``with twilio_double() as double:`` -- same as ``with TwilioDouble(...)``."""
    return TwilioDouble(account_sid, auth_token, **kwargs)


def _find(resources: list[Resource], sid: str) -> Resource:
    for resource in resources:
        if resource["sid"] == sid:
            return resource
    raise TwilioError(404, 20404, f"The requested resource {sid} was not found")


def _is_loopback(host: str) -> bool:
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return host == "localhost"


def _header(headers: Mapping[str, str], name: str) -> str:
    return next((v for k, v in headers.items() if k.lower() == name.lower()), "")


def _json(status: int, body: Mapping[str, Any]) -> _Answer:
    return status, "application/json", json.dumps(body).encode()


def _wav_shape(data: bytes) -> tuple[int, int]:
    """(channels, whole seconds) of a WAV, or (1, 0) for bytes that are not one."""
    try:
        with wave.open(io.BytesIO(data)) as wav:
            return wav.getnchannels(), round(wav.getnframes() / wav.getframerate())
    except (wave.Error, EOFError, ZeroDivisionError):
        return 1, 0


class _Server(ThreadingHTTPServer):
    # socketserver's default backlog of 5 drops the connections of a client sending more
    # requests at once (a worker placing a batch of calls in parallel), which then wait a
    # second for the kernel to retry: the double would be slow where Twilio is not.
    request_queue_size = 128


def _handler_for(double: TwilioDouble) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        # HTTP/1.0 closes each connection after one answer, so handler threads end promptly
        # and server_close() can join them; timeout bounds a client that never sends.
        protocol_version = "HTTP/1.0"
        timeout = 10

        def do_GET(self) -> None:
            self._serve()

        def do_POST(self) -> None:
            self._serve()

        def do_DELETE(self) -> None:
            self._serve()

        def log_message(self, format: str, *args: Any) -> None:
            pass  # requests are in double.requests; stderr noise helps nobody

        def _serve(self) -> None:
            split = urlsplit(self.path)
            length = int(self.headers.get("Content-Length") or 0)
            data = self.rfile.read(length) if length else b""
            if len(data) < length:
                # The client went away mid-request (a worker killed with SIGKILL while it
                # sent): like any HTTP server, Twilio never sees a request it did not get
                # whole, so it is neither served nor held against the contract.
                self.close_connection = True
                return
            raw = data.decode()
            form = parse_qs(raw, keep_blank_values=True)
            query = parse_qs(split.query, keep_blank_values=True)
            headers = dict(self.headers.items())
            violations = check_request(self.command, split.path, form, query=query, headers=headers)
            extra: dict[str, str] = {}
            try:
                status, content_type, body = double._handle(
                    self.command, split.path, form, headers, violations, query
                )
                if content_type == "application/json":
                    answered = check_response(self.command, split.path, status, json.loads(body))
                    violations += [f"response: {v}" for v in answered]
            except TwilioError as error:
                status, content_type = error.status, "application/json"
                body = json.dumps(error.body()).encode()
                if status == 401:
                    extra["WWW-Authenticate"] = 'Basic realm="Twilio API"'
            except Exception as error:  # a bug in the double: make assert_contract() show it
                violations.append(f"double crashed: {error!r}")
                status, content_type = 500, "application/json"
                body = json.dumps(TwilioError(500, 20500, repr(error)).body()).encode()
            with double._lock:
                double.requests.append(
                    RecordedRequest(
                        self.command, split.path, query, form, headers, status, violations
                    )
                )
            time.sleep(double.delay(split.path, split.query))
            try:
                self.send_response(status)
                for name, value in {"Content-Type": content_type, **extra}.items():
                    self.send_header(name, value)
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)
            except (BrokenPipeError, ConnectionResetError):
                pass  # the client gave up waiting (a timeout test): Twilio would not care

    return Handler
