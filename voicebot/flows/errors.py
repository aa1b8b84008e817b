"""One exception family for everything that can go wrong with a flow."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Problem:
    """One problem found in a flow file, printed as `FILE:LINE: PATH: message (got VALUE)`."""

    file: str
    line: int
    path: str
    message: str
    got: str | None = None

    def __str__(self) -> str:
        where = f"{self.path}: " if self.path else ""
        got = f" (got {self.got})" if self.got is not None else ""
        return f"{self.file}:{self.line}: {where}{self.message}{got}"


class FlowError(Exception):
    """Base of every flow error."""


class FlowLoadError(FlowError):
    """A flow file that cannot be used; carries every problem found in it."""

    def __init__(self, problems: list[Problem]) -> None:
        self.problems = problems
        super().__init__("\n".join(str(p) for p in problems))


class FlowNotFound(FlowError):
    """No flow answers a number or carries an id."""


class FlowRuntimeError(FlowError):
    """A step failed while a call was in it. Names the flow file, line, state and input."""

    def __init__(self, message: str, *, flow: str, state: str, where: str, given: str = "") -> None:
        self.flow = flow
        self.state = state
        self.where = where
        self.given = given
        detail = f" given {given!r}" if given else ""
        super().__init__(f"{where}: flow {flow!r} state {state!r}{detail}: {message}")
