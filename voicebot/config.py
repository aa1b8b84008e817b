"""Settings: built-in defaults, then `VOICEBOT_*` environment variables (and `.env`), then
the overrides a test passes to `create_app`.

An installation lives in one folder, its home (`find_home`): `.env` is read from there, and the
relative folders in the settings (flows, instance, recordings, models, a relative SQLite file)
are taken relative to it, so `voicebot` works the same from any folder below it or, with
`VOICEBOT_HOME`, from anywhere.

Secrets (Twilio credentials, the admin password, the session key) come only from the
environment; nothing secret has a default that would work against a real account.
"""

from __future__ import annotations

import os
import secrets
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from dotenv import load_dotenv

TWILIO_API_URL = "https://api.twilio.com"
HOME_ENV = "VOICEBOT_HOME"
PLACEHOLDER_ACCOUNT_SID = "AC" + "0" * 32
# Settings naming a folder or file: relative values are relative to the installation's home.
_PATHS = ("FLOWS_DIR", "INSTANCE_DIR", "RECORDINGS_DIR", "MODELS_DIR", "VOSK_MODEL_EN", "VOSK_MODEL_RU",
          "WHISPER_MODEL")

# name -> (default, type, what it does). The README's settings table is written from this.
SETTINGS: dict[str, tuple[Any, type, str]] = {
    "DATABASE_URL": (None, str, "SQLAlchemy URL; default: SQLite file in the instance folder"),
    "FLOWS_DIR": ("flows", str, "Folder of flow files (*.yaml)"),
    "INSTANCE_DIR": ("instance", str, "Folder for the SQLite database and local secrets"),
    "PUBLIC_URL": (None, str, "Base URL Twilio calls us at (ngrok, TLS proxy); signatures are checked on it"),
    "TWILIO_ACCOUNT_SID": (None, str, "Twilio account SID; without it telephony runs dry"),
    "TWILIO_AUTH_TOKEN": (None, str, "Twilio auth token: signs webhooks and authenticates REST calls"),
    "TWILIO_API_URL": (TWILIO_API_URL, str, "Twilio REST base URL (a compatible provider or a test double)"),
    "TWILIO_TIMEOUT": (15.0, float, "Seconds to wait for an answer from Twilio's REST API"),
    "TWILIO_CONCURRENCY": (8, int, "REST requests to Twilio a process makes at once (a batch of "
                           "callbacks' calls, a job's SMS)"),
    "DRY_RUN": (None, bool, "Store and log SMS and calls without sending; default: on without credentials"),
    "INSECURE_SKIP_SIGNATURE": (False, bool, "Accept unsigned webhooks (logs a warning on every request)"),
    "DEFAULT_FLOW": (None, str, "Flow id that answers numbers no flow declares"),
    "RECORDINGS_DIR": ("audio/recordings", str, "Where voicemail audio is kept"),
    "TRANSCRIBERS": ("vosk,twilio,whisper,pocketsphinx", str,
                     "Voicemail recognizers, best first; the first usable one for the line's language"),
    "VOSK_MODEL_EN": (None, str, "Vosk model folder for English lines (`voicebot models download en`)"),
    "VOSK_MODEL_RU": (None, str, "Vosk model folder for Russian lines (`voicebot models download ru`)"),
    "WHISPER_MODEL": (None, str, "Whisper model folder (CTranslate2) for English lines; default: the "
                      "tiny.en model bundled with voicebot (`voicebot models download whisper-tiny.en`)"),
    "WHISPER_THREADS": (1, int, "CPU threads one Whisper transcription uses"),
    "WHISPER_BEAM_SIZE": (5, int, "Whisper beam size: 1 is greedy decoding, wider is slower"),
    "MODELS_DIR": ("models", str, "Where `voicebot models download` installs recognizer models"),
    "VOSK_MODELS_URL": ("https://alphacephei.com/vosk/models", str,
                        "Where `voicebot models download` fetches Vosk models from"),
    "WHISPER_MODELS_URL": ("https://huggingface.co", str,
                           "Where `voicebot models download whisper-tiny.en` fetches the model from"),
    "TWILIO_TRANSCRIPTION_WAIT": (120.0, float,
                                  "Seconds to wait for Twilio's transcription (`transcribe: true`)"),
    "RECORDING_FETCH_TRIES": (8, int, "Tries to fetch a recording from Twilio before a person is asked to"),
    "RECORDING_RETRY_SECONDS": (5.0, float,
                                "Seconds before fetching a recording again (404, 5xx); doubles each try"),
    "FLOW_CHECK_INTERVAL": (1.0, float, "Seconds between checks of flow files for edits"),
    "SECRET_KEY": (None, str, "Session signing key; default: generated once into the instance folder"),
    "LOG_LEVEL": ("INFO", str, "Logging level"),
    "ADMIN_PASSWORD_HASH": (None, str, "Hash of the desk password, made by `voicebot admin password`; "
                            "without it the desk at /admin refuses every login"),
    "TRUSTED_PROXIES": (0, int, "Proxies in front of voicebot whose X-Forwarded-For/-Proto/-Host "
                        "are believed (the desk's login throttle counts by client address); 0: none"),
    "DESK_TIMEZONE": (None, str, "Time zone of every time on the desk, named in its header; default: "
                      "the zone most flows keep"),
    "SMTP_HOST": (None, str, "SMTP server for voicemail e-mails (`voicemail_email:`); without it they wait"),
    "SMTP_PORT": (587, int, "SMTP server port"),
    "SMTP_USER": (None, str, "SMTP login; without it no login is made"),
    "SMTP_PASSWORD": (None, str, "SMTP password"),
    "SMTP_FROM": (None, str, "Sender of voicemail e-mails, e.g. voicebot@example.com; required to send"),
    "SMTP_STARTTLS": (True, bool, "Upgrade the SMTP connection with STARTTLS before logging in"),
    "SMTP_TIMEOUT": (15.0, float, "Seconds to wait for the SMTP server"),
    "SMTP_RETRY_SECONDS": (30.0, float, "Seconds before mailing again after the SMTP server failed; "
                           "doubles each try, up to an hour"),
    "METRICS_TOKEN": (None, str, "Bearer token `GET /metrics` asks for; without it /metrics answers 404"),
    "JOBS": ("auto", str, "The job engine: procrastinate (PostgreSQL: any number of `voicebot worker` "
                          "processes on any hosts), inprocess (one process runs every job), or auto: "
                          "procrastinate on PostgreSQL, inprocess on SQLite"),
    "JOB_THREADS": (4, int, "Quick jobs (calls, SMS, e-mails, sweeps) a worker runs at once; "
                            "`voicebot worker --concurrency`"),
    "TRANSCRIPTION_THREADS": (2, int, "Voicemails a worker transcribes at once, on a queue of their "
                                      "own so a backlog never delays a call or an SMS"),
    "WORKER_TICK": (0.5, float, "Seconds between the clock's looks for callbacks falling due"),
    "WORKER_SWEEP": (10.0, float, "Seconds between the recovery sweeps the clock queues"),
    "WORKER_STALLED_AFTER": (30.0, float,
                             "A worker whose heartbeat is this many seconds old counts as dead: its "
                             "running jobs are run again (procrastinate)"),
    "STUCK_AFTER": (120.0, float,
                    "Seconds after which half-done work (a claimed callback, an SMS or call being "
                    "sent) counts as cut off and is recovered; at least twice TWILIO_TIMEOUT"),
    # Production serving (voicebot/serving.py) and the database pool sized from it (db.py).
    "PRODUCTION": (False, bool, "`voicebot serve` runs gunicorn and no jobs (as `--production`)"),
    "LOG_FORMAT": ("text", str, "text, or json: one JSON object per line with request id, path, "
                                "status, duration and call SID"),
    "WEB_WORKERS": (None, int, "Gunicorn worker processes; default: one per CPU core"),
    "WEB_THREADS": (8, int, "Request threads per web process (gunicorn, or the embedded server)"),
    "WEB_GRACEFUL_TIMEOUT": (20, int,
                             "Seconds in-flight webhooks get to finish after SIGTERM"),
    "DB_POOL_SIZE": (None, int, "Database connections kept per process; default: WEB_THREADS"),
    "DB_MAX_OVERFLOW": (None, int, "Connections a process may open beyond the pool while busy; "
                                   "default: JOB_THREADS + 2"),
    "DB_POOL_TIMEOUT": (10.0, float, "Seconds a request waits for a free database connection"),
    "DB_POOL_RECYCLE": (1800.0, float, "Seconds after which a pooled connection is replaced (keep "
                                       "it under any idle timeout between voicebot and the database)"),
    "DB_SYNCHRONOUS_COMMIT": (True, bool, "PostgreSQL, web tier: a webhook's commit waits for its "
                              "disk flush; off answers sooner, and a PostgreSQL crash may lose "
                              "the last ~0.6 s of turns (README, Durability)"),
}

