"""The database session and the one place a request commits.

Services ``flush``; they never commit. A web request commits once in ``after_request`` when its response
is a success (status < 400); any error response or exception leaves the transaction to be rolled back when
the app context ends. CLI commands commit once through :func:`commit_or_rollback`. This is indico's rule
("the request handler makes the only commit") in Flask terms.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from flask import Flask, Response, current_app
from flask.globals import app_ctx
from sqlalchemy import Engine, create_engine, event
from sqlalchemy.orm import scoped_session
from sqlmodel import Session


def _scope() -> int:
    # One session per application context: a request, a CLI command or the sync thread each get their own.
    return id(app_ctx._get_current_object())  # type: ignore[attr-defined]


def _new_session() -> Session:
    # The bind is the current app's engine, or a connection a test put in its place (a test runs inside a
    # transaction it rolls back; the app's commits then only release savepoints).
    options = current_app.extensions["database_session_options"]
    return Session(expire_on_commit=False, **options)


class ScopedSession(scoped_session[Session]):
    """scoped_session proxies the plain SQLAlchemy API; SQLModel's ``exec`` is added here."""

    def exec(self, *args: Any, **kwargs: Any) -> Any:
        return self.registry().exec(*args, **kwargs)


class Database:
    """A context-scoped SQLModel session bound to the current app's engine; no state of its own, so
    several apps (SQLite and PostgreSQL test runs) can live in one process."""

    def __init__(self) -> None:
        self.session = ScopedSession(_new_session, scopefunc=_scope)  # type: ignore[arg-type]  # any callable works

    @property
    def engine(self) -> Engine:
        return current_app.extensions["database_engine"]  # type: ignore[no-any-return]

    def init_app(self, app: Flask, url: str, **engine_options: Any) -> None:
        engine = make_engine(url, **engine_options)
        app.extensions["database_engine"] = engine
        app.extensions["database_session_options"] = {"bind": engine}

        @app.after_request
        def commit_successful_request(response: Response) -> Response:
            if response.status_code < 400:
                self.session.commit()
            return response

        @app.teardown_appcontext
        def remove_session(exc: BaseException | None) -> None:
            self.session.remove()


def make_engine(url: str, **options: Any) -> Engine:
    """Create an engine; SQLite gets foreign keys, WAL and a busy timeout so it behaves like a server."""
    if url.startswith("sqlite"):
        options.setdefault("connect_args", {}).setdefault("timeout", 30)
        engine = create_engine(url, **options)

        @event.listens_for(engine, "connect")
        def _sqlite_pragmas(dbapi_conn: Any, _record: Any) -> None:
            # pysqlite's own transaction handling skips BEGIN and breaks SAVEPOINTs; take it over (the
            # recipe from SQLAlchemy's SQLite dialect documentation) so rollbacks really roll back.
            dbapi_conn.isolation_level = None
            cur = dbapi_conn.cursor()
            cur.execute("PRAGMA foreign_keys=ON")
            if ":memory:" not in url:
                cur.execute("PRAGMA journal_mode=WAL")
            cur.close()

        @event.listens_for(engine, "begin")
        def _sqlite_begin(conn: Any) -> None:
            conn.exec_driver_sql("BEGIN")

        return engine
    options.setdefault("pool_pre_ping", True)
    return create_engine(url, **options)


@contextmanager
def commit_or_rollback(session: Any) -> Iterator[None]:
    """The single commit of a CLI command or background job: all of the block, or nothing."""
    try:
        yield
        session.commit()
    except BaseException:
        session.rollback()
        raise
