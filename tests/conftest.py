"""Test fixtures: a real Meilisearch per test session, SQLite always and PostgreSQL when TEST_DATABASE_URL is
set, every test inside a transaction that is rolled back (warehouse-style), factories instead of fixture files."""

from __future__ import annotations

import os
import secrets
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from flask.globals import _cv_app
from flask.testing import FlaskClient
from sqlalchemy import text

from directory import create_app
from directory.core.db import make_engine
from directory.extensions import db
from directory.settings import Settings
from search import expansion, server

TEST_DATABASE_URL = os.environ.get("TEST_DATABASE_URL")
BACKENDS = ["sqlite"] + (["postgresql"] if TEST_DATABASE_URL else [])

if os.environ.get("REQUIRE_POSTGRES") and not TEST_DATABASE_URL:
    raise RuntimeError("REQUIRE_POSTGRES is set but TEST_DATABASE_URL is not")


# -- Meilisearch ----------------------------------------------------------------------------------------

@pytest.fixture(scope="session")
def meili(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, str]]:
    """A real Meilisearch for the whole run (the npm binary, or TEST_MEILI_URL/TEST_MEILI_MASTER_KEY)."""
    if os.environ.get("TEST_MEILI_URL"):
        yield {"url": os.environ["TEST_MEILI_URL"], "master_key": os.environ.get("TEST_MEILI_MASTER_KEY", "")}
        return
    settings = Settings.from_env({"MEILI_URL": "http://unused"}, instance_path=tmp_path_factory.mktemp("inst"))
    master_key = secrets.token_urlsafe(24)
    info, proc = server.start(server.find_binary(settings), data_dir=tmp_path_factory.mktemp("meili"),
                              master_key=master_key, detach=False)
    yield {"url": info.url, "master_key": master_key}
    proc.terminate()
    proc.wait(timeout=20)


# -- databases ------------------------------------------------------------------------------------------

def _database_url(backend: str, tmp: Path) -> tuple[str, str | None]:
    """The URL of a fresh, empty database; PostgreSQL runs get a schema of their own (dropped at the end)."""
    if backend == "sqlite":
        return f"sqlite:///{tmp / 'test.sqlite3'}", None
    assert TEST_DATABASE_URL
    schema = f"test_{uuid.uuid4().hex[:10]}"
    url = Settings.from_env({"DATABASE_URL": TEST_DATABASE_URL, "SECRET_KEY": "x", "MEILI_URL": "http://x"},
                            instance_path=tmp).database_url
    engine = make_engine(url)
    with engine.begin() as conn:
        conn.execute(text(f'CREATE SCHEMA "{schema}"'))
    engine.dispose()
    sep = "&" if "?" in url else "?"
    return f"{url}{sep}options=-csearch_path%3D{schema}", schema


def make_test_app(backend: str, tmp: Path, meili: dict[str, str], prefix: str) -> tuple[Flask, str | None]:
    url, schema = _database_url(backend, tmp)
    settings = Settings(instance_path=tmp / "instance", database_url=url, secret_key="test-secret",
                        meili_url=meili["url"], meili_master_key=meili["master_key"] or None,
                        meili_index_prefix=prefix, jobs_embedded=False,
                        ratelimit_enabled=False)  # the suite logs in thousands of times; tests/accounts turn them on
    app = create_app(settings, TESTING=True, WTF_CSRF_ENABLED=False)
    from alembic import command

    from directory.cli import alembic_config

    with app.app_context():
        command.upgrade(alembic_config(url), "head")  # type: ignore[arg-type]
        from directory.taxonomy.services import load_taxonomy

        load_taxonomy()
        from search.dictionary import load_defaults

        load_defaults()
        # Indexes are created with the dictionary in their settings; tests start with an empty outbox.
        from sqlalchemy import delete

        from search.models import SearchOutbox

        db.session.execute(delete(SearchOutbox))
        db.session.commit()
        app.extensions["search"].resolve_keys()
    return app, schema


@pytest.fixture(scope="session", params=BACKENDS)
def app(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory, meili: dict[str, str]) -> Iterator[Flask]:
    """The app on one database backend, migrated by Alembic, with the standard taxonomy committed."""
    backend = request.param
    prefix = f"t{uuid.uuid4().hex[:8]}_{backend[:2]}_"
    app, schema = make_test_app(backend, tmp_path_factory.mktemp(backend), meili, prefix)
    app.config["DB_BACKEND"] = backend
    yield app
    dispose_test_app(app, schema)


