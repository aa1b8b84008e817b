"""Reports (issue 18): per line and per day or hour over a chosen period, the office's figures
(voicebot/stats.py) as charts, tables beside them, and a CSV export of the same rows."""

from __future__ import annotations

import csv
import datetime as dt
import io
from dataclasses import dataclass
from typing import Any

from flask import Response, render_template, request
from flask.typing import ResponseReturnValue
from markupsafe import Markup
from werkzeug.datastructures import MultiDict

from voicebot import db, stats
from voicebot.admin import charts
from voicebot.admin.blueprint import bp
from voicebot.admin.formatting import desk_zone
from voicebot.admin.i18n import gettext as _
from voicebot.admin.i18n import language
from voicebot.clock import clock
from voicebot.flows.catalog import catalog

DEFAULT_DAYS = 7
MAX_DAYS = 366
MAX_HOUR_DAYS = 7
"""By the hour, a week at most: 168 bars are still bars."""


@dataclass(frozen=True)
class Choice:
    first: dt.date
    last: dt.date
    unit: str
    line: str
    problem: str = ""

    def args(self, **changes: Any) -> dict[str, Any]:
        out = {"from": self.first.isoformat(), "to": self.last.isoformat(), "unit": self.unit,
               "line": self.line, **changes}
        return {k: v for k, v in out.items() if v}

    def period(self, zone: dt.tzinfo) -> stats.Period:
        start = dt.datetime.combine(self.first, dt.time(), zone)
        end = dt.datetime.combine(self.last + dt.timedelta(days=1), dt.time(), zone)
        return stats.Period(start=start, end=end, unit=self.unit, zone=zone)


def parse(args: MultiDict[str, str], today: dt.date) -> Choice:
    problem = ""
    first, last = today - dt.timedelta(days=DEFAULT_DAYS - 1), today
    try:
        if args.get("from"):
            first = dt.date.fromisoformat(args["from"])
        if args.get("to"):
            last = dt.date.fromisoformat(args["to"])
    except ValueError:
        problem = "That date was not understood; showing the last 7 days."
        first, last = today - dt.timedelta(days=DEFAULT_DAYS - 1), today
    if last < first:
        first, last = last, first
    if (last - first).days >= MAX_DAYS:
        first = last - dt.timedelta(days=MAX_DAYS - 1)
        problem = "A report covers a year at most; showing the year up to the last day chosen."
    unit = "hour" if args.get("unit") == "hour" else "day"
    if unit == "hour" and (last - first).days >= MAX_HOUR_DAYS:
        unit = "day"
        problem = "By the hour, a report covers a week at most; showing it by the day."
    return Choice(first=first, last=last, unit=unit, line=args.get("line", "").strip(),
                  problem=problem)


@dataclass(frozen=True)
class Row:
    start: dt.datetime
    """Local wall-clock start of the period."""
    figures: stats.Figures


def collect(choice: Choice) -> tuple[stats.Period, dict[stats.Key, stats.Figures]]:
    """The chosen line's figures per (line, period) over the chosen days."""
    period = choice.period(desk_zone())
    return period, stats.collect(db.session(), start=period.start, end=period.end,
                                 bucket=period.bucket(), flow_id=choice.line or None)


def build(choice: Choice) -> tuple[list[Row], dict[str, stats.Figures], stats.Figures]:
    """Rows per period (every period, lines summed), totals per line, and the grand total."""
    period, found = collect(choice)
    by_period: dict[int, stats.Figures] = {n: stats.Figures() for n in period.numbers()}
    by_line: dict[str, stats.Figures] = {}
    total = stats.Figures()
    for (line, number), figures in found.items():
        if number is not None and number in by_period:
            by_period[number].add(figures)
        by_line.setdefault(line, stats.Figures()).add(figures)
        total.add(figures)
    rows = [Row(period.label(n), f) for n, f in sorted(by_period.items())]
    return rows, dict(sorted(by_line.items())), total


def short_label(start: dt.datetime, unit: str) -> str:
    if unit == "hour":
        return start.strftime("%H:00") if start.hour else start.strftime("%d.%m" if language() == "ru"
                                                                          else "%b %d")
    return start.strftime("%d.%m" if language() == "ru" else "%b %d")


def long_label(start: dt.datetime, unit: str) -> str:
    return start.strftime("%Y-%m-%d %H:00" if unit == "hour" else "%Y-%m-%d")


def percent(value: float | None) -> str:
    return "" if value is None else f"{100 * value:.0f}%"


