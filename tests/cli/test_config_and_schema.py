"""Settings come from defaults, then VOICEBOT_* variables and `.env`, then test overrides;
the Alembic migrations build exactly the schema the models describe."""

from __future__ import annotations

from pathlib import Path

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from flask import Flask
from sqlalchemy import create_engine

from voicebot.config import load_settings
from voicebot.models import Base, ours


@pytest.fixture
def clean_env(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Path:
    for name in ("TWILIO_ACCOUNT_SID", "TWILIO_AUTH_TOKEN", "DRY_RUN", "PUBLIC_URL", "DATABASE_URL"):
        monkeypatch.delenv(f"VOICEBOT_{name}", raising=False)
    monkeypatch.chdir(tmp_path)
    return tmp_path


def test_embedded_defaults_need_nothing(clean_env: Path) -> None:
    settings = load_settings()
    assert settings["DRY_RUN"] is True
    assert settings["DATABASE_URL"] == f"sqlite:///{clean_env / 'instance' / 'voicebot.db'}"
    assert settings["TWILIO_API_URL"] == "https://api.twilio.com"
    assert settings["INSECURE_SKIP_SIGNATURE"] is False
    # A per-install signing token, generated once and kept.
    token = settings["TWILIO_AUTH_TOKEN"]
    assert len(token) == 32 and load_settings()["TWILIO_AUTH_TOKEN"] == token
    assert (clean_env / "instance" / "dev-auth-token").stat().st_mode & 0o077 == 0


def test_environment_then_dotenv_then_overrides(clean_env: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    (clean_env / ".env").write_text(
        "VOICEBOT_TWILIO_ACCOUNT_SID=AC" + "5" * 32 + "\n"
        "VOICEBOT_TWILIO_AUTH_TOKEN=from-dotenv\n"
        "VOICEBOT_PUBLIC_URL=https://dotenv.example\n"
    )
    monkeypatch.setenv("VOICEBOT_PUBLIC_URL", "https://env.example")
    settings = load_settings()
    assert settings["TWILIO_AUTH_TOKEN"] == "from-dotenv"
    assert settings["PUBLIC_URL"] == "https://env.example"  # the environment wins over .env
    assert settings["DRY_RUN"] is False  # credentials present: live telephony
    assert load_settings({"DRY_RUN": True})["DRY_RUN"] is True


def test_every_setting_is_in_the_readme_table() -> None:
    """The README's settings table is what an operator reads: a setting missing there does
    not exist for them."""
    from voicebot.config import SETTINGS

    readme = (Path(__file__).resolve().parents[2] / "README.md").read_text()
    missing = [name for name in SETTINGS if f"| `VOICEBOT_{name}` |" not in readme]
    assert missing == []


@pytest.mark.usefixtures("clean_env")
def test_a_bad_setting_is_named_with_the_value_found(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("VOICEBOT_DRY_RUN", "perhaps")
    with pytest.raises(ValueError, match=r"VOICEBOT_DRY_RUN: expected true or false \(got 'perhaps'\)"):
        load_settings()


def test_migrations_match_the_models(app: Flask) -> None:
    engine = create_engine(app.config["DATABASE_URL"])
    with engine.connect() as conn:
        diff = compare_metadata(MigrationContext.configure(conn, opts={"include_name": ours}),
                                Base.metadata)
    engine.dispose()
    assert diff == []


def test_upgrading_keeps_existing_tickets_and_voicemails(unmigrated_database_url: str) -> None:
    """A line already in service upgrades without losing a row: the columns added later get
    the models' defaults on the rows that were there."""
    from sqlalchemy import text

    from voicebot.db import upgrade

    if unmigrated_database_url.startswith("sqlite:///"):
        Path(unmigrated_database_url.removeprefix("sqlite:///")).parent.mkdir(parents=True, exist_ok=True)
    upgrade(unmigrated_database_url, "0002")
    engine = create_engine(unmigrated_database_url)
    with engine.begin() as conn:
        conn.execute(text(
            "INSERT INTO tickets (flow_id, kind, text, fields, urgent, status, phone, created_at) "
            "VALUES ('omega', 'note', 'Call back about the dryer.', '{}', false, 'open', "
            "'+15035550199', '2026-11-20 10:00:00+00:00')"))
        conn.execute(text(
            "INSERT INTO voicemails (recording_sid, flow_id, from_number, recording_url, duration, "
            "status, transcript, created_at) VALUES ('RE' || '0123456789abcdef0123456789abcdef', "
            "'omega', '+15035550199', '', 12, 'received', '', '2026-11-20 10:05:00+00:00')"))
    upgrade(unmigrated_database_url)
    with engine.connect() as conn:
        ticket = conn.execute(text("SELECT text, answer, assigned_to, updated_at, created_at "
                                   "FROM tickets")).one()
        voicemail = conn.execute(text("SELECT duration, quote_wanted, fetch_attempts, error "
                                      "FROM voicemails")).one()
    engine.dispose()
    assert ticket.text == "Call back about the dryer."
    assert (ticket.answer, ticket.assigned_to) == ("", "")
    assert str(ticket.updated_at)[:16] == str(ticket.created_at)[:16]
    assert (voicemail.duration, bool(voicemail.quote_wanted), voicemail.fetch_attempts,
            voicemail.error) == (12, True, 0, "")