def dispose_test_app(app: Flask, schema: str | None) -> None:
    """Close a test app's connections and drop its PostgreSQL schema."""
    engine = app.extensions["database_engine"]
    if schema:
        with engine.begin() as conn:
            conn.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
    engine.dispose()


@pytest.fixture(scope="session")
def demo_app(tmp_path_factory: pytest.TempPathFactory, meili: dict[str, str]) -> Iterator[Flask]:
    """The demo directory (`seed demo`), committed on SQLite and indexed: for the labelled relevance sets and
the checks of the demo data itself (tests/demo); every other test builds its records with factories."""
    from directory.core.db import commit_or_rollback
    from directory.demo.seed import seed_demo
    from search.drain import run_drain

    app, _schema = make_test_app("sqlite", tmp_path_factory.mktemp("demo"), meili, f"d{uuid.uuid4().hex[:8]}_")
    with app.app_context():
        with commit_or_rollback(db.session):
            seed_demo()
        result = run_drain(search=app.extensions["search"])
        assert result.failed == 0
    yield app
    app.extensions["database_engine"].dispose()


@pytest.fixture
def db_session(app: Flask) -> Iterator[Any]:
    """Run the test inside an outer transaction that is rolled back: the app's commits become savepoints."""
    engine = app.extensions["database_engine"]
    connection = engine.connect()
    outer = connection.begin()
    saved = app.extensions["database_session_options"]
    app.extensions["database_session_options"] = {"bind": connection, "join_transaction_mode": "create_savepoint"}
    ctx = app.app_context()
    ctx.push()
    expansion.forget()  # the records' vocabulary (search.expansion) is this test's, not an earlier one's
    from directory.recommendations.retrieval import forget_counts  # (after the app: it imports the models)

    forget_counts(app)  # and so are the term counts the recommender keeps
    try:
        yield db.session
    finally:
        db.session.remove()
        ctx.pop()
        app.extensions["database_session_options"] = saved
        outer.rollback()
        connection.close()


class IsolatedClient(FlaskClient):
    """Each request gets its own app context, as in production (its own ``g``, locale and db session), even
    though the test itself holds one open for factories and assertions."""

    def open(self, *args: Any, **kwargs: Any) -> Any:
        token = _cv_app.set(None)  # type: ignore[arg-type]
        try:
            return super().open(*args, **kwargs)
        finally:
            _cv_app.reset(token)


@pytest.fixture
def client(app: Flask, db_session: Any) -> Any:
    app.test_client_class = IsolatedClient
    return app.test_client()


@pytest.fixture
def runner(app: Flask, db_session: Any) -> Any:
    return app.test_cli_runner()


@pytest.fixture
def search_backend(app: Flask, db_session: Any) -> Any:
    """The real Meilisearch with this run's indexes created and emptied (documents outlive rollbacks)."""
    from search.indexes import ensure_indexes

    search = app.extensions["search"]
    client = search.admin_client()
    search.indexes_ready = False
    ensure_indexes(search, client)
    for uid in search.index_uids().values():
        task = client.index(uid).delete_all_documents()
        client.wait_for_task(task.task_uid, timeout_in_ms=30000)
    return search


# -- users ----------------------------------------------------------------------------------------------

class Auth:
    """Log in as a fresh user of a role, through the real login form."""

    def __init__(self, client: Any):
        self.client = client

    def login(self, role: str, **links: Any) -> Any:
        from tests import factories

        user = factories.user(role=role, **links)
        response = self.client.post("/login", data={"login": user.email, "password": factories.PASSWORD})
        assert response.status_code == 302, response.data[:500]
        return user

    def logout(self) -> None:
        self.client.post("/logout")


@pytest.fixture
def auth(client: Any) -> Auth:
    return Auth(client)


# -- figures every run prints -------------------------------------------------------------------------------
# The labelled relevance sets (tests/search/test_relevance.py, tests/recommendations/test_hit_rate.py) file
# their hit rates here; pytest prints them in the terminal summary of every run (`make test` does not pass -s).
FIGURES = pytest.StashKey[list[str]]()


@pytest.fixture
def figures(request: pytest.FixtureRequest) -> list[str]:
    """Lines for the "relevance figures" section of the terminal summary."""
    return request.config.stash.setdefault(FIGURES, [])


def pytest_terminal_summary(terminalreporter: Any, exitstatus: int, config: pytest.Config) -> None:
    lines = config.stash.get(FIGURES, [])
    if lines:
        terminalreporter.section("relevance figures")
        for line in lines:
            terminalreporter.write_line(line)