_TRUE = {"1", "true", "yes", "on"}
_FALSE = {"0", "false", "no", "off", ""}


def _parse(name: str, raw: str, kind: type) -> Any:
    if kind is bool:
        value = raw.strip().lower()
        if value in _TRUE:
            return True
        if value in _FALSE:
            return False
        raise ValueError(f"VOICEBOT_{name}: expected true or false (got {raw!r})")
    if kind in (float, int):
        try:
            return kind(raw)
        except ValueError:
            what = "a whole number" if kind is int else "a number"
            raise ValueError(f"VOICEBOT_{name}: expected {what} (got {raw!r})") from None
    return raw


def find_home(start: Path | None = None) -> Path:
    """The installation's folder: `VOICEBOT_HOME`, else the nearest folder upward from `start`
    (the working folder) holding `.env` or both `flows/` and `instance/` (as git finds its
    repository), else `start` itself."""
    named = os.environ.get(HOME_ENV, "").strip()
    if named:
        home = Path(named).expanduser().resolve()
        if not home.is_dir():
            raise ValueError(f"{HOME_ENV} names {home}, which is not a folder")
        return home
    here = (start or Path.cwd()).resolve()
    for folder in (here, *here.parents):
        if (folder / ".env").is_file() or ((folder / "flows").is_dir() and (folder / "instance").is_dir()):
            return folder
    return here


