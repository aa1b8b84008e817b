"""Checks for the values flow files are made of: texts, targets, roles, numbers, hours."""

from __future__ import annotations

import datetime as dt
import itertools
import re
import string as stringlib
from pathlib import Path
from types import MappingProxyType
from typing import Any
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from voicebot.flows import words
from voicebot.flows.model import Phrase, Source, Text, TimeRange
from voicebot.flows.schema import (
    IDENTIFIER,
    Invalid,
    Node,
    Ref,
    Reported,
    list_of,
    require_mapping,
    run,
    scalar_text,
    suggest,
)
from voicebot.flows.yamlsource import CommentedSeq, key_line
from voicebot.language import inflect
from voicebot.language.scorer import PatternKind

E164 = re.compile(r"^\+[1-9]\d{6,14}$")
DAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
ALWAYS_OPEN = MappingProxyType({day: (TimeRange(dt.time(0), dt.time.max),) for day in range(7)})
_RANGE = re.compile(r"^(\d{1,2}):(\d{2})\s*-\s*(\d{1,2}):(\d{2})$")
_FORMATTER = stringlib.Formatter()


QUOTE_FIELDS = frozenset(
    {"caller_name", "service", "service_price", "callback_number", "line_number", "urgency"}
)
"""Placeholders only a quote's `sms` template may use: what was understood from the voicemail."""


# --- texts -------------------------------------------------------------------------------

BUILTINS = frozenset({"name", "caller", "hours_today", "hours", "date", "time"})
"""Placeholders the engine fills in every text (`hours`: the whole week, spoken)."""
BUSINESS_DAYS = re.compile(r"^date_in_(\d{1,2})_business_days$")
"""`{date_in_5_business_days}`: the date five business days from today, spoken (OM-5)."""


def is_builtin(name: str) -> bool:
    return name in BUILTINS or bool(BUSINESS_DAYS.match(name))



def placeholders(template: str) -> tuple[str, ...]:
    """Names of the `{name}` placeholders; `{{` and `}}` are literal braces.

    Only bare names are allowed, optionally with a grammatical case after a colon
    (`{slot:вин}`, see `voicebot.language.inflect`): the engine fills templates from a plain
    mapping, so attribute/index access, conversions and other format specs would fail at
    call time.
    """
    names: dict[str, None] = {}
    try:
        parsed = list(_FORMATTER.parse(template))
    except ValueError as exc:
        raise Invalid(
            f"malformed template: {exc} (write {{{{ and }}}} for literal braces)"
        ) from exc
    for _literal, name, spec, conversion in parsed:
        if name is None:
            continue
        shown = template[template.find("{" + name) :].split("}", 1)[0] + "}"
        if not IDENTIFIER.match(name) or conversion:
            raise Invalid(f"placeholder {shown} is not a plain {{name}}")
        if spec and inflect.case_code(spec) is None:
            raise Invalid(f"unknown case {spec!r} in {shown}: use one of {inflect.CASE_HELP}")
        names[name] = None
    return tuple(names)


def text(node: Node) -> Text:
    if not isinstance(node.value, str):
        raise Invalid("expected text")
    names = placeholders(node.value)
    for name in names:
        node.ctx.placeholders.append(Ref(name, node.line, node.path))
    return Text(node.value, Source(node.ctx.file, node.line), frozenset(names))


def value_text(node: Node) -> Text:
    """Text for a variable or ticket field: numbers are taken as their digits."""
    converted = scalar_text(node)
    return text(Node(converted, node.line, node.path, node.ctx))


texts = list_of(text, min_items=1)
"""A text field: one string, or a list of strings spoken one after another."""


def joined_text(node: Node) -> Text:
    """A single message (SMS, ticket): a list of strings is joined with spaces."""
    parts: tuple[Text, ...] = texts(node)
    if len(parts) == 1:
        return parts[0]
    return Text(
        " ".join(p.template for p in parts),
        parts[0].source,
        frozenset().union(*(p.names for p in parts)),
    )


