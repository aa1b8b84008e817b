"""The only place voicebot's rows and effects are made: calls and their journal, messages
(the SMS outbox), tickets, voicemails, quotes, e-mails to staff, queue places, visits,
bookings, callbacks and wrong desk passwords (tests/test_architecture.py checks no row of
voicebot.models is made anywhere else).

Everything above (the web edge, the engine, the voicemail pipeline, the callback runner, the
desk, the CLI) asks a service; nothing else constructs these models, so each effect has one
home and one rule (every ticket fires the flow's `ticket_created` rules; one rule picks the
number an SMS goes out from). Services take a session and leave the commit to the caller:
a webhook's turn is one transaction whatever it does.

The dependency rule (tests/test_architecture.py): `web -> engine | voicemail | callbacks ->
services -> models`; `voicebot.language` is shared by all and imports none of them.
"""

from __future__ import annotations

from flask import Flask

from voicebot.services import conversations, kept_places, messages
from voicebot.telephony import telephony


def init_app(app: Flask) -> None:
    messages.init_app(app)
    kept_places.init_app(app)
    telephony(app).on_refused = conversations.refused
