"""The call emulator against a tiny TwiML app defined here (not the product)."""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import get_args

import pytest
from flask import Flask, Response, request
from twilio.request_validator import RequestValidator
from twilio.twiml.voice_response import Dial, Gather, VoiceResponse
from werkzeug.serving import make_server

from voicebot.devtools import scripted_call
from voicebot.devtools.emulator import (
    CallEmulator,
    CallStateError,
    HttpTransport,
    WsgiTransport,
)
from voicebot.devtools.repl import interactive
from voicebot.devtools.scripted_call import ScriptError, load_script, parse_script, run_script

TOKEN = "test-auth-token"
PUBLIC = "http://127.0.0.1:5000"
TO = "+15555550100"

Handler = Callable[[dict[str, str]], VoiceResponse | str]


@dataclass
class Hit:
    path: str
    query: str
    form: dict[str, str]


@dataclass
class TwimlApp:
    """Routes path -> handler; every request must carry a valid Twilio signature."""

    routes: dict[str, Handler]
    hits: list[Hit] = field(default_factory=list)

    def flask(self) -> Flask:
        app = Flask("twiml-test-app")
        validator = RequestValidator(TOKEN)

        @app.post("/", defaults={"path": ""})
        @app.post("/<path:path>")
        def handle(path: str) -> Response:
            form = request.form.to_dict()
            if not validator.validate(
                request.url, form, request.headers.get("X-Twilio-Signature", "")
            ):
                return Response("bad signature", status=403)
            self.hits.append(Hit("/" + path, request.query_string.decode(), form))
            handler = self.routes.get("/" + path)
            if handler is None:
                return Response("", status=404)
            body = handler(form)
            return Response(str(body), mimetype="text/xml")

        return app

    def at(self, path: str) -> list[Hit]:
        return [h for h in self.hits if h.path == path]


def emulator_for(app: TwimlApp, token: str = TOKEN) -> CallEmulator:
    return CallEmulator(
        WsgiTransport(app.flask(), base_url=PUBLIC), auth_token=token, public_url=PUBLIC, to=TO
    )


def ok(_: dict[str, str]) -> str:
    return ""


def say(*texts: str, hangup: bool = False) -> Handler:
    def handler(_: dict[str, str]) -> VoiceResponse:
        response = VoiceResponse()
        for text in texts:
            response.say(text)
        if hangup:
            response.hangup()
        return response

    return handler


def menu(_: dict[str, str]) -> VoiceResponse:
    response = VoiceResponse()
    gather = Gather(
        input="dtmf speech",
        action="/twilio/voice/step?s=menu&t=2",
        num_digits=1,
        hints="fridge, washer",
        language="en-US",
    )
    gather.say("Thank you for calling. Press 1 for repairs.")
    response.append(gather)
    response.say("We did not get that.")
    response.redirect("/twilio/voice/step?s=again")
    return response


def repeat(_: dict[str, str]) -> VoiceResponse:
    response = VoiceResponse()
    response.say("Goodbye.")
    response.hangup()
    return response


def status_hits(app: TwimlApp) -> list[Hit]:
    return app.at("/twilio/voice/status")


BASE_ROUTES: dict[str, Handler] = {
    "/twilio/voice": menu,
    "/twilio/voice/status": ok,
    "/twilio/recording": ok,
}


def make_app(**routes: Handler) -> TwimlApp:
    extra = {"/" + k.replace("__", "/"): v for k, v in routes.items()}
    return TwimlApp({**BASE_ROUTES, **extra})


# ---------------------------------------------------------------- signatures & params


