"""The flows in service, as the code below the flow compiler reads them: by id or by number.

The app keeps its registry of loaded flows (`voicebot.compiler.registry`, which compiles them
with the step kinds) under `app.extensions["voicebot.flows"]`; this is the one typed way to
read it for code the compiler sits above (the services, the callback runner, the voicemail
pipeline), so none of them imports the compiler.
"""

from __future__ import annotations

from typing import Protocol

from flask import Flask, current_app

from voicebot.flows.model import Flow

EXTENSION = "voicebot.flows"


class Catalog(Protocol):
    """What `voicebot.compiler.registry.FlowRegistry` offers to read."""

    def find(self, flow_id: str) -> Flow | None: ...
    def for_number(self, number: str) -> Flow | None: ...
    def flows(self) -> list[Flow]: ...


def catalog(app: Flask | None = None) -> Catalog:
    found: Catalog = (app or current_app).extensions[EXTENSION]
    return found


def flow_or_none(flow_id: str, app: Flask | None = None) -> Flow | None:
    """The flow a call, ticket or callback belongs to, or None when it is gone: the one
    place the flow of a row is looked up."""
    return catalog(app).find(flow_id)
