"""Calls the product placed through the Twilio double, and Twilio's side of them: answering
one with the emulator (as Twilio fetches the call's URL on answer), or reporting that nobody
answered (as Twilio posts the status callback)."""

from __future__ import annotations

from dataclasses import dataclass
from urllib.parse import urlsplit

from voicebot.devtools.emulator import CallEmulator, HttpTransport

from .twilio_double import TEST_AUTH_TOKEN, RecordedRequest, Resource, TwilioDouble


@dataclass(frozen=True)
class Placed:
    request: RecordedRequest
    call: Resource

    @property
    def sid(self) -> str:
        return str(self.call["sid"])

    @property
    def params(self) -> dict[str, str]:
        return self.request.params


def placed_calls(double: TwilioDouble) -> list[Placed]:
    """Calls the product created, in order, each with the request that created it."""
    creates = [r for r in double.requests_for("POST", r"/Calls\.json$") if r.status == 201]
    assert len(creates) == len(double.calls)
    return [Placed(r, c) for r, c in zip(creates, double.calls, strict=True)]


def answer(placed: Placed, live_server: str, answered_by: str = "human") -> CallEmulator:
    """The callee picks up: the emulator plays Twilio fetching the call's URL."""
    url, callback = placed.params["Url"], placed.params["StatusCallback"]
    assert url.startswith(live_server) and callback.startswith(live_server)
    voice = urlsplit(url)
    emulator = CallEmulator(
        HttpTransport(live_server), auth_token=TEST_AUTH_TOKEN, public_url=live_server,
        to=placed.params["To"], from_=placed.params["From"], call_sid=placed.sid,
        direction="outbound-api", voice_path=f"{voice.path}?{voice.query}",
        status_callback_path=urlsplit(callback).path, answered_by=answered_by,
    )
    emulator.start()
    return emulator
