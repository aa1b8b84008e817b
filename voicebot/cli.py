"""The `voicebot` command: serve, call, check and test flows, read the journal."""

from __future__ import annotations

import contextlib
import datetime as dt
import functools
import json
import logging
import os
import subprocess
import sys
import wave
from collections.abc import Iterable, Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

import click
from flask import Flask

from voicebot import close_app, create_app
from voicebot import db as database
from voicebot.compiler.registry import registry
from voicebot.flows.errors import Problem
from voicebot.flows.model import Flow
from voicebot.language.tags import language_family
from voicebot.speech import synthesis

if TYPE_CHECKING:
    from voicebot.devtools.emulator import CallEmulator
    from voicebot.devtools.flow_eval import Report
    from voicebot.devtools.repl import Messages
    from voicebot.speech.transcript import Transcript


# Where a command that found nothing to work on says to look.
WHERE = ("run voicebot in its installation folder (the one holding .env, or flows/ and instance/), "
         "or set VOICEBOT_HOME to it")


def _settings(**overrides: Any) -> dict[str, Any]:
    """The installation's settings, without writing anything (no generated secrets)."""
    from voicebot.config import read_settings

    try:
        return read_settings(overrides or None)
    except ValueError as exc:
        raise click.ClickException(str(exc)) from None


DURABLE_JOBS = {"DB_SYNCHRONOUS_COMMIT": True}
"""Jobs claim callbacks and send SMS and calls: a claim lost to a PostgreSQL crash would place
the call again, so VOICEBOT_DB_SYNCHRONOUS_COMMIT=off applies to the web tier only."""


def _app(**overrides: Any) -> Flask:
    try:
        return create_app(overrides or None)
    except ValueError as exc:  # a bad setting: one line naming it, not a traceback
        raise click.ClickException(str(exc)) from None


def _quiet(**overrides: Any) -> dict[str, Any]:
    """For commands whose output is for a person (the emulator, the journal): log lines about
    migrations and flow loading would drown what the caller hears, unless asked for."""
    if "VOICEBOT_LOG_LEVEL" not in os.environ:
        overrides.setdefault("LOG_LEVEL", "WARNING")
    return overrides


def _quiet_app(**overrides: Any) -> Flask:
    return _app(**_quiet(**overrides))


def _existing_app() -> Flask:
    """For commands that read or change what is stored: the installation's database must be
    there already. Making an empty one would answer "no calls" about the wrong folder."""
    url = _settings()["DATABASE_URL"]
    try:
        database.require_existing(url)
    except database.MissingDatabase as exc:
        raise click.ClickException(f"{exc}; {WHERE}") from None
    return _quiet_app()


@click.group()
@click.version_option(package_name="voicebot")
def main() -> None:
    """voicebot: a phone line that runs itself."""


# -- serving --------------------------------------------------------------------------------
@main.command()
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--port", default=5000, show_default=True, type=int)
@click.option("--threads", type=int, help="Request threads per process [default: VOICEBOT_WEB_THREADS, 8]")
@click.option("--production/--embedded", default=None,
              help="gunicorn with --workers processes, and no jobs (run `voicebot worker`) "
                   "[default: VOICEBOT_PRODUCTION, embedded]")
@click.option("--workers", type=int,
              help="Production: worker processes [default: VOICEBOT_WEB_WORKERS, one per core]")
@click.option("--jobs/--no-jobs", "run_jobs", default=None,
              help="Embedded: also run scheduled jobs in this process (the default); "
                   "with --no-jobs run `voicebot worker` beside it.")
def serve(host: str, port: int, threads: int | None, production: bool | None,
          workers: int | None, run_jobs: bool | None) -> None:
    """Run the web service (migrating the database first)."""
    overrides = {name: value for name, value in (("WEB_THREADS", threads), ("WEB_WORKERS", workers))
                 if value is not None}
    _flows_dir()  # a server without its flows would answer every call with an error
    if production is None:
        production = bool(_settings()["PRODUCTION"])
    # The embedded server runs jobs in its process, on the same connections: they stay durable.
    app = _app(**overrides) if production else _app(**overrides, **DURABLE_JOBS)
    if production and run_jobs:
        raise click.UsageError("the production web tier runs no jobs: run `voicebot worker` beside it")
    if not production and workers is not None:
        raise click.UsageError("--workers is for --production; the embedded server is one process")
    _check_port(host, port)
    flows = registry(app).flows()
    problems = registry(app).problems()
    click.echo(f"voicebot on http://{host}:{port}  database: {database.safe_url(app.config['DATABASE_URL'])}")
    click.echo(f"telephony: {'dry-run (nothing is sent)' if app.config['DRY_RUN'] else 'live'}")
    for flow in flows:
        click.echo(f"  flow {flow.id}: {_lines(flow.direction, flow.numbers)} [{flow.language}]")
    for problem in problems:
        click.echo(f"  BROKEN {problem}", err=True)
    _recognizer_report(app)
    desk_closed = "" if app.config["ADMIN_PASSWORD_HASH"] else \
        "  (closed: set VOICEBOT_ADMIN_PASSWORD_HASH, see `voicebot admin password`)"
    click.echo(f"desk: http://{host}:{port}/admin{desk_closed}")
    click.echo("Try it: voicebot call " + (flows[0].id if flows else "FLOW") +
               f" --url http://{host}:{port}")
    if production:
        _serve_production(app, host, port, overrides)
    else:
        _serve_embedded(app, host, port, run_jobs is not False)


def _check_port(host: str, port: int) -> None:
    """Fail with one line before anything starts when the address is taken (another voicebot?)."""
    import socket

    try:
        with socket.create_server((host, port)):  # as waitress binds: SO_REUSEADDR, no listen backlog
            pass
    except OSError as exc:
        why = os.strerror(exc.errno) if exc.errno else str(exc)
        raise click.ClickException(f"cannot listen on {host}:{port}: {why}; is another "
                                   "voicebot running there? Stop it or choose another --port") from None


def _serve_embedded(app: Flask, host: str, port: int, run_jobs: bool) -> None:
    import waitress

    from voicebot.jobs.worker import Worker

    worker = Worker(app).start() if run_jobs else None
    try:
        waitress.serve(app, host=host, port=port, threads=int(app.config["WEB_THREADS"]),
                       ident="voicebot")
    finally:
        if worker is not None:
            worker.stop()


