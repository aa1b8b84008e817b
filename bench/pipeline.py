"""Voicemail pipeline benchmark: one JSON line on stdout.

    .venv/bin/python bench/pipeline.py [--runs 5] [--transcribers pocketsphinx]

Spoken voicemails (espeak-ng, 8 kHz like Twilio) go through the whole product: a call over
real HTTP, the recording callback, the worker fetching the recording from the local Twilio
double, transcribing, understanding, and the quote SMS arriving at the double. Reported:

- `pipeline_s_per_audio_s`: wall seconds from the recording to the quote SMS at the double,
  per second of audio (lower is better; under 1 is faster than real time). With a recognizer
  that cannot hear English (`--transcribers vosk` on another language's model) the first SMS
  is the staff notice instead, which costs the same stages;
- `recognizer_s_per_audio_s`: the recognizer alone on the same audio, measured in this run;
  `pipeline_over_recognizer` is the ratio of the two, what the rest of the pipeline costs;
- `peak_rss_mb`: the process's peak resident memory (server, worker and recognizer share it);
- `machine`: where it ran. Not a test: nothing here passes or fails.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import logging
import os
import platform
import resource
import sys
import tempfile
import threading
import time
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO / "tests"))

from werkzeug.serving import make_server  # noqa: E402

from voicebot import close_app, create_app  # noqa: E402
from voicebot.emulator import CallEmulator, HttpTransport, new_sid  # noqa: E402
from voicebot.jobs.worker import Worker  # noqa: E402
from voicebot.speech import audio  # noqa: E402
from voicebot.speech.choice import TwilioText, choose  # noqa: E402

from support.speech import spoken  # noqa: E402
from support.twilio_double import TEST_ACCOUNT_SID, TEST_AUTH_TOKEN, TwilioDouble  # noqa: E402
from support.voicemails import OMEGA, SATURDAY_EVENING  # noqa: E402

MESSAGES = [
    "Hello, my dishwasher is broken. Please send a technician.",
    "Hi, this is Ann. My refrigerator is not cooling and the freezer is warm inside. "
    "Please call me back at five oh three five five five oh one seven seven.",
    "Good morning. My washing machine will not drain, there is water standing in the drum. "
    "I would like someone to come and have a look this week if possible. Thank you.",
    "Hello, my dryer stopped working yesterday. It turns on but does not heat, the clothes "
    "are still wet after an hour. I live on the north side of town. Please send me a quote "
    "and tell me when a technician could come. My name is Robert. Thanks a lot, bye.",
]


def machine() -> dict[str, Any]:
    cpu = platform.processor() or platform.machine()
    cpuinfo = Path("/proc/cpuinfo")
    if cpuinfo.exists():
        for line in cpuinfo.read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    memory = None
    meminfo = Path("/proc/meminfo")
    if meminfo.exists():
        total_kb = int(meminfo.read_text().split("MemTotal:")[1].split()[0])
        memory = round(total_kb / 1024 / 1024, 1)
    return {"cpu": cpu, "cores": os.cpu_count(), "memory_gb": memory,
            "python": platform.python_version(), "system": platform.platform()}


def seconds_of(wav: bytes) -> float:
    return len(audio.check(wav)) / 1000


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=2 * len(MESSAGES))
    parser.add_argument("--transcribers", default="pocketsphinx",
                        help="VOICEBOT_TRANSCRIBERS for the run (default: pocketsphinx)")
    args = parser.parse_args()
    clips = [spoken(MESSAGES[i % len(MESSAGES)]) for i in range(args.runs)]
    audio_seconds = sum(seconds_of(c) for c in clips)

    with tempfile.TemporaryDirectory(prefix="voicebot-bench-") as tmp, TwilioDouble() as double:
        app = create_app({
            "DATABASE_URL": f"sqlite:///{tmp}/bench.db", "INSTANCE_DIR": f"{tmp}/instance",
            "FLOWS_DIR": str(REPO / "flows"), "RECORDINGS_DIR": f"{tmp}/recordings",
            "TWILIO_ACCOUNT_SID": TEST_ACCOUNT_SID, "TWILIO_AUTH_TOKEN": TEST_AUTH_TOKEN,
            "TWILIO_API_URL": double.base_url, "DRY_RUN": False, "LOG_LEVEL": "WARNING",
            "TRANSCRIBERS": args.transcribers,
        })
        app.extensions["voicebot.clock"].set(dt.datetime.fromisoformat(SATURDAY_EVENING))
        logging.getLogger("werkzeug").setLevel(logging.WARNING)
        server = make_server("127.0.0.1", 0, app, threaded=True)
        threading.Thread(target=server.serve_forever, daemon=True).start()
        url = f"http://127.0.0.1:{server.server_port}"
        app.config["PUBLIC_URL"] = url
        worker = Worker(app, tick=0.05).start()
        while not worker.leading.is_set():
            time.sleep(0.05)

        choice = choose(app.config, "en-US", TwilioText(requested=False))
        if not choice.candidates:
            raise SystemExit("no recognizer: " + "; ".join(choice.passed_over))
        recognizer = choice.candidates[0]
        recognizer.transcribe(audio.prepare(clips[0], recognizer.sample_rate))  # warm up (models)

        # Alternated clip by clip, so both figures see the same load on a shared machine.
        recognizer_seconds = pipeline_seconds = 0.0
        for n, clip in enumerate(clips):
            started = time.perf_counter()
            recognizer.transcribe(audio.prepare(clip, recognizer.sample_rate))
            recognizer_seconds += time.perf_counter() - started

            caller = CallEmulator(HttpTransport(url), auth_token=TEST_AUTH_TOKEN, public_url=url,
                                  to=OMEGA, from_=f"+1503555{n:04d}", account_sid=TEST_ACCOUNT_SID)
            before = len(double.messages)
            sid = new_sid("RE")
            double.add_recording(sid, clip, call_sid=caller.call_sid)
            caller.start()
            started = time.perf_counter()  # from the recording on
            caller.record(round(seconds_of(clip)), recording_sid=sid)
            while len(double.messages) == before:
                if time.perf_counter() - started > 300:
                    raise SystemExit(f"no SMS for voicemail {n} within 300 s")
                time.sleep(0.01)
            pipeline_seconds += time.perf_counter() - started
        worker.stop()
        server.shutdown()
        close_app(app)

    pipeline_rate = pipeline_seconds / audio_seconds
    recognizer_rate = recognizer_seconds / audio_seconds
    print(json.dumps({
        "voicemails": args.runs,
        "audio_seconds": round(audio_seconds, 2),
        "recognizer": recognizer.name,
        "pipeline_s_per_audio_s": round(pipeline_rate, 3),
        "recognizer_s_per_audio_s": round(recognizer_rate, 3),
        "pipeline_over_recognizer": round(pipeline_rate / recognizer_rate, 2),
        "peak_rss_mb": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1),
        "machine": machine(),
    }))


if __name__ == "__main__":
    main()