def test_start_posts_signed_ringing_call_and_stops_at_gather() -> None:
    app = make_app()
    call = emulator_for(app)
    turn = call.start()
    assert turn.heard == ["Thank you for calling. Press 1 for repairs."]
    assert turn.waiting == "gather" and turn.gather is not None
    assert turn.gather.input == {"dtmf", "speech"}
    assert turn.gather.num_digits == 1
    assert turn.gather.hints == ("fridge", "washer")
    assert turn.gather.action == PUBLIC + "/twilio/voice/step?s=menu&t=2"
    assert turn.status_codes == [200]
    form = app.at("/twilio/voice")[0].form
    assert form["CallStatus"] == "ringing"
    assert form["To"] == form["Called"] == TO
    assert form["From"] == form["Caller"] == "+15555550123"
    assert form["Direction"] == "inbound" and form["ApiVersion"] == "2010-04-01"
    assert form["CallSid"].startswith("CA") and len(form["CallSid"]) == 34


def test_bad_signature_is_reported_as_application_error() -> None:
    app = make_app()
    call = emulator_for(app, token="wrong-token")
    turn = call.start()
    assert turn.status_codes[0] == 403
    assert turn.heard == ["[application error]"]
    assert any("403" in e for e in turn.errors)
    assert turn.ended and call.ended
    assert app.hits == []  # nothing got past the signature check


# ---------------------------------------------------------------- gather


def test_press_posts_digits_to_relative_action_with_query() -> None:
    app = make_app(twilio__voice__step=say("Repairs it is.", hangup=True))
    call = emulator_for(app)
    call.start()
    turn = call.press("1")
    step = app.at("/twilio/voice/step")[0]
    assert step.query == "s=menu&t=2"
    assert step.form["Digits"] == "1"
    assert step.form["CallStatus"] == "in-progress"
    assert turn.heard == ["Repairs it is."]
    assert turn.ended
    assert len(status_hits(app)) == 1
    assert status_hits(app)[0].form["CallStatus"] == "completed"
    assert int(status_hits(app)[0].form["CallDuration"]) > 0


def test_press_respects_num_digits_and_finish_key() -> None:
    app = make_app(twilio__voice__step=say("ok", hangup=True))
    call = emulator_for(app)
    call.start()
    turn = call.press("12")
    assert app.at("/twilio/voice/step")[0].form["Digits"] == "1"
    assert turn.notes  # the extra key was dropped, and we say so


def test_say_posts_speech_result_and_confidence() -> None:
    app = make_app(twilio__voice__step=say("Sorry about the fridge.", hangup=True))
    call = emulator_for(app)
    call.start()
    call.say("my fridge is broken", confidence=0.5)
    form = app.at("/twilio/voice/step")[0].form
    assert form["SpeechResult"] == "my fridge is broken"
    assert form["Confidence"] == "0.5"
    assert "Digits" not in form


def test_silence_falls_through_to_verbs_after_gather_and_follows_redirect() -> None:
    app = make_app(twilio__voice__step=repeat)
    call = emulator_for(app)
    call.start()
    turn = call.silence()
    assert turn.heard == ["We did not get that.", "Goodbye."]
    assert app.at("/twilio/voice/step")[0].query == "s=again"
    assert "Digits" not in app.at("/twilio/voice/step")[0].form
    assert turn.ended
    assert len(status_hits(app)) == 1


def test_silence_with_nothing_after_gather_ends_the_call() -> None:
    def lone_gather(_: dict[str, str]) -> VoiceResponse:
        response = VoiceResponse()
        response.gather(action="/next").say("Press something.")
        return response

    app = make_app(twilio__voice=lone_gather)
    call = emulator_for(app)
    call.start()
    turn = call.silence()
    assert turn.heard == [] and turn.ended
    assert app.at("/next") == []
    assert len(status_hits(app)) == 1


def test_press_on_speech_only_gather_is_refused() -> None:
    def speech_only(_: dict[str, str]) -> VoiceResponse:
        response = VoiceResponse()
        response.gather(input="speech", action="/next").say("Tell me.")
        return response

    call = emulator_for(make_app(twilio__voice=speech_only))
    call.start()
    with pytest.raises(CallStateError, match="speech only"):
        call.press("1")


# ---------------------------------------------------------------- record