def seconds(value: float | None) -> str:
    return "" if value is None else f"{value:.0f}"


def draw(rows: list[Row], unit: str) -> dict[str, Markup]:
    labels = [short_label(r.start, unit) for r in rows]
    f = [r.figures for r in rows]
    calls = charts.bars(
        _("Calls"), _("Inbound calls per period: picked up by a person, hung up waiting, the rest."), labels,
        [charts.Series(_("picked up"), "series-ok", [x.answered for x in f]),
         charts.Series(_("hung up waiting"), "series-bad", [x.abandoned for x in f]),
         charts.Series(_("other"), "series-muted",
                       [max(0, x.calls - x.answered - x.abandoned) for x in f])],
        stacked=True, chart_id="chart-calls")
    level = charts.line(
        _("Service level"),
        _("Share of queued callers answered within {n} seconds, per period.",
          n=stats.SERVICE_LEVEL_SECONDS), labels,
        charts.Series(_("service level"), "series-accent",
                      [None if x.service_level is None else 100 * x.service_level for x in f]),
        chart_id="chart-level")
    work = charts.bars(
        _("Voicemails, quotes and callbacks"),
        _("Voicemails, quotes sent and approved, callbacks made and reached."), labels,
        [charts.Series(_("voicemails"), "series-accent", [x.voicemails for x in f]),
         charts.Series(_("quotes sent"), "series-warn", [x.quotes_sent for x in f]),
         charts.Series(_("approved"), "series-ok", [x.quotes_approved for x in f]),
         charts.Series(_("callbacks"), "series-muted", [x.callbacks_made for x in f]),
         charts.Series(_("reached"), "series-dark", [x.callbacks_reached for x in f])],
        stacked=False, chart_id="chart-work")
    return {"calls": calls, "level": level, "work": work}


CSV_COLUMNS = ("line", "period_start", "time_zone", "calls", "answered", "abandoned",
               "average_abandon_seconds", "average_wait_seconds", "p90_wait_seconds",
               "service_level_percent", "voicemails", "quotes_sent", "quotes_approved",
               "callbacks_made", "callbacks_reached", "kept_places_offered", "kept_places_taken",
               "kept_places_reached", "kept_places_not_reached")


def csv_rows(choice: Choice) -> list[list[str | int]]:
    """One row per line and period with anything in it, in the desk's zone."""
    period, found = collect(choice)
    out: list[list[str | int]] = []
    for (line, number), f in sorted(found.items(), key=lambda kv: (kv[0][0], kv[0][1] or 0)):
        start = period.label(number or 0).isoformat(timespec="minutes")
        out.append([line, start, str(period.zone), f.calls, f.answered, f.abandoned,
                    seconds(f.average_abandon), seconds(f.average_wait), seconds(f.p90_wait),
                    "" if f.service_level is None else f"{100 * f.service_level:.1f}",
                    f.voicemails, f.quotes_sent, f.quotes_approved, f.callbacks_made,
                    f.callbacks_reached, f.kept_offered, f.kept_taken, f.kept_reached,
                    f.kept_not_reached])
    return out


@bp.get("/reports")
def reports() -> ResponseReturnValue:
    zone = desk_zone()
    choice = parse(request.args, clock().now().astimezone(zone).date())
    rows, by_line, total = build(choice)
    return render_template(
        "admin/reports.html", c=choice, rows=rows, by_line=by_line, total=total,
        shown=[r for r in rows if r.figures.calls or r.figures.voicemails or r.figures.quotes_sent
               or r.figures.quotes_approved or r.figures.callbacks_made
               or r.figures.kept_offered or r.figures.kept_reached or r.figures.kept_not_reached],
        charts=draw(rows, choice.unit), lines=[flow.id for flow in catalog().flows()],
        label=lambda r: long_label(r.start, choice.unit), percent=percent, seconds=seconds,
        level_seconds=stats.SERVICE_LEVEL_SECONDS)


@bp.get("/reports.csv")
def reports_csv() -> ResponseReturnValue:
    choice = parse(request.args, clock().now().astimezone(desk_zone()).date())
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(CSV_COLUMNS)
    writer.writerows(csv_rows(choice))
    name = f"voicebot-report-{choice.first}-{choice.last}-{choice.unit}.csv"
    return Response(buffer.getvalue(), content_type="text/csv; charset=utf-8",
                    headers={"Content-Disposition": f'attachment; filename="{name}"'})
