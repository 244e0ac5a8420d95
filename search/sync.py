"""Index sync without loss (the outbox pattern).

1. Capture: every flush that touches an indexed record writes ``search_outbox`` rows on the same
   connection, so the change and its outbox row commit or roll back together.
2. Drain (:func:`run_drain`, called by ``flask search drain``, the queue's drain job (directory/jobs:
   enqueued after each commit that wrote outbox rows, and polled every minute) and the tests): turns
   outbox rows into document upserts/deletes, batch by batch, each batch in three steps so that no database
   write transaction is ever open while Meilisearch is called (on SQLite a hung Meilisearch would otherwise
   hold the one write lock, and every request that writes would wait):

   a. claim: a short write transaction sets ``claimed_by``/``claimed_until`` (a lease) on the next due rows;
   b. build the documents from the database (reads only; the transaction ends before any call), then push
      them and wait for Meilisearch to confirm, with no transaction open;
   c. a short write transaction marks the rows processed, only those this drainer still claims.

   An outage puts the whole batch back with a backoff (1 s, 2 s … 5 min) and ends the drain; nothing is lost
   while Meilisearch is down, and the backlog drains by itself when it returns. A poison record (its document
   cannot be built, or Meilisearch refuses it: the batch is halved until the refused document stands alone)
   is put back alone with its error and a backoff while the rest of the batch goes in; ``search status``
   lists it. A crashed or hung drainer's claims run out with its lease and the rows are due again.
3. Reindex: build fresh indexes from the database and swap them in atomically, then replay the changes
   made during the build.

Never backwards: one drainer at a time, under a leased lock (the ``search_sync_lock`` row), rather than
versioned documents. Documents are built from the database at drain time, so the danger is two drainers
at once: A reads the old state, B reads the new one and pushes first, A pushes the stale document after.
Meilisearch applies tasks in the order it received them but has no conditional write ("only if newer"), so
versions would need a read-before-write on every document, racy in itself; a single drainer makes the
order of pushes the order of reads. The lock is a table row (the same on SQLite and PostgreSQL, and it needs
no connection held open, unlike an advisory lock): taken in a short transaction when free or expired,
renewed before every call that changes an index, released at the end. Its lease (:data:`LEASE`, four times
the admin client's HTTP timeout) outlasts any one such call, so a drainer that finds its lease renewed knows
no other drainer can push before its call returns; one that finds the lock taken over (it hung longer than
the lease) stops without pushing (:class:`LostLock`). A second drainer finds the lock held and returns at
once (``busy``); the holder keeps draining until the queue is empty (a change committed in the instant
between its last look and its release waits for the next wake-up or poll of a worker). The one case
left: a request Meilisearch received but answered after the client gave up (a server paused for longer
than the timeout) may be applied late, after a newer push. Its rows failed, so they are retried; a retried
batch is pushed twice, the second time after Meilisearch confirmed the first: the late request sat in the
server's socket before the retry was sent, so in practice it has been taken in by then (not a proof: a
fencing token Meilisearch would check does not exist).

Many changes to one record coalesce into one push and replays are harmless (upserts are idempotent).
"""

from __future__ import annotations

import logging
import secrets
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from flask import Flask, current_app, has_app_context
from sqlalchemy import and_, delete, event, func, insert, or_, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import selectinload
from sqlmodel import Session, col, select

from directory.core.db import commit_or_rollback
from directory.core.time import utcnow
from directory.experts.models import Expert
from directory.extensions import db
from directory.institutions.models import Institution, Offering
from directory.settings import Settings
from search.client import ADMIN_TIMEOUT_SECONDS, SearchBackend, SearchErrors, SearchUnavailable, backend
from search.documents import BUILDERS
from search.models import SearchOutbox, SearchSyncLock
from search.settings import INDEX_TYPES, index_settings


def full_settings(kind: str) -> dict[str, Any]:
    """Static index settings plus the staff-maintained synonyms and stop words."""
    from search.dictionary import meili_settings

    return {**index_settings(kind), **meili_settings()}

log = logging.getLogger(__name__)

