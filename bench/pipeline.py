"""Voicemail pipeline benchmark: recognizers side by side on the 8 kHz phone set, one run.

    .venv/bin/python -m bench.pipeline [--recognizers whisper,pocketsphinx] [--json]

The set (tests/support/phone_voicemails.py): service voicemails about different appliances,
with names and callback numbers, and messages that are not service requests, spoken by
espeak-ng in several voices and speeds, band-passed to 300-3400 Hz with line noise, as
Twilio's 8 kHz mono 16-bit WAV. Each recognizer runs in a child process of its own pinned to
one core, so CPU and peak memory are its own. In the child every voicemail goes through the
whole product: a call over real HTTP, the recording callback, the worker fetching the
recording from the local Twilio double, preparing, transcribing, understanding, and the quote
SMS (or the dispatcher's notice) arriving at the double. Reported per recognizer:

- `wer`: word error rate of the stored transcripts against what was said (numbers compared
  digit by digit, punctuation and case ignored);
- `right_quotes`: service voicemails whose caller got a quote for the right service (and
  `right_names`: whose quote greets them by the name they gave); `false_quotes`: quotes sent
  for messages that were not service requests (must be 0);
- `pipeline_cpu_s_per_audio_s`: CPU seconds of the whole process (web server, worker, Twilio
  double) from the recording callback to the last SMS, per second of audio, on one core;
- `recognizer_cpu_s_per_audio_s`: the recognizer alone on the same audio (the process's CPU
  time, as CTranslate2 computes on threads of its own);
- `model_load_s`: loading its model, once per process; `peak_rss_mb`: the child's peak memory.

Not a test: nothing passes or fails; the figures go in bench/README.md.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import logging
import os
import re
import resource
import subprocess
import sys
import tempfile
import threading
import time
from typing import Any

from sqlalchemy import select
from werkzeug.serving import make_server

from bench.common import REPO, machine, say
from voicebot import close_app, create_app, db
from voicebot.devtools.emulator import CallEmulator, HttpTransport, new_sid
from voicebot.jobs.worker import Worker
from voicebot.models import Quote, Voicemail
from voicebot.speech import audio
from voicebot.speech.choice import TwilioText, choose
from voicebot.voicemail.pipeline import WORKING

sys.path.insert(0, str(REPO / "tests"))

from support.phone_voicemails import ALL, PhoneVoicemail
from support.speech import phone_call
from support.twilio_double import TEST_ACCOUNT_SID, TEST_AUTH_TOKEN, TwilioDouble
from support.voicemails import OMEGA, SATURDAY_EVENING

DEFAULT = "whisper,pocketsphinx"
DISPATCHER = "+15035550111"
"""Omega's dispatcher, told of every voicemail that gets no quote (OM-9)."""
WAIT = 300.0
NUMBER_WORDS = {"zero": "0", "oh": "0", "o": "0", "one": "1", "two": "2", "three": "3",
                "four": "4", "five": "5", "six": "6", "seven": "7", "eight": "8", "nine": "9"}


def words(text: str) -> list[str]:
    """Lower-case words for WER, numbers as single digits: "503-555" and "five oh three five
    five five" compare equal, and so do "Hi," and "hi"."""
    out: list[str] = []
    for token in re.sub(r"[^a-z0-9' ]+", " ", text.lower().replace("-", " ")).split():
        token = NUMBER_WORDS.get(token, token)
        out.extend(token if token.isdigit() else [token])
    return out


def errors(said: str, heard: str) -> tuple[int, int]:
    """(word errors, words said): the edit distance between the two word lists."""
    ref, hyp = words(said), words(heard)
    row = list(range(len(hyp) + 1))
    for i in range(1, len(ref) + 1):
        diagonal, row[0] = row[0], i
        for j in range(1, len(hyp) + 1):
            diagonal, row[j] = row[j], min(row[j] + 1, row[j - 1] + 1,
                                           diagonal + (ref[i - 1] != hyp[j - 1]))
    return row[len(hyp)], len(ref)


def cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


def outcome(app: Any, sid: str, double: TwilioDouble) -> tuple[Voicemail, Quote | None] | None:
    """The voicemail and its quote once the pipeline is done with it: a final status, and
    its SMS (the quote to the caller, or the notice to the dispatcher) at the double."""
    with db.session_scope(app) as session:
        row = session.scalar(select(Voicemail).where(Voicemail.recording_sid == sid))
        if row is None or row.status in WORKING:
            return None
        quote = session.scalar(select(Quote).where(Quote.voicemail_id == row.id))
        session.expunge_all()
    wanted = row.from_number if quote is not None else DISPATCHER
    if not any(m["to"] == wanted for m in double.messages):
        return None
    return row, quote


def measure(name: str) -> dict[str, Any]:
    """In the child: every voicemail of the set through the product with recognizer `name`."""
    clips = [(v, phone_call(v.text, v.voice, v.speed)) for v in ALL]
    seconds = [len(audio.check(wav)) / 1000 for _, wav in clips]
    with tempfile.TemporaryDirectory(prefix="voicebot-bench-") as tmp, TwilioDouble() as double:
        app = create_app({
            "DATABASE_URL": f"sqlite:///{tmp}/bench.db", "INSTANCE_DIR": f"{tmp}/instance",
            "FLOWS_DIR": str(REPO / "flows"), "RECORDINGS_DIR": f"{tmp}/recordings",
            "MODELS_DIR": f"{tmp}/models", "TWILIO_ACCOUNT_SID": TEST_ACCOUNT_SID,
            "TWILIO_AUTH_TOKEN": TEST_AUTH_TOKEN, "TWILIO_API_URL": double.base_url,
            "DRY_RUN": False, "LOG_LEVEL": "WARNING", "TRANSCRIBERS": name,
        })
        app.extensions["voicebot.clock"].set(dt.datetime.fromisoformat(SATURDAY_EVENING))
        logging.getLogger("werkzeug").setLevel(logging.WARNING)
        server = make_server("127.0.0.1", 0, app, threaded=True)
        threading.Thread(target=server.serve_forever, daemon=True).start()
        url = f"http://127.0.0.1:{server.server_port}"
        app.config["PUBLIC_URL"] = url
        # The product's own tick: a faster one would spend CPU polling the job store.
        worker = Worker(app).start()
        while not worker.leading.is_set():
            time.sleep(0.05)

        choice = choose(app.config, "en-US", TwilioText(requested=False))
        if not choice.candidates:
            raise SystemExit(f"{name}: no recognizer: " + "; ".join(choice.passed_over))
        recognizer = choice.candidates[0]
        started = time.perf_counter()
        load = getattr(recognizer, "load", None)
        if load is not None:
            load()
        model_load = time.perf_counter() - started

        recognizer_cpu = 0.0
        for _, wav in clips:
            prepared = audio.prepare(wav, recognizer.sample_rate)
            before = cpu()  # the process's: CTranslate2 computes on threads of its own
            recognizer.transcribe(prepared)
            recognizer_cpu += cpu() - before

        results = []
        pipeline_cpu = 0.0
        for n, (voicemail, wav) in enumerate(clips):
            caller = CallEmulator(HttpTransport(url), auth_token=TEST_AUTH_TOKEN, public_url=url,
                                  to=OMEGA, from_=f"+1503555{n:04d}", account_sid=TEST_ACCOUNT_SID)
            sid = new_sid("RE")
            double.add_recording(sid, wav, call_sid=caller.call_sid)
            caller.start()
            before = cpu()
            caller.record(round(seconds[n]), recording_sid=sid)
            deadline = time.perf_counter() + WAIT
            while (done := outcome(app, sid, double)) is None:
                if time.perf_counter() > deadline:
                    raise SystemExit(f"{name}: voicemail {voicemail.key} not done in {WAIT:g} s")
                time.sleep(0.2)
            pipeline_cpu += cpu() - before
            results.append(judge(voicemail, *done, double.messages))
        worker.stop()
        server.shutdown()
        close_app(app)

    audio_seconds = sum(seconds)
    service = [r for r in results if r["wanted"]]
    wrong, said = (sum(x) for x in zip(*(r["errors"] for r in results), strict=True))
    return {
        "recognizer": name,
        "voicemails": len(results),
        "audio_seconds": round(audio_seconds, 1),
        "wer": round(wrong / said, 3),
        "right_quotes": f"{sum(r['right'] for r in service)}/{len(service)}",
        "right_names": f"{sum(r['named'] for r in service)}/{len(service)}",
        "false_quotes": sum(bool(r["quoted"]) for r in results if not r["wanted"]),
        "pipeline_cpu_s_per_audio_s": round(pipeline_cpu / audio_seconds, 3),
        "recognizer_cpu_s_per_audio_s": round(recognizer_cpu / audio_seconds, 3),
        "model_load_s": round(model_load, 2),
        "peak_rss_mb": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1),
        "voicemail_results": results,
    }


