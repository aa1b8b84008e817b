"""Load flow files: check every node, report every problem at once, compile to `model` objects.

`load_flow` reads one file; `load_flows` reads a directory and adds the checks that span
files (flow ids and phone numbers must be unique). Each step kind's schema and compile step
live with the kind in `voicebot.engine.steps`, value checks in `fields`, whole-file checks
in `checks`.
"""

from __future__ import annotations

import contextlib
import dataclasses
import datetime as dt
import functools
import hashlib
import os
import stat
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from types import MappingProxyType
from typing import Any, Literal

from voicebot.compiler import callbacks, checks, http_hosts, labels, quotes, voicemail_email
from voicebot.compiler.graph import BUILTIN_TARGETS
from voicebot.engine.steps import compile_state, kind_of
from voicebot.engine.steps.ask import choices
from voicebot.flows import fields
from voicebot.flows.errors import FlowLoadError, Problem
from voicebot.flows.model import (
    CONFIRM_BELOW,
    SNOWBALL,
    CallbackRule,
    Choice,
    Flow,
    Hours,
    QuoteCatalogue,
    Service,
    Source,
    StaffMember,
    StepBase,
    Text,
)
from voicebot.flows.schema import (
    Context,
    Key,
    Node,
    Ref,
    Reported,
    boolean,
    check_mapping,
    check_mapping_partly,
    dict_of,
    identifier,
    list_of,
    one_of,
    pattern,
    require_mapping,
    scalar_text,
    string,
)
from voicebot.flows.yamlsource import CommentedMap, key_line, node_line, parse_yaml
from voicebot.language.lemmas import analyse
from voicebot.language.scorer import CONTEXT
from voicebot.language.tags import language_family

__all__ = [
    "BUILTIN_TARGETS",
    "FLOW_SUFFIXES",
    "LoadedFile",
    "check_unique",
    "display_name_for",
    "load_flow",
    "load_flows",
    "read_flow",
]

FLOW_SUFFIXES = (".yaml", ".yml")
MAX_FILE_BYTES = 256_000
"""About ten times the largest shipped flow; checked before a byte is parsed."""
DEFAULT_VOICES = {"ru": "Polly.Tatyana", "en": "Polly.Joanna"}
DEFAULT_APOLOGIES = {
    "ru": "Извините, у нас что-то пошло не так.",
    "en": "Sorry, something went wrong on our side.",
}

STAFF = {
    "id": Key(pattern(r"^[A-Za-z0-9_.-]+$", "an id of letters, digits, _ . -"), required=True),
    "role": Key(pattern(r"^[A-Za-z0-9_-]+$", "a role name of letters, digits, _ -"), required=True),
    "phone": Key(fields.phone, required=True),
    "name": Key(string, default=""),
    "available": Key(boolean, default=True),
    "hours": Key(fields.week),
    "email": Key(voicemail_email.email_address, default=""),
}

TOP = {
    "flow": Key(pattern(r"^[a-z0-9_-]+$", "a flow id of a-z, 0-9, _ and -"), required=True),
    "name": Key(string),
    "language": Key(
        pattern(r"^[A-Za-z]{2,3}(-[A-Za-z0-9]{2,8})*$", "a language tag like en-US or ru-RU"),
        required=True,
    ),
    "voice": Key(string),
    "direction": Key(one_of("inbound", "outbound"), default="inbound"),
    "numbers": Key(list_of(fields.phone)),
    "timezone": Key(fields.timezone, required=True),
    "hours": Key(fields.week),
    "holidays": Key(list_of(fields.iso_date), default=()),
    "record_calls": Key(boolean, default=False),
    "facts": Key(dict_of(identifier, scalar_text), default={}),
    "staff": Key(list_of(lambda n: check_mapping(n, STAFF), single=False), default=()),
    "callers": Key(dict_of(identifier, list_of(fields.phone, min_items=1)), default={}),
    "start": Key(fields.target, required=True),
    "fallback": Key(fields.target, required=True),
    "apology": Key(fields.texts),
    "anywhere": Key(choices, default=()),
    "confirm_below": Key(fields.confidence, default=CONFIRM_BELOW),
    "quotes": Key(quotes.catalogue),
    "callbacks": Key(callbacks.rules, default=()),
    "voicemail_email": Key(voicemail_email.section),
    **labels.KEYS,
    **http_hosts.KEYS,
    "states": Key(lambda n: n.value, required=True),
}


