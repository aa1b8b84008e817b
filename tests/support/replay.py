"""Twilio retrying a webhook: the same URL and parameters, signed again, posted again."""

from __future__ import annotations

from twilio.request_validator import RequestValidator

from voicebot.devtools.emulator import Exchange, HttpTransport

from .twilio_double import TEST_AUTH_TOKEN


def replay(live_server: str, exchange: Exchange) -> tuple[int, str]:
    signature = RequestValidator(TEST_AUTH_TOKEN).compute_signature(exchange.url, exchange.params)
    return HttpTransport(live_server).post(exchange.url, exchange.params,
                                           {"X-Twilio-Signature": signature})