def judge(said: PhoneVoicemail, row: Voicemail, quote: Quote | None,
          messages: list[dict[str, Any]]) -> dict[str, Any]:
    body = next((m["body"] for m in messages if m["to"] == row.from_number), "")
    return {
        "key": said.key, "wanted": said.service, "quoted": quote.service_id if quote else None,
        "right": bool(quote and quote.service_id == said.service),
        "named": bool(quote and said.name and body.startswith(f"Hi {said.name}")),
        "errors": errors(said.text, row.transcript), "transcript": row.transcript,
    }


def child(name: str) -> dict[str, Any]:
    """Run `measure(name)` in a fresh process pinned to one core; its JSON result."""
    core = min(os.sched_getaffinity(0))
    done = subprocess.run(
        ["taskset", "-c", str(core), sys.executable, "-m", "bench.pipeline", "--child", name],
        cwd=REPO, capture_output=True, text=True, check=False,
        env={**os.environ, "OMP_NUM_THREADS": "1"})
    if done.returncode != 0:
        raise SystemExit(f"{name}: the benchmark child failed:\n{done.stderr[-3000:]}")
    result: dict[str, Any] = json.loads(done.stdout.strip().splitlines()[-1])
    return result


COLUMNS = ("recognizer", "wer", "right_quotes", "right_names", "false_quotes",
           "pipeline_cpu_s_per_audio_s", "recognizer_cpu_s_per_audio_s", "model_load_s",
           "peak_rss_mb")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--recognizers", default=DEFAULT,
                        help=f"VOICEBOT_TRANSCRIBERS names to compare (default: {DEFAULT})")
    parser.add_argument("--json", action="store_true", help="one JSON document on stdout")
    parser.add_argument("--child", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        print(json.dumps(measure(args.child)))
        return
    started = machine()
    results = []
    for name in [n.strip() for n in args.recognizers.split(",") if n.strip()]:
        say(f"{name}: {len(ALL)} voicemails through the pipeline, one core ...")
        results.append(child(name))
    if args.json:
        print(json.dumps({"machine": started, "recognizers": results}, indent=2))
        return
    print("| " + " | ".join(COLUMNS) + " |")
    print("|" + "---|" * len(COLUMNS))
    for result in results:
        print("| " + " | ".join(str(result[c]) for c in COLUMNS) + " |")
    for result in results:
        for item in result["voicemail_results"]:
            if (item["wanted"] and not (item["right"] and item["named"])) or \
                    (not item["wanted"] and item["quoted"]):
                print(f"{result['recognizer']}: {item['key']}: quoted {item['quoted']}, "
                      f"heard {item['transcript']!r}")
    print(f"machine: {json.dumps(started)}")


if __name__ == "__main__":
    main()
