"""Reports (issue 18 item 7): the figures of a known set of calls, most of them real calls
through the emulator and the live server, the rest rows written as the pipeline and the
callback worker write them. Checked on the desk page, in the CSV, and on /metrics."""

from __future__ import annotations

import csv
import datetime as dt
import io
import re
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from flask import Flask
from flask.testing import FlaskClient

from voicebot import db, stats
from voicebot.models import Call

from support.desk import PASSWORD_HASH, add, login
from support.records import Dial, stored
from support.reports import known_calls

OMEGA = "+15035550100"
PACIFIC = dt.timezone(dt.timedelta(hours=-8))
TOKEN = "metrics-token-for-tests"


@pytest.fixture
def settings(settings: dict[str, Any]) -> dict[str, Any]:
    return {**settings, "ADMIN_PASSWORD_HASH": PASSWORD_HASH,
            "DESK_TIMEZONE": "America/Los_Angeles", "METRICS_TOKEN": TOKEN}


def text_of(html: str) -> str:
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html))


def test_figures_of_known_calls_on_the_desk_in_the_csv_and_on_metrics(
        app: Flask, client: FlaskClient, dial: Dial, set_clock: Any) -> None:
    known_calls(app, dial, set_clock)
    assert len(stored(app, Call)) == 5
    desk = login(client)

    page = desk.get("/admin/reports?from=2026-11-23&to=2026-11-24&unit=day")
    assert page.status_code == 200
    totals = text_of(page.text.split('id="totals"')[1].split("</dl>")[0])
    assert "Calls 5 " in totals
    assert "Answered by a person 2 " in totals
    assert "Abandoned in the queue 1 (after 45 s on average)" in totals
    assert "Average wait 21 s" in totals  # (12 + 30) / 2
    assert "90% waited at most 30 s" in totals
    assert "Service level (20 s) 33%" in totals  # 1 of 3 queued within 20 s
    assert "Voicemails 2 " in totals
    assert "Quotes sent / approved 1 / 1" in totals
    assert "Callbacks made / reached 2 / 1" in totals
    calls = text_of(page.text.split('id="table-calls"')[1].split("</table>")[0])
    assert "2026-11-23 4 1 1 45" in calls  # the 20:30 voicemail stays on Monday, Pacific
    assert "2026-11-24 1 1 0" in calls
    waits = text_of(page.text.split('id="table-waits"')[1].split("</table>")[0])
    assert "2026-11-23 2 12 12 50%" in waits
    assert "2026-11-24 1 30 30 0%" in waits
    # The charts: one bar per day, with what it stands for.
    assert page.text.count('<svg class="chart"') == 3
    assert "<title>Nov 23: picked up 1</title>" in page.text
    assert "<title>Nov 23: hung up waiting 1</title>" in page.text
    assert "<title>Nov 23: 50%</title>" in page.text

    hours = desk.get("/admin/reports?from=2026-11-23&to=2026-11-23&unit=hour").text
    by_hour = text_of(hours.split('id="table-calls"')[1].split("</table>")[0])
    assert "2026-11-23 09:00 3 1 1 45" in by_hour and "2026-11-23 20:00 1 0 0" in by_hour
    assert "<title>09:00: picked up 1</title>" in hours
    assert "<title>20:00: other 1</title>" in hours

    exported = desk.get("/admin/reports.csv?from=2026-11-23&to=2026-11-24&unit=day")
    assert exported.headers["Content-Type"].startswith("text/csv")
    assert "attachment" in exported.headers["Content-Disposition"]
    rows = list(csv.DictReader(io.StringIO(exported.text)))
    assert [(r["line"], r["period_start"]) for r in rows] == [
        ("omega", "2026-11-23T00:00"), ("omega", "2026-11-24T00:00")]
    monday, tuesday = rows
    assert monday["time_zone"] == "America/Los_Angeles"
    assert (monday["calls"], monday["answered"], monday["abandoned"],
            monday["average_abandon_seconds"], monday["service_level_percent"],
            monday["voicemails"]) == ("4", "1", "1", "45", "50.0", "1")
    assert (tuesday["p90_wait_seconds"], tuesday["quotes_sent"], tuesday["quotes_approved"],
            tuesday["callbacks_made"], tuesday["callbacks_reached"]) == ("30", "1", "1", "2", "1")

    # /metrics: nothing without the token, every figure with it.
    assert client.get("/metrics").status_code == 401
    assert client.get("/metrics", headers={"Authorization": "Bearer wrong"}).status_code == 401
    scraped = client.get("/metrics", headers={"Authorization": f"Bearer {TOKEN}"})
    assert scraped.status_code == 200
    assert scraped.headers["Content-Type"].startswith("text/plain; version=0.0.4")
    body = scraped.text
    for line in ('voicebot_calls_total{flow="omega"} 5', 'voicebot_calls_answered_total{flow="omega"} 2',
                 'voicebot_calls_abandoned_total{flow="omega"} 1',
                 'voicebot_voicemails_total{flow="omega"} 2',
                 'voicebot_quotes_sent_total{flow="omega"} 1',
                 'voicebot_quotes_approved_total{flow="omega"} 1',
                 'voicebot_queue_wait_seconds_bucket{flow="omega",le="20"} 1',
                 'voicebot_queue_wait_seconds_bucket{flow="omega",le="30"} 2',
                 'voicebot_queue_wait_seconds_sum{flow="omega"} 42',
                 'voicebot_queue_wait_seconds_count{flow="omega"} 2',
                 'voicebot_callbacks_total{flow="omega",outcome="done"} 1'):
        assert line in body.splitlines(), line
    assert "+1503" not in body  # figures only, no caller


