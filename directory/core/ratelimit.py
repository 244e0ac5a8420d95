"""Rate limits (Flask-Limiter): every limit of the app in one table, a 429 in the user's language with
``Retry-After``.

Counters live in memory (one process) or, with ``REDIS_URL``, in Redis, shared by every web process on every
machine. Windows are moving (no double burst at a window's edge). ``RATELIMIT_ENABLED=0`` switches them off.

Logins are limited per account *and* client, and per client, counting failed attempts only: somebody guessing
one account's password from one address is stopped after a few tries, somebody trying many accounts from one
address a little later, and the account's owner, logging in from anywhere else, is never locked out by either.
There is deliberately no limit per account alone: it would let anyone lock anyone out.

Each app gets a limiter of its own (``app.extensions["rate_limiter"]``), so that several apps in one process
(the test suite's) keep separate counters and switches.
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from flask import Flask, Response, current_app, make_response, render_template, request
from flask_babel import ngettext
from flask_limiter import Limiter, RateLimitExceeded
from flask_login import current_user

from directory.settings import Settings


def client() -> str:
    """The client's address (the forwarded one behind ``TRUSTED_PROXIES``)."""
    return request.remote_addr or "unknown"


def account_and_client() -> str:
    """The account a login form names (in one spelling: the ``login_key`` given to :func:`init_app`), at the
    client's address."""
    login_key: Callable[[str], str] = current_app.extensions["rate_limit_login_key"]
    return f"{login_key(request.form.get('login', ''))}@{client()}"


def current_account() -> str:
    return f"user{current_user.id}" if current_user.is_authenticated else client()


def refused(response: Response) -> bool:
    """Count only attempts that failed (a wrong password is answered 422)."""
    return response.status_code == 422


@dataclass(frozen=True)
class Rule:
    limit: str
    key: Callable[[], str]
    methods: tuple[str, ...] | None = None
    only_failures: bool = False


POST = ("POST",)

# endpoint -> its limits. Logins and password changes count failures only, so a user who gets in is not
# counted at all; registration and reset requests count every attempt.
LIMITS: dict[str, tuple[Rule, ...]] = {
    "accounts.login": (Rule("10 per 15 minutes", account_and_client, POST, only_failures=True),
                       Rule("30 per 15 minutes", client, POST, only_failures=True)),
    "accounts.register": (Rule("20 per hour", client, POST),),
    "accounts.forgot_password": (Rule("3 per hour", account_and_client, POST), Rule("10 per hour", client, POST)),
    "accounts.reset_password": (Rule("10 per hour", client, POST),),
    "accounts.change_password": (Rule("10 per 15 minutes", current_account, POST, only_failures=True),),
    "api.search_endpoint": (Rule("120 per minute", client),),
    "api.policies_endpoint": (Rule("120 per minute", client),),  # searches too (search.notices)
    "api.notices_endpoint": (Rule("120 per minute", client),),
    "api.recommendations_endpoint": (Rule("30 per minute", client),),
}


def init_app(app: Flask, settings: Settings, *, login_key: Callable[[str], str]) -> Limiter:
    """Give ``app`` its limiter and put the limits of :data:`LIMITS` on their views (call after the
    blueprints are registered). ``login_key`` spells the account a login form names the way accounts does
    (core does not know how). ``RATELIMIT_KEY_PREFIX`` in the app config separates deployments (or test
    runs) sharing one Redis."""
    app.extensions["rate_limit_login_key"] = login_key
    # Should Redis go away, each process counts in its own memory until it is back (rather than letting
    # everything through, or answering 500).
    limiter = Limiter(client, storage_uri=settings.redis_url or "memory://", strategy="moving-window",
                      storage_options={"socket_timeout": 2} if settings.redis_url else {},
                      in_memory_fallback_enabled=bool(settings.redis_url))
    # Set up fully (storage, request hooks) even when off, so that the switch is the limiter's own
    # `enabled`: the test suite turns limits on for the tests about them.
    app.config["RATELIMIT_ENABLED"] = True
    limiter.init_app(app)
    limiter.enabled = app.config["RATELIMIT_ENABLED"] = settings.ratelimit_enabled
    for endpoint, rules in LIMITS.items():
        view: Any = app.view_functions[endpoint]
        for rule in rules:
            view = limiter.limit(rule.limit, key_func=rule.key, methods=list(rule.methods) if rule.methods else None,
                                 deduct_when=refused if rule.only_failures else None)(view)
        app.view_functions[endpoint] = view
    app.extensions["rate_limiter"] = limiter

    @app.errorhandler(RateLimitExceeded)
    def too_many_requests(exc: RateLimitExceeded) -> Any:
        return too_many_response(retry_after(limiter))

    return limiter


def retry_after(limiter: Limiter) -> int:
    """Seconds until the limit this request broke lets one more through."""
    current = limiter.current_limit
    if current is None:
        return 60
    return max(1, math.ceil(current.window[0] - time.time()))  # (reset_at adds a second of its own)


def too_many_response(seconds: int) -> Response:
    """429 with ``Retry-After`` and a message in the user's language: JSON for the API, a page otherwise."""
    from directory.core.http import json_error, wants_json

    if seconds >= 90:
        minutes = math.ceil(seconds / 60)
        message = ngettext("Too many attempts. Please try again in %(num)d minute.",
                           "Too many attempts. Please try again in %(num)d minutes.", minutes)
    else:
        message = ngettext("Too many attempts. Please try again in %(num)d second.",
                           "Too many attempts. Please try again in %(num)d seconds.", seconds)
    if wants_json():
        response = json_error(429, "too_many_requests", message)
    else:
        response = make_response(render_template("error.html", status=429, message=message), 429)
    response.headers["Retry-After"] = str(seconds)
    return response  # type: ignore[no-any-return]
