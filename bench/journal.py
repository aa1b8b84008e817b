"""How the desk and the journal keep up as the journal grows. Prints one JSON line.

    .venv/bin/python -m bench.journal [--database-url URL] [--big 1000000] [--max-seconds 600]

Fills a throwaway database (SQLite in a temporary folder unless --database-url names an
empty PostgreSQL database) with 10,000 calls, then grows it to --big calls, and times at each
size: the hand-off view rendered over HTTP for a logged-in dispatcher (the last 24 hours, and
every call in the window), and the journal query behind it (`voicebot.journal.entries`: the
newest page, a line, and one caller's number). Rows are generated inside the database with
one INSERT ... SELECT per table, so a million calls take seconds, not minutes; growing stops
early, and says so, once --max-seconds is spent. A baseline (the login page, which reads no
table) is timed in the same run, so the figures compare across machines as ratios.
"""

from __future__ import annotations

import json
import statistics
import tempfile
import time
from collections.abc import Callable
from typing import Any

from sqlalchemy import Connection, text

from bench.common import desk_app, fix_sequences, grow, journal_args, machine
from voicebot import db, journal

DAY = 86400
SPREAD_DAYS = 30
"""The 10,000 calls span a month: a day holds about 330 of them, as on a busy line."""
LINES = ("omega", "telesputnik", "car_service", "hotline")
OUTCOMES = ("completed", "transferred", "voicemail", "abandoned", "served")


def numbers(conn: Connection, start: int, stop: int) -> str:
    """A subquery of integers i in [start, stop), made by the database itself."""
    if conn.dialect.name == "postgresql":
        return f"(SELECT generate_series({start}, {stop - 1}) AS i)"
    return (f"(WITH RECURSIVE n(i) AS (SELECT {start} UNION ALL SELECT i + 1 FROM n "
            f"WHERE i < {stop - 1}) SELECT i FROM n)")


def moment(conn: Connection, epoch_expr: str) -> str:
    """A stored UTC timestamp from seconds since the epoch, in each dialect's own format."""
    if conn.dialect.name == "postgresql":
        return f"to_timestamp({epoch_expr})"
    return f"(strftime('%Y-%m-%d %H:%M:%S', {epoch_expr}, 'unixepoch') || '.000000')"


def pick(values: tuple[str, ...], index_expr: str) -> str:
    cases = " ".join(f"WHEN {k} THEN '{v}'" for k, v in enumerate(values))
    return f"(CASE ({index_expr}) % {len(values)} {cases} END)"


def fill(conn: Connection, start: int, stop: int, now: int) -> None:
    """Calls start..stop-1, newest first by i, a month of them per 10,000; each with three
    journal events, and tickets, SMS and voicemails for some."""
    pg = conn.dialect.name == "postgresql"
    hex_sid = "lpad(to_hex(i), 32, '0')" if pg else "printf('%032x', i)"
    phone = "('+1503' || lpad(CAST(i % 90000 AS TEXT), 7, '0'))" if pg else \
        "('+1503' || printf('%07d', i % 90000))"
    started = f"{now} - i * {SPREAD_DAYS * DAY // 10_000} - (i % 7)"
    note = ("'2026-11-23 09:00 PST: a caller called Omega Tech Service (+15035550100). "
            "Path: greeting → menu → price_info → anything_else → goodbye. Caller answered: "
            "\"4\"; \"no that''s all thanks\" (0.91). Outcome: the flow finished the call; the "
            "call lasted ' || CAST(30 + i % 200 AS TEXT) || ' s.'")
    conn.execute(text(f"""
        INSERT INTO calls (id, sid, flow_id, flow_digest, direction, from_number, to_number,
            status, state, turn, retries, inputs, vars, last_twiml, outcome, note, flagged,
            started_at, ended_at, duration, recording_url)
        SELECT i, 'CA' || {hex_sid}, {pick(LINES, 'i')}, '', 'inbound', {phone},
            '+15035550100', 'completed', 'goodbye', 3, 0, 2, '{{}}', '',
            {pick(OUTCOMES, 'i / 3')}, {note}, '', {moment(conn, started)},
            {moment(conn, started + ' + 60')}, 30 + i % 200, ''
        FROM {numbers(conn, start, stop)} AS n"""))
    for k, (kind, state) in enumerate((("enter", "greeting"), ("input", "menu"), ("end", "goodbye"))):
        conn.execute(text(f"""
            INSERT INTO call_events (call_id, at, state, kind, text, data)
            SELECT id, started_at, '{state}', '{kind}', '{kind} {k}', '{{}}'
            FROM calls WHERE id >= {start} AND id < {stop}"""))
    conn.execute(text(f"""
        INSERT INTO tickets (flow_id, call_id, kind, text, fields, urgent, status, phone,
            created_at, assigned_to, answer, updated_at, due_at)
        SELECT flow_id, id, 'callback', 'Caller ' || from_number || ' asks for a call back.',
            '{{}}', (id % 50 = 0),
            CASE WHEN id % 7 = 0 THEN 'open' ELSE 'closed' END, from_number, started_at, '', '',
            started_at, started_at
        FROM calls WHERE id >= {start} AND id < {stop} AND id % 20 = 0"""))
    conn.execute(text(f"""
        INSERT INTO messages (direction, purpose, flow_id, from_number, to_number, body, status,
            error, call_id, created_at, updated_at)
        SELECT 'out', 'caller', flow_id, to_number, from_number, 'Thank you for calling.',
            'delivered', '', id, started_at, started_at
        FROM calls WHERE id >= {start} AND id < {stop} AND id % 5 = 0"""))
    conn.execute(text(f"""
        INSERT INTO voicemails (recording_sid, call_id, flow_id, from_number, recording_url,
            duration, status, transcript, created_at, updated_at, quote_wanted, language,
            fetch_attempts, audio_path, transcriber, words, twilio_transcript, understanding,
            error)
        SELECT 'RE' || substr(sid, 3), id, flow_id, from_number, '', 20, 'transcribed',
            'my fridge is not cooling please call me back', started_at, started_at, true, 'en',
            1, '', 'vosk', '[]', '', '{{}}', ''
        FROM calls WHERE id >= {start} AND id < {stop} AND id % 10 = 0"""))


