"""Processes started together on an empty database (`serve --production` and `worker` at
boot, two hosts at once) all migrate it: one at a time, under a database lock, and none
crashes on a table another one just made."""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

import pytest
from sqlalchemy import create_engine, inspect, text

from voicebot.db import MIGRATIONS

from support.processes import voicebot_command

PROCESSES = 3
ROUNDS = 4


def empty_database(database_url: str, tmp_path: Path, round_no: int) -> str:
    if database_url.startswith("sqlite"):
        return f"sqlite:///{tmp_path / f'round{round_no}' / 'voicebot.db'}"
    engine = create_engine(database_url)
    with engine.begin() as conn:
        conn.execute(text("DROP SCHEMA IF EXISTS public CASCADE"))
        conn.execute(text("CREATE SCHEMA public"))
    engine.dispose()
    return database_url


def head() -> str:
    revisions = sorted(p.name.split("_")[0] for p in (MIGRATIONS / "versions").glob("0*.py"))
    return revisions[-1]


@pytest.mark.e2e
def test_processes_started_at_once_on_an_empty_database_all_migrate_it(
    database_url: str, tmp_path: Path
) -> None:
    for round_no in range(ROUNDS):
        url = empty_database(database_url, tmp_path, round_no)
        env = {**os.environ, "VOICEBOT_DATABASE_URL": url,
               "VOICEBOT_INSTANCE_DIR": str(tmp_path / "instance")}
        logs = [tmp_path / f"migrate{round_no}-{i}.log" for i in range(PROCESSES)]
        started = [subprocess.Popen([*voicebot_command(), "db", "upgrade"], env=env, cwd=tmp_path,
                                    stdout=log.open("wb"), stderr=subprocess.STDOUT)
                   for log in logs]
        codes = [process.wait(timeout=120) for process in started]
        assert codes == [0] * PROCESSES, "\n".join(log.read_text() for log in logs)
        engine = create_engine(url)
        with engine.connect() as conn:
            version = conn.execute(text("SELECT version_num FROM alembic_version")).scalars().all()
            tables = set(inspect(conn).get_table_names())
        engine.dispose()
        assert [v[:4] for v in version] == [head()]
        assert {"calls", "voicemails", "messages", "apscheduler_jobs"} <= tables
