"""The continuation URLs a turn writes into its TwiML are the ones Flask routes: built without
asking the router each time (issue 15), they must not drift from `url_for`."""

from __future__ import annotations

from flask import Flask, url_for

from voicebot.web.urls import Urls

STATES = ["menu", "заявка_принята", "a b&c=d/é?+%#", "x!$'()*,/:;?@y", ""]


def test_a_step_url_is_url_for_s_for_any_state_name_and_script_root(app: Flask) -> None:
    # Two script roots on one app: a path remembered for one must not serve the other.
    for root in ("", "/voicebot", ""):
        with app.test_request_context("/twilio/voice", base_url=f"http://localhost{root}"):
            for state in STATES:
                for event in ("gather", "silence", "é s"):
                    assert Urls().step(state, 12, event) == url_for(
                        "twilio.step", s=state, t=12, e=event)
