"""The form every Twilio webhook posts, parsed without werkzeug's general machinery."""

from __future__ import annotations

from urllib.parse import unquote

from flask import Request, current_app
from werkzeug import urls  # noqa: F401  registers the "werkzeug.url_quote" error handler

URLENCODED = "application/x-www-form-urlencoded"


def parse_form(body: str) -> list[tuple[str, str]]:
    """`urllib.parse.parse_qsl(body, keep_blank_values=True, errors="werkzeug.url_quote")`,
    werkzeug's parse of a urlencoded form, item by item the same: a name or value with
    neither "+" nor "%" is taken as it is (parse_qsl's `unquote` returns such a string
    unchanged), which is most of a webhook's."""
    items = []
    for piece in body.split("&"):
        if piece:
            name, _, value = piece.partition("=")
            if "+" in name or "%" in name:
                name = unquote(name.replace("+", " "), errors="werkzeug.url_quote")
            if "+" in value or "%" in value:
                value = unquote(value.replace("+", " "), errors="werkzeug.url_quote")
            items.append((name, value))
    return items


class WebhookRequest(Request):
    """Flask's request, whose urlencoded form (what Twilio posts) is read from werkzeug's
    length-limited stream and parsed directly: werkzeug's form parser around the same parse
    (its settings read through Flask's config, the content type parsed, a parser object
    made) cost each webhook about as much as the parse itself (issue 15). Any other body,
    a body already read with `get_data`, and debug mode keep werkzeug's own path."""

    def _load_form_data(self) -> None:
        if ("form" in self.__dict__ or self.environ.get("CONTENT_TYPE") != URLENCODED
                or "_cached_data" in self.__dict__ or current_app.debug):
            super()._load_form_data()
            return
        stream = self.stream  # max_content_length is enforced here, as for werkzeug's parser
        try:
            form = self.parameter_storage_class(parse_form(stream.read().decode()))
        except ValueError:  # not UTF-8: werkzeug's parser gives an empty form, silently
            form = self.parameter_storage_class()
        d = self.__dict__
        d["stream"], d["form"], d["files"] = stream, form, self.parameter_storage_class()
