"""How the reports page and /metrics keep up as the journal grows. Prints one JSON line.

    .venv/bin/python -m bench.reports [--database-url URL] [--big 300000] [--max-seconds 300]

Fills a throwaway database (SQLite in a temporary folder unless --database-url names an
empty PostgreSQL database) with 10,000 calls the way bench.journal does (a month of them),
a queue entry for every other call, then grows it to --big calls, and times at each size:
the reports page for the last week by the hour and the last month by the day, its CSV, and
/metrics (every call ever). A baseline (the login page) is timed in the same run, so the
figures compare across machines as ratios. The week's page should barely grow with the
journal: only the week's rows are read.
"""

from __future__ import annotations

import datetime as dt
import json
import tempfile
import time
from typing import Any

from sqlalchemy import Connection, text

from bench.common import desk_app, fix_sequences, grow, journal_args, machine
from bench.journal import fill, moment, timed

TOKEN = "bench-metrics-token"


def fill_queue(conn: Connection, start: int, stop: int) -> None:
    """Every other call waited in the queue: 0-299 s, answered or (one in three) hung up."""
    waited = "((id * 37) % 300)"
    epoch = ("CAST(extract(epoch FROM started_at) AS BIGINT)" if conn.dialect.name == "postgresql"
             else "CAST(strftime('%s', started_at) AS INTEGER)")
    conn.execute(text(f"""
        INSERT INTO queue_entries (call_id, flow_id, queue, priority, enqueued_at, left_at, result)
        SELECT id, flow_id, 'dispatch', 0, started_at, {moment(conn, f'{epoch} + {waited}')},
            CASE WHEN id % 3 = 0 THEN 'hangup' ELSE 'bridged' END
        FROM calls WHERE id >= {start} AND id < {stop} AND id % 2 = 0"""))


def measure(client: Any, runs: int) -> dict[str, float]:
    today = dt.date.today()
    week = f"from={today - dt.timedelta(days=6)}&to={today}&unit=hour"
    month = f"from={today - dt.timedelta(days=29)}&to={today}&unit=day"

    def get(url: str, **headers: str) -> Any:
        def run() -> None:
            reply = client.get(url, headers=headers)
            assert reply.status_code == 200, (url, reply.status_code)
        return run

    return {
        "report_week_by_hour_ms": timed(get(f"/admin/reports?{week}"), runs),
        "report_month_by_day_ms": timed(get(f"/admin/reports?{month}"), runs),
        "csv_month_by_day_ms": timed(get(f"/admin/reports.csv?{month}"), runs),
        "metrics_ms": timed(get("/metrics", Authorization=f"Bearer {TOKEN}"), runs),
    }


def main() -> None:
    args = journal_args(__doc__, big=300_000, max_seconds=300.0, runs=5)
    with tempfile.TemporaryDirectory(prefix="voicebot-bench-") as tmp:
        url = args.database_url or f"sqlite:///{tmp}/bench.db"
        _, engine, client = desk_app(url, tmp, DESK_TIMEZONE="America/Los_Angeles",
                                     METRICS_TOKEN=TOKEN)
        now = int(time.time())
        result: dict[str, Any] = {"bench": "reports", "database": engine.dialect.name,
                                  "machine": machine()}
        result["baseline_login_page_ms"] = timed(lambda: client.get("/admin/login"), args.runs)
        with engine.begin() as conn:
            fill(conn, 1, 10_001, now)
            fill_queue(conn, 1, 10_001)
            fix_sequences(conn)
        result["at_10k"] = measure(client, args.runs)

        def fill_both(conn: Connection, start: int, stop: int) -> None:
            fill(conn, start, stop, now)
            fill_queue(conn, start, stop)

        size = grow(engine, fill_both, big=args.big, max_seconds=args.max_seconds)
        result["big_calls"] = size
        result["big_complete"] = size >= args.big
        result[f"at_{size // 1000}k"] = measure(client, args.runs)
        small, big = result["at_10k"], result[f"at_{size // 1000}k"]
        result["ratio_big_to_10k"] = {k: round(big[k] / small[k], 2) for k in small if small[k]}
        result["ratio_week_by_hour_big_to_baseline"] = round(
            big["report_week_by_hour_ms"] / result["baseline_login_page_ms"], 1)
    print(json.dumps(result))


if __name__ == "__main__":
    main()