@dataclass(frozen=True)
class LoadedFile:
    """A compiled flow plus where its id and numbers are, for the checks across files."""

    flow: Flow
    id_line: int
    number_lines: tuple[tuple[str, int, str], ...]
    """(number, line, key path) for each number the flow answers (none for outbound flows)."""


def display_name_for(path: Path) -> str:
    """The file as shown in problems: relative to the working directory when inside it.
    A link is shown by its own name, not its target's."""
    full, cwd = path.absolute().parent.resolve() / path.name, Path.cwd().resolve()
    if full.is_relative_to(cwd):
        return full.relative_to(cwd).as_posix()
    return path.as_posix()


def _compile_states(ctx: Context, node: Node) -> tuple[dict[str, StepBase], dict[str, int], bool]:
    """Compile every state; returns them, their lines, and whether all of them compiled."""
    mapping = require_mapping(node, "a mapping of state names to steps")
    compiled: dict[str, StepBase] = {}
    lines: dict[str, int] = {}
    complete = True
    for key in mapping:
        line = key_line(mapping, key)
        if not isinstance(key, str) or not key:
            ctx.report(line, f"states.{key}", "state names must be text")
            complete = False
            continue
        lines[key] = line
        ctx.state = key
        child = node.child(key)
        try:
            compiled[key] = compile_state(Node(child.value, line, child.path, ctx), key)
        except Reported:
            complete = False
    ctx.state = ""
    if not mapping:
        ctx.report(node.line, node.path, "a flow needs at least one state")
        complete = False
    return compiled, lines, complete


def _peek(mapping: CommentedMap, key: str) -> str:
    value = mapping.get(key)
    return value if isinstance(value, str) else ""


def _positions(node: Node, key: str) -> list[tuple[int, str]]:
    """(line, key path) of each item of a list value, or of the key for a single value."""
    mapping: CommentedMap = node.value
    if key not in mapping:
        return []
    child = node.child(key)
    if isinstance(child.value, list):
        return [(item.line, item.path) for item in child.items()]
    return [(child.line, child.path)]


def _compile(ctx: Context, root: Any, raw: bytes) -> LoadedFile:
    node = Node(root, node_line(root), "", ctx)
    mapping = require_mapping(node, "a flow: a mapping with flow, language, states, ...")
    # Phrases are stemmed while they are checked, and steps may leave out their fallback,
    # so these two are needed before the rest of the file is read.
    ctx.stem_language = SNOWBALL[language_family(_peek(mapping, "language"))]
    ctx.default_fallback = _peek(mapping, "fallback")

    top, top_ok = check_mapping_partly(node, TOP)
    states: dict[str, StepBase] = {}
    lines: dict[str, int] | None = None
    complete = False
    if "states" in mapping:
        with contextlib.suppress(Reported):
            states, lines, complete = _compile_states(ctx, node.child("states"))

    _callback_variables(ctx, top.get("callbacks", ()))
    # Each kind of name is checked whenever its definitions could be read, so one run
    # shows as much as possible without blaming names on a definition that failed.
    checks.check_names(
        ctx,
        states=lines,
        roles={m["role"] for m in top["staff"]} if "staff" in top else None,
        groups=top.get("callers"),
        facts=top.get("facts"),
        services=_service_ids(mapping, top),
    )
    _check_together(ctx, node, top)
    targets_resolve = all(
        lines is not None and (ref.name in lines or ref.name in BUILTIN_TARGETS)
        for _state, ref in ctx.targets
    )
    if complete and top_ok and targets_resolve and not ctx.problems:
        checks.check_graph(
            ctx,
            states,
            start=top["start"],
            # A state only a callback's outbound call enters is reachable too.
            roots=(top["start"], top["fallback"],
                   *(d.rule.action.state for d in top["callbacks"] if d.rule.action.state)),
            lines=lines or {},
            anywhere_targets=[c.goto for c in top["anywhere"]],
        )
    if ctx.problems or not top_ok or not complete:
        raise Reported
    return _build(ctx, node, top, states, raw)


