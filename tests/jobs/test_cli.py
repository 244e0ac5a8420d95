"""`flask jobs status` and `flask jobs worker`, the worker as the process a deployment starts."""

from __future__ import annotations

import dataclasses
import os
import signal
import subprocess
import sys
import time
import uuid
from pathlib import Path

from sqlmodel import select

from directory.extensions import db
from directory.jobs.engine import JobEngine, make_huey
from directory.jobs.models import JobRun
from directory.jobs.periodic import run_once
from directory.jobs.tasks import DRAIN, DRAIN_RETRY, PERIODIC, register
from tests.concurrency import own_database

PROJECT_ROOT = Path(__file__).resolve().parents[2]


def test_status_lists_pending_and_scheduled_jobs_and_the_last_periodic_runs(app, runner, make_engine):
    engine = make_engine(app, "sqlite")
    engine.enqueue_once(DRAIN)
    engine.enqueue_once(DRAIN_RETRY, delay=300)
    job = PERIODIC[0]
    run_once(job.name, job.schedule, lambda: "3 service requests reminded")
    result = runner.invoke(args=["jobs", "status"])
    assert result.exit_code == 0, result.output
    assert "queue: sqlite " in result.output
    assert "pending: 2\n  search.drain: 1\n" in result.output
    assert "scheduled: 1\n  search.drain-retry at " in result.output
    assert f"{job.name}: tick " in result.output and "3 service requests reminded" in result.output
    assert "events.followup: never" in result.output


def test_the_worker_command_runs_jobs_until_interrupted(tmp_path, meili):
    with own_database("sqlite", tmp_path, meili, "w") as app:
        settings = dataclasses.replace(app.config["SETTINGS"], jobs_queue=f"w{uuid.uuid4().hex[:10]}")
        engine = JobEngine(app, make_huey(settings))
        register(engine)
        env = {**os.environ, "DATABASE_URL": settings.database_url, "MEILI_URL": settings.meili_url or "",
               "MEILI_MASTER_KEY": settings.meili_master_key or "", "MEILI_INDEX_PREFIX": settings.meili_index_prefix,
               "SECRET_KEY": "test", "INSTANCE_PATH": str(settings.instance_path), "JOBS_QUEUE": settings.jobs_queue,
               "APP_ENV": "production", "SITE_URL": "https://qiye.example", "RATELIMIT_ENABLED": "0"}
        env.pop("REDIS_URL", None)
        worker = subprocess.Popen([sys.executable, "-m", "flask", "--app", "wsgi", "jobs", "worker", "--workers", "1"],
                                  cwd=PROJECT_ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
        try:
            engine.tasks["records.recompute-ratings"]()  # as a scheduler enqueues it at its tick
            deadline = time.monotonic() + 30
            with app.app_context():
                while not db.session.exec(select(JobRun).where(JobRun.name == "records.recompute-ratings")).first():
                    db.session.rollback()
                    assert time.monotonic() < deadline and worker.poll() is None, "the worker did not run the job"
                    time.sleep(0.1)
        finally:
            worker.send_signal(signal.SIGINT)  # finish what runs, then exit
            output, _ = worker.communicate(timeout=30)
            engine.huey.flush()
        assert worker.returncode == 0, output
        assert "jobs worker: sqlite" in output


def test_a_starting_worker_builds_a_missing_vocabulary_before_it_takes_jobs(app, runner, db_session, monkeypatch):
    """The worker's loop itself is replaced (it would run until stopped): what is tested is that the files are
    there, of this version, before the loop starts."""
    from search import expansion

    engine = app.extensions["jobs"]
    seen = []

    class Consumer:
        def run(self) -> None:
            seen.append([expansion.artefact_is_current(n) for n in ("categories", "expansion")])

    monkeypatch.setattr(engine, "consumer", lambda workers: Consumer())
    assert not expansion.artefact_is_current("categories")
    result = runner.invoke(args=["jobs", "worker", "--workers", "1"])
    assert result.exit_code == 0, result.output
    assert seen == [[True, True]] and "vocabulary missing or of an older format" in result.output
    result = runner.invoke(args=["jobs", "worker", "--workers", "1"])  # current now: not built again
    assert "vocabulary missing" not in result.output and len(seen) == 2