TASK_TIMEOUT_MS = 60_000
REINDEX_TIMEOUT_MS = 60 * 60_000  # a queued batch of a large rebuild may wait behind many others
MAX_BACKOFF_SECONDS = 300
KEEP_PROCESSED = timedelta(days=1)
REPLAY_MARGIN = timedelta(seconds=5)  # clock skew between app servers writing the outbox


# -- 1. capture ----------------------------------------------------------------------------------------

def _keys_for(obj: Any) -> Iterable[tuple[str, int]]:
    if isinstance(obj, Institution) and obj.id is not None:
        yield "institution", obj.id
    elif isinstance(obj, Offering) and obj.id is not None:
        yield "offering", obj.id
        yield "institution", obj.institution_id  # the institution document lists its offerings
    elif isinstance(obj, Expert) and obj.id is not None:
        yield "expert", obj.id


@event.listens_for(Session, "after_flush")
def _capture(session: Session, _flush_context: Any) -> None:
    keys: set[tuple[str, int]] = set()
    for obj in session.new:
        keys.update(_keys_for(obj))
    for obj in session.dirty:
        if session.is_modified(obj, include_collections=True):
            keys.update(_keys_for(obj))
    for obj in session.deleted:
        keys.update(_keys_for(obj))
    enqueue(session, keys)


OUTBOX_TYPES = (*INDEX_TYPES, "dictionary")
DICTIONARY = ("dictionary", 0)  # the one key of a synonym or stop-word change: every index's settings


def enqueue(session: Session, keys: Iterable[tuple[str, int]]) -> None:
    """Write outbox rows for ``keys`` (``("institution", 7)``, :data:`DICTIONARY`) on the session's connection,
    so they commit or roll back with the data; the drain is woken after the commit. The one writer of outbox
    rows: flushes capture indexed records by themselves, so call it for what no flush shows (bulk updates, a
    renamed term in other records' documents). Raises :class:`ValueError` for an unknown type, writing nothing."""
    rows = sorted(set(keys))
    if not rows:
        return
    unknown = {kind for kind, _id in rows} - set(OUTBOX_TYPES)
    if unknown:
        raise ValueError(f"no index for outbox type(s) {sorted(unknown)}")
    now = utcnow()
    session.connection().execute(
        insert(SearchOutbox),
        [{"entity_type": k, "entity_id": i, "created_at": now, "available_at": now, "attempts": 0,
          "last_error": ""} for k, i in rows],
    )
    session.info["search_outbox_written"] = True


@event.listens_for(Session, "after_commit")
def _wake_worker(session: Session) -> None:
    if session.info.pop("search_outbox_written", False) and has_app_context():
        callback = current_app.extensions.get("search_outbox_committed")
        if callback is not None:
            callback()


@event.listens_for(Session, "after_rollback")
def _forget(session: Session) -> None:
    session.info.pop("search_outbox_written", None)


# -- 2. drain ------------------------------------------------------------------------------------------

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


class TaskFailed(SearchUnavailable):
    """Meilisearch ran a task and refused it (``code``: its error code, such as ``invalid_document_id``)."""

    def __init__(self, message: str, code: str):
        super().__init__(message)
        self.code = code


class LostLock(RuntimeError):
    """This drainer's lease ran out and another drainer may hold the lock: it must not push any more."""


def _load(kind: str, ids: set[int]) -> dict[int, Any]:
    model: Any = {"institution": Institution, "offering": Offering, "expert": Expert}[kind]
    options: list[Any] = []
    if kind == "institution":
        options = [selectinload(Institution.categories), selectinload(Institution.industries),  # type: ignore[arg-type]
                   selectinload(Institution.coverage), selectinload(Institution.offerings),  # type: ignore[arg-type]
                   selectinload(Institution.region)]  # type: ignore[arg-type]
    elif kind == "offering":
        options = [selectinload(Offering.institution).selectinload(Institution.industries),  # type: ignore[arg-type]
                   selectinload(Offering.category)]  # type: ignore[arg-type]
    elif kind == "expert":
        options = [selectinload(Expert.categories), selectinload(Expert.industries),  # type: ignore[arg-type]
                   selectinload(Expert.region)]  # type: ignore[arg-type]
    rows = db.session.exec(select(model).where(model.id.in_(ids)).options(*options)).all()
    return {row.id: row for row in rows}


