"""Guessing the desk password is slowed for the whole service, not per process: wrong
passwords are counted in the database, by name and by address. Behind a proxy the address is
the one the configured proxies report (VOICEBOT_TRUSTED_PROXIES), and only theirs: a client
cannot name its own address in X-Forwarded-For."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient

from voicebot.admin.auth import MAX_ADDRESS_FAILURES, MAX_FAILURES

from support.desk import PASSWORD, PASSWORD_HASH, csrf_token


@pytest.fixture
def settings(settings: dict[str, Any]) -> dict[str, Any]:
    return {**settings, "ADMIN_PASSWORD_HASH": PASSWORD_HASH}


def attempt(client: FlaskClient, name: str, password: str, via: str | None = None) -> int:
    headers = {"X-Forwarded-For": via} if via else {}
    token = csrf_token(client.get("/admin/login", headers=headers).text)
    return client.post("/admin/login", headers=headers,
                       data={"csrf_token": token, "name": name, "password": password}).status_code


def test_wrong_passwords_count_across_processes(make_app: Callable[..., Flask]) -> None:
    """Two web processes (two apps on one database): the fifth wrong password is the fifth,
    whichever process saw the first four."""
    first, second = make_app().test_client(), make_app().test_client()
    for i in range(MAX_FAILURES):
        assert attempt(first if i % 2 else second, "Dana", "guess") == 403
    assert attempt(first, "Dana", PASSWORD) == 429
    assert attempt(second, "Dana", PASSWORD) == 429


def test_one_persons_mistakes_do_not_lock_out_the_office(client: FlaskClient) -> None:
    """Everyone behind the office's one address: Dana's wrong passwords block Dana there,
    not Bob."""
    for _ in range(MAX_FAILURES):
        assert attempt(client, "Dana", "guess") == 403
    assert attempt(client, "Dana", PASSWORD) == 429
    assert attempt(client, "Bob", PASSWORD) == 302


def test_guessing_under_ever_new_names_is_blocked_by_address(client: FlaskClient) -> None:
    for i in range(MAX_ADDRESS_FAILURES):
        assert attempt(client, f"guesser{i}", "guess") == 403
    assert attempt(client, "someone-new", PASSWORD) == 429


def test_behind_a_trusted_proxy_each_client_is_counted_apart(make_app: Callable[..., Flask]) -> None:
    client = make_app(TRUSTED_PROXIES=1).test_client()
    for i in range(MAX_ADDRESS_FAILURES):
        assert attempt(client, f"guesser{i}", "guess", via="203.0.113.5") == 403
    assert attempt(client, "Dana", PASSWORD, via="203.0.113.5") == 429
    assert attempt(client, "Dana", PASSWORD, via="198.51.100.7") == 302


def test_without_a_trusted_proxy_x_forwarded_for_is_ignored(client: FlaskClient) -> None:
    """A client that writes a new address into the header each time is still one client."""
    for i in range(MAX_FAILURES):
        assert attempt(client, "Dana", "guess", via=f"203.0.113.{i}") == 403
    assert attempt(client, "Dana", PASSWORD, via="198.51.100.7") == 429
