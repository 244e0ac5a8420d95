"""The drain: outbox rows to Meilisearch, batch by batch, with no database transaction open during any
call to Meilisearch (the steps and the failure rules are in :mod:`search.sync`)."""

from __future__ import annotations

import logging
import os
import secrets
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import and_, delete, insert, or_, update
from sqlmodel import col, select

from directory.core.db import commit_or_rollback
from directory.core.time import utcnow
from directory.extensions import db
from directory.institutions.models import Offering
from search import lock
from search.client import SearchBackend, SearchErrors, SearchUnavailable, backend
from search.indexes import TaskFailed, build, ensure_indexes, id_filter, refused_documents, wait
from search.models import SearchOutbox
from search.outbox import OUTBOX_TYPES
from search.settings import SYNCED_TYPES

log = logging.getLogger(__name__)

MAX_BACKOFF_SECONDS = 300
KEEP_PROCESSED = timedelta(days=1)


@dataclass
class DrainResult:
    upserted: int = 0
    deleted: int = 0
    failed: int = 0  # outbox rows put back with a backoff (the whole batch on an outage, or one poison record)
    rows: int = 0  # outbox rows done
    errors: list[str] = field(default_factory=list)
    busy: bool = False  # another drainer held the lock: this one did nothing


def backoff(attempts: int) -> timedelta:
    """1 s, 2 s, 4 s … capped at five minutes."""
    return timedelta(seconds=min(MAX_BACKOFF_SECONDS, 2 ** max(0, attempts - 1)))


def _due(now: datetime) -> Any:
    return and_(col(SearchOutbox.processed_at).is_(None), col(SearchOutbox.available_at) <= now,
                or_(col(SearchOutbox.claimed_until).is_(None), col(SearchOutbox.claimed_until) < now))


@dataclass
class _Claimed:
    id: int
    entity_type: str
    entity_id: int
    attempts: int


def _claim(token: str, batch_size: int) -> list[_Claimed]:
    """Claim the next due rows for this drainer (a lease on each row) and commit at once."""
    with commit_or_rollback(db.session):
        lock.renew_in_transaction(token)
        now = utcnow()
        query = (select(SearchOutbox.id, SearchOutbox.entity_type, SearchOutbox.entity_id, SearchOutbox.attempts)
                 .where(_due(now)).order_by(col(SearchOutbox.id)).limit(batch_size))
        if db.session.get_bind().dialect.name == "postgresql":
            query = query.with_for_update(skip_locked=True)
        rows = [_Claimed(*row) for row in db.session.exec(query).all()]
        if rows:
            db.session.execute(update(SearchOutbox).where(col(SearchOutbox.id).in_([r.id for r in rows]), _due(now))
                               .values(claimed_by=token, claimed_until=now + lock.lease()))
    return rows


@dataclass
class _Batch:
    """What one batch sends: documents to upsert and ids to delete per index, and the records refused."""

    docs: dict[str, list[tuple[int, dict[str, Any]]]] = field(default_factory=dict)  # (record id, document)
    gone: dict[str, list[int]] = field(default_factory=dict)
    broken: dict[tuple[str, int], str] = field(default_factory=dict)
    dictionary: dict[str, Any] | None = None  # the synonyms and stop words to send, when they changed


def _build_batch(rows: list[_Claimed]) -> _Batch:
    """Read the claimed records and build their documents: reads only, and the transaction ends here."""
    wanted: dict[str, set[int]] = {kind: set() for kind in OUTBOX_TYPES}
    for row in rows:
        wanted[row.entity_type].add(row.entity_id)
    batch = _Batch()
    dictionary_changed = bool(wanted.pop("dictionary"))
    try:
        if wanted["institution"]:
            # An institution's name, grade or status shows in its offerings' documents too.
            wanted["offering"].update(db.session.exec(
                select(Offering.id).where(Offering.institution_id.in_(wanted["institution"]))  # type: ignore[attr-defined]
            ).all())
        if dictionary_changed:
            from search.dictionary import meili_settings

            batch.dictionary = meili_settings()
        for kind, ids in wanted.items():
            if ids:
                docs, gone, broken = build(kind, ids)
                batch.docs[kind], batch.gone[kind] = docs, gone
                batch.broken.update({(kind, i): error for i, error in broken.items()})
    finally:
        db.session.commit()  # end the read: no transaction stays open while Meilisearch is called
    return batch


def _send_documents(client: Any, uid: str, kind: str, docs: list[tuple[int, dict[str, Any]]],
                    renew: Callable[[], None], broken: dict[tuple[str, int], str]) -> int:
    """Upsert ``docs``; when Meilisearch refuses the task for a document, halve the batch until the refused
    ones stand alone, send the rest, and put the refused ones in ``broken``. Returns how many went in."""
    if not docs:
        return 0
    renew()
    try:
        wait(client, client.index(uid).add_documents([doc for _id, doc in docs], primary_key="id"))
        return len(docs)
    except TaskFailed as exc:
        if not refused_documents(exc):
            raise
        if len(docs) == 1:
            log.error("Meilisearch refused the %s document %s: %s", kind, docs[0][0], exc)
            broken[(kind, docs[0][0])] = str(exc)[:1000]
            return 0
        half = len(docs) // 2
        return (_send_documents(client, uid, kind, docs[:half], renew, broken)
                + _send_documents(client, uid, kind, docs[half:], renew, broken))


