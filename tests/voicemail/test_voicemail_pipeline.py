"""The voicemail pipeline end to end (OM-4, OM-7, OM-9): a caller leaves a spoken message,
Twilio's REST API (the local double, contract-checked) serves the recording, the worker
fetches, transcribes and understands it, and the caller gets one quote SMS, or a person gets
the message. Audio is real speech (espeak-ng), recognized by pocketsphinx."""

from __future__ import annotations

import datetime as dt
import logging
import shutil
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient

from voicebot import db
from voicebot.compiler.registry import registry
from voicebot.devtools.emulator import CallEmulator, new_sid
from voicebot.jobs import cancel, pending, run_due, scheduler
from voicebot.jobs.worker import Worker
from voicebot.journal import entries
from voicebot.models import Message, Quote, Ticket, Voicemail
from voicebot.voicemail.pipeline import job_key, sweep

from support.records import stored
from support.speech import spoken, tone_or_silence
from support.twilio_double import TEST_ACCOUNT_SID, TwilioDouble
from support.voicemails import (
    CAR_SERVICE,
    OMEGA,
    SATURDAY_EVENING,
    deliver_again,
    leave_voicemail,
    post_signed,
    recording_callback,
    the_voicemail,
)
from support.waiting import wait_for

CALLER = "+15035550177"
DISPATCHER = "+15035550111"
DISHWASHER = "Hello, my dishwasher is broken. Please send a technician."
JOB_SEEKER = "Hi, I saw you are hiring. I would like to apply for the technician position."
REPO = Path(__file__).resolve().parents[2]
FINAL = ("quoted", "for-person", "needs-transcription", "unusable", "failed")


@pytest.fixture
def settings(settings: dict[str, Any], twilio_double: TwilioDouble) -> dict[str, Any]:
    return {**settings, "DRY_RUN": False, "TWILIO_API_URL": twilio_double.base_url,
            "TRANSCRIBERS": "pocketsphinx", "RECORDING_RETRY_SECONDS": 0.2}


@pytest.fixture
def after_hours(set_clock: Callable[[str], dt.datetime]) -> dt.datetime:
    return set_clock(SATURDAY_EVENING)


@pytest.fixture
def edit_flow(settings: dict[str, Any], tmp_path: Path,
              request: pytest.FixtureRequest) -> Callable[[str, str, str], None]:
    """Flow files of this test's own; an edit is served once the app's flow watcher has seen
    it (hot reload), which `edit` waits for."""
    folder = tmp_path / "flows"
    shutil.copytree(REPO / "flows", folder)
    settings["FLOWS_DIR"] = str(folder)

    def edit(name: str, old: str, new: str) -> None:
        path = folder / name
        text = path.read_text()
        assert old in text
        path.write_text(text.replace(old, new, 1))
        registry(request.getfixturevalue("app")).check_now()

    return edit


@pytest.fixture
def worker(app: Flask) -> Iterator[Worker]:
    running = Worker(app, tick=0.1).start()
    wait_for(running.leading.is_set)
    yield running
    running.stop()


def caller_dial(dial: Callable[..., CallEmulator], to: str = OMEGA,
                from_: str = CALLER) -> CallEmulator:
    return dial(to, from_=from_, account_sid=TEST_ACCOUNT_SID)


def process(app: Flask, now: dt.datetime) -> Voicemail:
    """At `now` on the engine's clock, run the queued jobs in this thread as the worker would."""
    app.extensions["voicebot.clock"].set(now)
    run_due(app, raise_errors=True, limit=20)
    return the_voicemail(app)


def sms_to(double: TwilioDouble, number: str) -> list[dict[str, Any]]:
    return [m for m in double.messages if m["to"] == number]