def timed(fn: Callable[[], Any], runs: int) -> float:
    """Median milliseconds of `runs` calls, after one warm-up."""
    fn()
    samples = []
    for _ in range(runs):
        started = time.perf_counter()
        fn()
        samples.append((time.perf_counter() - started) * 1000)
    return round(statistics.median(samples), 2)


def measure(app: Any, client: Any, runs: int) -> dict[str, float]:
    def page(url: str) -> Callable[[], None]:
        def get() -> None:
            reply = client.get(url)
            assert reply.status_code == 200, (url, reply.status_code)
        return get

    def query(**filters: Any) -> Callable[[], None]:
        def run() -> None:
            with db.session_scope(app) as session:
                assert journal.entries(session, app.extensions["voicebot.flows"], limit=51, **filters)
        return run

    return {
        "handoff_24h_ms": timed(page("/admin/"), runs),
        "handoff_all_in_window_ms": timed(page(f"/admin/?hours={10 * 365 * 24}"), runs),
        "handoff_number_ms": timed(page("/admin/?number=%2B15030000420"), runs),
        "journal_newest_ms": timed(query(), runs),
        "journal_line_ms": timed(query(flow_id="hotline"), runs),
        "journal_number_ms": timed(query(number="+15030000420"), runs),
    }


def main() -> None:
    args = journal_args(__doc__, big=1_000_000, max_seconds=600.0, runs=9)
    with tempfile.TemporaryDirectory(prefix="voicebot-bench-") as tmp:
        url = args.database_url or f"sqlite:///{tmp}/bench.db"
        app, engine, client = desk_app(url, tmp, DESK_TIMEZONE="UTC")
        now = int(time.time())
        result: dict[str, Any] = {"bench": "journal", "database": engine.dialect.name,
                                  "machine": machine()}
        result["baseline_login_page_ms"] = timed(lambda: client.get("/admin/login"), args.runs)

        started = time.perf_counter()
        with engine.begin() as conn:
            fill(conn, 1, 10_001, now)
            fix_sequences(conn)
        result["insert_10k_s"] = round(time.perf_counter() - started, 2)
        result["at_10k"] = measure(app, client, args.runs)

        started = time.perf_counter()
        size = grow(engine, lambda conn, start, stop: fill(conn, start, stop, now),
                    big=args.big, max_seconds=args.max_seconds)
        result["big_calls"] = size
        result["big_complete"] = size >= args.big
        result["insert_big_s"] = round(time.perf_counter() - started, 2)
        result[f"at_{size // 1000}k"] = measure(app, client, args.runs)
        small, big = result["at_10k"], result[f"at_{size // 1000}k"]
        result["ratio_big_to_10k"] = {k: round(big[k] / small[k], 2) for k in small if small[k]}
        result["ratio_handoff_24h_10k_to_baseline"] = round(
            small["handoff_24h_ms"] / result["baseline_login_page_ms"], 1)
        engine.dispose()
    print(json.dumps(result, ensure_ascii=False))


if __name__ == "__main__":
    main()