def voicemail(_: dict[str, str]) -> VoiceResponse:
    response = VoiceResponse()
    response.say("Leave a message after the beep.")
    response.record(
        action="/twilio/voice/step?s=saved",
        max_length=30,
        finish_on_key="#",
        recording_status_callback="/twilio/recording",
    )
    response.say("I did not hear anything.")
    return response


def test_record_posts_action_then_recording_status_callback() -> None:
    app = make_app(twilio__voice=voicemail, twilio__voice__step=say("Thanks, bye.", hangup=True))
    call = emulator_for(app)
    turn = call.start()
    assert turn.heard == ["Leave a message after the beep.", "[beep]"]
    assert turn.waiting == "record" and turn.record is not None
    assert turn.record.status_callback == PUBLIC + "/twilio/recording"
    turn = call.record(15, finish="#")
    assert [h.path for h in app.hits[1:]] == [
        "/twilio/voice/step",
        "/twilio/recording",
        "/twilio/voice/status",
    ]
    action = app.at("/twilio/voice/step")[0].form
    assert action["RecordingDuration"] == "15"
    assert action["Digits"] == "#"
    assert action["RecordingSid"].startswith("RE") and len(action["RecordingSid"]) == 34
    assert action["RecordingSid"] in action["RecordingUrl"]
    callback = app.at("/twilio/recording")[0].form
    assert callback["RecordingStatus"] == "completed"
    assert callback["RecordingSid"] == action["RecordingSid"]
    assert callback["RecordingSource"] == "RecordVerb"
    assert callback["RecordingChannels"] == "1"
    assert callback["CallSid"] == call.call_sid
    assert turn.heard == ["Thanks, bye."]


def test_record_then_hangup_posts_action_but_plays_nothing_more() -> None:
    app = make_app(twilio__voice=voicemail, twilio__voice__step=say("Thanks, bye."))
    call = emulator_for(app)
    call.start()
    turn = call.record(8, recording_sid="RE" + "1" * 32, recording_url="https://rec/1")
    action = app.at("/twilio/voice/step")[0].form
    assert action["Digits"] == "hangup" and action["RecordingUrl"] == "https://rec/1"
    assert action["CallStatus"] == "completed"
    assert turn.heard == [] and turn.ended
    assert len(app.at("/twilio/recording")) == 1
    assert len(status_hits(app)) == 1


def test_record_silence_skips_action_and_continues() -> None:
    app = make_app(twilio__voice=voicemail)
    call = emulator_for(app)
    call.start()
    turn = call.silence()
    assert turn.heard == ["I did not hear anything."]
    assert app.at("/twilio/voice/step") == [] and app.at("/twilio/recording") == []
    assert turn.ended


# ---------------------------------------------------------------- dial


def forward(_: dict[str, str]) -> VoiceResponse:
    response = VoiceResponse()
    dial = Dial(action="/twilio/voice/step?s=dialled", timeout=20, caller_id="+15555550100")
    dial.number("+15555559999")
    response.append(dial)
    return response


def test_dial_action_gets_dial_call_status() -> None:
    app = make_app(twilio__voice=forward, twilio__voice__step=say("Nobody answered.", hangup=True))
    call = emulator_for(app)
    turn = call.start()
    assert turn.waiting == "dial" and turn.dial is not None
    assert turn.dial.numbers == ("+15555559999",) and turn.dial.timeout == 20
    turn = call.dial_result("no-answer")
    form = app.at("/twilio/voice/step")[0].form
    assert form["DialCallStatus"] == "no-answer"
    assert "DialCallDuration" not in form
    assert turn.heard == ["Nobody answered."]


def test_dial_completed_reports_duration_and_no_action_continues() -> None:
    def bare_dial(_: dict[str, str]) -> VoiceResponse:
        response = VoiceResponse()
        response.dial("+15555559999")
        response.say("After the dial.")
        return response

    app = make_app(twilio__voice=bare_dial)
    call = emulator_for(app)
    call.start()
    turn = call.dial_result("answered", duration=42)
    assert turn.heard == ["After the dial."] and turn.ended

    app = make_app(twilio__voice=forward, twilio__voice__step=ok)
    call = emulator_for(app)
    call.start()
    call.dial_result("completed", duration=42)
    assert app.at("/twilio/voice/step")[0].form["DialCallDuration"] == "42"


