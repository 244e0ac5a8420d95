"""A job engine of the test's own: a unique queue name on the real SQLite file or Redis, flushed after."""

from __future__ import annotations

import dataclasses
import os
import uuid
from collections.abc import Callable, Iterator
from typing import Any

import pytest
from flask import Flask

from directory.jobs import tasks
from directory.jobs.engine import JobEngine, make_huey


def redis_url() -> str:
    """TEST_REDIS_URL (default the local server); skips the test when it does not answer, unless
    REQUIRE_REDIS is set."""
    url = os.environ.get("TEST_REDIS_URL", "redis://127.0.0.1:6379/0")
    try:
        import redis

        with redis.Redis.from_url(url, socket_timeout=1) as server:
            server.ping()
    except Exception:
        if os.environ.get("REQUIRE_REDIS"):
            raise
        pytest.skip(f"no Redis at {url}")
    return url


@pytest.fixture
def make_engine(tmp_path: Any) -> Iterator[Callable[..., JobEngine]]:
    """``make_engine(app, storage="sqlite"|"redis"|"immediate")``: a registered engine on a queue of its own,
    installed as the app's ``jobs`` until the test ends."""
    made: list[tuple[Flask, JobEngine, Any]] = []

    def make(app: Flask, storage: str = "sqlite") -> JobEngine:
        settings = dataclasses.replace(
            app.config["SETTINGS"], jobs_queue=f"t{uuid.uuid4().hex[:12]}", instance_path=tmp_path / "instance",
            redis_url=redis_url() if storage == "redis" else None)
        engine = JobEngine(app, make_huey(settings, immediate=storage == "immediate"))
        tasks.register(engine)
        made.append((app, engine, app.extensions["jobs"]))
        app.extensions["jobs"] = engine
        return engine

    yield make
    for app, engine, previous in reversed(made):
        engine.stop_embedded()
        engine.huey.flush()
        app.extensions["jobs"] = previous
