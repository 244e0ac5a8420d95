"""The one drainer's lock: a leased row in ``search_sync_lock`` (why a lock and not versioned documents:
:mod:`search.sync`). Every function here is a short write transaction of its own, or runs in the caller's."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import insert, or_, update
from sqlalchemy.exc import IntegrityError
from sqlmodel import col, select

from directory.core.db import commit_or_rollback
from directory.core.time import utcnow
from directory.extensions import db
from search.client import backend
from search.models import SearchSyncLock


class LostLock(RuntimeError):
    """This drainer's lease ran out and another drainer may hold the lock: it must not push any more."""



# The lock. Leases (SEARCH_SYNC_LEASE) are four times any one call that changes an index (the admin client's
# timeout is derived from the lease: Settings.meili_admin_timeout), and renewed before each such call, so a
# drainer always knows it still holds the lock when it pushes.
LOCK_NAME = "outbox"


def lease() -> timedelta:
    """This app's lease of the lock and of the outbox rows a drainer claims."""
    return timedelta(seconds=backend().settings.search_sync_lease)
_LOCK_ROW = col(SearchSyncLock.name) == LOCK_NAME


def acquire(token: str) -> bool:
    """Take the lock if it is free, expired (its holder crashed or hung) or already ours. A short write
    transaction of its own."""
    with commit_or_rollback(db.session):
        now = utcnow()
        taken = db.session.execute(
            update(SearchSyncLock).where(_LOCK_ROW,
                               or_(col(SearchSyncLock.holder).is_(None), col(SearchSyncLock.expires_at) < now,
                                   col(SearchSyncLock.holder) == token))
            .values(holder=token, expires_at=now + lease()))
        if taken.rowcount:  # type: ignore[attr-defined]
            return True
        if db.session.exec(select(SearchSyncLock.name).where(SearchSyncLock.name == LOCK_NAME)).first():
            return False  # held by a live drainer
        try:  # the first drain ever: the row does not exist yet; of two drainers racing here one inserts it
            with db.session.begin_nested():
                db.session.execute(insert(SearchSyncLock).values(name=LOCK_NAME, holder=token, expires_at=now + lease()))
        except IntegrityError:
            return False
        return True


def renew(token: str) -> None:
    """Extend the lease before a call that changes an index, in a short write transaction of its own."""
    with commit_or_rollback(db.session):
        renew_in_transaction(token)


def release(token: str) -> None:
    with commit_or_rollback(db.session):
        db.session.execute(update(SearchSyncLock).where(_LOCK_ROW, col(SearchSyncLock.holder) == token)
                           .values(holder=None, expires_at=None))


def renew_in_transaction(token: str) -> None:
    """Extend the lease; :class:`LostLock` if another drainer took the lock."""
    renewed = db.session.execute(update(SearchSyncLock).where(_LOCK_ROW, col(SearchSyncLock.holder) == token)
                                 .values(expires_at=utcnow() + lease()))
    if not renewed.rowcount:  # type: ignore[attr-defined]
        raise LostLock("another drainer took over the index sync lock")