def read_settings(overrides: Mapping[str, Any] | None = None) -> dict[str, Any]:
    """Defaults < environment (the home's `.env` fills unset variables) < overrides, with the
    paths made absolute; nothing is written (see `load_settings` for the generated secrets)."""
    home = find_home()
    load_dotenv(home / ".env", override=False)
    settings = {name: default for name, (default, _, _) in SETTINGS.items()}
    for name, (_, kind, _) in SETTINGS.items():
        raw = os.environ.get(f"VOICEBOT_{name}")
        if raw is not None:
            settings[name] = _parse(name, raw, kind)
    settings.update(overrides or {})
    settings["HOME"] = str(home)
    for name in _PATHS:
        if settings.get(name):
            settings[name] = str((home / Path(settings[name]).expanduser()).resolve())
    url = settings["DATABASE_URL"]
    if not url:
        settings["DATABASE_URL"] = f"sqlite:///{Path(settings['INSTANCE_DIR']) / 'voicebot.db'}"
    elif url.startswith("sqlite:///") and url != "sqlite:///:memory:" \
            and not Path(url.removeprefix("sqlite:///")).is_absolute():
        settings["DATABASE_URL"] = f"sqlite:///{(home / url.removeprefix('sqlite:///')).resolve()}"
    if settings["DRY_RUN"] is None:
        settings["DRY_RUN"] = not (settings["TWILIO_ACCOUNT_SID"] and settings["TWILIO_AUTH_TOKEN"])
    if float(settings["STUCK_AFTER"]) < 2 * float(settings["TWILIO_TIMEOUT"]):
        # Shorter, and a request still waiting for Twilio would be taken for lost and repeated.
        raise ValueError(f"VOICEBOT_STUCK_AFTER ({settings['STUCK_AFTER']}) must be at least twice "
                         f"VOICEBOT_TWILIO_TIMEOUT ({settings['TWILIO_TIMEOUT']})")
    return settings


def load_settings(overrides: Mapping[str, Any] | None = None) -> dict[str, Any]:
    """`read_settings`, with the secrets an install generates for itself filled in."""
    settings = read_settings(overrides)
    instance = Path(settings["INSTANCE_DIR"])
    if not settings["TWILIO_AUTH_TOKEN"]:
        # Dry-run still checks signatures: the emulator signs with this per-install token.
        settings["TWILIO_AUTH_TOKEN"] = local_secret(instance, "dev-auth-token")
    if not settings["TWILIO_ACCOUNT_SID"]:
        settings["TWILIO_ACCOUNT_SID"] = PLACEHOLDER_ACCOUNT_SID
    if not settings["SECRET_KEY"]:
        settings["SECRET_KEY"] = local_secret(instance, "secret-key")
    return settings


def existing_secret(instance: Path, name: str) -> str | None:
    """A generated secret if the install made it already (for commands that must not make one)."""
    path = instance / name
    return path.read_text().strip() if path.is_file() else None


def local_secret(instance: Path, name: str) -> str:
    """A random secret generated once per install and kept in the instance folder."""
    found = existing_secret(instance, name)
    if found is not None:
        return found
    path = instance / name
    instance.mkdir(parents=True, exist_ok=True)
    value = secrets.token_hex(16)
    path.write_text(value)
    path.chmod(0o600)
    return value