def _serve_production(app: Flask, host: str, port: int, overrides: dict[str, Any]) -> None:
    from voicebot import serving

    try:
        settings = serving.options(app.config, host, port)
    except ValueError as exc:
        raise click.UsageError(str(exc)) from None
    click.echo(f"production: gunicorn, {settings['workers']} worker(s) x {settings['threads']} "
               f"thread(s); SIGTERM lets webhooks in flight finish (up to "
               f"{settings['graceful_timeout']} s)")
    click.echo("jobs: not run here; run `voicebot worker` beside the web tier")
    click.echo(serving.connection_budget(app))
    # Every worker builds its own app, pool and flow watcher after the fork; the schema is
    # migrated already. The master's are released first: nothing of them is shared.
    close_app(app)
    serving.run(functools.partial(create_app, {**overrides, "AUTO_MIGRATE": False}), settings)


@main.command()
@click.option("--once", is_flag=True, help="Sweep, run what is due now, and exit (for cron).")
@click.option("--concurrency", type=click.IntRange(1), default=None,
              help="Quick jobs (calls, SMS, e-mails) run at once [VOICEBOT_JOB_THREADS].")
@click.option("--transcription", type=click.IntRange(0), default=None,
              help="Voicemails transcribed at once, on their own slots; 0 takes none "
                   "[VOICEBOT_TRANSCRIPTION_THREADS].")
@click.option("--queue", "queues", multiple=True, type=click.Choice(["quick", "transcription"]),
              help="Take jobs of this queue only (repeat for both; default both).")
@click.option("--no-clock", is_flag=True, help="Never lead the clock (take jobs only).")
def worker(once: bool, concurrency: int | None, transcription: int | None,
           queues: tuple[str, ...], no_clock: bool) -> None:
    """Run background jobs: callbacks, voicemail transcription, SMS and e-mail delivery.

    On PostgreSQL run as many as the load needs, on any hosts: each takes jobs, and one of
    them also leads the clock that queues callbacks as they fall due (another takes over
    within seconds when it stops). On SQLite one process runs the jobs; a second one stands by.
    """
    import signal

    from voicebot.jobs import QUEUES
    from voicebot.jobs.worker import Worker

    _flows_dir()  # the jobs run the flows' rules: without them, this is the wrong folder
    app = _app(**DURABLE_JOBS)
    runner = Worker(app, concurrency=concurrency, transcription=transcription,
                    queues=queues or QUEUES, run_clock=not no_clock)
    if once:
        ran = runner.run_once()
        if ran < 0:
            raise click.ClickException("another process runs this database's jobs; nothing was run")
        click.echo(f"ran {ran} job(s)")
        return
    for sig in (signal.SIGTERM, signal.SIGINT):
        signal.signal(sig, lambda *_: runner.request_stop())
    click.echo(f"worker {runner.holder}: database {database.safe_url(app.config['DATABASE_URL'])}, "
               f"jobs on {runner.engine.name}")
    _recognizer_report(app)
    runner.run()


@main.command("jobs")
@click.option("--limit", type=click.IntRange(1), default=50, show_default=True,
              help="Jobs listed (failed first, then running and retried).")
@click.option("--retry", "retry_id", help="Queue a failed job again, by its id.")
@click.option("--json", "as_json", is_flag=True, help="One JSON object.")
def jobs_command(limit: int, retry_id: str | None, as_json: bool) -> None:
    """Background work: counts per queue and status, failed, running and retried jobs."""
    from voicebot.jobs import jobs as engine_of

    app = _quiet_app()
    engine = engine_of(app)
    if retry_id is not None:
        if not engine.retry(retry_id):
            raise click.ClickException(f"job {retry_id} is not a failed job that can be retried")
        click.echo(f"job {retry_id} queued again")
        return
    with app.app_context():
        report = engine.report(limit)
    if as_json:
        click.echo(json.dumps({
            "engine": report.engine, "leader": report.leader, "workers": report.workers,
            "counts": [{"queue": q, "status": st, "jobs": n}
                       for (q, st), n in sorted(report.counts.items())],
            "jobs": [{"id": r.id, "task": r.task, "queue": r.queue, "key": r.key,
                      "status": r.status, "attempts": r.attempts,
                      "due": r.due.isoformat() if r.due else None, "args": r.args}
                     for r in report.rows]}, ensure_ascii=False))
        return
    click.echo(f"engine: {report.engine}" + (f"; clock led by {report.leader}" if report.leader
                                             else ""))
    for line in report.workers:
        click.echo(f"  {line}")
    if not report.counts:
        click.echo("no jobs")
    for (queue, status), count in sorted(report.counts.items()):
        click.echo(f"  {queue or '-':<14} {status:<10} {count}")
    for row in report.rows:
        due = f" due {row.due:%Y-%m-%d %H:%M:%S}" if row.due else ""
        tries = f" after {row.attempts} retr{'y' if row.attempts == 1 else 'ies'}" \
            if row.attempts else ""
        click.echo(f"{row.id}  {row.status:<8} {row.task.rpartition(':')[2] or '-'} "
                   f"{row.key}{tries}{due}")


def _recognizer_report(app: Flask) -> None:
    """At start: one log line per language of the flows that no recognizer transcribes here,
    and one per model refused for being of another language than its line."""
    from voicebot.speech import coverage

    log = logging.getLogger("voicebot.speech")
    for found in coverage.coverage(app.config, registry(app).flows()):
        for refused in found.refused:
            log.error("%s voicemails: %s", found.title, refused)
        if found.recognizer is None:
            log.warning("%s", found.warning())


def _warn_untranscribed(found: Iterable[Flow]) -> None:
    """`flows check`: a warning (not an error) per line whose voicemails nothing transcribes."""
    from voicebot.config import read_settings
    from voicebot.speech import coverage

    flows = sorted(found, key=lambda f: f.file)
    gaps = {gap.language: gap for gap in coverage.missing(read_settings(), flows)}
    for flow in flows:
        gap = gaps.get(language_family(flow.language))
        if gap is not None and flow.id in gap.lines:
            click.echo(f"warning: {flow.file}: {gap.title} voicemails on line {flow.id} will not be "
                       f"transcribed (no speech recognizer for {gap.title}); they are kept for a "
                       f"person. Fix: `{gap.fix}`", err=True)


def _lines(direction: str, numbers: Sequence[str]) -> str:
    """What a flow's numbers are: lines it answers, or the caller ID of the calls it places."""
    if direction == "outbound":
        return f"(outbound, calls from {', '.join(numbers)})" if numbers else "(outbound)"
    return ", ".join(numbers)


@main.group()
def db() -> None:
    """Database schema."""


