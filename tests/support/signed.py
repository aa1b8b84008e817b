"""Webhooks signed exactly as Twilio signs them, posted through Flask's test client."""

from __future__ import annotations

from collections.abc import Mapping

from flask.testing import FlaskClient
from twilio.request_validator import RequestValidator
from werkzeug.datastructures import MultiDict

from .twilio_double import TEST_AUTH_TOKEN

CALLER, OMEGA = "+15035550199", "+15035550100"
"""A caller, and the omega line's number."""


def post(client: FlaskClient, url: str, params: Mapping[str, str | list[str]]) -> tuple[int, str]:
    """POST a webhook to `url` (a path, with its query) signed as Twilio signs it; a list of
    values sends the parameter that many times."""
    signature = RequestValidator(TEST_AUTH_TOKEN).compute_signature("http://localhost" + url,
                                                                     _multi(params))
    reply = client.post(url, data=dict(params), headers={"X-Twilio-Signature": signature})
    return reply.status_code, reply.get_data(as_text=True)


def _multi(params: Mapping[str, str | list[str]]) -> MultiDict[str, str]:
    """What the validator reads: every value of a repeated parameter counts."""
    return MultiDict([(k, v) for k, values in params.items()
                      for v in (values if isinstance(values, list) else [values])])


def start_call(client: FlaskClient, sid: str, from_: str = CALLER) -> str:
    """A call to omega: its first answer (TwiML)."""
    status, body = post(client, "/twilio/voice", {"CallSid": sid, "From": from_, "To": OMEGA,
                                                  "CallStatus": "ringing"})
    assert status == 200, body
    return body
