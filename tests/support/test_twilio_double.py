"""The Twilio double and the contract checker, driven by the real ``twilio`` library."""

from __future__ import annotations

import base64
import io
import json
import socket
import threading
import urllib.error
import urllib.request
import wave
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import pytest
import requests
from twilio.base.exceptions import TwilioRestException
from twilio.request_validator import RequestValidator
from twilio.rest import Client

from . import fixtures, openapi_contract
from .openapi_contract import check_request, check_response
from .twilio_double import TEST_ACCOUNT_SID, TEST_AUTH_TOKEN, TwilioDouble, new_sid, rebase_url

ACCOUNT = f"/2010-04-01/Accounts/{TEST_ACCOUNT_SID}"
BASIC = {
    "Authorization": "Basic " + base64.b64encode(b"ACx:token").decode(),
    "Content-Type": "application/x-www-form-urlencoded",
}
# The plugin's fixtures, made visible here without relying on the root conftest.
twilio_double = fixtures.twilio_double
twilio_client = fixtures.twilio_client


@pytest.fixture(autouse=True)
def _spec() -> None:
    openapi_contract.require_spec()


@pytest.fixture
def callbacks() -> Iterator[tuple[str, list[tuple[str, dict[str, str], str]]]]:
    """A loopback webhook receiver: (base URL, [(path, form, X-Twilio-Signature)])."""
    received: list[tuple[str, dict[str, str], str]] = []

    class Receiver(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            body = self.rfile.read(int(self.headers["Content-Length"])).decode()
            form = {k: v[0] for k, v in parse_qs(body).items()}
            received.append((self.path, form, self.headers["X-Twilio-Signature"]))
            self.send_response(204)
            self.end_headers()

        def log_message(self, format: str, *args: object) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Receiver)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}", received
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=5)


def _wav(seconds: int = 2) -> bytes:
    buffer = io.BytesIO()
    with wave.open(buffer, "wb") as wav:
        wav.setnchannels(1)
        wav.setsampwidth(2)
        wav.setframerate(8000)
        wav.writeframes(b"\0\0" * 8000 * seconds)
    return buffer.getvalue()


def _raw_post(
    double: TwilioDouble, path: str, form: dict[str, str]
) -> tuple[int, dict[str, object]]:
    credentials = base64.b64encode(f"{TEST_ACCOUNT_SID}:{TEST_AUTH_TOKEN}".encode()).decode()
    request = urllib.request.Request(
        double.base_url + path,
        data=urllib.parse.urlencode(form).encode(),
        headers={"Authorization": f"Basic {credentials}"},
        method="POST",
    )
    opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))
    try:
        with opener.open(request, timeout=10) as response:
            return response.status, json.loads(response.read())
    except urllib.error.HTTPError as error:
        return error.code, json.loads(error.read())


# -- the double, through the real twilio client ----------------------------------------------


def test_create_message(twilio_double: TwilioDouble, twilio_client: Client) -> None:
    message = twilio_client.messages.create(
        to="+79990001122",
        from_="+15005550006",
        body="Ваш заказ готов",
        status_callback="http://127.0.0.1:1/sms-status",
    )

    assert message.sid is not None and message.sid.startswith("SM") and len(message.sid) == 34
    assert (message.status, message.to, message.body) == (
        "queued",
        "+79990001122",
        "Ваш заказ готов",
    )
    assert message.date_created is not None  # parsed from RFC 2822 by the library
    assert twilio_double.messages == [twilio_double.message(message.sid)]
    [sent] = twilio_double.requests_for("POST", r"/Messages\.json$")
    assert sent.params["StatusCallback"] == "http://127.0.0.1:1/sms-status"
    assert sent.violations == []


def test_create_call_with_machine_detection(
    twilio_double: TwilioDouble, twilio_client: Client
) -> None:
    call = twilio_client.calls.create(
        to="+79990001122",
        from_="+15005550006",
        url="http://127.0.0.1:1/voice",
        machine_detection="Enable",
        status_callback="http://127.0.0.1:1/call-status",
        status_callback_event=["initiated", "answered", "completed"],
    )

    assert call.sid is not None and call.sid.startswith("CA")
    assert call.status == "queued"
    [sent] = twilio_double.requests_for("POST", r"/Calls\.json$")
    assert sent.params["MachineDetection"] == "Enable"
    assert sent.form["StatusCallbackEvent"] == ["initiated", "answered", "completed"]


def test_update_and_fetch_call(twilio_double: TwilioDouble, twilio_client: Client) -> None:
    sid = twilio_client.calls.create(
        to="+79990001122", from_="+15005550006", twiml="<Response/>"
    ).sid
    assert sid is not None

    twilio_client.calls(sid).update(twiml="<Response><Say>Минуту</Say></Response>")
    assert twilio_client.calls(sid).update(status="completed").status == "completed"
    assert twilio_client.calls(sid).fetch().status == "completed"
    with pytest.raises(TwilioRestException) as raised:
        twilio_client.calls(sid).update(url="http://127.0.0.1:1/voice")
    assert (raised.value.status, raised.value.code) == (400, 21220)
    assert twilio_double.requests_for("POST", sid)[0].params["Twiml"].startswith("<Response><Say>")