@db.command("upgrade")
@click.option("--revision", default="head", show_default=True)
def db_upgrade(revision: str) -> None:
    """Apply Alembic migrations."""
    url = _settings()["DATABASE_URL"]
    if url.startswith("sqlite:///"):
        # As the app does on start: a fresh SQLite file may live in a folder not made yet.
        Path(url.removeprefix("sqlite:///")).parent.mkdir(parents=True, exist_ok=True)
    database.upgrade(url, revision)
    click.echo(f"database at {database.safe_url(url)} is at {revision}")


# -- flows ----------------------------------------------------------------------------------
@main.group()
def flows() -> None:
    """Check, list, draw and test flow files."""


def _flows_dir() -> Path:
    """The installation's flows folder; a missing one is an error, not an empty list."""
    folder = Path(_settings()["FLOWS_DIR"])
    if not folder.is_dir():
        raise click.ClickException(f"no flows folder at {folder}; {WHERE}")
    return folder


def _load(paths: tuple[str, ...]) -> tuple[dict[str, Flow], list[Problem]]:
    from voicebot.compiler.loader import load_flows

    if not paths:
        return load_flows(_flows_dir())
    found: dict[str, Flow] = {}
    problems: list[Problem] = []
    for raw in paths:
        flows_, probs = load_flows(Path(raw)) if Path(raw).is_dir() else _load_file(Path(raw))
        found.update(flows_)
        problems.extend(probs)
    return found, problems


def _load_file(path: Path) -> tuple[dict[str, Flow], list[Problem]]:
    from voicebot.compiler.loader import load_flow
    from voicebot.flows.errors import FlowLoadError

    if not path.exists():
        return {}, [Problem(str(path), 0, "", "no such file")]
    try:
        flow = load_flow(path)
    except FlowLoadError as exc:
        return {}, exc.problems
    return {flow.id: flow}, []


@flows.command("check")
@click.argument("paths", nargs=-1)
def flows_check(paths: tuple[str, ...]) -> None:
    """Check flow files (default: the flows folder); exit 1 on any error."""
    found, problems = _load(paths)
    for flow in sorted(found.values(), key=lambda f: f.file):
        click.echo(f"ok  {flow.file}  ({flow.id}: {len(flow.states)} states)")
    for problem in problems:
        click.echo(str(problem), err=True)
    _warn_untranscribed(found.values())
    if problems:
        click.echo(f"{len(problems)} problem(s) found", err=True)
        sys.exit(1)
    if not found:
        click.echo("no flow files found", err=True)
        sys.exit(1)


@flows.command("list")
@click.option("--json", "as_json", is_flag=True, help="One JSON document.")
def flows_list(as_json: bool) -> None:
    """List flows with the numbers they answer."""
    found, problems = _load(())
    ordered = sorted(found.values(), key=lambda f: f.id)
    if as_json:
        rows = [{"id": f.id, "name": f.name, "file": f.file, "numbers": list(f.numbers),
                 "language": f.language, "direction": f.direction, "timezone": f.timezone}
                for f in ordered]
        click.echo(json.dumps({"flows": rows, "problems": [str(p) for p in problems]},
                              ensure_ascii=False, indent=2))
        return
    for f in ordered:
        click.echo(f"{f.id:<16} {f.language:<6} {_lines(f.direction, f.numbers)}  {f.file}")
    for problem in problems:
        click.echo(f"BROKEN {problem}", err=True)


@flows.command("graph")
@click.argument("flow_id")
@click.option("--format", "fmt", type=click.Choice(["mermaid", "dot", "svg", "png"]),
              default="mermaid", show_default=True)
@click.option("-o", "--output", type=click.Path(dir_okay=False, path_type=Path))
def flows_graph(flow_id: str, fmt: str, output: Path | None) -> None:
    """Draw a flow: Mermaid or Graphviz source, or an SVG/PNG where Graphviz is installed."""
    from voicebot.compiler import graph

    flow = _one_flow(flow_id)
    if fmt in ("svg", "png"):
        target = output or Path(f"{flow.id}.{fmt}")
        if not graph.render(flow, fmt, target):  # type: ignore[arg-type]
            raise click.ClickException("Graphviz `dot` is not installed; use --format dot or mermaid")
        click.echo(f"wrote {target}")
        return
    text = graph.to_mermaid(flow) if fmt == "mermaid" else graph.to_dot(flow)
    if output:
        output.write_text(text)
        click.echo(f"wrote {output}")
    else:
        click.echo(text)


def _one_flow(key: str) -> Flow:
    found, problems = _load(())
    for flow in found.values():
        if key in (flow.id, Path(flow.file).stem) or key in flow.numbers:
            return flow
    broken = [str(p) for p in problems if Path(p.file).stem == key]
    if broken:
        raise click.ClickException("that flow file is broken:\n" + "\n".join(broken))
    raise _no_flow(key, list(found))


@flows.command("test")
@click.argument("scripts", nargs=-1, type=click.Path(exists=True, path_type=Path))
@click.option("--json", "as_json", is_flag=True,
              help="One JSON object a script, a line each, as each finishes (the desk reads these).")
def flows_test(scripts: tuple[Path, ...], as_json: bool) -> None:
    """Run scripted calls (default: flows/calls/*.yaml) in-process; exit 1 on a failure."""
    from voicebot.devtools.flow_tests import run_files

    files = list(scripts) or sorted((_flows_dir() / "calls").glob("*.yaml"))
    if not files:
        raise click.ClickException("no scripted calls found (flows/calls/*.yaml)")
    failed = 0
    for outcome in run_files(files, _quiet()):
        failed += not outcome.ok
        if as_json:
            click.echo(json.dumps(outcome.as_json(), ensure_ascii=False))
            continue
        click.echo(("PASS " if outcome.ok else "FAIL ") + f"{outcome.path}")
        if not outcome.ok:
            click.echo(outcome.result.report() if outcome.result else "\n".join(outcome.problems),
                       err=True)
    if not as_json:
        click.echo(f"{len(files) - failed} passed, {failed} failed")
    sys.exit(1 if failed else 0)


@flows.command("eval")
@click.argument("flow_id", required=False)
@click.option("--json", "as_json", is_flag=True, help="One JSON document.")
@click.option("--show-held-out", is_flag=True,
              help="Also show the failures of cases marked held_out (kept apart from tuning).")
