"""The database session and the one place a request commits.

Services ``flush``; they never commit. A web request commits once in ``after_request`` when its response
is a success (status < 400); any error response or exception leaves the transaction to be rolled back when
the app context ends, unless the view asked to keep its record of the refusal (:func:`keep_on_refusal`, the
audit entry of a failed login). CLI commands commit once through :func:`commit_or_rollback`. This is indico's rule
("the request handler makes the only commit") in Flask terms.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from flask import Flask, Response, current_app, g, request
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

    def in_transaction(self) -> bool:
        return self.registry().in_transaction()


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

        @app.before_request
        def writes_take_the_lock_first() -> None:
            if request.method not in ("GET", "HEAD", "OPTIONS"):
                write_transaction(self.session)

        @app.after_request
        def commit_successful_request(response: Response) -> Response:
            if g.pop("roll_back_request", False):
                self.session.rollback()
            elif response.status_code < 400 or (response.status_code < 500 and g.pop("keep_on_refusal", False)):
                self.session.commit()
            return response

        @app.teardown_appcontext
        def remove_session(exc: BaseException | None) -> None:
            self.session.remove()


def keep_on_refusal() -> None:
    """Commit this request although its answer is a refusal (4xx): for the record of the refusal itself,
    such as the audit entry of a failed login. Everything the request flushed is kept, so a view calls this
    only where the refusal is all it wrote."""
    g.keep_on_refusal = True


def roll_back_request() -> None:
    """Commit nothing of this request, whatever its answer: a rule refused it. Undoes what was flushed so far
    at once (the page that explains the refusal must not show it) and anything flushed later at the end."""
    from directory.extensions import db

    db.session.rollback()
    g.roll_back_request = True


def get_or_404(model: Any, record_id: int) -> Any:
    """The ``model`` record with this id (a route's ``<int:…>``, already checked by its converter), else the
    404 page. Form values that name records go through ``core.forms.record``/``records`` instead."""
    from flask import abort

    from directory.extensions import db

    found = db.session.get(model, record_id)
    if found is None:
        abort(404)
    return found


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
            # Writers say so up front (see write_transaction): a transaction that starts reading and later
            # writes fails at once in WAL mode if another writer committed in between.
            conn.exec_driver_sql("BEGIN IMMEDIATE" if conn.get_execution_options().get("sqlite_immediate") else "BEGIN")

        return engine
    options.setdefault("pool_pre_ping", True)
    return create_engine(url, **options)


def write_transaction(session: Any) -> None:
    """Begin the session's transaction as a write transaction (SQLite ``BEGIN IMMEDIATE``, which waits its
    turn under the busy timeout); a no-op on other databases or when a transaction is already open."""
    if session.in_transaction():
        return
    if session.get_bind().dialect.name == "sqlite":
        session.connection(execution_options={"sqlite_immediate": True})


@contextmanager
def commit_or_rollback(session: Any) -> Iterator[None]:
    """The single commit of a CLI command or background job: all of the block, or nothing. The block is a
    write transaction from its first statement (see :func:`write_transaction`)."""
    write_transaction(session)
    try:
        yield
        session.commit()
    except BaseException:
        session.rollback()
        raise