def ensure_indexes(search: SearchBackend, client: Any) -> None:
    """Create missing indexes with their settings (an existing index keeps its settings; a reindex applies
    new ones). Checked once per process, and again after any failure."""
    if search.indexes_ready:
        return
    existing = {ix.uid for ix in client.get_indexes({"limit": 1000})["results"]}
    for kind in INDEX_TYPES:
        uid = search.index_uid(kind)
        if uid not in existing:
            _wait(client, client.create_index(uid, {"primaryKey": "id"}))
            _wait(client, client.index(uid).update_settings(full_settings(kind)))
    search.indexes_ready = True


def _wait(client: Any, task: Any, timeout_ms: int = TASK_TIMEOUT_MS) -> None:
    done = client.wait_for_task(task.task_uid, timeout_in_ms=timeout_ms, interval_in_ms=20)
    if done.status != "succeeded":
        error = done.error or {}
        raise TaskFailed(f"Meilisearch task {task.task_uid} {done.status}: {error}", str(error.get("code", "")))


def build(kind: str, ids: set[int]) -> tuple[list[tuple[int, dict[str, Any]]], list[int], dict[int, str]]:
    """The public documents of ``ids`` (with their record's id), the ids that have none (deleted or unpublished records), and the
    records whose document could not be built, with the error: one broken record never stops the others."""
    objects = _load(kind, ids)
    docs, gone, broken = [], [], {}
    for entity_id in sorted(ids):
        obj = objects.get(entity_id)
        try:
            doc = BUILDERS[kind](obj) if obj is not None else None
        except Exception as exc:  # any bug or bad data in one record: that record waits, the queue moves on
            log.exception("search document of %s %s cannot be built", kind, entity_id)
            broken[entity_id] = f"{type(exc).__name__}: {exc}"[:1000]
            continue
        if doc is None:
            gone.append(entity_id)
        else:
            docs.append((entity_id, doc))
    return docs, gone, broken


def push(search: SearchBackend, client: Any, kind: str, ids: set[int], *, index_uid: str | None = None,
         pending: list[Any] | None = None) -> tuple[int, int]:
    """Upsert the public documents of ``ids`` and delete the rest (for the reindex: a record that cannot be
    built is left out, and logged); wait until Meilisearch confirms, or, given a ``pending`` list, append the
    tasks to it for the caller to wait on (so batches pipeline)."""
    docs, gone, _broken = build(kind, ids)
    index = client.index(index_uid or search.index_uid(kind))
    tasks = []
    if docs:
        tasks.append(index.add_documents([doc for _id, doc in docs], primary_key="id"))
    if gone:
        tasks.append(index.delete_documents(filter=_id_filter(gone)))
    if pending is not None:
        pending.extend(tasks)
    else:
        for task in tasks:
            _wait(client, task)
    return len(docs), len(gone)


def _id_filter(ids: Iterable[int]) -> str:
    return f"id IN [{', '.join(str(i) for i in ids)}]"


def _refused_documents(error: TaskFailed) -> bool:
    """A task Meilisearch refused because of what one of its documents holds (not an outage, not a lost index)."""
    return error.code.startswith(("invalid_document", "missing_document", "document_"))


# The lock. Leases are longer than any one call that changes an index (the admin client's timeout) by far,
# and renewed before each such call, so a drainer always knows it still holds the lock when it pushes.
LOCK_NAME = "outbox"
LEASE = timedelta(seconds=4 * ADMIN_TIMEOUT_SECONDS)
_LOCK_ROW = col(SearchSyncLock.name) == LOCK_NAME


def _due(now: datetime) -> Any:
    return and_(col(SearchOutbox.processed_at).is_(None), col(SearchOutbox.available_at) <= now,
                or_(col(SearchOutbox.claimed_until).is_(None), col(SearchOutbox.claimed_until) < now))


