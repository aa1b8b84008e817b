"""The tests' Twilio REST double (tests/support/twilio_double.py) in a process of its own, for
benchmarks that send through Twilio instead of dry-running.

In its own process the double's work (HTTP, the OpenAPI check of every request and answer)
takes no CPU or GIL from the process measured, as Twilio's servers take none from ours.
`delay` makes it answer every REST request that many seconds late (after recording it), as a
slow Twilio does. The calls and SMS it took are read back over a pipe, so a benchmark counts
what actually reached "Twilio", not what the app believes it sent.
"""

from __future__ import annotations

import contextlib
import multiprocessing
import sys
from multiprocessing.connection import Connection
from types import TracebackType
from typing import Any

from bench.common import REPO


def _serve(conn: Connection, delay: float) -> None:
    sys.path.insert(0, str(REPO / "tests"))
    from support.openapi_contract import check_request
    from support.twilio_double import TwilioDouble

    # The OpenAPI description (megabytes of JSON) is read on first use: before the first
    # request, not while it is timed.
    check_request("GET", "/2010-04-01/Accounts.json", {})
    double = TwilioDouble()
    double.slow[""] = delay  # every path
    double.start()
    conn.send((double.base_url, double.account_sid, double.auth_token))
    try:
        while True:
            asked = conn.recv()
            if asked == "stop":
                break
            if isinstance(asked, float):
                double.slow[""] = asked
                conn.send([])
                continue
            with double._lock:
                conn.send({"calls": [dict(c) for c in double.calls],
                           "messages": [dict(m) for m in double.messages],
                           "violations": double.violations()}[asked])
    finally:
        double.stop()


class RemoteDouble:
    """`with RemoteDouble(delay=0.5) as double:` its `settings` point an app at it."""

    def __init__(self, delay: float = 0.0) -> None:
        self.delay = delay
        self._conn: Connection | None = None
        self._process: multiprocessing.process.BaseProcess | None = None
        self.base_url = self.account_sid = self.auth_token = ""

    def __enter__(self) -> RemoteDouble:
        context = multiprocessing.get_context("spawn")  # nothing of this process's threads
        ours, theirs = context.Pipe()
        self._process = context.Process(target=_serve, args=(theirs, self.delay), daemon=True,
                                        name="twilio-double")
        self._process.start()
        self._conn = ours
        if not ours.poll(60):
            self.__exit__(None, None, None)
            raise RuntimeError("the Twilio double did not start in 60 s")
        self.base_url, self.account_sid, self.auth_token = ours.recv()
        return self

    def __exit__(self, kind: type[BaseException] | None, error: BaseException | None,
                 trace: TracebackType | None) -> None:
        if self._conn is not None:
            with contextlib.suppress(OSError):  # the double died already
                self._conn.send("stop")
        if self._process is not None:
            self._process.join(10)
            if self._process.is_alive():
                self._process.kill()
                self._process.join()
        self._conn = self._process = None

    def settings(self) -> dict[str, Any]:
        """App settings that send through the double (PUBLIC_URL: where Twilio would fetch an
        answered call's TwiML; the double never calls it)."""
        return {"DRY_RUN": False, "TWILIO_API_URL": self.base_url,
                "TWILIO_ACCOUNT_SID": self.account_sid, "TWILIO_AUTH_TOKEN": self.auth_token,
                "PUBLIC_URL": "http://127.0.0.1:9"}

    def set_delay(self, seconds: float) -> None:
        """From now on, answer every REST request `seconds` late."""
        self.delay = seconds
        self._ask(float(seconds))

    def _ask(self, what: str | float) -> list[Any]:
        assert self._conn is not None, "the double is not running"
        self._conn.send(what)
        answer: list[Any] = self._conn.recv()
        return answer

    def calls(self) -> list[dict[str, Any]]:
        return self._ask("calls")

    def messages(self) -> list[dict[str, Any]]:
        return self._ask("messages")

    def violations(self) -> list[str]:
        """Requests or answers that broke Twilio's OpenAPI contract."""
        return self._ask("violations")