@pytest.mark.usefixtures("after_hours", "worker")
def test_om4_om7_a_spoken_voicemail_gets_one_quote_sms_whatever_twilio_repeats(
    app: Flask, dial: Callable[..., CallEmulator], twilio_double: TwilioDouble,
    live_server: str,
) -> None:
    """OM-4, OM-7: the caller who left a spoken message about a broken dishwasher gets the
    quote with the $85 service call from the line's number, exactly once, although Twilio
    delivered the recording callback three times and the media was 404 then 500 at first."""
    app.config["PUBLIC_URL"] = live_server
    caller = caller_dial(dial)
    sid = leave_voicemail(caller, twilio_double, spoken(DISHWASHER), failures=(404, 500))
    callback = recording_callback(caller)
    assert callback.status == 204
    assert deliver_again(live_server, callback) == 204
    assert deliver_again(live_server, callback) == 204

    row = wait_for(lambda: (v := the_voicemail(app)).status in FINAL and v, timeout=30)
    (quote_sms,) = wait_for(lambda: sms_to(twilio_double, CALLER))
    assert row.status == "quoted", row.error
    assert quote_sms["from"] == OMEGA
    assert "dishwasher repair" in quote_sms["body"]
    assert "The service call is $85" in quote_sms["body"]
    assert "Reply YES to approve" in quote_sms["body"]

    fetches = twilio_double.requests_for("GET", rf"/Recordings/{sid}")
    assert [r.status for r in fetches] == [404, 500, 200]
    assert (row.fetch_attempts, row.transcriber) == (3, "pocketsphinx")
    assert "dishwasher" in row.transcript.split()
    assert Path(app.config["RECORDINGS_DIR"], row.audio_path).read_bytes() == spoken(DISHWASHER)
    creates = twilio_double.requests_for("POST", r"/Messages\.json$")
    assert [r.params["StatusCallback"] for r in creates] == [f"{live_server}/twilio/sms/status"]

    # Once more, after the quote went out: still one SMS, and nothing left to do.
    assert deliver_again(live_server, callback) == 204
    with app.app_context():
        scheduler.sweep()  # the recovery sweeps, as the clock queues them
    (quote,) = stored(app, Quote)
    assert (quote.status, quote.service_id, quote.phone) == ("sent", "dishwasher", CALLER)
    assert len(sms_to(twilio_double, CALLER)) == 1
    assert pending(app) == {}

    with db.session_scope(app) as session:
        (entry,) = entries(session, app.extensions["voicebot.flows"])
    assert entry["voicemails"][0]["status"] == "quoted"
    assert entry["voicemails"][0]["quote"]["status"] == "sent"
    assert "The voicemail says: \u201c" in entry["note"]
    assert "A quote was sent by SMS: " in entry["note"]


def test_om4_om9_a_job_seeker_gets_no_quote_and_the_dispatcher_is_told(
    app: Flask, dial: Callable[..., CallEmulator], twilio_double: TwilioDouble,
    after_hours: dt.datetime,
) -> None:
    """OM-4: a message that is not a request for service gets no quote; OM-9: it becomes a
    ticket, and the dispatcher hears of it by SMS."""
    leave_voicemail(caller_dial(dial), twilio_double, spoken(JOB_SEEKER))
    row = process(app, after_hours)
    assert row.status == "for-person"
    assert row.understanding["reason"] == "job_seeker"
    assert sms_to(twilio_double, CALLER) == []
    (notice,) = sms_to(twilio_double, DISPATCHER)
    assert notice["from"] == OMEGA
    assert notice["body"].startswith(f"Voicemail from {CALLER} needs a person (a job seeker):")
    (ticket,) = stored(app, Ticket, kind="voicemail")
    assert (ticket.phone, ticket.assign_role) == (CALLER, "dispatcher")
    assert "hiring" in ticket.fields["transcript"]
    assert stored(app, Quote) == []