def phrase(node: Node) -> Phrase:
    """A keyword or short phrase of `words:`: all its words must be said."""
    return _phrase(node, "words")


def example(node: Node) -> Phrase:
    """A whole utterance of `examples:`, as a flow author imagines a caller saying it."""
    return _phrase(node, "example")


def _phrase(node: Node, kind: PatternKind) -> Phrase:
    if isinstance(node.value, int) and not isinstance(node.value, bool):
        node = Node(str(node.value), node.line, node.path, node.ctx)
    if not isinstance(node.value, str):
        raise Invalid("expected a word or phrase" if kind == "words" else "expected a sentence")
    made = words.make_phrase(node.value, node.ctx.stem_language, kind)
    if not made.stems:
        raise Invalid("expected a word or phrase (found no words in it)")
    if not made.pattern.meaningful:
        raise Invalid("has no word but pronouns: it cannot tell one answer from another")
    return made


def confidence(node: Node) -> float:
    if isinstance(node.value, bool) or not isinstance(node.value, int | float) \
            or not 0 <= node.value <= 1:
        raise Invalid("expected a confidence between 0 and 1, like 0.5")
    return float(node.value)


def digits(node: Node) -> str:
    # `digits: 1` is natural to write and YAML makes it a number; accept it as "1".
    value = node.value
    if isinstance(value, int) and not isinstance(value, bool) and value >= 0:
        value = str(value)
    if not isinstance(value, str) or not re.fullmatch(r"[0-9*#]+", value):
        raise Invalid("expected keypad digits (0-9, * and #)")
    return value


# --- names that are resolved after the whole file is read --------------------------------


def target(node: Node) -> str:
    if not isinstance(node.value, str) or not node.value:
        raise Invalid("expected a state name")
    node.ctx.targets.append((node.ctx.state, Ref(node.value, node.line, node.path)))
    return node.value


QUEUE_NAME = re.compile(r"^[A-Za-z0-9_-]+$")


def queue_name(node: Node) -> str:
    """A queue that callers wait in (a `queue` step)."""
    if not isinstance(node.value, str) or not QUEUE_NAME.match(node.value):
        raise Invalid("expected a queue name of letters, digits, _ and -")
    node.ctx.queues.add(node.value)
    return node.value


def queue_use(node: Node) -> str:
    """A queue that staff answer from (`answer_queue`): some `queue` step must fill it."""
    if not isinstance(node.value, str) or not QUEUE_NAME.match(node.value):
        raise Invalid("expected a queue name of letters, digits, _ and -")
    node.ctx.queue_uses.append(Ref(node.value, node.line, node.path))
    return node.value


def service_use(node: Node) -> str:
    """A service of the flow's `quotes:` catalogue named by its id (a choice's `services`)."""
    if not isinstance(node.value, str) or not node.value:
        raise Invalid("expected a service id")
    node.ctx.service_uses.append(Ref(node.value, node.line, node.path))
    return node.value


def role(node: Node) -> str:
    if not isinstance(node.value, str) or not node.value:
        raise Invalid("expected a role name")
    node.ctx.roles.append(Ref(node.value, node.line, node.path))
    return node.value


def caller_group(node: Node) -> str:
    if not isinstance(node.value, str) or not node.value:
        raise Invalid("expected a caller group name")
    node.ctx.groups.append(Ref(node.value, node.line, node.path))
    return node.value


def variable_use(node: Node) -> str:
    if not isinstance(node.value, str) or not IDENTIFIER.match(node.value):
        raise Invalid("expected a variable name")
    node.ctx.var_uses.append(Ref(node.value, node.line, node.path))
    return node.value


def variable_definition(node: Node) -> str:
    if not isinstance(node.value, str) or not IDENTIFIER.match(node.value):
        raise Invalid("expected a variable name of letters, digits and _")
    node.ctx.variables.setdefault(node.value, Ref(node.value, node.line, node.path))
    return node.value


# --- phones, zones, dates, hours ----------------------------------------------------------


