"""`http`: ask or tell another system (a CRM, an order lookup, a ticketing tool), then `next`.

Call variables go out as a JSON body (or a GET's query string), values come back from JSON
paths into variables; the request is signed with HMAC-SHA256 when the flow names the
environment variable holding the secret. Twilio gives up on a webhook after 15 s, so the whole
exchange has a deadline well inside it (3 s unless the step says, 8 s at most); a timeout, a
non-2xx answer or an answer without what the flow needs apologises and goes to `on_error`
(the flow's `fallback` unless the step names one), so the caller is never left in silence.
"""

from __future__ import annotations

import os
import re
from dataclasses import dataclass
from typing import Any, ClassVar
from urllib.parse import urlsplit

from typing_extensions import override

from voicebot.engine.steps.base import Edge, StepKind, Words, next_key, register
from voicebot.engine.turn import Turn
from voicebot.flows import fields, texts
from voicebot.flows.model import Flow, Source, StepBase, Text
from voicebot.flows.schema import Invalid, Key, Node, Schema, dict_of, one_of
from voicebot.flows.wording import Event
from voicebot.services import remote

DEFAULT_TIMEOUT = 3
LONGEST = 8
"""Seconds: Twilio waits 15 s for a webhook; the turn's own work and the network need the rest."""
ENV_NAME = re.compile(r"^[A-Z][A-Z0-9_]*$")
PATH = re.compile(r"^[A-Za-z0-9_-]+(\.[A-Za-z0-9_-]+)*$")


@dataclass(frozen=True)
class Http(StepBase):
    url: str
    next: str
    on_error: str
    method: str = "POST"
    send: tuple[tuple[str, Text], ...] = ()
    """JSON field -> text rendered from the call's variables, facts and built-ins."""
    receive: tuple[tuple[str, str], ...] = ()
    """Call variable -> JSON path in the answer."""
    timeout: int = DEFAULT_TIMEOUT
    sign_with: str | None = None
    """The environment variable holding the HMAC secret (never the secret itself)."""
    failed: tuple[Text, ...] = ()
    """Said before `on_error`; empty: the flow's `apology`."""


def timeout(node: Node) -> int:
    value = node.value
    if isinstance(value, bool) or not isinstance(value, int) or not 1 <= value <= LONGEST:
        raise Invalid(f"expected whole seconds from 1 to {LONGEST} (Twilio hangs up on a "
                      "webhook after 15 s)")
    return value


def env_name(node: Node) -> str:
    if not isinstance(node.value, str) or not ENV_NAME.match(node.value):
        raise Invalid("expected the name of an environment variable holding the secret "
                      "(CAPITALS, digits and _), never the secret itself", show_got=False)
    return node.value


def json_path(node: Node) -> str:
    if not isinstance(node.value, str) or not PATH.match(node.value):
        raise Invalid("expected a dotted path into the JSON answer (order.status, items.0.name)")
    return node.value


def field_name(node: Node) -> str:
    if not isinstance(node.value, str) or not node.value.strip():
        raise Invalid("expected a JSON field name")
    return node.value


REASONS = ("timeout", "connect", "status", "json", "missing", "secret")


@register
class HttpKind(StepKind[Http]):
    key = "http"
    rank = 105
    step = Http
    schema: ClassVar[Schema] = {
        "http": Key(fields.url, required=True),
        "method": Key(one_of("POST", "GET"), default="POST"),
        "send": Key(dict_of(field_name, fields.value_text, what="a mapping of field: text"),
                    default={}),
        "receive": Key(dict_of(fields.variable_definition, json_path,
                               what="a mapping of variable: JSON path"), default={}),
        "timeout": Key(timeout, default=DEFAULT_TIMEOUT),
        "sign_with": Key(env_name),
        "failed": Key(fields.texts, default=()),
        "next": next_key(),
        "on_error": Key(fields.target),
    }
    notes = ("http", "http-failed")
    words: ClassVar[Words] = {
        "en": {"http": "Asked {host}: answered {status} in {seconds} s.",
               "failed": "Asking {host} failed: {why}; the call went on to the fallback.",
               "timeout": "no answer within {limit} s",
               "connect": "could not connect",
               "status": "error {detail}",
               "json": "the answer was not JSON",
               "missing": "the answer lacked {detail}",
               "secret": "the signing secret {detail} is not set on the server"},
        "ru": {"http": "Запрос к {host}: ответ {status} за {seconds} с.",
               "failed": "Запрос к {host} не удался: {why}; звонок ушёл на запасной шаг.",
               "timeout": "нет ответа за {limit} с",
               "connect": "не удалось подключиться",
               "status": "ошибка {detail}",
               "json": "ответ не в формате JSON",
               "missing": "в ответе нет поля {detail}",
               "secret": "на сервере не задан секрет подписи {detail}"},
    }

    def compile(self, sid: str, src: Source, values: dict[str, Any], node: Node) -> Http:
        on_error = values["on_error"]
        return Http(
            sid, src, url=values["http"], next=values["next"],
            on_error=on_error if on_error is not None else node.ctx.default_fallback,
            method=values["method"], send=tuple(values["send"].items()),
            receive=tuple(values["receive"].items()), timeout=values["timeout"],
            sign_with=values["sign_with"], failed=values["failed"],
        )

    def run(self, turn: Turn, step: Http) -> str | None:
        host = urlsplit(step.url).netloc
        vals = turn.values()
        send = {name: texts.render(text, vals) for name, text in step.send}
        try:
            secret = None
            if step.sign_with is not None:
                secret = os.environ.get(step.sign_with)
                if not secret:
                    # Unsigned, the other side would (rightly) refuse it, or worse, trust it.
                    raise remote.RemoteFailure("secret", step.sign_with)
            answer = remote.exchange(step.url, method=step.method, send=send,
                                     timeout=step.timeout, secret=secret,
                                     key=turn.dedupe(step.id), read=bool(step.receive))
            got = {name: remote.pick(answer.document, path) for name, path in step.receive}
        except remote.RemoteFailure as failure:
            turn.event("http-failed", f"{failure.reason}: {failure.detail}", host=host,
                       reason=failure.reason, detail=failure.detail, limit=step.timeout)
            turn.call.flagged = turn.call.flagged or "http step failed"
            turn.say(step.failed or turn.flow.apology)
            return step.on_error
        for name, value in got.items():
            turn.set_var(name, value)
        turn.event("http", f"{step.method} {host} {answer.status}", host=host,
                   status=answer.status, ms=answer.milliseconds, received=sorted(got))
        return step.next

    def edges(self, step: Http) -> list[Edge]:
        return [Edge(step.id, step.next, "next"), Edge(step.id, step.on_error, "on error")]

    @override
    def note(self, event: Event, flow: Flow | None, lang: str) -> str:
        w, d = self.words[lang], event.data
        if event.kind == "http":
            seconds = f"{int(d.get('ms') or 0) / 1000:.1f}"
            if lang == "ru":
                seconds = seconds.replace(".", ",")
            return w["http"].format(host=d.get("host"), status=d.get("status"), seconds=seconds)
        reason = str(d.get("reason"))
        why = w[reason if reason in REASONS else "connect"].format(
            limit=d.get("limit"), detail=d.get("detail"))
        return w["failed"].format(host=d.get("host"), why=why)