def flows_eval(flow_id: str | None, as_json: bool, show_held_out: bool) -> None:
    """How well flows understand callers: accuracy on flows/eval/FLOW.yaml (and on its
    held-out cases apart), the confusions, and the answers it was unsure of; exit 1 below the
    pass mark (95%) or on a bad case."""
    from voicebot.devtools.flow_eval import (
        EvalError,
        eval_files,
        evaluate,
        load_cases,
        unpunctuated,
    )
    from voicebot.devtools.flow_tests import scratch_app

    found, _problems = _load(())
    if flow_id is not None:
        one = _one_flow(flow_id)
        found = {one.id: one}
    sets = list(eval_files(_flows_dir(), found))
    if not sets:
        raise click.ClickException("no evaluation sets found (flows/eval/FLOW.yaml)")
    reports, bare, broken = [], [], False
    with scratch_app(**_quiet()) as app:
        for flow, path in sets:
            try:
                cases = load_cases(path, flow, _display(path))
            except EvalError as exc:
                click.echo("\n".join(exc.problems), err=True)
                broken = True
                continue
            reports.append(evaluate(app, flow, cases))
            bare.append(evaluate(app, flow, unpunctuated(cases)))
    if as_json:
        click.echo(json.dumps({"reports": [
            r.as_dict(show_held_out) | {"unpunctuated": {"right": b.right,
                                                        "accuracy": round(b.accuracy, 4)}}
            for r, b in zip(reports, bare, strict=True)]}, ensure_ascii=False, indent=2))
    else:
        for report, without in zip(reports, bare, strict=True):
            _show_eval(report, show_held_out)
            # Reported, not a pass mark: how much of the score leans on punctuation.
            click.echo(f"  unpunctuated, lower case (as Vosk writes): {without.right}/"
                       f"{len(without.outcomes)} ({without.accuracy:.1%})")
    sys.exit(1 if broken or not all(r.passed for r in reports) else 0)


def _display(path: Path) -> str:
    try:
        return str(path.resolve().relative_to(Path.cwd().resolve()))
    except ValueError:
        return str(path)


def _show_eval(report: Report, show_held_out: bool) -> None:
    mark = "PASS" if report.passed else "FAIL"
    click.echo(f"{mark} {report.flow}: {report.right}/{len(report.outcomes)} right "
               f"({report.accuracy:.1%})")
    kept_right, kept = report.split(True)
    if kept:
        tuned_right, tuned = report.split(False)
        click.echo(f"  tuned {tuned_right}/{tuned} ({tuned_right / tuned:.1%}), held out "
                   f"{kept_right}/{kept} ({kept_right / kept:.1%})"
                   + ("" if show_held_out else ": their failures are not shown"))
    for expected, got, count in report.confusions(show_held_out):
        click.echo(f"  expected {expected}  got {got}" + (f"  x{count}" if count > 1 else ""))
    for outcome in report.shown(show_held_out):
        if not outcome.ok:
            click.echo(f"    line {outcome.case.line}: {outcome.case.say!r}")
    unsure = report.unsure(show_held_out)
    if unsure:
        click.echo(f"  below confidence ({len(unsure)}): the flow asked the caller to confirm")
        for outcome in unsure:
            click.echo(f"    line {outcome.case.line}: {outcome.case.say!r} -> {outcome.guess}")
    for outcome in report.shown(show_held_out):
        for note in outcome.notes:
            click.echo(f"  note, line {outcome.case.line} (not counted): {note}")


def _resolve_number(key: str) -> tuple[str, str]:
    """The number a call to a flow (by id, file name or number) dials, and the flow's language
    (English for a bare number)."""
    from voicebot.devtools.flow_tests import dialled_number

    if key.startswith("+"):
        return key, "en-US"
    try:
        flow = _one_flow(key)
        return dialled_number(flow), flow.language
    except ValueError as exc:
        raise click.ClickException(str(exc)) from None


def _no_flow(key: str, known: Sequence[str]) -> click.ClickException:
    import difflib

    close = difflib.get_close_matches(key, known, n=1)
    hint = f"did you mean {close[0]!r}? " if close else ""
    return click.ClickException(f"no flow {key!r}; {hint}known: {', '.join(sorted(known)) or 'none'}")


# -- the desk ---------------------------------------------------------------------------------
@main.group()
def admin() -> None:
    """The dispatcher's desk at /admin."""


@admin.command("password")
def admin_password() -> None:
    """Make the hash of a desk password, for VOICEBOT_ADMIN_PASSWORD_HASH."""
    from voicebot.admin.auth import MIN_PASSWORD, hash_password

    def long_enough(typed: str) -> str:
        if len(typed) < MIN_PASSWORD:
            raise click.UsageError(f"that is {len(typed)} characters; use at least {MIN_PASSWORD}")
        return typed

    click.echo(f"Choose the desk password: at least {MIN_PASSWORD} characters. You type it twice.",
               err=True)
    password = click.prompt("Desk password", hide_input=True, confirmation_prompt=True,
                            value_proc=long_enough, err=True)
    click.echo(f"VOICEBOT_ADMIN_PASSWORD_HASH='{hash_password(password)}'")
    click.echo("Put this line in .env or the service's environment, then restart voicebot.", err=True)


# -- the call emulator ------------------------------------------------------------------------
# The developer tools are imported inside the functions that use them: `voicebot serve` and
# `voicebot worker` load this module too, and run without them (tests/test_architecture.py).
@main.command()
@click.argument("flow_or_number")
@click.option("--from", "from_", default="+15555550123", show_default=True,
              help="The caller's number.")
@click.option("--url", help="A running voicebot, called over HTTP (default: in-process).")
@click.option("--public-url", help="The URL Twilio would sign (default: --url).")
@click.option("--at", "at", metavar="DATETIME",
              help="In-process only: the time the line sees, ISO with offset "
                   "(e.g. 2026-11-23T09:00-08:00), to try business or after hours.")
@click.option("--live", is_flag=True,
              help="In-process only: keep the call in the installation's database (the journal, "
                   "tickets, SMS and callbacks it causes). Without it the call runs on a scratch "
                   "database in dry-run, and nothing it does is kept or sent.")
@click.option("--voicemail", "voicemail_file", type=click.Path(exists=True, dir_okay=False, path_type=Path),
              metavar="FILE.wav", help="The message to leave at the beep (default: the words you "
                                       "type there, spoken with espeak-ng).")
