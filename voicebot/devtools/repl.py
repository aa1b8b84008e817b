"""The interactive call (`voicebot call`): a person is the caller at the keyboard, through the
call emulator."""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass

from voicebot.devtools.emulator import CallEmulator, CallStateError, Turn, wav_seconds

_DIGITS = re.compile(r"[0-9*#]+")
_SECONDS = re.compile(r"(\d*)\s*(#?)")


@dataclass(frozen=True)
class Messages:
    """What a message left at the keyboard sounds like: typed words spoken, or a WAV file."""

    speak: Callable[[str], bytes] | None = None
    """Typed words to a WAV; None where nothing can speak them (espeak-ng missing)."""
    file: bytes | None = None
    """The WAV left when no words are typed (`voicebot call --voicemail FILE.wav`)."""
    unheard: str = ""
    """Told at the beep when a message will reach the server without audio; "" if it will not."""

    def audio(self, words: str) -> bytes | None:
        if words and self.speak is not None:
            return self.speak(words)
        return self.file



def describe_turn(turn: Turn) -> list[str]:
    """Lines to show a person: what was heard, what went wrong, what the call waits for."""
    lines = [f"  bot: {h}" for h in turn.heard]
    lines += [f"  !! {e}" for e in turn.errors]
    lines += [f"  (note: {n})" for n in turn.notes]
    if turn.dial:
        if turn.dial.queue:
            target = f"queue {turn.dial.queue}"
        elif turn.dial.conference:
            target = f"conference {turn.dial.conference}"
        else:
            target = ", ".join(turn.dial.numbers) or "nobody"
        lines.append(f"  [dialing {target}]")
    if turn.queue:
        lines.append(f"  [in queue {turn.queue.name!r} at position {turn.queue.position}]")
    if turn.ended:
        lines.append("-- call ended --")
    return lines


def _prompt(turn: Turn, record_seconds: int, messages: Messages) -> str:
    if turn.waiting == "gather" and turn.gather:
        modes = " or ".join(sorted(turn.gather.input))
        digits = f", {turn.gather.num_digits} digit(s)" if turn.gather.num_digits else ""
        return f"[{modes}{digits}] keys or speech, Enter = silence, /hangup > "
    if turn.waiting == "record":
        words = "type your message (it is spoken) and Enter, " if messages.speak else ""
        left = "the --voicemail file" if messages.file else f"a {record_seconds}s message"
        return (
            f"[recording] {words}Enter = leave {left} and hang up, "
            "N = N seconds, end with # to finish with #, /hangup > "
        )
    if turn.waiting == "dial":
        return "[dial] answered (Enter) / no-answer / busy / failed, /hangup > "
    return "[queue] keys (over the music) / bridged / leave / position N, /hangup > "


def interactive(
    emulator: CallEmulator,
    input_fn: Callable[[str], str] = input,
    print_fn: Callable[[str], None] = print,
    record_seconds: int = 12,
    messages: Messages | None = None,
) -> Turn:
    """Lets a person be the caller at the keyboard. Returns the last turn."""
    messages = messages or Messages()
    turn = emulator.start()
    while True:
        for line in describe_turn(turn):
            print_fn(line)
        if turn.ended:
            return turn
        if turn.waiting == "record" and messages.unheard:
            print_fn(f"  (note: {messages.unheard})")
        try:
            answer = input_fn(_prompt(turn, record_seconds, messages)).strip()
        except EOFError:
            answer = "/hangup"
        try:
            turn = _act(emulator, turn, answer, record_seconds, messages)
        except CallStateError as error:
            print_fn(f"  ?? {error}")


def _act(emulator: CallEmulator, turn: Turn, answer: str, record_seconds: int,
         messages: Messages) -> Turn:
    if answer == "/hangup":
        return emulator.hangup()
    if turn.waiting == "gather":
        if not answer:
            return emulator.silence()
        if _DIGITS.fullmatch(answer):
            return emulator.press(answer)
        return emulator.say(answer)
    if turn.waiting == "record":
        finish = "#" if answer.endswith("#") else "hangup"
        match = _SECONDS.fullmatch(answer)
        if match:
            audio = messages.audio("")
            seconds = int(match.group(1)) if match.group(1) else (
                wav_seconds(audio) if audio else record_seconds)
        elif messages.speak is None and messages.file is None:
            raise CallStateError("words cannot be spoken here: type a number of seconds, "
                                 "optionally followed by #")
        else:
            audio = messages.audio(answer.removesuffix("#").strip())
            seconds = wav_seconds(audio) if audio else record_seconds
        return emulator.record(seconds, finish=finish, audio=audio)
    if turn.waiting == "dial":
        return emulator.dial_result(answer or "completed")
    return _in_queue(emulator, answer)


def _in_queue(emulator: CallEmulator, answer: str) -> Turn:
    if _DIGITS.fullmatch(answer):  # a message key or keep_place key over the hold music
        return emulator.press_while_waiting(answer)
    position = re.fullmatch(r"position\s+(\d+)", answer)
    if position:
        return emulator.queue_position(int(position.group(1)))
    return emulator.queue_result(answer or "bridged")
