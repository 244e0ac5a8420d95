"""The queue on its real storages: tasks run in an app context of their own, a failed task leaves nothing,
commits that wrote outbox rows coalesce into one drain job, and the drain job reaches Meilisearch."""

from __future__ import annotations

import threading
import time

import pytest
from flask import current_app, has_app_context
from sqlmodel import select

from directory.core.db import commit_or_rollback
from directory.core.time import utcnow
from directory.extensions import db
from directory.jobs.models import JobRun
from directory.jobs.tasks import DRAIN
from tests import factories


def _wait(predicate, timeout=20.0):
    deadline = time.monotonic() + timeout
    while not predicate():
        assert time.monotonic() < deadline, "the consumer did not get to the job"
        time.sleep(0.05)


def _runs(name):
    with current_app.app_context():
        return list(db.session.exec(select(JobRun).where(JobRun.name == name)).all())


@pytest.mark.parametrize("storage", ["sqlite", "redis"])
def test_a_consumer_runs_each_job_in_an_app_context_of_its_own_and_rolls_back_a_failed_one(
        app, make_engine, storage):
    engine = make_engine(app, storage)
    seen: list[tuple[bool, bool, str]] = []
    name = f"probe-{storage}-{time.monotonic_ns()}"

    def succeed():
        with commit_or_rollback(db.session):
            db.session.add(JobRun(name=name, tick=utcnow(), result="kept"))
        seen.append((has_app_context(), current_app._get_current_object() is app, threading.current_thread().name))

    def fail():
        db.session.add(JobRun(name=name, tick=utcnow(), result="must not stay"))
        db.session.flush()
        seen.append((has_app_context(), True, "fail"))
        raise RuntimeError("the job broke")

    engine.task("test.succeed", succeed)
    engine.task("test.fail", fail)
    engine.enqueue("test.fail")
    engine.enqueue("test.succeed")
    assert engine.huey.pending_count() == 2  # waiting in the real storage until a consumer takes them
    consumer = engine.consumer(workers=1, embedded=True)
    consumer.start()
    try:
        _wait(lambda: len(seen) == 2)
    finally:
        consumer.stop(graceful=True)
    assert seen[0] == (True, True, "fail")
    assert seen[1][:2] == (True, True) and seen[1][2].startswith("Worker")
    with app.app_context():
        runs = list(db.session.exec(select(JobRun).where(JobRun.name == name)).all())
        assert [r.result for r in runs] == ["kept"]  # the failed job's flush was rolled back
        with commit_or_rollback(db.session):
            db.session.delete(runs[0])


@pytest.mark.parametrize("storage", ["sqlite", "redis"])
def test_a_thousand_commits_make_one_drain_job(app, db_session, make_engine, storage):
    engine = make_engine(app, storage)
    for n in range(30):
        factories.institution(name=f"营口合并测试{n}有限公司")
        db_session.commit()  # each commit wrote outbox rows and asked for the drain
    def drains():  # the commits also ask, once, for the open-data package's build a few seconds later
        return [task.name for task in engine.huey.pending() if task.eta is None]

    assert drains() == [DRAIN]
    engine.take_flag(DRAIN)  # the job starts: a commit from now on asks for one more
    factories.institution(name="营口合并测试后来有限公司")
    db_session.commit()
    assert drains() == [DRAIN, DRAIN]
    db_session.commit()  # a commit that wrote no outbox rows asks for nothing
    assert drains() == [DRAIN, DRAIN]


def test_the_drain_job_pushes_committed_changes_to_meilisearch(app, db_session, search_backend, make_engine):
    make_engine(app, "immediate")  # the job runs inside the commit that asks for it: its effect is the subject
    inst = factories.institution(name="营口队列同步测试有限公司")
    db_session.commit()
    index = search_backend.admin_client().index(search_backend.index_uid("institution"))
    assert index.get_document(inst.id).name == "营口队列同步测试有限公司"
    from search.outbox import outbox_status

    assert outbox_status()["pending"] == 0


def test_an_unreachable_queue_does_not_fail_the_commit(app, db_session, make_engine, caplog):
    engine = make_engine(app, "sqlite")
    calls = []

    def broken(*_args, **_kwargs):
        calls.append(1)
        raise OSError("queue storage unavailable")

    engine.huey.put_if_empty = broken
    factories.institution(name="营口队列故障测试有限公司")
    db_session.commit()  # committed; the minute's poll will drain it
    assert "could not enqueue the index sync" in caplog.text
    factories.institution(name="营口队列故障测试二有限公司")
    db_session.commit()
    assert len(calls) == 1  # the next commits do not wait on a queue that just failed
    from search.outbox import outbox_status

    assert outbox_status()["pending"] >= 2  # both changes are committed and wait for the drain


def test_web_processes_start_no_consumer_unless_embedded(app, client, make_engine):
    engine = make_engine(app, "sqlite")
    assert not app.config["SETTINGS"].jobs_embedded
    client.get("/healthz")
    assert engine._embedded is None
    assert not [t for t in threading.enumerate() if t.name.startswith(("Worker-", "Scheduler"))]


def test_an_embedded_web_process_starts_its_consumer_with_its_first_request(app):
    import dataclasses

    from directory import create_app

    settings = dataclasses.replace(app.config["SETTINGS"], jobs_embedded=True,
                                   jobs_queue=f"e{time.monotonic_ns()}")
    web = create_app(settings, TESTING=True)
    engine = web.extensions["jobs"]
    assert engine._embedded is None  # creating the app (or running a CLI command) starts nothing
    try:
        web.test_client().get("/healthz")
        assert engine._embedded is not None
        names = {t.name for t in threading.enumerate()}
        assert {"Scheduler", "Worker-1", "Worker-2"} <= names
    finally:
        engine.stop_embedded()
        engine.huey.flush()
        web.extensions["database_engine"].dispose()


def test_a_drain_that_finds_the_lock_held_looks_again_when_the_lease_ends(app, db_session, search_backend,
                                                                         make_engine):
    """A worker killed mid-drain leaves the lock and its rows to its lease: the next drain job, finding the lock
    busy, schedules a retry for the lease's end, so the rows do not wait for the minute's poll."""
    from datetime import timedelta

    from directory.jobs.tasks import DRAIN_RETRY, drain_index
    from search import drain, lock

    engine = make_engine(app, "sqlite")
    factories.institution(name="营口锁租期测试有限公司")
    db_session.commit()
    dead = "999999-deadbeefdeadbeef"
    assert lock.acquire(dead)
    assert drain._claim(dead, 1000)  # ... and the drainer is killed
    engine.huey.flush()
    ends = (utcnow() + lock.lease()).replace(tzinfo=None)  # Huey keeps naive UTC
    assert drain_index(engine, flag=DRAIN).busy
    retries = [task for task in engine.huey.pending() + engine.huey.scheduled() if task.name == DRAIN_RETRY]
    assert len(retries) == 1
    assert ends <= retries[0].eta.replace(tzinfo=None) <= ends + timedelta(seconds=5)