def call(flow_or_number: str, from_: str, url: str | None, public_url: str | None,
         at: str | None, live: bool, voicemail_file: Path | None) -> None:
    """Call a flow as Twilio would: hear it, answer with digits or words, /hangup to hang up.
    A message left at the beep is transcribed and may become a quote SMS, shown at the end."""
    from voicebot.devtools.flow_tests import scratch_app

    if url and at:
        raise click.UsageError("--at sets the clock of an in-process call; a server at --url "
                               "keeps its own time")
    if url and live:
        raise click.UsageError("--live is for in-process calls; a server at --url keeps its own "
                               "database")
    moment = _moment(at, "--at") if at else None
    if moment is not None and moment.tzinfo is None:
        raise click.BadParameter("give a UTC offset, e.g. 2026-11-23T09:00-08:00",
                                 param_hint="--at")
    to, language = _resolve_number(flow_or_number)
    file = _voicemail_file(voicemail_file) if voicemail_file else None
    voice = _voice(language)
    if url:
        settings = _settings()
        caller = _remote_caller(settings, url, public_url or url, to, from_)
        _place_call(caller, url, _hand_over(caller, settings, file, voice))
        if caller.recordings is not None and _left_voicemail(caller):
            click.echo("The server's worker transcribes the message: voicebot journal shows the "
                       "transcript and any quote SMS in a few seconds.")
        return
    with contextlib.ExitStack() as stack:
        app = _quiet_app() if live else stack.enter_context(scratch_app(**_quiet()))
        app.extensions["voicebot.clock"].set(moment)
        caller = _in_process_caller(app, public_url or "http://localhost", to, from_)
        _place_call(caller, None, _hand_over(caller, app.config, file, voice))
        if not live and _left_voicemail(caller):
            _process_voicemails(app, caller.call_sid)
    if not live:
        click.echo("(a trial call on a scratch database: nothing was kept or sent; with --live it "
                   "goes into the journal)")


def _in_process_caller(app: Flask, signed: str, to: str, from_: str) -> CallEmulator:
    from voicebot.devtools.emulator import CallEmulator, WsgiTransport

    return CallEmulator(WsgiTransport(app, base_url=signed), auth_token=app.config["TWILIO_AUTH_TOKEN"],
                        account_sid=app.config["TWILIO_ACCOUNT_SID"], public_url=signed, to=to,
                        from_=from_)


def _remote_caller(settings: dict[str, Any], url: str, signed: str, to: str, from_: str) -> CallEmulator:
    """Signs as Twilio would for the server at `url`: with this installation's auth token (set,
    or the one the server generated into the instance folder) and account SID. Nothing is
    generated here: a new token could only be refused."""
    from voicebot.devtools.emulator import CallEmulator, HttpTransport

    token, account = _signing(settings, "call")
    return CallEmulator(HttpTransport(url), auth_token=token, account_sid=account,
                        public_url=signed, to=to, from_=from_)


def _signing(settings: dict[str, Any], what: str) -> tuple[str, str]:
    """The auth token and account SID a server here checks Twilio's signature with."""
    from voicebot.config import PLACEHOLDER_ACCOUNT_SID, existing_secret

    token = settings["TWILIO_AUTH_TOKEN"] or existing_secret(Path(settings["INSTANCE_DIR"]),
                                                              "dev-auth-token")
    if not token:
        raise click.ClickException(
            f"no auth token to sign the {what} with: neither VOICEBOT_TWILIO_AUTH_TOKEN nor "
            f"{Path(settings['INSTANCE_DIR']) / 'dev-auth-token'} (made by the server's first "
            f"start) is here; {WHERE}")
    return token, settings["TWILIO_ACCOUNT_SID"] or PLACEHOLDER_ACCOUNT_SID


@main.command()
@click.argument("flow_or_number")
@click.argument("body")
@click.option("--from", "from_", default="+15555550123", show_default=True,
              help="The number the text comes from.")
@click.option("--url", help="A running voicebot, texted over HTTP (default: in-process, on this "
                            "installation's database).")
@click.option("--public-url", help="The URL Twilio would sign (default: --url).")
def text(flow_or_number: str, body: str, from_: str, url: str | None,
         public_url: str | None) -> None:
    """Text a line as Twilio delivers a caller's SMS, and print what the caller gets back. A
    text that is not an answer to a quote waits for staff on the desk (Texts)."""
    from voicebot.devtools.emulator import HttpTransport, TextEmulator, WsgiTransport

    to, _language = _resolve_number(flow_or_number)
    if url:
        token, account = _signing(_settings(), "text")
        phone = TextEmulator(HttpTransport(url), auth_token=token, account_sid=account,
                             public_url=public_url or url, to=to, from_=from_)
    else:
        app = _quiet_app()
        signed = public_url or "http://localhost"
        phone = TextEmulator(WsgiTransport(app, base_url=signed), public_url=signed, to=to,
                             from_=from_, auth_token=app.config["TWILIO_AUTH_TOKEN"],
                             account_sid=app.config["TWILIO_ACCOUNT_SID"])
    answer = phone.send(body)
    if answer.problem:
        raise click.ClickException(f"the server did not take the text: {answer.problem}")
    for reply in answer.replies:
        click.echo(f"<< {reply}")
    if not answer.replies:
        click.echo(f"Stored (no automatic answer): the desk shows it under Texts, from {from_}.")


def _voicemail_file(path: Path) -> bytes:
    data = path.read_bytes()
    try:
        with wave.open(str(path)):
            return data
    except (wave.Error, EOFError) as exc:
        raise click.BadParameter(f"{path} is not a WAV file ({exc})", param_hint="--voicemail") from None


def _voice(language: str) -> str:
    """espeak-ng's voice for the language of the flow called."""
    return synthesis.VOICES.get(language_family(language), synthesis.VOICES["en"])


def _hand_over(caller: CallEmulator, config: Mapping[str, Any], file: bytes | None,
               voice: str) -> Messages:
    """How a message left at the beep reaches the server. In dry-run (no Twilio credentials)
    nothing can fetch it from Twilio: the emulator puts it into the installation's recordings
    folder, where the dry-run pipeline takes it (voicebot.voicemail.pipeline). Live, the
    server fetches recordings from Twilio, which holds none of the emulator's."""
    from voicebot.devtools.emulator import CallStateError
    from voicebot.devtools.repl import Messages

    if not config["DRY_RUN"]:
        if file is not None:
            raise click.UsageError("--voicemail is for a dry-run installation: with Twilio "
                                   "credentials the server fetches every recording from Twilio")
        return Messages()
    caller.recordings = Path(config["RECORDINGS_DIR"])
    missing = synthesis.missing_tools()

    def speak(words: str) -> bytes:
        try:
            return synthesis.phone_call(words, voice, 150)
        except subprocess.CalledProcessError as exc:
            raise CallStateError(f"espeak-ng could not speak that: {exc.stderr.strip()}") from None

    unheard = "" if file or not missing else (
        f"this message cannot be transcribed in the tour: {' and '.join(missing)} "
        "not installed, so typed words cannot be spoken. Install espeak-ng and sox "
        "(apt install espeak-ng sox), or pass --voicemail FILE.wav")
    return Messages(speak=None if missing else speak, file=file, unheard=unheard)


