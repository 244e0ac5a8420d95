"""Periodic jobs fire once per tick, however many consumers run on however many machines.

Huey's scheduler runs in every consumer, and each enqueues a periodic task whenever its crontab matches. So
the task's body first claims its tick: it inserts ``job_runs(name, tick)`` in the transaction its work
commits in. The tick is the latest minute at or before now that the crontab matches, the same for every
consumer whenever it gets to the task. A second claim of the same tick fails on the unique key (on
PostgreSQL the insert waits until the first transaction ends; on SQLite the write lock serialises them), so
the body's effects commit exactly once; a body that fails rolls its claim back with it and the tick stays
free for the next consumer's copy.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy.exc import IntegrityError
from sqlmodel import col, select

from directory.core.db import commit_or_rollback
from directory.core.time import utcnow
from directory.extensions import db
from directory.jobs.models import JobRun

LOOK_BACK = timedelta(days=32)  # the longest period a schedule here has (monthly)


@dataclass(frozen=True)
class Outcome:
    ran: bool
    tick: datetime
    result: str = ""


def latest_tick(schedule: Callable[[datetime], bool], now: datetime | None = None) -> datetime:
    """The latest whole minute at or before ``now`` (UTC) that ``schedule`` matches. Huey's crontabs are
    checked against naive UTC datetimes (``Huey(utc=True)``); the tick returned is aware."""
    now = (now or utcnow()).astimezone(UTC).replace(second=0, microsecond=0, tzinfo=None)
    minute = now
    while now - minute <= LOOK_BACK:
        if schedule(minute):
            return minute.replace(tzinfo=UTC)
        minute -= timedelta(minutes=1)
    raise ValueError("schedule matched no minute in the last 32 days")


def claim(name: str, tick: datetime) -> JobRun | None:
    """Insert the (name, tick) row in the current transaction, or None when another run has it."""
    run = JobRun(name=name, tick=tick, started_at=utcnow())
    try:
        with db.session.begin_nested():
            db.session.add(run)
            db.session.flush()
    except IntegrityError:
        return None
    return run


def already_ran(name: str, tick: datetime) -> bool:
    """A read-only look first, so the copies of a tick that arrive after it ran take no write lock."""
    found = db.session.exec(select(JobRun.id).where(JobRun.name == name, JobRun.tick == tick)).first()
    db.session.rollback()
    return found is not None


def run_once(name: str, schedule: Callable[[datetime], bool], body: Callable[[], Any], *,
             now: datetime | None = None) -> Outcome:
    """Run ``body`` for the current tick of ``schedule`` unless another consumer did or does; its effects
    and the claim commit together. ``body``'s return value is kept, as text, on the ``job_runs`` row."""
    tick = latest_tick(schedule, now)
    if already_ran(name, tick):
        return Outcome(ran=False, tick=tick)
    with commit_or_rollback(db.session):
        run = claim(name, tick)
        if run is None:
            return Outcome(ran=False, tick=tick)
        value = body()
        run.result = "" if value is None else str(value)
        run.finished_at = utcnow()
        db.session.add(run)
    return Outcome(ran=True, tick=tick, result=run.result)


def last_runs(names: list[str]) -> dict[str, JobRun | None]:
    """The latest run of each of these periodic jobs, for `flask jobs status`."""
    return {name: db.session.exec(select(JobRun).where(JobRun.name == name)
                                  .order_by(col(JobRun.tick).desc()).limit(1)).first() for name in names}