# ---------------------------------------------------------------- enqueue


def enqueue(_: dict[str, str]) -> VoiceResponse:
    response = VoiceResponse()
    response.enqueue("support", action="/twilio/voice/step?s=queued", wait_url="/wait")
    return response


def wait(form: dict[str, str]) -> VoiceResponse:
    response = VoiceResponse()
    response.say(f"You are number {form['QueuePosition']} in line.")
    response.play("https://example.com/hold.mp3")
    return response


def test_enqueue_fetches_wait_url_with_queue_position() -> None:
    app = make_app(
        twilio__voice=enqueue,
        wait=wait,
        twilio__voice__step=say("Thanks for holding.", hangup=True),
    )
    call = emulator_for(app)
    turn = call.start()
    assert turn.waiting == "queue" and turn.queue is not None and turn.queue.name == "support"
    assert turn.heard == ["You are number 1 in line.", "[play https://example.com/hold.mp3]"]
    first = app.at("/wait")[0].form
    assert first["QueuePosition"] == "1"
    assert first["QueueSid"].startswith("QU")
    assert {"QueueTime", "AvgQueueTime", "CurrentQueueSize"} <= first.keys()

    turn = call.queue_position(2)
    assert turn.heard[0] == "You are number 2 in line."
    assert app.at("/wait")[1].form["QueuePosition"] == "2"
    assert int(app.at("/wait")[1].form["QueueTime"]) >= 30

    turn = call.queue_result("bridged")
    action = app.at("/twilio/voice/step")[0].form
    assert action["QueueResult"] == "bridged"
    assert action["QueueSid"] == first["QueueSid"]
    assert turn.heard == ["Thanks for holding."] and turn.ended


def test_leave_in_wait_url_posts_queue_result_leave() -> None:
    def leave(_: dict[str, str]) -> VoiceResponse:
        response = VoiceResponse()
        response.say("Everyone is busy.")
        response.leave()
        return response

    app = make_app(twilio__voice=enqueue, wait=leave, twilio__voice__step=say("Voicemail then."))
    turn = emulator_for(app).start()
    assert app.at("/twilio/voice/step")[0].form["QueueResult"] == "leave"
    assert turn.heard == ["Everyone is busy.", "Voicemail then."]
    assert turn.ended


def test_hangup_in_queue_posts_queue_result_hangup() -> None:
    app = make_app(twilio__voice=enqueue, wait=wait, twilio__voice__step=say("unheard"))
    call = emulator_for(app)
    call.start()
    turn = call.hangup()
    assert app.at("/twilio/voice/step")[0].form["QueueResult"] == "hangup"
    assert turn.heard == [] and turn.ended
    assert len(status_hits(app)) == 1


# ---------------------------------------------------------------- ending


def test_caller_hangup_sends_exactly_one_status_callback() -> None:
    app = make_app()
    call = emulator_for(app)
    call.start()
    turn = call.hangup()
    assert turn.ended and call.ended
    assert len(status_hits(app)) == 1
    assert status_hits(app)[0].form["CallStatus"] == "completed"
    with pytest.raises(CallStateError):
        call.hangup()
    with pytest.raises(CallStateError):
        call.press("1")
    assert len(status_hits(app)) == 1


def test_unknown_verb_is_an_error_not_skipped() -> None:
    app = make_app(twilio__voice=lambda _: "<Response><Say>Hi</Say><Dance/></Response>")
    turn = emulator_for(app).start()
    assert turn.heard == ["[application error]"]
    assert any("<Dance>" in e for e in turn.errors)
    assert turn.ended and len(status_hits(app)) == 1