def _left_voicemail(caller: CallEmulator) -> bool:
    return any(exchange.kind == "record" for exchange in caller.history)


def _process_voicemails(app: Flask, call_sid: str) -> None:
    """On the scratch database no worker runs: do the voicemail's work now and show it."""
    from voicebot import journal as journal_
    from voicebot.jobs import run_due

    click.echo("Transcribing the message...")
    run_due(app)
    with database.session_scope(app) as session:
        rows = [r for r in journal_.entries(session, app.extensions["voicebot.flows"], limit=5)
                if r["call_sid"] == call_sid]
    for row in rows:
        for voicemail in row["voicemails"]:
            heard = voicemail["transcript"]
            click.echo(f'  transcript: "{heard}"' if heard else "  transcript: (no words heard)")
            if voicemail["service"]:
                click.echo(f"  understood: {voicemail['service']}")
            if voicemail["quote"]:
                click.echo(f"  quote SMS to {row['from']}: {voicemail['quote']['body']}")
            if voicemail["error"]:
                click.echo(f"  for a person: {voicemail['error']}")
        click.echo(f"  journal: {row['note']}")


def _place_call(emulator: CallEmulator, url: str | None, messages: Messages) -> None:
    """The interactive call; a request the server refused or failed makes the command fail."""
    from voicebot.devtools.repl import interactive

    click.echo(f"Calling {emulator.to} from {emulator.from_}. Type digits or words; "
               "empty line = silence; /hangup to hang up.")
    interactive(emulator, print_fn=click.echo, messages=messages)
    statuses = [exchange.status for exchange in emulator.history if not 200 <= exchange.status < 300]
    if not statuses:
        return
    where = f"the server at {url}" if url else "the in-process server"
    if 403 in statuses:
        raise click.ClickException(
            f"{where} refused the call (403): its signature check failed, so it uses another auth "
            f"token than this installation ({_settings()['HOME']}); run voicebot call from the "
            "server's installation folder, or set VOICEBOT_HOME or VOICEBOT_TWILIO_AUTH_TOKEN to match")
    if 0 in statuses:
        raise click.ClickException(f"could not reach {where}")
    raise click.ClickException(f"{where} answered {len(statuses)} request(s) of the call with an "
                               f"error (HTTP {', '.join(map(str, sorted(set(statuses))))})")


# -- voicemail --------------------------------------------------------------------------------
@main.group()
def voicemail() -> None:
    """Voicemail to quote: try the understanding and the quote on a transcript."""


@voicemail.command("analyze")
@click.argument("audio", required=False, metavar="[FILE.wav]")
@click.option("--flow", "flow_key", required=True, help="Flow id, file name or number.")
@click.option("--text", "transcript", help="The transcript to analyze.")
@click.option("--from", "from_", default="", help="The caller's number (the quote goes to it).")
@click.option("--json", "as_json", is_flag=True, help="One JSON document.")
def voicemail_analyze(audio: str | None, flow_key: str, transcript: str | None, from_: str,
                      as_json: bool) -> None:
    """Show what a voicemail is understood to ask for and the quote SMS it would get.

    Nothing is sent: this is for tuning a flow's `quotes:` catalogue.
    """
    from voicebot.voicemail.pipeline import understanding_record
    from voicebot.voicemail.quote import quote_sms
    from voicebot.voicemail.understand import understand

    if (audio is None) == (transcript is None):
        raise click.UsageError("give either a recording (FILE.wav) or the transcript with --text")
    flow = _one_flow(flow_key)
    heard = _transcribe(Path(audio), flow) if audio is not None else None
    if heard is not None:
        transcript = heard.text
    assert transcript is not None
    understood = understand(transcript, flow)
    sms = quote_sms(flow, understood, from_, dt.datetime.now(dt.UTC))
    service = understood.service
    # The same record the pipeline keeps on a voicemail, so tuning sees what it will see.
    report: dict[str, Any] = {"flow": flow.id, "transcript": transcript,
                              **understanding_record(understood), "sms": sms}
    if heard is not None:
        report["transcriber"] = heard.transcriber
        report["words"] = [w.as_dict() for w in heard.words]
    if as_json:
        click.echo(json.dumps(report, ensure_ascii=False, indent=2))
        return
    if heard is not None:
        click.echo(f"recognizer: {heard.transcriber}")
    click.echo(f"transcript: {transcript}")
    click.echo(f"service:    {f'{service.id} ({service.name})' if service else '-'}")
    verdict = "yes" if understood.is_service_request else f"no ({understood.reason})"
    click.echo(f"request:    {verdict}")
    click.echo(f"caller:     {understood.caller_name or '-'}")
    click.echo(f"callback:   {understood.callback_number or '-'}")
    click.echo(f"urgency:    {understood.urgency}")
    click.echo(f"matched:    {', '.join(understood.matched_words) or '-'}")
    if understood.reason == "no_catalogue":
        click.echo(f"sms:        none; flow {flow.id!r} has no `quotes:` section")
    elif sms is None:
        click.echo("sms:        none; the message goes to a person")
    else:
        click.echo(f"sms to {from_ or 'the caller'} (not sent):\n  {sms}")


def _transcribe(path: Path, flow: Flow) -> Transcript:
    """Steps 3 and 4 of the pipeline on a file: the recognizer a voicemail of `flow` gets."""
    from voicebot.config import load_settings
    from voicebot.speech import audio as speech_audio
    from voicebot.speech.choice import TwilioText, choose, first_transcript
    from voicebot.speech.whisper_recognizer import hint

    try:
        data = path.read_bytes()
    except OSError as exc:
        raise click.ClickException(f"cannot read {path}: {exc.strerror}") from None
    try:
        checked = speech_audio.check(data)
        choice = choose(load_settings(), flow.language, TwilioText(requested=False), hint(flow))
    except (speech_audio.Unusable, ValueError) as exc:
        raise click.ClickException(f"{path}: {exc}") from None
    heard = first_transcript(choice, checked, flow.language, str(path))
    if heard is None:
        raise click.ClickException(f"no speech recognizer for {flow.language}: "
                                   + "; ".join(choice.passed_over))
    return heard