def _callback_variables(ctx: Context, drafts: Iterable[callbacks.DraftRule]) -> None:
    """A call placed by a callback rule starts with the fields of what fired it (the visit's
    window, the ticket's answer) as variables; the flow's texts may use them."""
    calls_about_visits = False
    for draft in drafts:
        rule = draft.rule
        if rule.action.kind != "call":
            continue
        calls_about_visits |= rule.on == "visit_scheduled"
        for name in (*sorted(callbacks.EXTRA_PLACEHOLDERS[rule.on]), "attempt"):
            ctx.variables.setdefault(name, Ref(name, rule.source.line, "callbacks"))
    if not calls_about_visits:
        for line in ctx.visit_steps:
            ctx.report(line, "states", "a visit step records how a visit confirmation went: the "
                                       "flow needs a callbacks rule on visit_scheduled that calls")


def _service_ids(mapping: CommentedMap, top: dict[str, Any]) -> set[str] | None:
    """The ids of the flow's `quotes:` services: none when it has no catalogue, None when
    its catalogue could not be read (already reported)."""
    if "quotes" not in mapping:
        return set()
    catalogue: QuoteCatalogue | None = top.get("quotes")
    return {s.id for s in catalogue.services} if catalogue is not None else None


def _check_together(ctx: Context, node: Node, top: dict[str, Any]) -> None:
    """Rules about several top-level values taken together."""
    mapping: CommentedMap = node.value
    if top.get("start") == "restart":
        ctx.report(key_line(mapping, "start"), "start", "start cannot be 'restart'")
    if top.get("direction") == "inbound" and "numbers" in top and not top["numbers"]:
        line = key_line(mapping, "numbers") if "numbers" in mapping else node.line
        ctx.report(line, "numbers", "an inbound flow needs at least one number")
    reaching_out = [d.rule for d in top.get("callbacks", ())
                    if d.rule.action.kind in ("call", "sms") or any(a.kind == "sms" for a in d.rule.then)]
    if reaching_out and ("numbers" not in mapping or top.get("numbers") == ()):
        ctx.report(reaching_out[0].source.line, "numbers",
                   f"callback rule {reaching_out[0].id!r} calls or texts clients: the flow needs "
                   "a number to call from (numbers)")
    if top.get("numbers"):
        seen: dict[str, int] = {}
        for number, (line, path) in zip(top["numbers"], _positions(node, "numbers"), strict=True):
            if number in seen:
                ctx.report(
                    line, path, f"number already listed at line {seen[number]}", repr(number)
                )
            seen.setdefault(number, line)
    if top.get("staff"):
        ids: dict[str, int] = {}
        for member, (line, path) in zip(top["staff"], _positions(node, "staff"), strict=True):
            if member["id"] in ids:
                ctx.report(
                    line, f"{path}.id", f"staff id already used at line {ids[member['id']]}",
                    repr(member["id"]),
                )
            ids.setdefault(member["id"], line)
    voicemail_email.check_recipients(ctx, mapping, top)
    labels.check_labels(ctx, mapping, top)
    http_hosts.check_urls(ctx, mapping, top)
    for group in top.get("callers") or ():
        if group in checks.BUILTIN_GROUPS:
            ctx.report(
                key_line(mapping["callers"], group), f"callers.{group}",
                f"{group!r} is a built-in caller group and cannot be redefined",
            )


def _build(
    ctx: Context, node: Node, top: dict[str, Any], states: dict[str, StepBase], raw: bytes
) -> LoadedFile:
    mapping: CommentedMap = node.value
    lang = language_family(top["language"])
    timezone: str = top["timezone"]
    week = top["hours"] if top["hours"] is not None else fields.ALWAYS_OPEN
    staff = tuple(
        StaffMember(
            id=m["id"],
            role=m["role"],
            phone=m["phone"],
            source=Source(ctx.file, line),
            name=m["name"],
            available=m["available"],
            # Holidays close the business, not necessarily a person on call, so a member's
            # own hours carry none.
            hours=Hours(timezone, m["hours"]) if m["hours"] is not None else None,
            email=m["email"],
        )
        for m, (line, _path) in zip(top["staff"], _positions(node, "staff"), strict=True)
    )
    apology: tuple[Text, ...] = top["apology"] or (
        Text(DEFAULT_APOLOGIES[lang], Source(ctx.file, key_line(mapping, "language"))),
    )
    numbers: tuple[str, ...] = top["numbers"] or ()
    hours = Hours(timezone, week, frozenset(top["holidays"]))
    flow = Flow(
        id=top["flow"],
        name=top["name"] or top["flow"],
        file=ctx.file,
        language=top["language"],
        voice=top["voice"] or DEFAULT_VOICES[lang],
        timezone=timezone,
        numbers=numbers,
        start=top["start"],
        states=MappingProxyType(_with_menus(states, top["anywhere"], lang, top["quotes"])),
        apology=apology,
        fallback=top["fallback"],
        hours=hours,
        direction=top["direction"],
        facts=MappingProxyType(dict(top["facts"])),
        staff=staff,
        callers=MappingProxyType({k: frozenset(v) for k, v in top["callers"].items()}),
        anywhere=top["anywhere"],
        confirm_below=top["confirm_below"],
        record_calls=top["record_calls"],
        quotes=top["quotes"],
        callbacks=tuple(_resolve_rule(d, hours) for d in top["callbacks"]),
        voicemail_email=top["voicemail_email"],
        digest=hashlib.sha256(raw).hexdigest(),
        labels=MappingProxyType(dict(top["labels"])),
        role_names=MappingProxyType(dict(top["roles"])),
    )
    # Only lines that answer calls must be unique; an outbound flow may call from the number
    # an inbound flow answers (a redial comes from the line the client called).
    number_lines = tuple(
        (number, line, path)
        for number, (line, path) in zip(numbers, _positions(node, "numbers"), strict=True)
    ) if flow.direction == "inbound" else ()
    return LoadedFile(flow, key_line(mapping, "flow"), number_lines)