def test_metrics_do_not_exist_without_a_token(make_app: Any) -> None:
    app = make_app(METRICS_TOKEN=None)
    assert app.test_client().get("/metrics").status_code == 404


def test_the_report_page_is_behind_the_login_and_speaks_russian(client: FlaskClient) -> None:
    assert client.get("/admin/reports").status_code == 302
    assert client.get("/admin/reports.csv").status_code == 302
    desk = login(client)
    page = desk.get("/admin/reports?from=2026-11-23&to=2026-12-30&unit=hour",
                    headers={"Accept-Language": "ru"}).text
    assert "По часам отчёт охватывает не больше недели; показан по дням." in page
    assert "Уровень обслуживания (20 с)" in page and "Скачать CSV" in page
    garbled = desk.get("/admin/reports?from=yesterday").text
    assert "That date was not understood; showing the last 7 days." in garbled


def test_days_are_cut_in_the_desk_zone_across_a_daylight_saving_change(app: Flask) -> None:
    """1 Nov 2026: Pacific clocks go back from UTC-7 to UTC-8. A call just after midnight
    (PDT) and one just before midnight (PST) are both on 1 November."""
    pdt, pst = dt.timezone(dt.timedelta(hours=-7)), PACIFIC
    times = [dt.datetime(2026, 10, 31, 23, 50, tzinfo=pdt), dt.datetime(2026, 11, 1, 0, 10, tzinfo=pdt),
             dt.datetime(2026, 11, 1, 23, 50, tzinfo=pst), dt.datetime(2026, 11, 2, 0, 10, tzinfo=pst)]
    add(app, *[Call(sid=f"CA{i:032d}", flow_id="omega", from_number="+15035550140",
                    to_number=OMEGA, started_at=at, outcome="completed")
               for i, at in enumerate(times)])
    zone = ZoneInfo("America/Los_Angeles")
    for unit, expected in (("day", {"2026-10-31 00:00": 1, "2026-11-01 00:00": 2,
                                    "2026-11-02 00:00": 1}),
                           ("hour", {"2026-10-31 23:00": 1, "2026-11-01 00:00": 1,
                                     "2026-11-01 23:00": 1, "2026-11-02 00:00": 1})):
        period = stats.Period(start=dt.datetime(2026, 10, 31, tzinfo=zone),
                              end=dt.datetime(2026, 11, 3, tzinfo=zone), unit=unit, zone=zone)
        with db.session_scope(app) as session:
            found = stats.collect(session, start=period.start, end=period.end,
                                  bucket=period.bucket())
        got = {period.label(n).strftime("%Y-%m-%d %H:%M"): f.calls for (_, n), f in found.items()
               if n is not None}
        assert got == expected, unit