# -- recognizer models ------------------------------------------------------------------------
@main.group()
def models() -> None:
    """Speech recognizer models for voicemails."""


@models.command("download")
@click.argument("language", type=click.Choice(["en", "ru", "whisper-tiny.en"]))
@click.option("--url", "base_url", help="Where the models are (default: VOICEBOT_VOSK_MODELS_URL, "
                                        "or VOICEBOT_WHISPER_MODELS_URL for Whisper).")
@click.option("--dir", "models_dir", type=click.Path(file_okay=False, path_type=Path),
              help="Where to install (default: VOICEBOT_MODELS_DIR).")
def models_download(language: str, base_url: str | None, models_dir: Path | None) -> None:
    """Download, verify and install the small Vosk model for LANGUAGE (en, ru), or the Whisper
    model voicebot bundles, from its upstream (whisper-tiny.en)."""
    from voicebot.config import read_settings
    from voicebot.speech.model_download import MODELS, DownloadError, download, download_whisper

    settings = read_settings()
    target = models_dir or Path(settings["MODELS_DIR"])
    if language.startswith("whisper-"):
        base = base_url or settings["WHISPER_MODELS_URL"]
        click.echo(f"downloading {language} from {base} ...")
        try:
            folder, same = download_whisper(language, base, target)
        except DownloadError as exc:
            raise click.ClickException(f"{language} was not installed: {exc}") from None
        click.echo(f"installed and verified: {folder}")
        click.echo("its files are the very ones of the bundled model (same SHA-256)" if same else
                   "its files differ from the bundled model's; their SHA-256 are recorded and "
                   "checked at every load")
        click.echo("voicebot uses it from the models folder; or set it explicitly:")
        click.echo(f"  VOICEBOT_WHISPER_MODEL={folder}")
        return
    base = base_url or settings["VOSK_MODELS_URL"]
    click.echo(f"downloading {MODELS[language]} from {base} ...")
    try:
        folder = download(language, base, target)
    except DownloadError as exc:
        raise click.ClickException(f"{MODELS[language]} was not installed: {exc}") from None
    click.echo(f"installed and verified: {folder}")
    click.echo("voicebot uses it from the models folder (restart it); or set it explicitly:")
    click.echo(f"  VOICEBOT_VOSK_MODEL_{language.upper()}={folder}")


@models.command("list")
def models_list() -> None:
    """What transcribes each line's voicemails here, and every model found, checked.
    Exit 1 when a configured model is refused (another language, a broken model)."""
    from voicebot.config import read_settings
    from voicebot.speech import coverage

    settings = read_settings()
    found, _ = _load(())
    for gap in coverage.coverage(settings, found.values()):
        state = gap.recognizer or f"NONE: voicemails are kept for a person. Fix: `{gap.fix}`"
        click.echo(f"{gap.title} (lines: {', '.join(gap.lines)}): {state}")
        for reason in gap.passed_over:
            click.echo(f"  passed over: {reason}")
    click.echo("models:")
    refused = False
    for model in coverage.installed(settings):
        refused = refused or model.refused
        click.echo(f"  {model.describe()}")
    if refused:
        sys.exit(1)


# -- visits and callbacks ---------------------------------------------------------------------
@main.group()
def visits() -> None:
    """Technician visits confirmed by an outbound call."""


@visits.command("add")
@click.option("--flow", "flow_key", required=True, help="The outbound flow that confirms visits.")
@click.option("--phone", required=True, help="The client's number, E.164.")
@click.option("--window", required=True, metavar='"YYYY-MM-DD HH:MM-HH:MM"',
              help="The visit interval chosen in the request, in the flow's time zone.")
@click.option("--name", "client_name", default="", help="The client's name.")
@click.option("--address", default="", help="Where the technician goes.")
def visits_add(flow_key: str, phone: str, window: str, client_name: str, address: str) -> None:
    """Book a visit; its confirmation calls are scheduled by the flow's rules."""
    from zoneinfo import ZoneInfo

    from voicebot.services.visits import VisitError, book

    flow = _one_flow(flow_key)  # before the app: from a wrong folder, nothing is created
    app = _quiet_app()
    try:
        visit, fired = book(app, flow, phone=phone, window=window, client_name=client_name,
                            address=address)
    except VisitError as exc:
        raise click.ClickException(str(exc)) from None
    zone = ZoneInfo(flow.timezone)
    click.echo(f"visit #{visit.id}: {phone} {visit.window_start.astimezone(zone):%Y-%m-%d %H:%M}"
               f"-{visit.window_end.astimezone(zone):%H:%M} ({flow.timezone})")
    for callback in fired:
        assert callback.next_at is not None
        click.echo(f"  {callback.rule_id}: {callback.action} at "
                   f"{callback.next_at.astimezone(zone):%Y-%m-%d %H:%M}, up to "
                   f"{callback.max_attempts} attempt(s)")


@main.command()
@click.option("--flow", "flow_id", help="Only this flow's calendars.")
@click.option("--all", "show_all", is_flag=True, help="Past and canceled ones too.")
@click.option("--json", "as_json", is_flag=True)
def bookings(flow_id: str | None, show_all: bool, as_json: bool) -> None:
    """The pre-booking schedule: who comes when, from the calls that booked."""
    from sqlalchemy import select

    from voicebot.models import Booking

    app = _existing_app()
    with database.session_scope(app) as session:
        query = select(Booking).order_by(Booking.starts_at, Booking.id)
        if flow_id:
            query = query.where(Booking.flow_id == flow_id)
        if not show_all:
            query = query.where(Booking.status == "booked",
                                Booking.ends_at >= dt.datetime.now(dt.UTC))
        rows: list[dict[str, Any]] = [
                {"id": b.id, "flow": b.flow_id, "calendar": b.calendar,
                 "starts_at": b.starts_at.isoformat(), "ends_at": b.ends_at.isoformat(),
                 "hours": b.hours, "client_name": b.client_name, "phone": b.phone,
                 "status": b.status, "call_id": b.call_id} for b in session.scalars(query)]
    if as_json:
        click.echo(json.dumps(rows, ensure_ascii=False, indent=2))
        return
    for row in rows:
        click.echo(f"{_local(app, row['flow'], row['starts_at'])}  {row['flow']}/{row['calendar']:<10} "
                   f"{row['hours']:g} h  {row['client_name'] or '-'}  {row['phone']}  {row['status']}")
    if not rows:
        click.echo("no bookings")


@main.group()
def tickets() -> None:
    """Work for people: list, answer (a caller's question), close."""