def test_om9_a_russian_line_without_a_recognizer_says_so_and_tells_its_staff(
    edit_flow: Callable[[str, str, str], None], app: Flask, dial: Callable[..., CallEmulator],
    twilio_double: TwilioDouble, after_hours: dt.datetime, caplog: pytest.LogCaptureFixture,
) -> None:
    """No Vosk model for Russian and no other recognizer that speaks it: the voicemail is
    marked `no_recognizer`, the log says what to set, and the master consultant gets an SMS in
    Russian."""
    edit_flow("car_service.yaml", "    no_input: goodbye\n    no_match: question_topic",
              "    no_input: take_message\n    no_match: question_topic")
    app.config.update(TRANSCRIBERS="vosk,twilio,whisper,pocketsphinx", VOSK_MODEL_RU=None)
    caller = caller_dial(dial, CAR_SERVICE, "+79165550177")
    caller.start()
    while caller.turn.waiting == "gather":  # silence at the menu leads to the voicemail
        caller.silence()
    assert caller.turn.waiting == "record", caller.turn.heard
    sid = new_sid("RE")
    twilio_double.add_recording(sid, spoken("Добрый день, у меня стучит подвеска", voice="ru"))
    with caplog.at_level(logging.ERROR, logger="voicebot.voicemail"):
        caller.record(5, recording_sid=sid)
        row = process(app, after_hours)
    assert (row.status, row.error) == ("needs-transcription", "no_recognizer")
    (logged,) = [r.getMessage() for r in caplog.records if "no speech recognizer" in r.getMessage()]
    assert "no speech recognizer for ru-RU" in logged
    assert "set VOICEBOT_VOSK_MODEL_RU" in logged
    assert "pocketsphinx: its bundled model is English only, not ru-RU" in logged
    (notice,) = sms_to(twilio_double, "+79005550111")
    assert notice["body"].startswith("Сообщение от +79165550177 требует человека "
                                     "(нет распознавания речи): не расшифровано")
    assert sms_to(twilio_double, "+79165550177") == []


@pytest.mark.parametrize(("url", "why"), [
    ("http://169.254.169.254/latest/meta-data/iam", "not on the Twilio API host"),
    ("https://api.twilio.com.evil.example/2010-04-01/Accounts/{account}/Recordings/{sid}",
     "not on the Twilio API host"),
    ("https://api.twilio.com/2010-04-01/Accounts/AC" + "f" * 32 + "/Recordings/{sid}",
     "a recording of another Twilio account"),
    ("https://api.twilio.com/2010-04-01/Accounts/{account}/Calls/{sid}", "not a recording's URL"),
])
def test_recording_urls_we_do_not_trust_are_refused_and_said_why(
    app: Flask, dial_inprocess: Callable[..., CallEmulator], twilio_double: TwilioDouble,
    after_hours: dt.datetime, url: str, why: str, caplog: pytest.LogCaptureFixture,
) -> None:
    """A signed callback is no licence to make the server fetch any URL: the voicemail
    is refused, logged, and a person gets it with the reason."""
    sid = new_sid("RE")
    leave_voicemail(caller_dial(dial_inprocess), twilio_double, spoken(DISHWASHER), sid=sid,
                    url=url.format(account=TEST_ACCOUNT_SID, sid=sid))
    with caplog.at_level(logging.ERROR, logger="voicebot.voicemail"):
        row = process(app, after_hours)
    assert (row.status, row.fetch_attempts, row.error) == ("failed", 0, "fetch_failed")
    assert any(r.getMessage().startswith(f"voicemail {row.id}: refused to fetch")
               and why in r.getMessage() for r in caplog.records)
    assert twilio_double.requests_for("GET", "/Recordings/") == []
    (notice,) = sms_to(twilio_double, DISPATCHER)
    assert "(the recording could not be fetched)" in notice["body"]


def test_silent_audio_goes_to_a_person_with_the_reason(
    app: Flask, dial: Callable[..., CallEmulator], twilio_double: TwilioDouble,
    after_hours: dt.datetime, caplog: pytest.LogCaptureFixture,
) -> None:
    leave_voicemail(caller_dial(dial), twilio_double, tone_or_silence(4.0))
    with caplog.at_level(logging.WARNING, logger="voicebot.voicemail"):
        row = process(app, after_hours)
    assert (row.status, row.error) == ("unusable", "empty_recording")
    assert any(f"voicemail {row.id}: the recording is silent (4.0 s" in r.getMessage()
               for r in caplog.records)
    (notice,) = sms_to(twilio_double, DISPATCHER)
    assert "(the recording is unusable)" in notice["body"]
    assert sms_to(twilio_double, CALLER) == []


