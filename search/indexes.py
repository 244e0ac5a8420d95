"""The indexes in Meilisearch: their settings, creating them, building documents from the database and
sending them, and waiting for Meilisearch to confirm a task. Used by the drain and the reindex."""

from __future__ import annotations

import logging
from collections.abc import Iterable
from typing import Any

from sqlalchemy.orm import selectinload
from sqlmodel import select

from directory.engagements.stats import provider_stats
from directory.experts.models import Expert
from directory.extensions import db
from directory.institutions.models import Institution, Offering
from directory.taxonomy.models import Category
from search.client import SearchBackend, SearchUnavailable
from search.documents import BUILDERS, MODELS, with_stats
from search.settings import SYNCED_TYPES, index_settings

log = logging.getLogger(__name__)

TASK_TIMEOUT_MS = 60_000
REINDEX_TIMEOUT_MS = 60 * 60_000  # a queued batch of a large rebuild may wait behind many others


def full_settings(kind: str) -> dict[str, Any]:
    """Static index settings plus the staff-maintained synonyms and stop words."""
    from search.dictionary import meili_settings

    return {**index_settings(kind), **meili_settings()}


class TaskFailed(SearchUnavailable):
    """Meilisearch ran a task and refused it (``code``: its error code, such as ``invalid_document_id``)."""

    def __init__(self, message: str, code: str):
        super().__init__(message)
        self.code = code


def load(kind: str, ids: set[int]) -> dict[int, Any]:
    """The records of ``ids`` with everything their documents read, in a fixed number of queries per batch
    (a lazy load per record, such as an offering's institution's region, made the reindex N+1)."""
    model: Any = MODELS[kind]
    options: list[Any] = []
    if kind == "institution":
        options = [selectinload(Institution.categories).selectinload(Category.parent),  # type: ignore[arg-type]
                   selectinload(Institution.industries),  # type: ignore[arg-type]
                   selectinload(Institution.coverage),  # type: ignore[arg-type]
                   selectinload(Institution.offerings).selectinload(Offering.category),  # type: ignore[arg-type]
                   selectinload(Institution.region)]  # type: ignore[arg-type]
    elif kind == "offering":
        owner = selectinload(Offering.institution)  # type: ignore[arg-type]
        options = [owner.selectinload(Institution.industries),  # type: ignore[arg-type]
                   owner.selectinload(Institution.region),  # type: ignore[arg-type]
                   owner.selectinload(Institution.categories).selectinload(Category.parent),  # type: ignore[arg-type]
                   selectinload(Offering.category).selectinload(Category.parent)]  # type: ignore[arg-type]
    elif kind == "expert":
        options = [selectinload(Expert.categories).selectinload(Category.parent),  # type: ignore[arg-type]
                   selectinload(Expert.industries),  # type: ignore[arg-type]
                   selectinload(Expert.region)]  # type: ignore[arg-type]
    elif kind == "notice":
        # populate_existing: its categories are a read-only relationship, which a change of its link rows
        # earlier in this session does not refresh.
        return {row.id: row for row in db.session.exec(
            select(model).where(model.id.in_(ids)).options(selectinload(model.categories))
            .execution_options(populate_existing=True)).all()}
    rows = db.session.exec(select(model).where(model.id.in_(ids)).options(*options)).all()
    return {row.id: row for row in rows}


def ensure_indexes(search: SearchBackend, client: Any) -> None:
    """Create missing indexes with their settings (an existing index keeps its settings; a reindex applies
    new ones). Checked once per process, and again after any failure."""
    if search.indexes_ready:
        return
    existing = {ix.uid for ix in client.get_indexes({"limit": 1000})["results"]}
    for kind in SYNCED_TYPES:
        uid = search.index_uid(kind)
        if uid not in existing:
            wait(client, client.create_index(uid, {"primaryKey": "id"}))
            wait(client, client.index(uid).update_settings(full_settings(kind)))
    search.indexes_ready = True


def wait(client: Any, task: Any, timeout_ms: int = TASK_TIMEOUT_MS) -> None:
    done = client.wait_for_task(task.task_uid, timeout_in_ms=timeout_ms, interval_in_ms=20)
    if done.status != "succeeded":
        error = done.error or {}
        raise TaskFailed(f"Meilisearch task {task.task_uid} {done.status}: {error}", str(error.get("code", "")))


def build(kind: str, ids: set[int]) -> tuple[list[tuple[int, dict[str, Any]]], list[int], dict[int, str]]:
    """The public documents of ``ids`` (with their record's id), the ids that have none (deleted or unpublished records), and the
    records whose document could not be built, with the error: one broken record never stops the others."""
    objects = load(kind, ids)
    # A provider's request figures go on its document (the recommender reads them from the hits).
    stats = provider_stats(kind, objects) if kind in ("institution", "expert") else {}
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
            docs.append((entity_id, with_stats(doc, stats[entity_id]) if entity_id in stats else doc))
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
        tasks.append(index.delete_documents(filter=id_filter(gone)))
    if pending is not None:
        pending.extend(tasks)
    else:
        for task in tasks:
            wait(client, task)
    return len(docs), len(gone)


def id_filter(ids: Iterable[int]) -> str:
    return f"id IN [{', '.join(str(i) for i in ids)}]"


def refused_documents(error: TaskFailed) -> bool:
    """A task Meilisearch refused because of what one of its documents holds (not an outage, not a lost index)."""
    return error.code.startswith(("invalid_document", "missing_document", "document_"))