def phone(node: Node) -> str:
    if isinstance(node.value, int) and not isinstance(node.value, bool):
        # An unquoted +15555550100 is a number to YAML; the '+' is already gone.
        raise Invalid('expected an E.164 number in quotes, like "+15555550100"')
    if not isinstance(node.value, str) or not E164.match(node.value):
        raise Invalid("expected an E.164 number like +15555550100")
    return node.value


def timezone(node: Node) -> str:
    if not isinstance(node.value, str):
        raise Invalid("expected a time zone like America/Los_Angeles")
    try:
        ZoneInfo(node.value)
    # A name too long for a file name makes the OS refuse the lookup (OSError): still just an
    # unknown zone to the author, never a crash of the loader.
    except (ZoneInfoNotFoundError, ValueError, OSError) as exc:
        raise Invalid("unknown time zone; expected one like America/Los_Angeles") from exc
    return node.value


def iso_date(node: Node) -> dt.date:
    value = node.value
    if isinstance(value, dt.date) and not isinstance(value, dt.datetime):
        return value
    if isinstance(value, str):
        try:
            return dt.date.fromisoformat(value)
        except ValueError:
            pass
    raise Invalid("expected a date like 2026-12-25")


def _day(name: str) -> int:
    if name in DAYS:
        return DAYS.index(name)
    guess = suggest(name, DAYS)
    hint = f", did you mean {guess!r}?" if guess else " (mon tue wed thu fri sat sun)"
    raise Invalid(f"unknown day {name!r}{hint}")


def day_keys(node: Node) -> tuple[int, ...]:
    """'mon', 'mon-fri', 'sat,sun', 'fri-mon' (wrapping over the weekend) -> weekdays."""
    if not isinstance(node.value, str):
        raise Invalid("expected days like mon, mon-fri or sat,sun")
    days: list[int] = []
    for part in node.value.lower().split(","):
        part = part.strip()
        if "-" in part:
            first, last = (_day(p.strip()) for p in part.split("-", 1))
            days.extend((first + i) % 7 for i in range((last - first) % 7 + 1))
        else:
            days.append(_day(part))
    return tuple(days)


def _clock(hours: str, minutes: str, *, end: bool) -> dt.time:
    h, m = int(hours), int(minutes)
    if end and (h, m) == (24, 0):
        return dt.time.max
    if h > 23 or m > 59:
        raise Invalid(f"{hours}:{minutes} is not a time of day")
    return dt.time(h, m)


def day_hours(node: Node) -> tuple[TimeRange, ...]:
    """'closed', 'HH:MM-HH:MM', or several ranges separated by commas (or given as a list)."""
    value = node.value
    if isinstance(value, CommentedSeq) and all(isinstance(v, str) for v in value):
        value = ", ".join(value)
    if not isinstance(value, str):
        raise Invalid('expected hours like "08:00-17:00" or closed')
    if value.strip().lower() == "closed":
        return ()
    ranges: list[TimeRange] = []
    for part in value.split(","):
        match = _RANGE.match(part.strip())
        if not match:
            raise Invalid('expected hours like "08:00-17:00", "10:00-13:00, 14:00-16:00" or closed')
        start = _clock(match[1], match[2], end=False)
        end = _clock(match[3], match[4], end=True)
        if start >= end:
            raise Invalid(f"hours {part.strip()!r} end before they start")
        ranges.append(TimeRange(start, end))
    ranges.sort(key=lambda r: r.start)
    for before, after in itertools.pairwise(ranges):
        if after.start < before.end:
            raise Invalid("hour ranges overlap")
    return tuple(ranges)