def _with_menus(states: dict[str, StepBase], anywhere: tuple[Choice, ...],
                family: Literal["en", "ru"], quotes: QuoteCatalogue | None) -> dict[str, StepBase]:
    """Each step finished by its kind once the flow's `anywhere` choices, language and
    services are known (an `ask` compiles its menu for the understanding layer)."""
    # A service a caller names is what the job is about: beside a question asked of it
    # ("какие цены на диагностику") it must not outweigh the question's own choice.
    services = quotes.services if quotes is not None else ()
    catalogue = {s.id: tuple(dataclasses.replace(p.pattern, weight=CONTEXT)
                             for p in s.words + s.examples)
                 for s in services}
    return {sid: kind_of(step).link(step, anywhere, family, catalogue, _things(services, family))
            for sid, step in states.items()}


def _things(services: tuple[Service, ...], family: Literal["en", "ru"]
            ) -> dict[str, frozenset[tuple[str, ...]]]:
    """What each service is about, as lemmas: its words that name a thing (no verb, no
    negation: "dryer", "ice maker", not "won't spin") and each word of its name ("dryer
    repair": the repair is the service too)."""
    return {s.id: frozenset({tuple(t.lemma for t in p.pattern.terms)
                             for p in s.words if p.pattern.names_a_thing}
                            | {(t.lemma,) for t in analyse(s.name, family) if t.content})
            for s in services}


DEFAULT_MAX_LATE = dt.timedelta(minutes=30)
"""A call back this late after its time goes to a person instead, unless a rule says."""


def _resolve_rule(draft: callbacks.DraftRule, hours: Hours) -> CallbackRule:
    """Give a rule its hours: calls and SMS to clients wait for the flow's hours unless the
    rule says otherwise; notes to staff and tickets go out at any time."""
    rule = draft.rule
    within: Hours | None
    if draft.within is None:
        within = hours if rule.action.kind in ("call", "sms") else None
    elif draft.within == "hours":
        within = hours
    elif draft.within == "always":
        within = None
    else:
        assert not isinstance(draft.within, str)
        within = Hours(hours.timezone, draft.within, hours.holidays)
    max_late = rule.max_late
    if max_late is None and rule.action.kind == "call":
        max_late = DEFAULT_MAX_LATE
    return dataclasses.replace(rule, within=within, max_late=max_late)


def _size(size: int) -> str:
    return f"{size / 1_000_000:.1f} MB" if size >= 1_000_000 else f"{size / 1000:.0f} KB"


