"""The database stops answering (a restart, a failover, a cut network) while calls come in.

What a caller gets: a call starting now is answered 503 at once, so Twilio runs the number's
fallback URL, /twilio/fallback, which needs no database: the line's apology, then a message
after the beep. A call already in progress gets the same answer directly (Twilio has no
fallback for mid-call URLs). The recording callback and SMS that come meanwhile are kept in
the instance folder and applied when the database answers again: the dispatcher finds the
message, with the caller's number, on the right line."""

from __future__ import annotations

import html
import re
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from flask import Flask
from sqlalchemy import make_url

from voicebot.devtools.emulator import new_sid
from voicebot.models import Call, Message, Voicemail

from support.cut_link import CutLink
from support.records import stored
from support.signed import CALLER, OMEGA, post, start_call
from support.waiting import wait_for

APOLOGY = "We're sorry, something went wrong on our side. Please leave us a message"


@pytest.fixture
def database_url(postgresql_url: str) -> str:
    """PostgreSQL only: SQLite is a file in the process, with no server to lose."""
    return postgresql_url


@pytest.fixture
def link(database_url: str) -> Iterator[CutLink]:
    url = make_url(database_url)
    link = CutLink(url.host or "127.0.0.1", url.port or 5432)
    yield link
    link.close()


@pytest.fixture
def app(make_app: Callable[..., Flask], database_url: str, link: CutLink) -> Flask:
    through = make_url(database_url).set(host="127.0.0.1", port=link.port)
    return make_app(DATABASE_URL=through.render_as_string(hide_password=False))


def test_while_the_database_is_down_callers_leave_messages_that_are_kept(
    app: Flask, link: CutLink
) -> None:
    client = app.test_client()
    in_progress = new_sid("CA")
    first = start_call(client, in_progress, from_="+15035550142")
    step_url = html.unescape(re.search(r'action="([^"]+)"', first).group(1))  # type: ignore[union-attr]

    link.cut()
    sid = new_sid("CA")
    call = {"CallSid": sid, "From": CALLER, "To": OMEGA, "CallStatus": "ringing"}
    began = time.monotonic()
    status, body = post(client, "/twilio/voice", call)
    assert status == 503 and time.monotonic() - began < 3, body
    assert "Traceback" not in body

    # Twilio runs the fallback URL, which answers without the database.
    status, body = post(client, "/twilio/fallback", {**call, "ErrorCode": "11200"})
    assert status == 200 and APOLOGY in body
    assert "<Record" in body and 'action="/twilio/fallback/done"' in body
    callback = html.unescape(re.search(r'recordingStatusCallback="([^"]+)"', body).group(1))  # type: ignore[union-attr]
    assert callback.startswith("http://localhost/twilio/recording?")

    # The caller of the call in progress answers the menu: the same chance to leave a message.
    status, body = post(client, step_url, {"CallSid": in_progress, "From": "+15035550142",
                                           "To": OMEGA, "Digits": "1"})
    assert status == 200 and APOLOGY in body and "<Record" in body

    rec_sid = new_sid("RE")
    status, _ = post(client, callback.removeprefix("http://localhost"), {
        "CallSid": sid, "RecordingSid": rec_sid, "RecordingStatus": "completed",
        "RecordingDuration": "9",
        "RecordingUrl": f"https://api.twilio.com/2010-04-01/Accounts/AC1/Recordings/{rec_sid}"})
    assert status == 204  # kept: Twilio does not send it again
    sms = new_sid("SM")
    status, body = post(client, "/twilio/sms", {"MessageSid": sms, "From": CALLER, "To": OMEGA,
                                                "Body": "please call me back"})
    assert status == 200 and "Traceback" not in body
    assert post(client, "/twilio/fallback/done", call)[0] == 200

    link.mend()
    start_call(client, new_sid("CA"))  # the next call finds the database answering
    voicemail = wait_for(lambda: stored(app, Voicemail, recording_sid=rec_sid), what="the voicemail")[0]
    assert voicemail.from_number == CALLER and voicemail.flow_id == "omega"
    (journal,) = stored(app, Call, sid=sid)
    assert journal.outcome == "voicemail" and journal.ended_at is not None
    assert voicemail.call_id == journal.id
    assert wait_for(lambda: stored(app, Message, sid=sms), what="the SMS")[0].body == "please call me back"
    assert not list(Path(app.instance_path).glob("spool/*"))  # nothing left over
