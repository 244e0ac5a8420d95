"""Periodic jobs fire once per tick however many consumers run: the job_runs guard, on SQLite and
PostgreSQL, with ticks released together and with two real consumers on one queue."""

from __future__ import annotations

import threading
import time
from datetime import UTC, datetime

import pytest
from huey import crontab
from sqlalchemy import delete
from sqlmodel import select

from directory.core.db import commit_or_rollback
from directory.extensions import db
from directory.jobs.models import JobRun
from directory.jobs.periodic import latest_tick, run_once
from directory.jobs.tasks import PERIODIC
from tests.concurrency import at_once, own_database
from tests.conftest import BACKENDS

DAILY = crontab(minute="0", hour="1")


def test_the_tick_is_the_schedule_minute_every_consumer_agrees_on():
    assert latest_tick(DAILY, datetime(2026, 12, 2, 1, 0, 40, tzinfo=UTC)) == datetime(2026, 12, 2, 1, 0, tzinfo=UTC)
    # a consumer that gets to the job hours late still answers the same tick
    assert latest_tick(DAILY, datetime(2026, 12, 2, 23, 59, tzinfo=UTC)) == datetime(2026, 12, 2, 1, 0, tzinfo=UTC)
    assert latest_tick(DAILY, datetime(2026, 12, 2, 0, 59, tzinfo=UTC)) == datetime(2026, 12, 1, 1, 0, tzinfo=UTC)
    monthly = crontab(minute="0", hour="0", day="1")
    assert latest_tick(monthly, datetime(2026, 12, 31, 12, 0, tzinfo=UTC)) == datetime(2026, 12, 1, tzinfo=UTC)


def test_the_scheduler_enqueues_the_upkeep_that_cron_lines_ran(app):
    huey = app.extensions["jobs"].huey
    due = {task.name for task in huey.read_periodic(datetime(2026, 12, 2, 1, 0))}
    assert due == {"search.poll", "mail.poll", "records.remind-requests"}
    due = {task.name for task in huey.read_periodic(datetime(2026, 12, 2, 18, 30))}
    assert due == {"search.poll", "mail.poll", "records.recompute-ratings"}
    assert {job.name for job in PERIODIC} == {"records.remind-requests", "events.followup", "records.remind-stale",
                                              "records.recompute-ratings"}


@pytest.mark.parametrize("backend", BACKENDS)
def test_ticks_released_together_run_the_body_exactly_once(backend, tmp_path, meili):
    with own_database(backend, tmp_path, meili, "j") as app:
        bodies: list[str] = []

        def body():
            bodies.append(threading.current_thread().name)
            time.sleep(0.3)  # long enough for every other copy to arrive while this one holds the tick
            return "done"

        def tick():
            with app.app_context():
                return run_once("test.once", DAILY, body).ran

        results, errors = at_once([tick] * 6)
        assert errors == []
        assert sorted(results) == [False] * 5 + [True]
        assert len(bodies) == 1
        with app.app_context():
            runs = db.session.exec(select(JobRun).where(JobRun.name == "test.once")).all()
            assert [(r.result, r.finished_at is not None) for r in runs] == [("done", True)]


@pytest.mark.parametrize("backend", BACKENDS)
def test_a_failed_body_leaves_its_tick_to_the_next_copy(backend, tmp_path, meili):
    with own_database(backend, tmp_path, meili, "k") as app, app.app_context():
        def broken():
            db.session.add(JobRun(name="test.side-effect", tick=datetime.now(UTC)))
            db.session.flush()
            raise RuntimeError("half done")

        with pytest.raises(RuntimeError):
            run_once("test.retry", DAILY, broken)
        assert db.session.exec(select(JobRun)).all() == []  # neither the claim nor the half-done work stayed
        assert run_once("test.retry", DAILY, lambda: 7).result == "7"
        assert run_once("test.retry", DAILY, lambda: 8).ran is False


def test_two_consumers_on_one_queue_run_a_periodic_job_once(app, make_engine):
    engine = make_engine(app, "sqlite")
    task = engine.tasks["records.remind-requests"]
    for _ in range(4):  # what four schedulers (two consumers on each of two machines) enqueue at one tick
        task()
    consumers = [engine.consumer(workers=2, embedded=True) for _ in range(2)]
    with app.app_context():
        with commit_or_rollback(db.session):
            db.session.execute(delete(JobRun).where(JobRun.name == "records.remind-requests"))
    for consumer in consumers:
        consumer.start()
    try:
        deadline = time.monotonic() + 20
        while engine.huey.pending_count() and time.monotonic() < deadline:
            time.sleep(0.05)
        time.sleep(0.5)  # let the last copies finish
    finally:
        for consumer in consumers:
            consumer.stop(graceful=True)
    with app.app_context():
        runs = db.session.exec(select(JobRun).where(JobRun.name == "records.remind-requests")).all()
        assert [r.result for r in runs] == ["0 service requests reminded"]
        with commit_or_rollback(db.session):
            db.session.execute(delete(JobRun).where(JobRun.name == "records.remind-requests"))