def _acquire(token: str) -> bool:
    """Take the lock if it is free, expired (its holder crashed or hung) or already ours. A short write
    transaction of its own."""
    with commit_or_rollback(db.session):
        now = utcnow()
        taken = db.session.execute(
            update(SearchSyncLock).where(_LOCK_ROW,
                               or_(col(SearchSyncLock.holder).is_(None), col(SearchSyncLock.expires_at) < now,
                                   col(SearchSyncLock.holder) == token))
            .values(holder=token, expires_at=now + LEASE))
        if taken.rowcount:  # type: ignore[attr-defined]
            return True
        if db.session.exec(select(SearchSyncLock.name).where(SearchSyncLock.name == LOCK_NAME)).first():
            return False  # held by a live drainer
        try:  # the first drain ever: the row does not exist yet; of two drainers racing here one inserts it
            with db.session.begin_nested():
                db.session.execute(insert(SearchSyncLock).values(name=LOCK_NAME, holder=token, expires_at=now + LEASE))
        except IntegrityError:
            return False
        return True


def _renew(token: str) -> None:
    """Extend the lease before a call that changes an index, in a short write transaction of its own."""
    with commit_or_rollback(db.session):
        _renew_in_transaction(token)


def _release(token: str) -> None:
    with commit_or_rollback(db.session):
        db.session.execute(update(SearchSyncLock).where(_LOCK_ROW, col(SearchSyncLock.holder) == token)
                           .values(holder=None, expires_at=None))


@dataclass
class _Claimed:
    id: int
    entity_type: str
    entity_id: int
    attempts: int


def _claim(token: str, batch_size: int) -> list[_Claimed]:
    """Claim the next due rows for this drainer (a lease on each row) and commit at once."""
    with commit_or_rollback(db.session):
        _renew_in_transaction(token)
        now = utcnow()
        query = (select(SearchOutbox.id, SearchOutbox.entity_type, SearchOutbox.entity_id, SearchOutbox.attempts)
                 .where(_due(now)).order_by(col(SearchOutbox.id)).limit(batch_size))
        if db.session.get_bind().dialect.name == "postgresql":
            query = query.with_for_update(skip_locked=True)
        rows = [_Claimed(*row) for row in db.session.exec(query).all()]
        if rows:
            db.session.execute(update(SearchOutbox).where(col(SearchOutbox.id).in_([r.id for r in rows]), _due(now))
                               .values(claimed_by=token, claimed_until=now + LEASE))
    return rows


def _renew_in_transaction(token: str) -> None:
    """Extend the lease; :class:`LostLock` if another drainer took the lock."""
    renewed = db.session.execute(update(SearchSyncLock).where(_LOCK_ROW, col(SearchSyncLock.holder) == token)
                                 .values(expires_at=utcnow() + LEASE))
    if not renewed.rowcount:  # type: ignore[attr-defined]
        raise LostLock("another drainer took over the index sync lock")


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
        _wait(client, client.index(uid).add_documents([doc for _id, doc in docs], primary_key="id"))
        return len(docs)
    except TaskFailed as exc:
        if not _refused_documents(exc):
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
        for task in [client.index(search.index_uid(kind)).update_settings(settings) for kind in INDEX_TYPES]:
            _wait(client, task)
    upserted = deleted = 0
    for kind in INDEX_TYPES:
        uid = search.index_uid(kind)
        upserted += _send_documents(client, uid, kind, batch.docs.get(kind, []), renew, batch.broken)
        gone = batch.gone.get(kind, [])
        if gone:
            renew()
            _wait(client, client.index(uid).delete_documents(filter=_id_filter(gone)))
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
    token = secrets.token_hex(16)
    result = DrainResult()
    if not _acquire(token):
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
                upserted, deleted = _push_batch(search, batch, lambda: _renew(token))
                if any(r.attempts for r in rows):
                    # A request of the failed attempt may have reached a paused server and be applied late,
                    # after the push above: once the server has confirmed that push, say it once more.
                    _push_batch(search, batch, lambda: _renew(token))
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
    except LostLock as exc:
        result.errors.append(str(exc))  # the rows we claimed stay claimed until their lease runs out
    finally:
        _release(token)
    if result.rows:
        with commit_or_rollback(db.session):
            db.session.execute(delete(SearchOutbox).where(col(SearchOutbox.processed_at) < utcnow() - KEEP_PROCESSED))
    return result


