"""The time, as the engine sees it. Tests freeze it; nothing else should call datetime.now."""

from __future__ import annotations

import datetime as dt

from flask import Flask, current_app


class Clock:
    def __init__(self) -> None:
        self.frozen: dt.datetime | None = None

    def now(self) -> dt.datetime:
        return self.frozen if self.frozen is not None else dt.datetime.now(dt.UTC)

    def set(self, when: dt.datetime | None) -> None:
        if when is not None and when.tzinfo is None:
            raise ValueError("the clock needs an aware datetime")
        self.frozen = when


def init_app(app: Flask) -> None:
    app.extensions["voicebot.clock"] = Clock()


def clock(app: Flask | None = None) -> Clock:
    c: Clock = (app or current_app).extensions["voicebot.clock"]
    return c
