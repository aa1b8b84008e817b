"""Check requests to (and responses from) Twilio's REST API against Twilio's OpenAPI description.

Where the description is looked for, first found wins:

1. ``VOICEBOT_TWILIO_OPENAPI``: a file named explicitly (then only that one);
2. ``../shared/twilio-openapi/``: the copy kept beside the repository (twilio-oai, 2026-04-14),
   the newer of the two: its message statuses include ``delivered`` and ``undelivered``;
3. ``.cache/twilio-openapi/``: the copy ``.ci/twilio-openapi`` unpacks from Twilio's npm package
   ``@twilio-alpha/mcp`` (pinned and hash-checked) on a machine without the sibling folder.

Without any of them the contract cannot be checked, and ``require_spec()`` fails the test, in CI
and elsewhere alike: the file is always one command away, so a skip would only hide it.
"""

from __future__ import annotations

import base64
import binascii
import functools
import os
import re
import threading
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest
import yaml

REPO_ROOT = Path(__file__).resolve().parents[2]
SPEC_NAME = "twilio_api_v2010.yaml"
SPEC_ENV = "VOICEBOT_TWILIO_OPENAPI"
SIBLING_SPEC = REPO_ROOT / ".." / "shared" / "twilio-openapi" / SPEC_NAME
CACHED_SPEC = REPO_ROOT / ".cache" / "twilio-openapi" / SPEC_NAME
FORM = "application/x-www-form-urlencoded"

# Recording media (``.../Recordings/RE....wav``, ``.mp3`` or bare) is the same resource as
# ``.../Recordings/RE....json`` in another representation: Twilio documents it on the Recording
# resource page, but the OpenAPI file only describes JSON, so it has no path for it. Checking the
# media URL as a GET of the ``.json`` path still catches a wrong account, method or parameter.
_MEDIA = re.compile(r"^(/2010-04-01/Accounts/[^/]+/Recordings/[^/.]+)(?:\.wav|\.mp3)?$")
# Documented for media downloads of dual-channel recordings only, hence absent from the JSON GET.
_MEDIA_QUERY = {"RequestedChannels"}

Params = Mapping[str, Sequence[str]]
_JSON_TYPES: dict[str, type | tuple[type, ...]] = {
    "string": str,
    "integer": int,
    "number": (int, float),
    "boolean": bool,
    "object": dict,
}


class SpecUnavailable(RuntimeError):
    pass


@dataclass(frozen=True)
class _Route:
    template: str
    pattern: re.Pattern[str]
    literal_chars: int  # more literal text = more specific: `Calls/Events.json` beats `{Sid}.json`


def in_ci() -> bool:
    return os.environ.get("CI", "").strip().lower() in {"true", "1"}


def spec_candidates() -> list[Path]:
    """Where the description may be, best first (see the module's docstring)."""
    explicit = os.environ.get(SPEC_ENV, "").strip()
    if explicit:
        return [Path(explicit)]
    return [SIBLING_SPEC, CACHED_SPEC]


def spec_path() -> Path | None:
    return next((path for path in spec_candidates() if path.is_file()), None)


def spec_available() -> bool:
    return spec_path() is not None


def require_spec() -> None:
    """Fail the current test when no OpenAPI file is found, saying how to get one."""
    if spec_available():
        return
    looked = ", ".join(str(path.resolve()) for path in spec_candidates())
    pytest.fail(f"Twilio OpenAPI description not found (looked in {looked}); contract unchecked. "
                "`bash .ci/twilio-openapi` fetches it.", pytrace=False)


_LOADING = threading.RLock()
"""The double's first requests come at once (a worker places a batch of calls in parallel):
one of them reads the 1.5 MB description, the others wait for it instead of each reading it."""


def spec() -> dict[str, Any]:
    with _LOADING:
        return _spec()


@functools.cache
def _spec() -> dict[str, Any]:
    path = spec_path()
    if path is None:
        raise SpecUnavailable(f"no {SPEC_NAME} in {', '.join(map(str, spec_candidates()))}")
    loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)  # the C loader is ~10x faster on 1.5 MB
    with path.open("rb") as fh:
        loaded: dict[str, Any] = yaml.load(fh, Loader=loader)
    return loaded


def _routes() -> tuple[_Route, ...]:
    with _LOADING:
        return _routes_of_spec()


@functools.cache
def _routes_of_spec() -> tuple[_Route, ...]:
    routes = []
    for template in spec()["paths"]:
        parts = re.split(r"(\{[^}]+\})", template)
        regex = "".join("[^/]+" if p.startswith("{") else re.escape(p) for p in parts)
        literal = sum(len(p) for p in parts if not p.startswith("{"))
        routes.append(_Route(template, re.compile(f"^{regex}$"), literal))
    return tuple(sorted(routes, key=lambda r: -r.literal_chars))


def _resolve(schema: Mapping[str, Any]) -> Mapping[str, Any]:
    while "$ref" in schema:
        node: Any = spec()
        for part in schema["$ref"].removeprefix("#/").split("/"):
            node = node[part]
        schema = node
    return schema


def match_path(path: str) -> str | None:
    """The spec's path template for a concrete request path, or None."""
    return next((r.template for r in _routes() if r.pattern.match(path)), None)