def _push_batch(search: SearchBackend, batch: _Batch, renew: Callable[[], None]) -> tuple[int, int]:
    """Send one built batch; no database transaction is open during any of these calls."""
    client = search.admin_client()
    if not search.indexes_ready:
        renew()
        ensure_indexes(search, client)
    if batch.dictionary is not None:
        renew()
        settings = batch.dictionary
        for task in [client.index(search.index_uid(kind)).update_settings(settings) for kind in SYNCED_TYPES]:
            wait(client, task)
    upserted = deleted = 0
    for kind in SYNCED_TYPES:
        uid = search.index_uid(kind)
        upserted += _send_documents(client, uid, kind, batch.docs.get(kind, []), renew, batch.broken)
        gone = batch.gone.get(kind, [])
        if gone:
            renew()
            wait(client, client.index(uid).delete_documents(filter=id_filter(gone)))
            deleted += len(gone)
    return upserted, deleted


def _finish(token: str, rows: list[_Claimed], broken: dict[tuple[str, int], str], failure: str | None) -> int:
    """Record a batch's outcome in a short write transaction: rows done, or put back with a backoff (all of
    them on ``failure``, else those of the ``broken`` records). Only rows this drainer still claims are
    touched. Returns how many rows were put back."""
    with commit_or_rollback(db.session):
        now = utcnow()
        mine = col(SearchOutbox.claimed_by) == token
        failed = [r for r in rows if failure or (r.entity_type, r.entity_id) in broken]
        put_back = 0
        for row in failed:
            put_back += db.session.execute(update(SearchOutbox).where(col(SearchOutbox.id) == row.id, mine).values(
                attempts=row.attempts + 1, available_at=now + backoff(row.attempts + 1), claimed_by=None,
                claimed_until=None, last_error=failure or broken[(row.entity_type, row.entity_id)],
            )).rowcount  # type: ignore[attr-defined]
        done = [r.id for r in rows if r not in failed]
        if done:
            db.session.execute(update(SearchOutbox).where(col(SearchOutbox.id).in_(done), mine)
                               .values(processed_at=now, claimed_by=None, claimed_until=None))
        # A broken record pulled in by another row (an offering of a changed institution) gets a row of its own,
        # so it is retried and `search status` shows it.
        keys = {(r.entity_type, r.entity_id) for r in rows}
        orphans = [key for key in broken if key not in keys] if not failure else []
        if orphans:
            db.session.execute(insert(SearchOutbox), [
                {"entity_type": k, "entity_id": i, "created_at": now, "available_at": now + backoff(1),
                 "attempts": 1, "last_error": broken[(k, i)]} for k, i in orphans])
    return put_back + len(orphans)


def run_drain(*, search: SearchBackend | None = None, batch_size: int = 1000,
              max_batches: int | None = None) -> DrainResult:
    """Push pending outbox rows to Meilisearch, batch by batch, in transactions of its own: the caller does
    not commit (a caller's flushed work is committed first; the CLI, the worker and jobs have none).

    Returns at once with ``busy`` when another drainer holds the lock. Each batch: claim (short write
    transaction), build the documents (reads), push them with no transaction open, then mark the rows done
    (short write transaction). On an outage the batch's rows stay, with their attempt count raised and a backoff
    before the next try, and the drain stops; a record whose document cannot be built, or that Meilisearch
    refuses, is put back alone with its error while the rest of the batch goes in.
    """
    search = search or backend()
    db.session.commit()
    # The process id first: an operator reading the search_sync_lock row (or the topology test) can tell which process holds the
    # lock and its rows (a host name would not fit the 32 characters; the random part makes the token unique).
    token = f"{os.getpid()}-{secrets.token_hex(8)}"
    result = DrainResult()
    if not lock.acquire(token):
        result.busy = True
        return result
    try:
        batches = 0
        while max_batches is None or batches < max_batches:
            batches += 1
            rows = _claim(token, batch_size)
            if not rows:
                break
            failure = None
            batch = _Batch()
            try:
                batch = _build_batch(rows)
                upserted, deleted = _push_batch(search, batch, lambda: lock.renew(token))
                if any(r.attempts for r in rows):
                    # A request of the failed attempt may have reached a paused server and be applied late,
                    # after the push above: once the server has confirmed that push, say it once more.
                    _push_batch(search, batch, lambda: lock.renew(token))
            except (SearchUnavailable, *SearchErrors) as exc:
                search.indexes_ready = False  # the server may have lost them (a fresh data directory)
                failure = f"{type(exc).__name__}: {exc}"[:1000]
            if failure is not None:
                result.failed += _finish(token, rows, {}, failure)
                result.errors.append(failure)
                break
            result.upserted += upserted
            result.deleted += deleted
            put_back = _finish(token, rows, batch.broken, None)
            result.failed += put_back
            result.rows += len(rows) - sum(1 for r in rows if (r.entity_type, r.entity_id) in batch.broken)
            result.errors.extend(f"{kind} {i}: {error}" for (kind, i), error in batch.broken.items())
    except lock.LostLock as exc:
        result.errors.append(str(exc))  # the rows we claimed stay claimed until their lease runs out
    finally:
        lock.release(token)
    if result.rows:
        with commit_or_rollback(db.session):
            db.session.execute(delete(SearchOutbox).where(col(SearchOutbox.processed_at) < utcnow() - KEEP_PROCESSED))
    return result