@tickets.command("list")
@click.option("--all", "show_all", is_flag=True, help="Closed ones too.")
@click.option("--limit", default=50, show_default=True)
@click.option("--json", "as_json", is_flag=True)
def tickets_list(show_all: bool, limit: int, as_json: bool) -> None:
    """Open tickets, urgent first, then newest: who they are for, the caller, the text."""
    from sqlalchemy import select

    from voicebot.models import Ticket

    app = _existing_app()
    with database.session_scope(app) as session:
        query = select(Ticket).order_by(Ticket.urgent.desc(), Ticket.id.desc()).limit(limit)
        if not show_all:
            query = query.where(Ticket.closed_at.is_(None))
        rows = [{"id": t.id, "flow": t.flow_id, "kind": t.kind, "status": t.status,
                 "urgent": t.urgent, "assign_role": t.assign_role, "phone": t.phone,
                 "text": t.text, "answer": t.answer or None,
                 "due_at": t.due_at.isoformat() if t.due_at else None,
                 "created_at": t.created_at.isoformat()} for t in session.scalars(query)]
    if as_json:
        click.echo(json.dumps(rows, ensure_ascii=False, indent=2))
        return
    for row in rows:
        flag = "URGENT " if row["urgent"] else ""
        click.echo(f"#{row['id']:<5} {row['status']:<9} {flag}{row['flow']}/{row['kind']} "
                   f"-> {row['assign_role'] or '-'}  {row['phone']}\n       {row['text']}")
    if not rows:
        click.echo("no open tickets")


def _by() -> str:
    return os.environ.get("USER") or "staff"


@tickets.command("answer")
@click.argument("ticket_id", type=int)
@click.argument("text")
@click.option("--by", default=_by, help="Who answers (default: your login).")
def tickets_answer(ticket_id: int, text: str, by: str) -> None:
    """Answer a caller's question; the flow's rules call them back with it."""
    from voicebot.services.tickets import TicketError, answer

    try:
        fired = answer(_existing_app(), ticket_id, text, by)
    except TicketError as exc:
        raise click.ClickException(str(exc)) from None
    click.echo(f"ticket #{ticket_id} answered")
    for callback in fired:
        click.echo(f"  {callback.rule_id}: {callback.action} scheduled")


@tickets.command("close")
@click.argument("ticket_id", type=int)
@click.option("--note", default="", help="Why or how it was closed.")
@click.option("--by", default=_by, help="Who closes it (default: your login).")
def tickets_close(ticket_id: int, note: str, by: str) -> None:
    """Close a ticket (done, or nothing to do), with a note; it leaves the open list."""
    from voicebot.services.tickets import TicketError, close

    try:
        close(_existing_app(), ticket_id, by, note)
    except TicketError as exc:
        raise click.ClickException(str(exc)) from None
    click.echo(f"ticket #{ticket_id} closed")


@main.command()
@click.option("--status", "statuses", multiple=True,
              help="Only these statuses (scheduled, waiting, done, not-reached, ...).")
@click.option("--limit", default=50, show_default=True)
@click.option("--json", "as_json", is_flag=True)
def callbacks(statuses: tuple[str, ...], limit: int, as_json: bool) -> None:
    """Pending and finished callbacks: rule, attempts, next time, outcome."""
    from voicebot.callbacks.listing import callback_rows

    app = _existing_app()
    with database.session_scope(app) as session:
        rows = callback_rows(session, statuses=statuses, limit=limit)
    if as_json:
        click.echo(json.dumps(rows, ensure_ascii=False, indent=2))
        return
    if not rows:
        click.echo("no callbacks")
    for row in rows:
        when = _local(app, row["flow"], row["next_at"] or row["finished_at"])
        click.echo(f"#{row['id']:<5} {row['status']:<12} {row['flow']}/{row['rule']:<20} "
                   f"{row['phone']:<16} {row['attempts_made']}/{row['max_attempts']}  {when}  "
                   f"{row['outcome']}")
        for attempt in row["attempts"]:
            click.echo(f"         attempt {attempt['number']}: {attempt['result']} "
                       f"({_local(app, row['flow'], attempt['at'])}) {attempt['note']}")


# -- the journal ------------------------------------------------------------------------------
@main.command()
@click.option("--since", help="ISO date/time, or hours back like 24h.")
@click.option("--number", help="Only calls from or to this number.")
@click.option("--flow", "flow_id", help="Only this flow.")
@click.option("--limit", default=50, show_default=True)
@click.option("--json", "as_json", is_flag=True)
def journal(since: str | None, number: str | None, flow_id: str | None, limit: int,
            as_json: bool) -> None:
    """Print the call journal, newest first."""
    from voicebot import journal as journal_

    app = _existing_app()
    with database.session_scope(app) as session:
        rows = journal_.entries(session, app.extensions["voicebot.flows"], since=_since(since),
                                number=number, flow_id=flow_id, limit=limit)
    if as_json:
        click.echo(json.dumps(rows, ensure_ascii=False, indent=2))
        return
    if not rows:
        click.echo("no calls")
    for row in rows:
        click.echo(f"{_local(app, row['flow'], row['started_at'])}  {row['flow']:<12} {row['from']:<16} "
                   f"{row['outcome']:<12} {row['call_sid']}")
        click.echo(f"    {row['note']}\n")


def _local(app: Flask, flow_id: str, stored: str | None) -> str:
    """A stored time as a person reads it: in its flow's zone (the desk's, for a flow no longer
    there), with the zone shown, as `visits add` and the call notes show times."""
    from zoneinfo import ZoneInfo

    from voicebot.flows.catalog import flow_or_none

    if not stored:
        return ""
    flow = flow_or_none(flow_id, app)
    zone: dt.tzinfo = ZoneInfo(flow.timezone) if flow else app.extensions["voicebot.desk_zone"]
    return f"{dt.datetime.fromisoformat(stored).astimezone(zone):%Y-%m-%d %H:%M %Z}"


def _since(value: str | None) -> dt.datetime | None:
    if not value:
        return None
    if value.endswith("h") and value[:-1].isdigit():
        return dt.datetime.now(dt.UTC) - dt.timedelta(hours=int(value[:-1]))
    parsed = _moment(value, "--since")
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=dt.UTC)


def _moment(value: str, option: str) -> dt.datetime:
    try:
        return dt.datetime.fromisoformat(value)
    except ValueError:
        hint = "use an ISO date/time" + (" or hours like 24h" if option == "--since" else "")
        raise click.BadParameter(hint, param_hint=option) from None


if __name__ == "__main__":
    main()