def test_recording_media_fails_then_arrives(
    twilio_double: TwilioDouble, twilio_client: Client
) -> None:
    call_sid, sid, audio = new_sid("CA"), new_sid("RE"), _wav(seconds=3)
    twilio_double.add_recording(sid, audio, call_sid=call_sid, failures=[404, 500])

    recording = twilio_client.recordings(sid).fetch()
    assert (recording.call_sid, recording.duration, recording.channels) == (call_sid, "3", 1)
    media_url = rebase_url(
        f"https://api.twilio.com{ACCOUNT}/Recordings/{sid}.wav", twilio_double.base_url
    )
    answers = [
        requests.get(media_url, auth=(TEST_ACCOUNT_SID, TEST_AUTH_TOKEN), timeout=10)
        for _ in range(3)
    ]

    assert [a.status_code for a in answers] == [404, 500, 200]
    assert answers[0].json()["code"] == 20404
    assert answers[2].headers["Content-Type"] == "audio/x-wav"
    assert answers[2].content == audio


def test_wrong_credentials_are_401(twilio_double: TwilioDouble) -> None:
    with pytest.raises(TwilioRestException) as raised:
        twilio_double.client(password="not-the-token").messages.create(
            to="+79990001122", from_="+15005550006", body="x"
        )
    assert (raised.value.status, raised.value.code) == (401, 20003)


def test_api_key_credentials() -> None:
    key, secret = new_sid("SK"), "api-key-secret"
    with TwilioDouble(api_keys={key: secret}) as double:
        client = double.client(key, secret)
        assert client.messages.create(to="+79990001122", from_="+15005550006", body="x").sid
        double.assert_contract()


def test_a_request_cut_off_mid_body_is_never_served(twilio_double: TwilioDouble) -> None:
    """A client killed while it sends (the killed-worker tests) leaves half a body: like
    Twilio, the double acts on no request it did not get whole, and holds none against the
    contract."""
    where = urlsplit(twilio_double.base_url)
    body = b"To=%2B79990001122&From=%2B15005550006&Body=hello"
    with socket.create_connection((where.hostname, where.port)) as sock:
        sock.sendall(f"POST /2010-04-01/Accounts/{TEST_ACCOUNT_SID}/Messages.json HTTP/1.1\r\n"
                     f"Host: {where.netloc}\r\nContent-Length: {len(body)}\r\n"
                     "Content-Type: application/x-www-form-urlencoded\r\n\r\n".encode()
                     + body[:10])
        sock.shutdown(socket.SHUT_WR)
        assert sock.recv(1024) == b""  # closed without an answer
    assert twilio_double.requests == [] and twilio_double.messages == []


def test_missing_required_param_is_a_violation(twilio_double: TwilioDouble) -> None:
    status, body = _raw_post(
        twilio_double, f"{ACCOUNT}/Messages.json", {"From": "+15005550006", "Body": "x"}
    )

    assert (status, body["code"]) == (400, 21604)
    assert any("missing required parameter 'To'" in v for v in twilio_double.take_violations())


def test_unknown_path_is_404(twilio_double: TwilioDouble, twilio_client: Client) -> None:
    response = twilio_client.request("GET", f"https://api.twilio.com{ACCOUNT}/Faxes.json")

    assert response.status_code == 404
    assert json.loads(response.text) == {
        "code": 20404,
        "message": f"The requested resource {ACCOUNT}/Faxes.json was not found",
        "more_info": "https://www.twilio.com/docs/errors/20404",
        "status": 404,
    }
    assert any("no such path" in v for v in twilio_double.take_violations())


def test_strict_double_rejects_violations() -> None:
    with TwilioDouble(strict=True) as double:
        sid = double.client().calls.create(to="+7999", from_="+1500", url="http://127.0.0.1:1/").sid
        with pytest.raises(TwilioRestException) as raised:
            double.client().calls(sid).update(status="hangup")
        assert (raised.value.status, raised.value.code) == (400, 20001)
        assert "Status='hangup'" in raised.value.msg
        assert double.call(sid)["status"] == "queued"


def test_status_callbacks_are_signed_like_twilio(
    twilio_double: TwilioDouble,
    twilio_client: Client,
    callbacks: tuple[str, list[tuple[str, dict[str, str], str]]],
) -> None:
    base, received = callbacks
    message = twilio_client.messages.create(
        to="+7999", from_="+1500", body="x", status_callback=f"{base}/sms?x=1"
    )
    call = twilio_client.calls.create(
        to="+7999", from_="+1500", url=f"{base}/voice", status_callback=f"{base}/call"
    )
    assert message.sid and call.sid

    assert twilio_double.deliver_message_status(message.sid, "sent").status == 204
    assert twilio_double.deliver_message_status(message.sid, "delivered").status == 204
    assert (
        twilio_double.deliver_call_status(
            call.sid, "in-progress", answered_by="machine_start"
        ).status
        == 204
    )

    validator = RequestValidator(TEST_AUTH_TOKEN)
    for path, form, signature in received:
        assert validator.validate(base + path, form, signature), path
    assert [(p, f.get("MessageStatus") or f["CallStatus"]) for p, f, _ in received] == [
        ("/sms?x=1", "sent"),
        ("/sms?x=1", "delivered"),
        ("/call", "in-progress"),
    ]
    assert received[2][1]["AnsweredBy"] == "machine_start"
    assert received[2][1]["Direction"] == "outbound-api"
    assert twilio_client.messages(message.sid).fetch().status == "delivered"
    assert twilio_client.calls(call.sid).fetch().answered_by == "machine_start"


