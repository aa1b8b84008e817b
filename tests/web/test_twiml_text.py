"""TwiML written by `voicebot.web.twiml_text` is twilio's own, byte for byte (issue 15)."""

from __future__ import annotations

import pytest
from twilio.twiml.messaging_response import MessagingResponse
from twilio.twiml.voice_response import VoiceResponse

from voicebot.web.twiml_text import text

ODD = ["Repair & parts <extra>, \"minor\" 'work'", "a\nb\rc\td", "Заявка № 5 — ёлка",
       "\ud800 half a pair", "", "&amp; already", "]]> end"]


def responses() -> list[VoiceResponse | MessagingResponse]:
    made: list[VoiceResponse | MessagingResponse] = []
    for words in ODD:
        r = VoiceResponse()
        r.say(words, voice="Polly.Joanna", language="ru-RU")
        g = r.gather(input="dtmf speech", action=f"/twilio/voice/step?s={words}&t=1&e=gather",
                     method="POST", timeout=5, action_on_empty_result=False, num_digits=1,
                     hints=words, speech_timeout="auto")
        g.say(words)
        g.pause(length=1)
        r.redirect(f"/x?{words}", method="POST")
        r.append(words)  # a string after a verb: its tail
        r.play(words)
        dial = r.dial(timeout=20, action="/twilio/voice/step", record="record-from-answer")
        dial.number(words, status_callback_event="initiated ringing")
        r.enqueue(words, wait_url="/w", action="/a")
        r.record(max_length=120, play_beep=True, transcribe=False)
        r.hangup()
        made.append(r)
        m = MessagingResponse()
        m.message(words)
        made.append(m)
    made.append(VoiceResponse())  # empty: <Response />
    leading = VoiceResponse()
    leading.append("first")  # a string before any verb: the text, replaced by a later one
    leading.append("second")
    leading.hangup()
    made.append(leading)
    return made


@pytest.mark.parametrize("response", responses(), ids=lambda r: str(r)[38:80])
def test_twiml_text_is_twilio_s_to_the_byte(response: VoiceResponse | MessagingResponse) -> None:
    assert text(response) == str(response)
