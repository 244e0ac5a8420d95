"""The jobs: the index sync, mail delivery and the periodic upkeep that were cron lines (CONTRACTS.md "Processes").

Periodic schedules are Huey crontabs in UTC (Beijing is UTC+8); each periodic body calls the same service
the `flask records …` / `flask events …` command calls, once per tick (periodic.py).
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from flask import current_app
from huey import crontab
from sqlalchemy import func
from sqlmodel import col, select

from directory.core.time import utcnow
from directory.extensions import db
from directory.jobs.engine import JobEngine
from directory.jobs.periodic import run_once

log = logging.getLogger(__name__)

DRAIN = "search.drain"
DRAIN_RETRY = "search.drain-retry"
POLL = "search.poll"
MAIL = "mail.deliver"
MAIL_POLL = "mail.poll"
MAIL_BATCH = 100
RETRY_AFTER_ERROR_SECONDS = 10


def _search_ready() -> Any:
    """The app's search backend with its keys, restarting the managed local server if it died."""
    search = current_app.extensions["search"]
    if search.managed and not search.healthy():
        from search import server

        server.ensure_running(search.settings)
    search.resolve_keys()
    return search


def _next_due_seconds() -> float | None:
    """Seconds until the earliest pending outbox row is due again (after a failure's back-off)."""
    from search.models import SearchOutbox

    due = db.session.exec(select(func.min(SearchOutbox.available_at))
                          .where(col(SearchOutbox.processed_at).is_(None))).one()
    db.session.rollback()
    if due is None:
        return None
    return max(1.0, (due - utcnow()).total_seconds())


def drain_index(engine: JobEngine, *, flag: str) -> Any:
    """Push the outbox to Meilisearch; a failure (Meilisearch down) schedules one retry for when the rows
    are due again, so the backlog drains by itself when it returns."""
    from search.drain import run_drain

    engine.take_flag(flag)
    try:
        result = run_drain(search=_search_ready())
    except Exception:
        engine.enqueue_once(DRAIN_RETRY, delay=RETRY_AFTER_ERROR_SECONDS)
        raise
    if result.failed:
        log.warning("index sync failed for %d outbox rows: %s", result.failed, result.errors[0])
        delay = _next_due_seconds()
        if delay is not None:
            engine.enqueue_once(DRAIN_RETRY, delay=delay)
    elif result.busy:
        # Another drainer holds the lock. A live one drains to the end; a dead one (a killed worker) leaves its
        # rows until its lease ends: look again then, not only at the next minute's poll.
        delay = _lock_expires_in()
        if delay is not None:
            engine.enqueue_once(DRAIN_RETRY, delay=delay)
    return result


def _lock_expires_in() -> float | None:
    """Seconds until the index sync lock's lease ends (a little after), or None when nobody holds it."""
    from search.lock import LOCK_NAME
    from search.models import SearchSyncLock

    expires = db.session.exec(select(SearchSyncLock.expires_at).where(SearchSyncLock.name == LOCK_NAME,
                                                                      col(SearchSyncLock.holder).is_not(None))).first()
    db.session.rollback()
    if expires is None:
        return None
    return max(1.0, (expires - utcnow()).total_seconds() + 0.5)


QUEUE_DOWN_PAUSE_SECONDS = 30


def _request(name: str, what: str, *, delay: float | None = None) -> None:
    """Enqueue ``name`` once however many commits ask (see enqueue_once). Never raises into the commit that
    called it: the minute's poll catches up if the queue is down, and for half a minute after a failure commits
    do not try again (a hung Redis costs one request its timeout, not every request)."""
    engine = current_app.extensions["jobs"]
    if time.monotonic() < engine.paused_until:
        return
    try:
        engine.enqueue_once(name, delay=delay)
    except Exception:
        engine.paused_until = time.monotonic() + QUEUE_DOWN_PAUSE_SECONDS
        log.exception("could not enqueue %s; the next poll will pick it up", what)


def request_drain() -> None:
    """After a commit that wrote outbox rows: one drain job."""
    _request(DRAIN, "the index sync")


def request_mail() -> None:
    """After a commit that wrote mail rows: one delivery job."""
    _request(MAIL, "the mail delivery")


def deliver_mail(engine: JobEngine, *, flag: str | None) -> int:
    """Send every due mail (failed ones come due again after their back-off and are picked up by the poll)."""
    from directory.notifications.mail import deliver_due

    if flag:
        engine.take_flag(flag)
    sent = 0
    while (batch := deliver_due(limit=MAIL_BATCH)) == MAIL_BATCH:
        sent += batch
    return sent + batch


@dataclass(frozen=True)
class Periodic:
    name: str
    schedule: Callable[[datetime], bool]
    body: Callable[[], Any]
    doc: str


def _remind_stale() -> Any:
    from directory.admission.freshness import remind_stale

    return f"{remind_stale()} institutions reminded"


def _remind_requests() -> Any:
    from directory.engagements.services import remind_waiting

    return f"{remind_waiting()} service requests reminded"


def _recompute_ratings() -> Any:
    from directory.reviews.rating import recompute_all_ratings

    return f"{recompute_all_ratings()} ratings changed"


def _followups() -> Any:
    from directory.events.day import send_followups

    return f"{send_followups()} events followed up"


PERIODIC = (
    Periodic("records.remind-requests", crontab(minute="0", hour="1"), _remind_requests,
             "daily 09:00 Beijing: providers of requests unanswered for two working days"),
    Periodic("events.followup", crontab(minute="10", hour="1"), _followups,
             "daily 09:10 Beijing: three-month follow-ups of events"),
    Periodic("records.remind-stale", crontab(minute="20", hour="1"), _remind_stale,
             "daily 09:20 Beijing: users of records unconfirmed for a year (each at most once a month)"),
    Periodic("records.recompute-ratings", crontab(minute="30", hour="18"), _recompute_ratings,
             "nightly 02:30 Beijing: every dynamic rating (reviews lose weight with age)"),
)


def register(engine: JobEngine) -> None:
    """Define every job on this app's engine."""
    engine.task(DRAIN, lambda: drain_index(engine, flag=DRAIN), priority=10)
    engine.task(DRAIN_RETRY, lambda: drain_index(engine, flag=DRAIN_RETRY), priority=10)
    # The safety net: changes whose job was lost (a killed worker, a queue that was down at the commit).
    engine.periodic_task(POLL, crontab(), lambda: drain_index(engine, flag=DRAIN), priority=10)
    engine.task(MAIL, lambda: deliver_mail(engine, flag=MAIL), priority=5)
    # Mails that failed come due again after their back-off; the poll also sends what a lost job left.
    engine.periodic_task(MAIL_POLL, crontab(), lambda: deliver_mail(engine, flag=None), priority=5)
    from directory.jobs import staff

    staff.register(engine)
    for job in PERIODIC:
        # A body that fails rolls its claim back: retried twice, ten minutes apart, for the same tick.
        engine.periodic_task(job.name, job.schedule, _guarded(job), retries=2, retry_delay=600)


def _guarded(job: Periodic) -> Callable[[], Any]:
    def run() -> Any:
        outcome = run_once(job.name, job.schedule, job.body)
        if outcome.ran:
            log.info("%s (%s): %s", job.name, outcome.tick.isoformat(), outcome.result)
        else:
            log.info("%s (%s) already ran elsewhere", job.name, outcome.tick.isoformat())
        return outcome
    run.__name__ = job.name.replace(".", "_").replace("-", "_")
    return run
