"""The flows in service, as the runtime reads them: a seam between the code that runs calls
(engine, services, voicemail, callbacks, the web edge) and the compiler's registry
(voicebot.compiler.registry), which loads flow files and puts itself on the app under
`EXTENSION`. Reading flows through this protocol keeps the runtime from importing the
compiler, which imports the step kinds: so no package cycle runs through the compiler.
"""

from __future__ import annotations

from typing import Protocol

from flask import Flask, current_app

from voicebot.flows.model import Flow

EXTENSION = "voicebot.flows"
"""The key of the app's registry in `app.extensions`."""


class Catalog(Protocol):
    def get(self, flow_id: str) -> Flow:
        """The flow, or FlowNotFound."""
        ...

    def find(self, flow_id: str) -> Flow | None: ...

    def for_number(self, number: str) -> Flow | None:
        """The inbound flow that answers `number` (E.164)."""
        ...

    def flows(self) -> list[Flow]: ...


def catalog(app: Flask | None = None) -> Catalog:
    """The app's flows in service: the one typed way to them."""
    found: Catalog = (app or current_app).extensions[EXTENSION]
    return found


def flow_or_none(flow_id: str, app: Flask | None = None) -> Flow | None:
    """The flow a call, ticket or callback belongs to, or None when it is gone: the one
    place the flow of a row is looked up."""
    return catalog(app).find(flow_id)