def test_server_error_ends_call_with_application_error() -> None:
    def boom(_: dict[str, str]) -> str:
        raise RuntimeError("boom")

    app = make_app(twilio__voice__step=boom)
    call = emulator_for(app)
    call.start()
    turn = call.press("1")
    assert 500 in turn.status_codes
    assert turn.heard == ["[application error]"] and turn.ended
    assert len(status_hits(app)) == 1


def test_reject_ends_with_busy_status() -> None:
    app = make_app(twilio__voice=lambda _: '<Response><Reject reason="busy"/></Response>')
    turn = emulator_for(app).start()
    assert turn.ended
    assert status_hits(app)[0].form["CallStatus"] == "busy"
    assert status_hits(app)[0].form["CallDuration"] == "0"


# ---------------------------------------------------------------- scripted calls

GOOD_SCRIPT = """\
name: repairs by keypad
to: "+15555550100"
steps:
  - expect: "thank you for calling"
  - press: "1"
  - expect: ["leave a message", "beep"]
  - expect_not: goodbye
  - record: {seconds: 15, finish: "#"}
  - expect: Thanks, bye
  - expect_end: true
"""

BAD_SCRIPT = """\
to: "+15555550100"
steps:
  - expect: "thank you for calling"
  - press: "1"
  - expect: "transferring you to an agent"
  - hangup: true
"""


def script_routes() -> TwimlApp:
    def step(form: dict[str, str]) -> VoiceResponse:
        if "RecordingSid" in form:
            return say("Thanks, bye.", hangup=True)(form)
        return voicemail(form)

    return make_app(twilio__voice__step=step)


def test_scripted_call_passes(tmp_path: Path) -> None:
    path = tmp_path / "good.yaml"
    path.write_text(GOOD_SCRIPT)
    script = load_script(path)
    assert script.name == "repairs by keypad" and script.to == TO
    app = script_routes()
    result = run_script(
        script,
        lambda s: CallEmulator(
            WsgiTransport(app.flask(), base_url=PUBLIC),
            auth_token=TOKEN,
            public_url=PUBLIC,
            to=s.to or TO,
            from_=s.from_,
        ),
    )
    assert result.ok, result.report()
    assert all(s.ok for s in result.steps) and len(result.steps) == 7
    assert "CALLER: presses 1" in result.transcript
    assert "BOT: Thanks, bye." in result.transcript
    assert len(status_hits(app)) == 1


def test_scripted_call_failure_names_step_line_and_what_was_heard(tmp_path: Path) -> None:
    path = tmp_path / "bad.yaml"
    path.write_text(BAD_SCRIPT)
    app = script_routes()
    result = run_script(load_script(path), lambda _s: emulator_for(app))
    assert not result.ok
    assert result.failure is not None
    assert result.failure.startswith(f"{path}:5: step 3 (expect: 'transferring you to an agent')")
    assert "Leave a message after the beep." in result.failure
    assert [s.ok for s in result.steps] == [True, True, False]
    # The script stopped early, but the call was still hung up so the server saw it end.
    assert len(status_hits(app)) == 1


def test_scripted_call_fails_on_application_error() -> None:
    script = parse_script('to: "+1"\nsteps:\n  - press: "1"\n', "s.yaml")
    app = make_app(twilio__voice__step=lambda _: "not xml")
    result = run_script(script, lambda _s: emulator_for(app))
    assert result.failure is not None
    assert result.failure.startswith("s.yaml:3: step 1 (press: '1'): gather:")
    assert "not XML" in result.failure


def test_script_errors_carry_file_and_line() -> None:
    text = """\
to: +15555550100
steps:
  - expect: hello
  - press: "12a"
  - dial: maybe
  - jump: true
  - record: {seconds: 5, finish: "x"}
"""
    with pytest.raises(ScriptError) as caught:
        parse_script(text, "flows/calls/x.yaml")
    problems = caught.value.problems
    assert problems[0].startswith("flows/calls/x.yaml:1: to must be a quoted phone number")
    assert problems[1].startswith("flows/calls/x.yaml:4: step 2: press:")
    assert problems[2].startswith("flows/calls/x.yaml:5: step 3: dial:")
    assert problems[3].startswith("flows/calls/x.yaml:6: step 4: unknown step 'jump'")
    assert problems[4].startswith("flows/calls/x.yaml:7: step 5: record:")


