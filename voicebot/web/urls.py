"""The URLs Twilio calls us at from the TwiML a webhook writes: continuation URLs and
callback URLs (`Urls`). Absolute ones built outside any request (the worker placing a call,
sending an SMS or mailing a voicemail) are `voicebot.telephony.public_url`: code below the
web edge builds them without importing it."""

from __future__ import annotations

from urllib.parse import quote_plus, urlencode

from flask import current_app, request, url_for

QUERY_SAFE = "!$'()*,/:;?@"
"""What werkzeug leaves unquoted in a URL's query (`url_for`): the step URL's query is
encoded as url_for encodes it."""


class Urls:
    """Continuation URLs are relative: Twilio resolves them against the URL it just called,
    which keeps them right behind ngrok or a proxy. Callbacks Twilio stores are absolute.
    One is made per turn, inside its request."""

    def __init__(self) -> None:
        self._step_path: str | None = None

    def step(self, state: str, turn: int, event: str) -> str:
        # Every turn writes two or three of these (the gather's action, the silence's
        # redirect): url_for's routing cost a webhook more than the rest of its URLs. The
        # path is routed once per app and script root, and the query encoded as url_for
        # encodes it (issue 15); the turn looks the path up once (through Flask's proxies).
        path = self._step_path = self._step_path or _step_path()
        return (f"{path}?s={quote_plus(state, safe=QUERY_SAFE)}&t={turn:d}"
                f"&e={quote_plus(event, safe=QUERY_SAFE)}")

    def queue_wait(self, state: str) -> str:
        return url_for("twilio.queue_wait", s=state)

    def whisper(self, call_sid: str, state: str, turn: int, member: str) -> str:
        # Absolute: Twilio fetches it on the staff member's leg, not the caller's document.
        return absolute(url_for("twilio.whisper", c=call_sid, s=state, t=turn, m=member,
                                e="ask"))

    def recording_status(self) -> str:
        return absolute(url_for("twilio.recording"))

    def call_recording_status(self) -> str:
        return absolute(url_for("twilio.recording", kind="call"))

    def sms_status(self) -> str:
        return absolute(url_for("twilio.sms_status"))

    def transcription(self) -> str:
        return absolute(url_for("twilio.transcription"))

    def fallback_recording_status(self, from_: str, to: str) -> str:
        """The fallback answers without a database: who called which line travels in the
        recording callback's URL, which Twilio signs."""
        return absolute(url_for("twilio.recording") + "?" + urlencode(
            {"via": "fallback", "from": from_, "to": to}))


def _step_path() -> str:
    paths: dict[str, str] = current_app.extensions.setdefault("voicebot.step_paths", {})
    root = request.script_root
    path = paths.get(root)
    if path is None:
        path = paths[root] = url_for("twilio.step")
    return path


def absolute(path: str) -> str:
    base = current_app.config.get("PUBLIC_URL") or request.url_root
    return base.rstrip("/") + path