def test_callbacks_only_go_to_loopback(twilio_double: TwilioDouble, twilio_client: Client) -> None:
    sid = twilio_client.messages.create(
        to="+7999", from_="+1500", body="x", status_callback="https://example.com/sms"
    ).sid
    assert sid is not None
    with pytest.raises(ValueError, match="off this machine"):
        twilio_double.deliver_message_status(sid, "delivered")


# -- the contract checker on its own, so it is known to be able to fail -----------------------


def test_checker_accepts_a_conforming_request() -> None:
    form = {"To": ["+7999"], "From": ["+1500"], "Body": ["hi"], "StatusCallback": ["http://x/"]}
    assert check_request("POST", f"{ACCOUNT}/Messages.json", form, headers=BASIC) == []


def test_checker_catches_a_wrong_param_name() -> None:
    form = {"To": ["+7999"], "From": ["+1500"], "Body": ["hi"], "StatusCallbackUrl": ["http://x/"]}
    assert check_request("POST", f"{ACCOUNT}/Messages.json", form) == [
        "unknown parameter 'StatusCallbackUrl' (body)"
    ]


def test_checker_catches_a_wrong_enum_value() -> None:
    violations = check_request(
        "POST", f"{ACCOUNT}/Calls/{new_sid('CA')}.json", {"Status": ["hangup"]}
    )
    assert violations == ["parameter Status='hangup' not in ['canceled', 'completed']"]


def test_checker_catches_missing_params_methods_and_auth() -> None:
    assert check_request("POST", f"{ACCOUNT}/Calls.json", {"Url": ["http://x/"]}) == [
        "missing required parameter 'To' (body)",
        "missing required parameter 'From' (body)",
    ]
    assert check_request("PUT", f"{ACCOUNT}/Calls.json") == [
        "PUT not allowed on /2010-04-01/Accounts/{AccountSid}/Calls.json"
    ]
    assert check_request("GET", f"{ACCOUNT}/Calls.json", headers={"Authorization": "Bearer x"}) == [
        "Authorization header is not HTTP Basic (account/API key SID and secret)"
    ]


def test_checker_treats_recording_media_as_the_recording() -> None:
    sid = new_sid("RE")
    for suffix in ("", ".wav", ".mp3", ".wav?RequestedChannels=2"):
        assert check_request("GET", f"{ACCOUNT}/Recordings/{sid}{suffix}", headers=BASIC) == []
    assert check_request("POST", f"{ACCOUNT}/Recordings/{sid}.wav") == [
        "POST not allowed on /2010-04-01/Accounts/{AccountSid}/Recordings/{Sid}.json"
    ]


def test_checker_catches_a_bad_response() -> None:
    violations = check_response(
        "POST", f"{ACCOUNT}/Messages.json", 201, {"sid": "XX1", "colour": "red"}
    )
    assert violations == [
        "response field sid='XX1' does not match ^(SM|MM)[0-9a-fA-F]{32}$",
        "response field 'colour' is not in the "
        "/2010-04-01/Accounts/{AccountSid}/Messages.json schema",
    ]


def test_missing_spec_fails_in_ci_and_elsewhere(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    """A contract that cannot be checked is a failure, never a skip that lets a run pass."""
    monkeypatch.setenv(openapi_contract.SPEC_ENV, str(tmp_path / "absent.yaml"))
    for ci in ("true", None):
        if ci is None:
            monkeypatch.delenv("CI", raising=False)
        else:
            monkeypatch.setenv("CI", ci)
        with pytest.raises(pytest.fail.Exception, match=r"absent\.yaml.*bash \.ci/twilio-openapi"):
            openapi_contract.require_spec()


def test_spec_is_looked_for_beside_the_repository_then_in_the_cache(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    sibling, cached = tmp_path / "shared.yaml", tmp_path / "cache.yaml"
    monkeypatch.delenv(openapi_contract.SPEC_ENV, raising=False)
    monkeypatch.setattr(openapi_contract, "SIBLING_SPEC", sibling)
    monkeypatch.setattr(openapi_contract, "CACHED_SPEC", cached)
    assert openapi_contract.spec_path() is None
    cached.write_text("paths: {}\n")
    assert openapi_contract.spec_path() == cached
    sibling.write_text("paths: {}\n")
    assert openapi_contract.spec_path() == sibling
    monkeypatch.setenv(openapi_contract.SPEC_ENV, str(cached))
    assert openapi_contract.spec_path() == cached