# ---------------------------------------------------------------- interactive


def test_interactive_prompts_by_what_the_call_waits_for() -> None:
    app = make_app(
        twilio__voice__step=lambda form: (
            voicemail(form)
            if "Digits" in form and form["Digits"] != "hangup"
            else say("Bye.", hangup=True)(form)
        )
    )
    answers = iter(["1", "7"])
    prompts: list[str] = []
    printed: list[str] = []

    def ask(prompt: str) -> str:
        prompts.append(prompt)
        return next(answers)

    last = interactive(emulator_for(app), input_fn=ask, print_fn=printed.append)
    assert last.ended
    assert "keys or speech" in prompts[0] and "[recording]" in prompts[1]
    assert "  bot: Thank you for calling. Press 1 for repairs." in printed
    assert printed[-1] == "-- call ended --"
    assert app.at("/twilio/voice/step")[1].form["RecordingDuration"] == "7"


def test_interactive_eof_hangs_up() -> None:
    app = make_app()

    def eof(_: str) -> str:
        raise EOFError

    assert interactive(emulator_for(app), input_fn=eof, print_fn=lambda _: None).ended
    assert len(status_hits(app)) == 1


# ---------------------------------------------------------------- real HTTP


@pytest.fixture()
def http_server() -> Iterator[tuple[str, TwimlApp]]:
    app = make_app(twilio__voice__step=say("Repairs it is.", hangup=True))
    server = make_server("127.0.0.1", 0, app.flask())
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_port}", app
    finally:
        server.shutdown()
        thread.join(timeout=5)


@pytest.mark.e2e
def test_over_real_http(http_server: tuple[str, TwimlApp]) -> None:
    base, app = http_server
    call = CallEmulator(HttpTransport(base), auth_token=TOKEN, public_url=base, to=TO)
    assert call.start().waiting == "gather"
    turn = call.press("1")
    assert turn.heard == ["Repairs it is."] and turn.ended
    assert [h.path for h in app.hits] == [
        "/twilio/voice",
        "/twilio/voice/step",
        "/twilio/voice/status",
    ]

    bad = CallEmulator(HttpTransport(base), auth_token="nope", public_url=base, to=TO)
    turn = bad.start()
    assert turn.status_codes[0] == 403 and turn.heard == ["[application error]"]


def test_redirect_loop_is_cut_and_still_reports_call_end() -> None:
    def loop(_: dict[str, str]) -> VoiceResponse:
        response = VoiceResponse()
        response.redirect("/loop")
        return response

    app = make_app(twilio__voice=loop, loop=loop)
    turn = emulator_for(app).start()
    assert turn.ended and turn.heard == ["[application error]"]
    assert any("Redirect loop" in e for e in turn.errors)
    assert len(status_hits(app)) == 1


def test_script_speech_and_waiting_steps() -> None:
    script = parse_script(
        """\
to: "+15555550100"
steps:
  - expect_waiting: gather
  - say: {text: "my fridge is broken", confidence: 0.4}
  - expect: fridge
  - expect_end: true
""",
        "speech.yaml",
    )
    app = make_app(twilio__voice__step=lambda f: say(f"You said {f['SpeechResult']}.")(f))
    result = run_script(script, lambda _s: emulator_for(app))
    assert result.ok, result.report()
    assert app.at("/twilio/voice/step")[0].form["Confidence"] == "0.4"


def test_every_script_step_kind_has_its_reader() -> None:
    """A kind added to StepKind without a reader would fail at the first script using it."""
    assert set(scripted_call._BUILDERS) == set(get_args(scripted_call.StepKind))