def _read_bytes(path: Path, name: str, folder: Path | None) -> bytes:
    """The file's bytes, if it is a regular file (inside `folder`, when given) no larger than
    MAX_FILE_BYTES; otherwise FlowLoadError, without reading it."""
    def refuse(message: str, got: str | None = None) -> FlowLoadError:
        return FlowLoadError([Problem(name, 1, "", message, got)])

    real = path.resolve()
    if folder is not None and not real.is_relative_to(folder.resolve()):
        # A link in flows/ to /etc/passwd would otherwise be parsed, and its lines quoted
        # in problems wherever they are shown.
        raise refuse("the file is a link to a file outside the flows folder; copy the file "
                     "into the folder instead")
    try:
        # No following a link swapped in since resolve(), no waiting on a FIFO.
        fd = os.open(real, os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK)
    except OSError as exc:
        raise refuse(f"cannot read file: {exc.strerror}") from exc
    with open(fd, "rb") as file:
        status = os.fstat(fd)
        if not stat.S_ISREG(status.st_mode):
            raise refuse("not a regular file")
        too_large = f"the file is too large: a flow file may be at most {_size(MAX_FILE_BYTES)}"
        if status.st_size > MAX_FILE_BYTES:
            raise refuse(too_large, _size(status.st_size))
        raw = file.read(MAX_FILE_BYTES + 1)
        if len(raw) > MAX_FILE_BYTES:  # it grew since fstat
            raise refuse(too_large, f"more than {_size(MAX_FILE_BYTES)}")
    return raw


def read_flow(path: Path, *, display_name: str | None = None, folder: Path | None = None) -> LoadedFile:
    """Load one file, with the positions `check_unique` needs. Raises FlowLoadError.

    With `folder`, the file must be inside it (a link to a file elsewhere is refused)."""
    name = display_name if display_name is not None else display_name_for(path)
    return _compiled(name, _read_bytes(path, name, folder))


@functools.lru_cache(maxsize=64)
def _compiled(name: str, raw: bytes) -> LoadedFile:
    """The same bytes under the same name compile to the same flow, which is frozen, so it is
    compiled once per process: parsing is most of the cost of building an app, and a process
    builds many (a scratch app per scripted call in `flows test` and on the desk's Flows page,
    one per test). Broken files are not cached: their error is raised afresh each time."""
    try:
        source = raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = raw[: exc.start].count(b"\n") + 1
        raise FlowLoadError([Problem(name, line, "", "not UTF-8 text")]) from exc
    root = parse_yaml(source, name)
    if root is None:
        raise FlowLoadError([Problem(name, 1, "", "the file is empty")])
    ctx = Context(file=name)
    try:
        return _compile(ctx, root, raw)
    except Reported:
        raise FlowLoadError(sorted(ctx.problems, key=lambda p: p.line)) from None


def load_flow(path: Path, *, display_name: str | None = None) -> Flow:
    """Load and check one flow file; raises FlowLoadError listing every problem in it."""
    return read_flow(path, display_name=display_name).flow


def check_unique(files: Iterable[LoadedFile]) -> tuple[list[LoadedFile], list[Problem]]:
    """Keep files whose flow id and numbers are not taken by an earlier file in `files`.

    A clash is reported in the later file, which is refused as a whole: serving half of a
    flow's numbers would be more surprising than serving none of them.
    """
    kept: list[LoadedFile] = []
    problems: list[Problem] = []
    ids: dict[str, LoadedFile] = {}
    numbers: dict[str, tuple[LoadedFile, int]] = {}
    for loaded in files:
        flow = loaded.flow
        clashes: list[Problem] = []
        if flow.id in ids:
            other = ids[flow.id]
            clashes.append(Problem(
                flow.file, loaded.id_line, "flow",
                f"flow id is already used by {other.flow.file}:{other.id_line}", repr(flow.id),
            ))
        for number, line, path in loaded.number_lines:
            if number in numbers:
                other, other_line = numbers[number]
                clashes.append(Problem(
                    flow.file, line, path,
                    f"number is already answered by flow {other.flow.id!r} "
                    f"({other.flow.file}:{other_line})",
                    repr(number),
                ))
        if clashes:
            problems.extend(clashes)
            continue
        kept.append(loaded)
        ids[flow.id] = loaded
        for number, line, _path in loaded.number_lines:
            numbers[number] = (loaded, line)
    return kept, problems


def flow_files(directory: Path) -> list[Path]:
    return sorted(p for p in directory.iterdir() if p.suffix in FLOW_SUFFIXES and p.is_file())


def load_flows(directory: Path) -> tuple[dict[str, Flow], list[Problem]]:
    """Load every flow file in `directory` (in name order); broken files are skipped.

    Returns the flows by id and the problems of the files that were skipped.
    """
    loaded: list[LoadedFile] = []
    problems: list[Problem] = []
    for path in flow_files(directory):
        try:
            loaded.append(read_flow(path, folder=directory))
        except FlowLoadError as exc:
            problems.extend(exc.problems)
    kept, clashes = check_unique(loaded)
    problems.extend(clashes)
    return {f.flow.id: f.flow for f in kept}, problems