def week(node: Node) -> MappingProxyType[int, tuple[TimeRange, ...]]:
    """Business hours by day; days not given are closed."""
    mapping = require_mapping(node, "a mapping of days to hours, like mon-fri: 08:00-17:00")
    result: dict[int, tuple[TimeRange, ...]] = {}
    given_at: dict[int, int] = {}
    failed = False
    for key in mapping:
        child = node.child(key)
        key_node = Node(key, key_line(mapping, key), child.path, node.ctx)
        try:
            days = run(day_keys, key_node)
            ranges = run(day_hours, child)
        except Reported:
            failed = True
            continue
        for day in days:
            if day in given_at:
                key_node.fail(f"{DAYS[day]} is already given at line {given_at[day]}")
                failed = True
                continue
            given_at[day] = key_node.line
            result[day] = ranges
    if failed:
        raise Reported
    return MappingProxyType(dict(sorted(result.items())))


_DURATION = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*(s|m|min|h|d)\s*$")
_UNITS = {"s": 1, "m": 60, "min": 60, "h": 3600, "d": 86400}


def duration(node: Node) -> dt.timedelta:
    """'90s', '10m', '2h', '1d'."""
    match = _DURATION.match(node.value) if isinstance(node.value, str) else None
    if match is None:
        raise Invalid("expected a duration like 90s, 10m, 2h or 1d")
    return dt.timedelta(seconds=float(match[1]) * _UNITS[match[2]])


def share(node: Node) -> float:
    """80% or 0.8: a part of a whole."""
    value: Any = node.value
    if isinstance(value, str) and value.strip().endswith("%"):
        try:
            value = float(value.strip()[:-1]) / 100
        except ValueError:
            value = None
    if isinstance(value, bool) or not isinstance(value, int | float) or not 0 < value <= 1:
        raise Invalid("expected a share like 80% or 0.8 (more than 0, at most 100%)")
    return float(value)


def speech_timeout(node: Node) -> str:
    value: Any = node.value
    if value == "auto":
        return "auto"
    if isinstance(value, int) and not isinstance(value, bool) and value >= 1:
        return str(value)
    raise Invalid("expected auto or a whole number of seconds >= 1")


AUDIO_FILE = re.compile(r"^audio/[A-Za-z0-9_-][A-Za-z0-9_.-]*\.(mp3|wav)$")


def audio(node: Node) -> str:
    """Something for Twilio to `<Play>`: an http(s) URL, or a file in the `audio/` folder
    beside the flows folder (served at /audio/NAME), which must be there."""
    value = node.value
    if isinstance(value, str) and urlsplit(value).scheme in ("http", "https"):
        if not urlsplit(value).hostname:
            raise Invalid("expected an absolute http(s) URL")
        return value
    if not isinstance(value, str) or not AUDIO_FILE.match(value):
        raise Invalid("expected an http(s) URL or audio/NAME.mp3 (or .wav)")
    if not (Path(node.ctx.file).parent.parent / value).is_file():
        raise Invalid(f"no file {value} beside the flows folder")
    return value


# --- other systems ------------------------------------------------------------------------

DEFAULT_PORTS = {"http": 80, "https": 443}


def url(node: Node) -> str:
    """The URL of an `http` step: absolute http(s), with the host noted for the allow-list
    check. Placeholders are not allowed in it (call data goes in `send:`, where it is encoded
    for the wire; a placeholder in the host could point anywhere)."""
    value = node.value
    if not isinstance(value, str):
        raise Invalid("expected a URL")
    if "{" in value or "}" in value:
        raise Invalid("placeholders are not allowed in the URL: put call variables in send:")
    parts = urlsplit(value)
    if parts.scheme not in DEFAULT_PORTS or not parts.hostname:
        raise Invalid("expected an absolute http:// or https:// URL")
    if parts.username or parts.password:
        raise Invalid("credentials do not belong in the URL: sign the request with sign_with:")
    try:
        port = parts.port
    except ValueError as exc:
        raise Invalid("the URL's port is not a number from 1 to 65535") from exc
    # The scheme's usual port written out is the same place as no port.
    shown = port is not None and port != DEFAULT_PORTS[parts.scheme]
    where = parts.hostname.lower() + (f":{port}" if shown else "")
    node.ctx.http_hosts.append((where, Ref(where, node.line, node.path)))
    return value
