"""Tests of what happens when many requests arrive at once: an app on a database of its own (committed for
real, not the rolled-back test transaction) and calls released together from many threads."""

from __future__ import annotations

import threading
import uuid
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from flask import Flask
from sqlalchemy import text

from tests.conftest import make_test_app


@contextmanager
def own_database(backend: str, tmp_path: Path, meili: dict[str, str], tag: str) -> Iterator[Flask]:
    """An app on a fresh database of ``backend``; its PostgreSQL schema is dropped afterwards."""
    app, schema = make_test_app(backend, tmp_path, meili, f"{tag}{uuid.uuid4().hex[:8]}_")
    try:
        yield app
    finally:
        engine = app.extensions["database_engine"]
        if schema:
            with engine.begin() as conn:
                conn.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
        engine.dispose()


def at_once(calls: Sequence[Callable[[], Any]]) -> tuple[list[Any], list[BaseException]]:
    """Run every call in a thread of its own, all released together by a barrier; returns what the calls
    returned and what they raised (each call opens its own app context, as a request does)."""
    barrier = threading.Barrier(len(calls))
    results: list[Any] = []
    errors: list[BaseException] = []

    def run(call: Callable[[], Any]) -> None:
        barrier.wait()
        try:
            results.append(call())
        except Exception as exc:  # reported by the test, with the results
            errors.append(exc)

    threads = [threading.Thread(target=run, args=(call,)) for call in calls]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return results, errors
