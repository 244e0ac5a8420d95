"""Index sync without loss (the outbox pattern).

1. Capture: every flush that touches an indexed record writes ``search_outbox`` rows on the same
   connection, so the change and its outbox row commit or roll back together.
2. Drain: a job of the queue (directory/jobs: enqueued after each commit that wrote outbox rows, and
   polled every minute for writes whose job was lost) turns outbox rows into document upserts/deletes,
   pushes them in batches, waits for Meilisearch to confirm, and only then deletes the rows. Failures back off and retry; nothing is lost
   while Meilisearch is down, and the backlog drains by itself when it returns.
3. Reindex: build fresh indexes from the database and swap them in atomically.

Documents are built from the database at drain time, so many changes to one record coalesce into one
push and replays are harmless (upserts are idempotent).
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any

from flask import Flask, current_app, has_app_context
from sqlalchemy import delete, event, func, insert, update
from sqlalchemy.orm import selectinload
from sqlmodel import Session, col, select

from directory.core.db import commit_or_rollback, write_transaction
from directory.core.time import utcnow
from directory.experts.models import Expert
from directory.extensions import db
from directory.institutions.models import Institution, Offering
from directory.settings import Settings
from search.client import SearchBackend, SearchErrors, SearchUnavailable, backend
from search.documents import BUILDERS
from search.models import SearchOutbox
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
    failed: int = 0
    rows: int = 0
    errors: list[str] = field(default_factory=list)


def backoff(attempts: int) -> timedelta:
    """1 s, 2 s, 4 s … capped at five minutes."""
    return timedelta(seconds=min(MAX_BACKOFF_SECONDS, 2 ** max(0, attempts - 1)))


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


def push_dictionary(search: SearchBackend, client: Any) -> None:
    """Send the current synonyms and stop words to every live index."""
    from search.dictionary import meili_settings

    settings = meili_settings()
    tasks = [client.index(search.index_uid(kind)).update_settings(settings) for kind in INDEX_TYPES]
    for task in tasks:
        _wait(client, task)


def _wait(client: Any, task: Any, timeout_ms: int = TASK_TIMEOUT_MS) -> None:
    done = client.wait_for_task(task.task_uid, timeout_in_ms=timeout_ms, interval_in_ms=20)
    if done.status != "succeeded":
        raise SearchUnavailable(f"Meilisearch task {task.task_uid} {done.status}: {done.error}")


def push(search: SearchBackend, client: Any, kind: str, ids: set[int], *, index_uid: str | None = None,
         pending: list[Any] | None = None) -> tuple[int, int]:
    """Upsert the public documents of ``ids`` and delete the rest; wait until Meilisearch confirms, or,
    given a ``pending`` list, append the tasks to it for the caller to wait on (so batches pipeline)."""
    objects = _load(kind, ids)
    docs, gone = [], []
    for entity_id in sorted(ids):
        obj = objects.get(entity_id)
        doc = BUILDERS[kind](obj) if obj is not None else None
        if doc is None:
            gone.append(entity_id)
        else:
            docs.append(doc)
    index = client.index(index_uid or search.index_uid(kind))
    tasks = []
    if docs:
        tasks.append(index.add_documents(docs, primary_key="id"))
    if gone:
        tasks.append(index.delete_documents(filter=f"id IN [{', '.join(str(i) for i in gone)}]"))
    if pending is not None:
        pending.extend(tasks)
    else:
        for task in tasks:
            _wait(client, task)
    return len(docs), len(gone)


def drain(*, search: SearchBackend | None = None, batch_size: int = 1000, max_batches: int | None = None) -> DrainResult:
    """Push pending outbox rows to Meilisearch, batch by batch. Flushes; the caller commits.

    On failure the batch's rows stay, with their attempt count raised and a backoff before the next try.
    """
    search = search or backend()
    write_transaction(db.session)
    result = DrainResult()
    batches = 0
    while max_batches is None or batches < max_batches:
        batches += 1
        db.session.flush()  # pending changes write their outbox rows before we look
        now = utcnow()
        query = (select(SearchOutbox)
                 .where(col(SearchOutbox.processed_at).is_(None), SearchOutbox.available_at <= now)
                 .order_by(col(SearchOutbox.id)).limit(batch_size))
        if db.session.get_bind().dialect.name == "postgresql":
            query = query.with_for_update(skip_locked=True)
        rows = list(db.session.exec(query).all())
        if not rows:
            break
        wanted: dict[str, set[int]] = {kind: set() for kind in OUTBOX_TYPES}
        for row in rows:
            wanted[row.entity_type].add(row.entity_id)
        dictionary_changed = bool(wanted.pop("dictionary"))
        if wanted["institution"]:
            # An institution's name, grade or status shows in its offerings' documents too.
            wanted["offering"].update(db.session.exec(
                select(Offering.id).where(Offering.institution_id.in_(wanted["institution"]))  # type: ignore[attr-defined]
            ).all())
        try:
            client = search.admin_client()
            ensure_indexes(search, client)
            if dictionary_changed:
                push_dictionary(search, client)
            for kind, ids in wanted.items():
                if ids:
                    upserted, deleted = push(search, client, kind, ids)
                    result.upserted += upserted
                    result.deleted += deleted
        except (SearchUnavailable, *SearchErrors) as exc:
            search.indexes_ready = False  # the server may have lost them (a fresh data directory)
            message = f"{type(exc).__name__}: {exc}"[:1000]
            for row in rows:
                row.attempts += 1
                row.available_at = now + backoff(row.attempts)
                row.last_error = message
                db.session.add(row)
            db.session.flush()
            result.failed += len(rows)
            result.errors.append(message)
            break
        db.session.execute(update(SearchOutbox).where(col(SearchOutbox.id).in_([r.id for r in rows]))
                           .values(processed_at=utcnow()))
        db.session.flush()
        result.rows += len(rows)
    if result.rows:
        db.session.execute(delete(SearchOutbox).where(col(SearchOutbox.processed_at) < utcnow() - KEEP_PROCESSED))
    return result


def _due_rows() -> bool:
    """A read-only look before taking the write lock (SQLite has one): most polls find nothing to do."""
    due = db.session.exec(select(SearchOutbox.id).where(
        col(SearchOutbox.processed_at).is_(None), SearchOutbox.available_at <= utcnow()).limit(1)).first()
    db.session.rollback()  # end the read so the drain starts a fresh write transaction
    return due is not None


def outbox_status() -> dict[str, Any]:
    """Backlog size and the oldest pending change, for /healthz and `flask search status`."""
    pending = col(SearchOutbox.processed_at).is_(None)
    count, oldest = db.session.exec(select(func.count(), func.min(SearchOutbox.created_at)).where(pending)).one()
    errors = db.session.exec(
        select(SearchOutbox.last_error).where(pending, SearchOutbox.attempts > 0)
        .order_by(col(SearchOutbox.id).desc()).limit(1)
    ).first()
    return {"pending": int(count or 0), "oldest": oldest, "last_error": errors or ""}


# -- 3. reindex ----------------------------------------------------------------------------------------

def _all_ids(kind: str) -> list[int]:
    model: Any = {"institution": Institution, "offering": Offering, "expert": Expert}[kind]
    return list(db.session.exec(select(model.id).order_by(model.id)).all())


def reindex(*, search: SearchBackend | None = None, batch_size: int = 2000,
            progress: Callable[[str, int, int], None] | None = None) -> dict[str, int]:
    """Rebuild every index into a fresh one and swap it in atomically; the old index is then deleted.

    Searches keep answering from the live index during the build. Changes committed while the build
    runs stay in the outbox and are re-applied after the swap, so none is lost.
    """
    search = search or backend()
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
    # Changes committed while building may have been drained into the old index only: replay them.
    db.session.execute(update(SearchOutbox).where(col(SearchOutbox.created_at) >= started - REPLAY_MARGIN)
                       .values(processed_at=None, available_at=utcnow()))
    return counts


def run_drain(*, search: SearchBackend | None = None) -> DrainResult:
    """Drain the outbox in transactions of its own: the job's body (callers commit nothing)."""
    if not _due_rows():
        return DrainResult()
    with commit_or_rollback(db.session):
        return drain(search=search)


# -- after a commit ------------------------------------------------------------------------------------

def on_outbox_commit(app: Flask, callback: Callable[[], None]) -> None:
    """Call ``callback`` (in the app context) after every commit that wrote outbox rows: the job queue
    enqueues the drain there (directory/jobs)."""
    app.extensions["search_outbox_committed"] = callback


def init_app(app: Flask, settings: Settings) -> None:
    app.extensions["search"] = SearchBackend(settings)
