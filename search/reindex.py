"""Reindex: build fresh indexes from the database and swap them in atomically, then replay the changes made
during the build (:mod:`search.sync`)."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta
from typing import Any

from sqlalchemy import update
from sqlmodel import col, select

from directory.core.db import commit_or_rollback
from directory.core.time import utcnow
from directory.experts.models import Expert
from directory.extensions import db
from directory.institutions.models import Institution, Offering
from directory.notices.models import Notice
from search.client import SearchBackend, backend
from search.indexes import REINDEX_TIMEOUT_MS, ensure_indexes, full_settings, push, wait
from search.models import SearchOutbox
from search.settings import SYNCED_TYPES

REPLAY_MARGIN = timedelta(seconds=5)  # clock skew between app servers writing the outbox


def _all_ids(kind: str) -> list[int]:
    model: Any = {"institution": Institution, "offering": Offering, "expert": Expert, "notice": Notice}[kind]
    return list(db.session.exec(select(model.id).order_by(model.id)).all())


def reindex(*, search: SearchBackend | None = None, batch_size: int = 5000,
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
    fresh = {kind: f"{search.index_uid(kind)}__build_{stamp}" for kind in SYNCED_TYPES}
    for kind in SYNCED_TYPES:
        wait(client, client.create_index(fresh[kind], {"primaryKey": "id"}))
        wait(client, client.index(fresh[kind]).update_settings(full_settings(kind)))
    # Meilisearch indexes one batch while we build the next, and one index's batches while we build the next
    # index's (the tasks are awaited once, at the end): building and indexing overlap for the whole rebuild.
    pending: list[Any] = []
    for kind in SYNCED_TYPES:
        ids = _all_ids(kind)
        done = 0
        for start in range(0, len(ids), batch_size):
            chunk = set(ids[start:start + batch_size])
            upserted, _deleted = push(search, client, kind, chunk, index_uid=fresh[kind], pending=pending)
            done += len(chunk)
            counts[kind] = counts.get(kind, 0) + upserted
            db.session.expunge_all()  # keep memory flat on large directories
            if progress:
                progress(kind, done, len(ids))
        counts.setdefault(kind, 0)
    for task in pending:
        wait(client, task, REINDEX_TIMEOUT_MS)
    # One swap of every index: searches never see a new institutions index beside old offerings.
    wait(client, client.swap_indexes([{"indexes": [search.index_uid(kind), fresh[kind]]} for kind in SYNCED_TYPES]))
    for kind in SYNCED_TYPES:
        wait(client, client.delete_index(fresh[kind]))
    db.session.commit()  # end the build's read: the replay below writes
    # Changes committed while building may have been drained into the old index only: replay them.
    with commit_or_rollback(db.session):
        db.session.execute(update(SearchOutbox).where(col(SearchOutbox.created_at) >= started - REPLAY_MARGIN)
                           .values(processed_at=None, available_at=utcnow()))
    return counts