def test_fetching_backs_off_then_a_person_gets_the_voicemail(
    app: Flask, dial: Callable[..., CallEmulator], twilio_double: TwilioDouble,
    after_hours: dt.datetime, caplog: pytest.LogCaptureFixture,
) -> None:
    """Twilio keeps failing: tries are spaced 0.2, 0.4 s apart (the setting doubles), the
    job is rescheduled rather than slept on, and after the last try a person is told."""
    app.config["RECORDING_FETCH_TRIES"] = 3
    sid = leave_voicemail(caller_dial(dial), twilio_double, spoken(DISHWASHER),
                          failures=(503, 503, 503))
    clock = app.extensions["voicebot.clock"]
    key = job_key(the_voicemail(app).id)

    def at(seconds: float) -> tuple[int, int]:
        """Move the clock on and run what is due: (jobs run, recording fetches so far)."""
        clock.set(after_hours + dt.timedelta(seconds=seconds))
        ran = run_due(app, raise_errors=True)
        return ran, len(twilio_double.requests_for("GET", rf"/Recordings/{sid}"))

    assert at(0) == (1, 1)
    assert pending(app) == {key: after_hours + dt.timedelta(seconds=0.2)}
    assert at(0.1) == (0, 1)
    assert at(0.2) == (1, 2)
    assert pending(app) == {key: after_hours + dt.timedelta(seconds=0.6)}
    assert at(0.5) == (0, 2)
    with caplog.at_level(logging.ERROR, logger="voicebot.voicemail"):
        assert at(0.6) == (1, 3)
    row = the_voicemail(app)
    assert (row.status, row.error) == ("failed", "fetch_failed")
    assert any(r.getMessage() == f"voicemail {row.id}: the recording could not be fetched in 3 "
               "tries: Twilio answered HTTP 503" for r in caplog.records)
    assert len(sms_to(twilio_double, DISPATCHER)) == 1
    assert pending(app) == {}


def test_the_sweep_restarts_a_voicemail_a_crash_left_half_done(
    app: Flask, dial: Callable[..., CallEmulator], twilio_double: TwilioDouble,
    after_hours: dt.datetime,
) -> None:
    leave_voicemail(caller_dial(dial), twilio_double, spoken(DISHWASHER))
    row = the_voicemail(app)
    assert pending(app) == {job_key(row.id): after_hours}
    assert cancel(app, job_key(row.id))  # the job store lost it: a crash between two stages
    sweep(app, after_hours)
    assert pending(app) == {}  # untouched for less than STUCK_AFTER (real time): not stuck
    app.config["STUCK_AFTER"] = 0.0
    sweep(app, after_hours)
    assert list(pending(app)) == [job_key(row.id)]
    assert process(app, after_hours).status == "quoted"


TRANSCRIBE = ("    quote: true\n", "    quote: true\n    transcribe: true\n")


def test_twilio_transcription_is_used_when_the_step_asks_for_it(
    edit_flow: Callable[[str, str, str], None], app: Flask, client: FlaskClient,
    dial_inprocess: Callable[..., CallEmulator], twilio_double: TwilioDouble,
    after_hours: dt.datetime,
) -> None:
    """`transcribe: true`: <Record> asks Twilio for its text with a transcribeCallback; the
    voicemail waits for the text, then uses it instead of a local recognizer."""
    edit_flow("omega.yaml", *TRANSCRIBE)
    app.config["TRANSCRIBERS"] = "vosk,twilio,pocketsphinx"
    app.config["VOSK_MODEL_EN"] = None
    caller = dial_inprocess(OMEGA, from_=CALLER, account_sid=TEST_ACCOUNT_SID)
    sid = leave_voicemail(caller, twilio_double, spoken(JOB_SEEKER))
    record_twiml = next(t for t in caller.turns[0].twiml if "<Record" in t)
    assert 'transcribeCallback="http://localhost/twilio/transcription"' in record_twiml

    row = process(app, after_hours)
    assert row.status == "fetched"  # waiting for Twilio's text
    waiting_until = row.created_at + dt.timedelta(seconds=120)
    assert pending(app) == {job_key(row.id): waiting_until}
    answer = post_signed(client, "/twilio/transcription", {
        "RecordingSid": sid, "CallSid": caller.call_sid, "TranscriptionSid": new_sid("TR"),
        "TranscriptionStatus": "completed", "AccountSid": TEST_ACCOUNT_SID,
        "TranscriptionText": "Hi, this is Ann. My dryer stopped drying."})
    assert answer.status_code == 204
    row = process(app, after_hours)
    assert (row.status, row.transcriber) == ("quoted", "twilio")
    assert row.twilio_transcript == "Hi, this is Ann. My dryer stopped drying."
    (quote,) = sms_to(twilio_double, CALLER)
    assert quote["body"].startswith("Hi Ann, this is Omega Tech Service.")
    assert "dryer repair" in quote["body"]


