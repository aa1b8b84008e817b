"""The interpreter: runs a call's steps from its stored state until one needs the caller.

One `Turn` is one webhook: the caller's input is applied to the state the call was in (its
kind's `resume`), then steps run (each kind's `run`) until one waits (ask, transfer, queue,
voicemail, hangup), and the response goes back to Twilio. Nothing about the call is kept in
process memory. What each kind does lives in its module under `voicebot.engine.steps`;
what the steps change outside the call goes through `turn.effects`.
"""

from __future__ import annotations

import logging

from twilio.twiml.voice_response import VoiceResponse

from voicebot.engine.steps import kind_of
from voicebot.engine.turn import HANGUP, RESTART, Reply, Turn, Urls
from voicebot.flows.errors import FlowRuntimeError

__all__ = ["MAX_STEPS", "Turn", "Urls", "recover", "resume", "run_from", "start"]

log = logging.getLogger("voicebot.engine")

MAX_STEPS = 64
"""Steps one webhook may run; the loader rejects loops that never wait, this is the backstop."""


def start(turn: Turn, entry: str | None = None) -> None:
    """Begin the call at the flow's start, or at `entry` (an outbound call into the flow)."""
    turn.event("start", f"{turn.call.from_number} -> {turn.call.to_number}", state="")
    if turn.flow.record_calls:
        # Started before anything is said, so the greeting that announces it is on record.
        turn.response.start().recording(
            recording_status_callback=turn.urls.call_recording_status(),
            recording_status_callback_event="completed",
        )
        turn.event("call-recording", "started")
    run_from(turn, entry or turn.flow.start)


def resume(turn: Turn, event: str, reply: Reply) -> None:
    """Apply what Twilio reports for the state the call is in, then run on."""
    state = turn.call.state
    if state not in turn.flow.states:
        raise FlowRuntimeError("the call is in a state the flow no longer has", flow=turn.flow.id,
                               state=state, where=turn.flow.file, given=reply.given or event)
    step = turn.flow.step(state)
    kind = kind_of(step)
    if event not in kind.resumes_on:
        raise FlowRuntimeError(f"unexpected {event!r} event for a {type(step).__name__} step",
                               flow=turn.flow.id, state=step.id, where=str(step.source),
                               given=reply.given)
    try:
        following = kind.resume(turn, step, event, reply)
        if following is not None:
            run_from(turn, following)
    except FlowRuntimeError:
        raise
    except Exception as exc:
        raise FlowRuntimeError(str(exc), flow=turn.flow.id, state=step.id, where=str(step.source),
                               given=reply.given) from exc


def run_from(turn: Turn, state: str) -> None:
    for _ in range(MAX_STEPS):
        if state == RESTART:
            state = turn.flow.start
        if state == HANGUP and HANGUP not in turn.flow.states:
            turn.hangup(())
            return
        step = turn.flow.step(state)
        turn.call.state = step.id
        turn.event("enter", type(step).__name__.lower(), state=step.id)
        try:
            following = kind_of(step).run(turn, step)
        except FlowRuntimeError:
            raise
        except Exception as exc:
            raise FlowRuntimeError(str(exc), flow=turn.flow.id, state=step.id,
                                   where=str(step.source)) from exc
        if following is None:
            return
        state = following
    raise FlowRuntimeError(f"{MAX_STEPS} steps ran without waiting for the caller",
                           flow=turn.flow.id, state=state, where=turn.flow.file)


def recover(turn: Turn, error: Exception) -> None:
    """A step failed: the caller hears the apology and goes to the flow's fallback. If the
    fallback fails too, they can still leave a message: never silence."""
    turn.response = VoiceResponse()
    turn.event("error", str(error))
    turn.call.flagged = "runtime error"
    turn.say(turn.flow.apology)
    try:
        run_from(turn, turn.flow.fallback)
    except Exception as second:
        log.exception("fallback of flow %s failed too", turn.flow.id)
        turn.response = VoiceResponse()
        turn.say(turn.flow.apology)
        turn.event("error", f"fallback failed: {second}")
        turn.response.record(
            action=turn.urls.step("__fallback__", turn.call.turn, "record"), method="POST",
            max_length=120, play_beep=True,
            recording_status_callback=turn.urls.recording_status(),
            recording_status_callback_event="completed",
        )
        turn.response.hangup()
        turn.ended = True
