"""The signature check of our own (issue 15) against twilio's `RequestValidator`: the same
signature for any URL and parameters, the same verdict for any signature, and the URL it
covers built as werkzeug's `request.url` builds it."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st
from twilio.request_validator import RequestValidator
from werkzeug.datastructures import MultiDict
from werkzeug.test import EnvironBuilder
from werkzeug.wrappers import Request

from voicebot.web.security import request_url, signature, valid

TOKEN = "12345678901234567890123456789012"
TEXT = st.text(alphabet=st.characters(codec="utf-8", exclude_categories=["Cs"]), max_size=12)
NAMES = st.sampled_from(["CallSid", "From", "To", "Digits", "SpeechResult", "Body", "a", "A",
                         "Ä", "ключ", "x y", ""]) | TEXT
PARAMS = st.lists(st.tuples(NAMES, TEXT | st.sampled_from(["", "+15035550199", "да, всё"])),
                  max_size=8)
URLS = st.sampled_from([
    "http://localhost/twilio/voice", "http://localhost:80/twilio/voice",
    "https://line.example.com/twilio/voice/step?s=menu&t=3&e=gather",
    "https://line.example.com:443/twilio/voice/step?s=menu&t=3&e=gather",
    "https://line.example.com:8443/twilio/sms", "http://127.0.0.1:5000/twilio/voice/status",
    "https://линия.example/twilio/voice?s=заявка", "http://h/p%20q?x=%C3%A9&y=a+b",
])


@settings(max_examples=300)
@given(URLS | TEXT, PARAMS)
def test_the_signature_is_twilios_for_any_url_and_parameters(url: str,
                                                            pairs: list[tuple[str, str]]) -> None:
    form = MultiDict(pairs)  # repeated names: every value counts, each distinct value once
    assert signature(TOKEN.encode(), url, form.lists()) == \
        RequestValidator(TOKEN).compute_signature(url, form)


def variants(url: str) -> list[str]:
    """The URLs a signer may have signed: as received, with and without the default port,
    another port."""
    scheme, rest = url.split("://", 1)
    host, _, path = rest.partition("/")
    bare = host.split(":")[0]
    default = "443" if scheme == "https" else "80"
    return [f"{scheme}://{h}/{path}" for h in (host, bare, f"{bare}:{default}", f"{bare}:8081")]


@settings(max_examples=150)
@given(URLS, PARAMS, st.sampled_from([TOKEN, "another-token-another-token-0000"]),
       st.booleans())
def test_the_verdict_is_twilios_for_every_signature(url: str, pairs: list[tuple[str, str]],
                                                    signer_token: str, tampered: bool) -> None:
    """A signature over the URL as received, with or without its default port, is accepted as
    twilio's check accepts it; another port, another token or changed parameters are not."""
    form = MultiDict(pairs)
    sent = MultiDict([*pairs, ("Digits", "9")]) if tampered else form
    for signed in variants(url):
        given_signature = RequestValidator(signer_token).compute_signature(signed, form)
        assert valid(TOKEN, url, sent, given_signature) == \
            RequestValidator(TOKEN).validate(url, sent, given_signature), signed


def test_bad_signatures_are_refused() -> None:
    form = MultiDict([("CallSid", "CA" + "1" * 32), ("From", "+15035550199")])
    url = "https://line.example.com/twilio/voice"
    good = RequestValidator(TOKEN).compute_signature(url, form)
    assert valid(TOKEN, url, form, good)
    for bad in ("", good[:-2], good + "=", good.lower(), "подпись", "x" * 28):
        assert not valid(TOKEN, url, form, bad)
    assert not valid(TOKEN, url + "?", form, RequestValidator(TOKEN).compute_signature(
        url + "?x=1", form))


PART = st.lists(st.sampled_from([*"aZ09-._~!$&'()*+,/:;=@?#% é/\u0430\x80",
                                 "%20", "%C3%A9", "%2F", "%3f", "%zz", "%E2%82"]),
                max_size=8).map("".join)
HOSTS = st.sampled_from([
    "localhost", "LocalHost", "localhost:80", "localhost:443", "localhost:8080", "h:080",
    "h:65535", "h:99999", "h:", "127.0.0.1", "a..b", "host.", "-h", "xn--n3h.net",
    "xn--n3h.net:8443", "[::1]", "[::1]:8080", "bad host", "a_b.example", "x" * 64,
    "line.example.com", "h@evil", "",
]) | st.text(alphabet="aZ0.:-_[]", max_size=12)


def url_pair(scheme: str, host: str, root: str, path: str, query: str) -> tuple[str, str] | None:
    """(werkzeug's `request.url`, ours) for an environ as a WSGI server hands it over: text
    is latin-1 of the bytes sent. None where werkzeug cannot build it (a port out of range)."""
    environ = EnvironBuilder(base_url=f"{scheme}://localhost{root}").get_environ()
    environ.update({"HTTP_HOST": host, "PATH_INFO": path.encode().decode("latin-1"),
                    "QUERY_STRING": query.encode().decode("latin-1")})
    try:
        expected = Request(environ).url
    except ValueError:
        return None
    return expected, request_url(Request(environ))


SCHEMES, ROOTS = st.sampled_from(["http", "https"]), st.sampled_from(["", "/", "/voicebot", "/a/"])


@settings(max_examples=400)
@given(SCHEMES, HOSTS, ROOTS)
def test_the_host_is_werkzeugs(scheme: str, host: str, root: str) -> None:
    pair = url_pair(scheme, host, root, "/twilio/voice", "s=menu&t=3")
    assert pair is None or pair[0] == pair[1]


@settings(max_examples=400)
@given(SCHEMES, st.sampled_from(["localhost", "line.example.com:8443"]), ROOTS, PART, PART)
def test_the_path_and_query_are_werkzeugs(scheme: str, host: str, root: str, path: str,
                                          query: str) -> None:
    pair = url_pair(scheme, host, root, path, query)
    assert pair is not None and pair[0] == pair[1]


def test_plain_urls_take_the_short_way() -> None:
    """The webhooks' own URLs need no quoting: the short way is the one they take."""
    environ = EnvironBuilder(path="/twilio/voice/step", query_string="s=menu&t=3&e=gather",
                             base_url="http://localhost:8080/voicebot").get_environ()
    req = Request(environ)
    assert request_url(req) == "http://localhost:8080/voicebot/twilio/voice/step?s=menu&t=3&e=gather"
    assert "url" not in req.__dict__  # werkzeug's cached_property was never computed