def _due_rows() -> bool:
    """A read-only look before taking the lock: most polls find nothing to do."""
    due = db.session.exec(select(SearchOutbox.id).where(_due(utcnow())).limit(1)).first()
    db.session.rollback()  # end the read
    return due is not None


def outbox_status() -> dict[str, Any]:
    """Backlog size, the oldest pending change, and the rows that keep failing, for /healthz and
    `flask search status`."""
    pending = col(SearchOutbox.processed_at).is_(None)
    count, oldest = db.session.exec(select(func.count(), func.min(SearchOutbox.created_at)).where(pending)).one()
    failing = db.session.exec(select(SearchOutbox.entity_type, SearchOutbox.entity_id, SearchOutbox.attempts,
                                     SearchOutbox.last_error)
                              .where(pending, SearchOutbox.attempts > 0).order_by(col(SearchOutbox.id).desc())
                              .limit(20)).all()
    failing_count = db.session.exec(select(func.count()).where(pending, SearchOutbox.attempts > 0)).one()
    return {"pending": int(count or 0), "oldest": oldest, "last_error": failing[0][3] if failing else "",
            "failing": int(failing_count or 0),
            "failing_rows": [{"type": k, "id": i, "attempts": a, "error": e} for k, i, a, e in failing]}


# -- 3. reindex ----------------------------------------------------------------------------------------

def _all_ids(kind: str) -> list[int]:
    model: Any = {"institution": Institution, "offering": Offering, "expert": Expert}[kind]
    return list(db.session.exec(select(model.id).order_by(model.id)).all())


def reindex(*, search: SearchBackend | None = None, batch_size: int = 2000,
            progress: Callable[[str, int, int], None] | None = None) -> dict[str, int]:
    """Rebuild every index into a fresh one and swap it in atomically; the old index is then deleted.

    Searches keep answering from the live index during the build. Changes committed while the build
    runs stay in the outbox and are re-applied after the swap, so none is lost. Transactions of its own: the
    build only reads, and the replay is one short write transaction at the end.
    """
    search = search or backend()
    db.session.commit()
    client = search.admin_client()
    search.indexes_ready = False  # look again: the swap needs every live index to exist
    ensure_indexes(search, client)
    started = utcnow()
    stamp = started.strftime("%Y%m%d%H%M%S%f")
    counts: dict[str, int] = {}
    for kind in INDEX_TYPES:
        live = search.index_uid(kind)
        fresh = f"{live}__build_{stamp}"
        _wait(client, client.create_index(fresh, {"primaryKey": "id"}))
        _wait(client, client.index(fresh).update_settings(full_settings(kind)))
        ids = _all_ids(kind)
        done = 0
        pending: list[Any] = []
        for start in range(0, len(ids), batch_size):
            chunk = set(ids[start:start + batch_size])
            # Meilisearch indexes one batch while we build the next: tasks are awaited at the end.
            upserted, _deleted = push(search, client, kind, chunk, index_uid=fresh, pending=pending)
            done += len(chunk)
            counts[kind] = counts.get(kind, 0) + upserted
            db.session.expunge_all()  # keep memory flat on large directories
            if progress:
                progress(kind, done, len(ids))
        for task in pending:
            _wait(client, task, REINDEX_TIMEOUT_MS)
        counts.setdefault(kind, 0)
        _wait(client, client.swap_indexes([{"indexes": [live, fresh]}]))
        _wait(client, client.delete_index(fresh))
    db.session.commit()  # end the build's read: the replay below writes
    # Changes committed while building may have been drained into the old index only: replay them.
    with commit_or_rollback(db.session):
        db.session.execute(update(SearchOutbox).where(col(SearchOutbox.created_at) >= started - REPLAY_MARGIN)
                           .values(processed_at=None, available_at=utcnow()))
    return counts


# -- after a commit ------------------------------------------------------------------------------------

def on_outbox_commit(app: Flask, callback: Callable[[], None]) -> None:
    """Call ``callback`` (in the app context) after every commit that wrote outbox rows: the job queue
    enqueues the drain there (directory/jobs)."""
    app.extensions["search_outbox_committed"] = callback


def init_app(app: Flask, settings: Settings) -> None:
    app.extensions["search"] = SearchBackend(settings)
