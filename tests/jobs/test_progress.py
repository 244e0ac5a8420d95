"""A long job reports its progress where any web process can read it, on the real queue storages."""

from __future__ import annotations

import time

import pytest

from directory.jobs import progress


@pytest.mark.parametrize("storage", ["sqlite", "redis"])
def test_a_long_job_reports_waiting_progress_and_its_end(app, make_engine, storage):
    engine = make_engine(app, storage)
    seen: list[int | None] = []

    def build(rows, *, progress):
        for done in range(1, rows + 1):
            progress(done, rows, f"row {done}")
            seen.append(read(job).percent)
        return f"{rows} rows"

    def broken(*, progress):
        progress(1, 4)
        raise ValueError("bad row 2")

    def read(job_id):
        return progress.read(engine.huey, job_id)

    engine.progress_task("test.build", build)
    engine.progress_task("test.broken", broken)
    job = engine.enqueue_tracked("test.build", 4)
    failing = engine.enqueue_tracked("test.broken")
    assert read(job).state == "waiting"
    consumer = engine.consumer(workers=1, embedded=True)
    consumer.start()
    try:
        deadline = time.monotonic() + 20
        while {read(job).state, read(failing).state} != {"finished", "failed"}:
            assert time.monotonic() < deadline, (read(job), read(failing))
            time.sleep(0.05)
    finally:
        consumer.stop(graceful=True)
    assert seen == [25, 50, 75, 100]
    done = read(job)
    assert (done.state, done.done, done.total, done.message, done.result) == ("finished", 4, 4, "row 4", "4 rows")
    failed = read(failing)
    assert (failed.state, failed.done, failed.result) == ("failed", 1, "ValueError: bad row 2")
    progress.forget(engine.huey, job)
    assert read(job) is None
