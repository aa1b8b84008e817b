"""The webhook form parsed by `voicebot.web.forms` (issue 15) is werkzeug's, field for field."""

from __future__ import annotations

import io

import pytest
from flask import Flask, Request
from hypothesis import given, settings
from hypothesis import strategies as st
from werkzeug.exceptions import RequestEntityTooLarge

from voicebot.web.forms import URLENCODED, WebhookRequest

PIECES = st.sampled_from(["CallSid", "From", "=", "&", "+", "%2B", "%20", "%C3%A9", "%E2%82",
                          "%zz", "%", "%%", "a", "é", "да", "Digits=4", "&&", "==", " ", "\x00"])
BODIES = (st.lists(PIECES, max_size=14).map(lambda p: "".join(p).encode())
          | st.binary(max_size=40)
          | st.sampled_from([b"a=\xff\xfe", b"\xc3", b"From=%2B1503&From=%2B1503&To=x"]))


def environ(body: bytes, content_type: str = URLENCODED, length: int | None = None) -> dict[str, object]:
    return {"REQUEST_METHOD": "POST", "CONTENT_TYPE": content_type, "wsgi.input": io.BytesIO(body),
            "CONTENT_LENGTH": str(len(body) if length is None else length), "SERVER_NAME": "localhost",
            "SERVER_PORT": "80", "PATH_INFO": "/twilio/voice", "wsgi.url_scheme": "http"}


@pytest.fixture(scope="module")
def bare() -> Flask:
    return Flask("forms")


@settings(max_examples=400)
@given(BODIES, st.sampled_from([URLENCODED, URLENCODED + "; charset=utf-8", "text/plain"]))
def test_the_form_is_werkzeugs(bare: Flask, body: bytes, content_type: str) -> None:
    with bare.app_context():
        ours = WebhookRequest(environ(body, content_type))
        theirs = Request(environ(body, content_type))
        assert list(ours.form.items(multi=True)) == list(theirs.form.items(multi=True))
        assert not ours.files and not theirs.files
        assert type(ours.form) is type(theirs.form)
        assert ours.stream.read() == theirs.stream.read()  # both read the body to its end


def test_a_body_over_the_limit_is_refused_as_before(bare: Flask) -> None:
    bare.config["MAX_CONTENT_LENGTH"] = 10
    try:
        with bare.app_context():
            for cls in (WebhookRequest, Request):
                with pytest.raises(RequestEntityTooLarge):
                    _ = cls(environ(b"CallSid=CA" + b"1" * 32)).form
    finally:
        bare.config["MAX_CONTENT_LENGTH"] = None


def test_a_form_read_after_get_data_is_werkzeugs(bare: Flask) -> None:
    body = b"From=%2B15035550199&Digits=4"
    with bare.app_context():
        ours = WebhookRequest(environ(body))
        assert ours.get_data() == body
        assert ours.form.to_dict() == {"From": "+15035550199", "Digits": "4"}


def test_the_app_parses_webhooks_this_way(app: Flask) -> None:
    with app.test_request_context("/twilio/voice", method="POST",
                                  data={"From": "+15035550199", "SpeechResult": "да, всё"}):
        from flask import request
        assert isinstance(request._get_current_object(), WebhookRequest)  # type: ignore[attr-defined]
        assert request.form["SpeechResult"] == "да, всё" and request.form["From"] == "+15035550199"


def test_the_service_refuses_a_body_larger_than_any_webhook(app: Flask) -> None:
    """A client posting megabytes to a webhook gets 413 before its form (or its signature
    check) reads them; a webhook of ordinary size is read."""
    client = app.test_client()
    signed = {"X-Twilio-Signature": "bm90IGEgcmVhbCBzaWduYXR1cmU="}
    huge = client.post("/twilio/voice", headers=signed,
                       data={"CallSid": "CA" + "1" * 32, "SpeechResult": "x" * (2 << 20)})
    assert huge.status_code == 413
    ordinary = client.post("/twilio/voice", headers=signed, data={"CallSid": "CA" + "1" * 32})
    assert ordinary.status_code == 403  # read, and refused for its wrong signature
