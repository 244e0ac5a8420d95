"""Shared set-up for benchmarks: a private Meilisearch, a migrated database, timing helpers."""

from __future__ import annotations

import os
import secrets
import statistics
import tempfile
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from flask import Flask
from sqlalchemy import text

from directory import create_app
from directory.core.db import commit_or_rollback, make_engine
from directory.extensions import db
from directory.settings import Settings
from search import server


def scale() -> float:
    """BENCH_SCALE shrinks the generated data for a quick run (1.0 = the sizes the issues name)."""
    return float(os.environ.get("BENCH_SCALE", "1"))


@contextmanager
def environment(name: str, database_url: str | None = None) -> Iterator[tuple[Flask, Path]]:
    """A temporary instance: its own Meilisearch and database (SQLite unless ``database_url``)."""
    with tempfile.TemporaryDirectory(prefix=f"bench-{name}-") as tmp:
        root = Path(tmp)
        master_key = secrets.token_urlsafe(24)
        settings = Settings.from_env({"MEILI_URL": "http://unused", "SECRET_KEY": "x"}, instance_path=root)
        info, proc = server.start(server.find_binary(settings), data_dir=root / "meili", master_key=master_key,
                                  detach=False)
        try:
            settings = Settings(instance_path=root / "instance", database_url=database_url or f"sqlite:///{root / 'bench.sqlite3'}",
                                secret_key="bench", meili_url=info.url, meili_master_key=master_key,
                                meili_index_prefix="bench_", jobs_embedded=False)
            app = create_app(settings)
            app.config["BENCH_MEILI_PID"] = info.pid  # for benches that read Meilisearch's CPU time
            from alembic import command

            from directory.cli import alembic_config

            with app.app_context():
                command.upgrade(alembic_config(settings.database_url), "head")  # type: ignore[arg-type]
                from directory.taxonomy.services import load_taxonomy
                from search.dictionary import load_defaults

                with commit_or_rollback(db.session):
                    load_taxonomy()
                    load_defaults()
                app.extensions["search"].resolve_keys()
            yield app, root
        finally:
            proc.terminate()
            proc.wait(timeout=30)


def database_cpu() -> tuple[int, float] | None:
    """The PostgreSQL backend of the current session and the CPU seconds (user + system) it used so far, when the
    server runs on this machine and its /proc entry is readable (else None; SQLite works in-process, so its
    share is already in the process's own CPU time). With the client's CPU it is the work a bulk write costs
    whatever the machine's load."""
    if db.session.get_bind().dialect.name != "postgresql":
        return None
    pid = db.session.execute(text("SELECT pg_backend_pid()")).scalar_one()
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return None
    return pid, (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def percentile(values: list[float], p: float) -> float:
    ordered = sorted(values)
    if not ordered:
        return float("nan")
    index = min(len(ordered) - 1, max(0, round(p / 100 * (len(ordered) - 1))))
    return ordered[index]


def summary(values: list[float]) -> dict[str, Any]:
    return {"p50": percentile(values, 50), "p95": percentile(values, 95), "mean": statistics.fmean(values),
            "n": len(values)}


def ms(seconds: float) -> str:
    return f"{seconds * 1000:7.1f} ms"


def kept(name: str) -> Path | None:
    """BENCH_KEEP=DIR keeps a benchmark's generated database between runs (SQLite: ``DIR/NAME.sqlite3``;
    PostgreSQL: the schema ``bench_keep_NAME``, see :func:`postgres_schema`) so that a second run measures
    without generating again (a 10^6-row data set takes minutes); ``None`` when unset."""
    root = os.environ.get("BENCH_KEEP")
    if not root:
        return None
    path = Path(root)
    path.mkdir(parents=True, exist_ok=True)
    return path / f"{name}.sqlite3"


@contextmanager
def postgres_schema(url: str, *, keep: str | None = None) -> Iterator[str]:
    """A schema of its own in the PostgreSQL database at ``url``; yields a URL that uses it, drops it after —
    unless ``keep`` names it (``bench_keep_KEEP``): then it is created if missing and left for the next run."""
    url = Settings.from_env({"DATABASE_URL": url, "SECRET_KEY": "x", "MEILI_URL": "http://x"}).database_url
    schema = f"bench_keep_{keep}" if keep else f"bench_{uuid.uuid4().hex[:10]}"
    engine = make_engine(url)
    with engine.begin() as conn:
        conn.execute(text(f'CREATE SCHEMA IF NOT EXISTS "{schema}"'))
    sep = "&" if "?" in url else "?"
    try:
        yield f"{url}{sep}options=-csearch_path%3D{schema}"
    finally:
        if not keep:
            with engine.begin() as conn:
                conn.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
        engine.dispose()