def test_the_quote_waits_no_longer_than_the_setting_for_twilio_text(
    edit_flow: Callable[[str, str, str], None], app: Flask,
    dial_inprocess: Callable[..., CallEmulator], twilio_double: TwilioDouble,
    after_hours: dt.datetime,
) -> None:
    edit_flow("omega.yaml", *TRANSCRIBE)
    app.config.update(TRANSCRIBERS="twilio,pocketsphinx", TWILIO_TRANSCRIPTION_WAIT=60.0)
    caller = dial_inprocess(OMEGA, from_=CALLER, account_sid=TEST_ACCOUNT_SID)
    leave_voicemail(caller, twilio_double, spoken(DISHWASHER))
    assert process(app, after_hours).status == "fetched"
    row = process(app, after_hours + dt.timedelta(seconds=60))
    assert (row.status, row.transcriber) == ("quoted", "pocketsphinx")
    assert len(stored(app, Message, to_number=CALLER)) == 1


def test_a_recording_that_is_no_audio_is_kept_for_a_person_as_a_failed_transcription(
    app: Flask, dial: Callable[..., CallEmulator], twilio_double: TwilioDouble,
    after_hours: dt.datetime, caplog: pytest.LogCaptureFixture,
) -> None:
    """What Twilio served is not a WAV file: not an empty message, a transcription that
    failed; the reason is in the log, not on the desk."""
    leave_voicemail(caller_dial(dial), twilio_double, b"ID3\x03\x00\x00\x00" + b"\x00" * 4000)
    with caplog.at_level(logging.WARNING, logger="voicebot.voicemail"):
        row = process(app, after_hours)
    assert (row.status, row.error) == ("unusable", "transcription_failed")
    assert any(f"voicemail {row.id}: not a WAV audio file" in r.getMessage()
               for r in caplog.records)
    assert Path(app.config["RECORDINGS_DIR"], row.audio_path).is_file()
    (notice,) = sms_to(twilio_double, DISPATCHER)
    assert "(the recording is unusable)" in notice["body"]


@pytest.mark.slow
def test_live_a_file_already_in_the_recordings_folder_is_not_taken_for_the_recording(
    app: Flask, dial: Callable[..., CallEmulator], twilio_double: TwilioDouble,
    after_hours: dt.datetime,
) -> None:
    """Only a dry-run server takes the emulator's audio from the recordings folder (the tour's
    voicemail); a live one fetches every recording from Twilio, whatever lies in the folder."""
    sid = new_sid("RE")
    folder = Path(app.config["RECORDINGS_DIR"])
    folder.mkdir(parents=True, exist_ok=True)
    (folder / f"{sid}.wav").write_bytes(spoken(JOB_SEEKER))
    leave_voicemail(caller_dial(dial), twilio_double, spoken(DISHWASHER), sid=sid)
    row = process(app, after_hours)
    assert [r.status for r in twilio_double.requests_for("GET", rf"/Recordings/{sid}")] == [200]
    assert row.status == "quoted"
    assert "dishwasher" in row.transcript.split()
