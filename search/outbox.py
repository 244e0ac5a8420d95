"""Capture: every flush that touches an indexed record writes ``search_outbox`` rows on the same connection,
so the change and its outbox row commit or roll back together; after the commit the drain is woken (the job
queue enqueues it, see :func:`on_outbox_commit`). The design of the whole sync is in :mod:`search.sync`."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any

from flask import Flask, current_app, has_app_context
from sqlalchemy import event, func
from sqlmodel import Session, col, select

from directory.core.bulk import bulk_insert
from directory.core.time import utcnow
from directory.engagements.models import Engagement
from directory.experts.models import Expert
from directory.extensions import db
from directory.institutions.models import Institution, Offering
from directory.notices.models import Notice, NoticeCategory
from search.models import SearchOutbox
from search.settings import SYNCED_TYPES


def _keys_for(obj: Any) -> Iterable[tuple[str, int]]:
    if isinstance(obj, Institution) and obj.id is not None:
        yield "institution", obj.id
    elif isinstance(obj, Offering) and obj.id is not None:
        yield "offering", obj.id
        yield "institution", obj.institution_id  # the institution document lists its offerings
    elif isinstance(obj, Expert) and obj.id is not None:
        yield "expert", obj.id
    elif isinstance(obj, Notice) and obj.id is not None:
        yield "notice", obj.id
    elif isinstance(obj, NoticeCategory):
        yield "notice", obj.notice_id  # the notice document lists its categories
    elif isinstance(obj, Engagement):
        # The provider's document carries its response time and open requests (search.documents.with_stats).
        if obj.institution_id is not None:
            yield "institution", obj.institution_id
        if obj.expert_id is not None:
            yield "expert", obj.expert_id


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


OUTBOX_TYPES = (*SYNCED_TYPES, "dictionary")
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
    bulk_insert(session.connection(), SearchOutbox,
                [{"entity_type": k, "entity_id": i, "created_at": now, "available_at": now, "attempts": 0,
                  "last_error": ""} for k, i in rows])
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


def on_outbox_commit(app: Flask, callback: Callable[[], None]) -> None:
    """Call ``callback`` (in the app context) after every commit that wrote outbox rows: the job queue
    enqueues the drain there (directory/jobs)."""
    app.extensions["search_outbox_committed"] = callback


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
