"""Fixtures for the account tests: rate limits switched on, apps built from other settings, logging in."""

from __future__ import annotations

import dataclasses
from collections.abc import Iterator
from typing import Any

import pytest

from directory import create_app
from tests import factories
from tests.conftest import IsolatedClient

ATTACKER, VICTIM = "203.0.113.66", "198.51.100.7"  # documentation addresses (RFC 5737); nothing is sent


@pytest.fixture
def rate_limits(app: Any, db_session: Any) -> Iterator[Any]:
    """The test app's limiter switched on with empty counters (the suite runs with limits off)."""
    limiter = app.extensions["rate_limiter"]
    limiter.reset()
    limiter.enabled = True
    try:
        yield limiter
    finally:
        limiter.enabled = False
        limiter.reset()


@pytest.fixture
def peer_app(app: Any, db_session: Any) -> Iterator[Any]:
    """Build another app from the test app's settings with some changed (``peer_app(site_url=...)``), working
    on the same rolled-back test transaction; config overrides go in ``config``."""
    made = []

    def make(config: dict[str, Any] | None = None, **changes: Any) -> Any:
        settings = dataclasses.replace(app.config["SETTINGS"], **changes)
        peer = create_app(settings, TESTING=True, WTF_CSRF_ENABLED=False, **(config or {}))
        peer.extensions["database_session_options"] = app.extensions["database_session_options"]
        peer.test_client_class = IsolatedClient
        made.append(peer)
        return peer

    yield make
    for peer in made:
        peer.extensions["database_engine"].dispose()


def log_in(client: Any, user: Any, *, password: str = factories.PASSWORD, remember: bool = False,
           address: str = "127.0.0.1") -> Any:
    data = {"login": user.email, "password": password}
    if remember:
        data["remember"] = "y"
    return client.post("/login", data=data, environ_base={"REMOTE_ADDR": address})


def cookies(response: Any) -> dict[str, str]:
    """The Set-Cookie headers of a response, by cookie name."""
    return {header.split("=", 1)[0]: header for header in response.headers.getlist("Set-Cookie")}