def _value_problems(name: str, schema: Mapping[str, Any], values: Sequence[str]) -> list[str]:
    schema = _resolve(schema)
    if schema.get("type") == "array":
        item_schema = _resolve(schema.get("items", {}))
    elif len(values) > 1:
        return [f"parameter {name!r} is not a list but was sent {len(values)} times"]
    else:
        item_schema = schema
    problems = []
    for value in values:
        if "enum" in item_schema and value not in item_schema["enum"]:
            problems.append(f"parameter {name}={value!r} not in {item_schema['enum']}")
        elif item_schema.get("type") == "boolean" and value not in ("true", "false"):
            problems.append(f"parameter {name}={value!r} is not 'true' or 'false'")
        elif item_schema.get("type") == "integer" and not re.fullmatch(r"-?\d+", value):
            problems.append(f"parameter {name}={value!r} is not an integer")
    return problems


def _check_params(
    where: str, sent: Params, known: Mapping[str, Mapping[str, Any]], required: Sequence[str]
) -> list[str]:
    problems = [
        f"missing required parameter {name!r} ({where})"
        for name in required
        if not any(v != "" for v in sent.get(name, []))
    ]
    for name, values in sent.items():
        if name not in known:
            problems.append(f"unknown parameter {name!r} ({where})")
        else:
            problems.extend(_value_problems(name, known[name], values))
    return problems


def _check_basic_auth(headers: Mapping[str, str]) -> list[str]:
    value = next((v for k, v in headers.items() if k.lower() == "authorization"), "")
    scheme, _, token = value.partition(" ")
    try:
        user, sep, _ = base64.b64decode(token, validate=True).decode().partition(":")
    except (binascii.Error, UnicodeDecodeError):
        sep = user = ""
    if scheme.lower() != "basic" or not sep or not user:
        return ["Authorization header is not HTTP Basic (account/API key SID and secret)"]
    return []


def check_request(
    method: str,
    path: str,
    form: Params | None = None,
    *,
    query: Params | None = None,
    headers: Mapping[str, str] | None = None,
) -> list[str]:
    """Contract violations of one request; an empty list means it conforms.

    ``path`` may carry a query string, which is merged into ``query``. ``form`` is the
    url-encoded body. ``headers``, when given, must carry HTTP Basic auth and, for a body,
    the form content type.
    """
    split = urlsplit(path)
    path = split.path
    query = {**parse_qs(split.query, keep_blank_values=True), **(query or {})}
    form = form or {}
    method = method.lower()
    problems = _check_basic_auth(headers) if headers is not None else []

    media = _MEDIA.match(path)
    if media:
        path = media.group(1) + ".json"
        query = {k: v for k, v in query.items() if k not in _MEDIA_QUERY}
    template = match_path(path)
    if template is None:
        return [*problems, f"{path}: no such path in the Twilio API description"]
    operation = spec()["paths"][template].get(method)
    if operation is None or (media and method != "get"):
        return [*problems, f"{method.upper()} not allowed on {template}"]

    query_params = {p["name"]: p for p in operation.get("parameters", []) if p["in"] == "query"}
    problems += _check_params(
        "query",
        query,
        {name: p.get("schema", {}) for name, p in query_params.items()},
        [name for name, p in query_params.items() if p.get("required")],
    )
    body_schema = operation.get("requestBody", {}).get("content", {}).get(FORM, {}).get("schema")
    if body_schema is None:
        if form:
            problems.append(f"{method.upper()} {template} takes no body, got {sorted(form)}")
        return problems
    if headers is not None and form:
        content_type = next((v for k, v in headers.items() if k.lower() == "content-type"), "")
        if content_type.split(";")[0].strip() != FORM:
            problems.append(f"body Content-Type is {content_type!r}, expected {FORM}")
    body_schema = _resolve(body_schema)
    problems += _check_params(
        "body", form, body_schema.get("properties", {}), body_schema.get("required", [])
    )
    return problems


def check_response(method: str, path: str, status: int, body: object) -> list[str]:
    """Violations of a JSON response the spec documents (errors and media are not described)."""
    template = match_path(urlsplit(path).path)
    operation = spec()["paths"].get(template or "", {}).get(method.lower(), {})
    content = operation.get("responses", {}).get(str(status), {}).get("content", {})
    schema_ref = content.get("application/json", {}).get("schema")
    if schema_ref is None:
        return []
    if not isinstance(body, dict):
        return [f"response to {method.upper()} {template} is not a JSON object"]
    properties = _resolve(schema_ref).get("properties", {})
    problems = []
    for key, value in body.items():
        if key not in properties:
            problems.append(f"response field {key!r} is not in the {template} schema")
            continue
        prop = _resolve(properties[key])
        if value is None:
            if not (prop.get("nullable") or properties[key].get("nullable")):
                problems.append(f"response field {key!r} is null but not nullable")
        elif not isinstance(value, _JSON_TYPES.get(prop.get("type", ""), object)):
            problems.append(f"response field {key}={value!r} is not of type {prop['type']}")
        elif "enum" in prop and value not in prop["enum"]:
            problems.append(f"response field {key}={value!r} not in {prop['enum']}")
        elif "pattern" in prop and not re.match(prop["pattern"], str(value)):
            problems.append(f"response field {key}={value!r} does not match {prop['pattern']}")
    return problems
