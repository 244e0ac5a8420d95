"""Candidate retrieval: who may be recommended for a need (what scoring reads about them is in :mod:`.profiles`).

Meilisearch is asked for the need's key terms (:mod:`.terms`), not the raw sentence, in every index at once
(the request bodies are built in :mod:`search.queries`); when the need names a category, the providers of
that category are fetched as well, so a good provider whose profile uses other words still competes.
Without Meilisearch the database finds candidates by substring (the result is then ``degraded``).
"""

from __future__ import annotations

import math
import threading
import time
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from sqlmodel import col, func, or_, select

from directory.experts.models import Expert
from directory.extensions import db
from directory.institutions.models import Institution, InstitutionCategory, Offering, RecordStatus
from directory.recommendations.need import Need
from directory.taxonomy.models import Category
from search.client import backend
from search.models import SearchOutbox
from search.queries import candidate_queries, term_count_queries
from search.settings import INDEX_TYPES

# Hits per candidate query (a term alone, or a category's providers whatever their words: half as many).
# Meilisearch's time grows with the documents it returns, even for their ids alone (~0.05-0.1 ms each at
# 250,000 records): at 60, with 120 per kind fetched again for scoring, they were most of a recommendation's
# time; at 30 the labelled needs' hit rate is the same (tests/recommendations/test_hit_rate.py).
CANDIDATES = 30
# Without Meilisearch: how many records substring matching may find per kind (their order says nothing).
DATABASE_CANDIDATES = 180
# A key term in more than this share of all records says nothing about a need (申请, 服务, 企业…): dropped,
# once the directory is large enough for the share to mean something.
MAX_TERM_SHARE = 0.2
MIN_RECORDS_FOR_SHARE = 200
# How many records match a term changes slowly (it weighs the term, it does not pick records): the counts are
# kept this long per index, so a need whose terms were counted recently costs one round trip fewer.
COUNTS_SECONDS = 300.0
MAX_CACHED_COUNTS = 20_000


@dataclass
class Candidates:
    """Who may be recommended, with Meilisearch's ranking score, and how telling each key term is."""

    scores: dict[str, dict[int, float]] = field(default_factory=lambda: defaultdict(dict))
    idf: dict[str, float] = field(default_factory=dict)
    common: list[str] = field(default_factory=list)  # key terms too common in the directory to search for
    owners: dict[int, int] = field(default_factory=dict)  # offering id -> its institution's
    # kind -> id -> the candidate's search document (its ranking facts, search.settings.RANKING_FACTS): what
    # scoring reads about it (profiles.from_document), so the candidates need no second request
    documents: dict[str, dict[int, dict[str, Any]]] = field(default_factory=lambda: defaultdict(dict))


def meili_candidates(terms: list[str], need: Need) -> Candidates:
    """Candidates from every index, searched term by term (:func:`search.queries.candidate_queries`). How many
    records each term matches gives its weight (idf) for :func:`.scoring.term_share`; a term in more than
    :data:`MAX_TERM_SHARE` of the records is not searched for (``common``). ``need.category`` is the stated
    or inferred one: its providers are fetched too.

    Raises SearchUnavailable / SearchErrors when Meilisearch can't answer."""
    search_backend = backend()
    client = search_backend.search_client()
    uids = search_backend.index_uids()
    found = Candidates()
    counts: dict[tuple[str, str], int] = {}
    if terms:
        counts = _term_counts(client, uids, terms)
        total = sum(counts[(k, "")] for k in INDEX_TYPES) or 1
        for term in terms:
            matches = sum(counts[(k, term)] for k in INDEX_TYPES)
            if total >= MIN_RECORDS_FOR_SHARE and matches > MAX_TERM_SHARE * total and len(terms) > 1:
                found.common.append(term)
            elif matches:
                found.idf[term] = math.log(1 + total / matches)
        terms = [t for t in terms if t not in found.common]
    queries = candidate_queries(uids, terms, counts, text=need.text, limit=CANDIDATES,
                                category_code=need.category.code if need.category is not None else None)
    if not queries:
        return found
    results = client.multi_search([body for _kind, body in queries])["results"]
    for (kind, _body), result in zip(queries, results, strict=True):
        for hit in result["hits"]:
            found.documents[kind][hit["id"]] = hit
            score = float(hit.get("_rankingScore") or 0.0)
            found.scores[kind][hit["id"]] = max(score, found.scores[kind].get(hit["id"], 0.0))
            if kind == "offering" and hit.get("institution_id"):
                # An institution is as relevant as its best offering.
                inst = found.owners[hit["id"]] = hit["institution_id"]
                found.scores["institution"][inst] = max(score, found.scores["institution"].get(inst, 0.0))
    return found


class _Counts:
    """Term counts per (index uid, term) with their expiry and the index generation they were counted at
    (:func:`_generation`), shared by the threads of one app."""

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.entries: dict[tuple[str, str], tuple[float, int, Any]] = {}


def _generation() -> Any:
    """When the index sync last pushed anything (the newest processed outbox row; an indexed column, so one
    index lookup): a zero counted before then may be a word a newly indexed record is the first to use."""
    return db.session.exec(select(func.max(SearchOutbox.processed_at))).one()


def forget_counts(app: Any) -> None:
    """Drop the app's term counts (a test that empties the indexes starts from what they hold)."""
    app.extensions.pop("recommendation_term_counts", None)


def _term_counts(client: Any, uids: dict[str, str], terms: list[str]) -> dict[tuple[str, str], int]:
    """How many records of each index hold no matter what (``""``) and each term: from this app's cache
    (:data:`COUNTS_SECONDS`), probing Meilisearch (``limit`` 0, one multi-search) only for what it lacks.
    Zeros are kept too (most needs have a term one index lacks), but only until the index sync pushes
    anything (:func:`_generation`): search.queries.candidate_queries leaves a zero's term out, so a kept zero
    would hide the first provider to use a word. Other counts only weigh their terms and may be minutes old."""
    from flask import current_app

    cache: _Counts = current_app.extensions.setdefault("recommendation_term_counts", _Counts())
    now = time.monotonic()
    counts: dict[tuple[str, str], int] = {}
    wanted = [(kind, term) for kind in INDEX_TYPES for term in ["", *terms]]
    generation = _generation()
    with cache.lock:
        for kind, term in wanted:
            hit = cache.entries.get((uids[kind], term))
            if hit is not None and hit[0] > now and (hit[1] or hit[2] == generation):
                counts[(kind, term)] = hit[1]
    probes = [(key, body) for key, body in term_count_queries(uids, terms) if key not in counts]
    if not probes:
        return counts
    results = client.multi_search([body for _key, body in probes])["results"]
    with cache.lock:
        if len(cache.entries) > MAX_CACHED_COUNTS:
            cache.entries.clear()
        for (key, _body), result in zip(probes, results, strict=True):
            counts[key] = n = int(result.get("estimatedTotalHits", result.get("totalHits", 0)))
            cache.entries[(uids[key[0]], key[1])] = (now + COUNTS_SECONDS, n, generation)
    return counts


def _contains_any(columns: Iterable[Any], terms: list[str]) -> Any:
    # autoescape: a % or _ in a need matches itself, not everything
    return or_(*(c.contains(t, autoescape=True) for c in columns for t in terms))


def database_candidates(terms: list[str], need: Need) -> Candidates:
    """Substring matching while Meilisearch is away; every term weighs the same."""
    found = Candidates(idf=dict.fromkeys(terms, 1.0))
    if terms:
        for inst_id in db.session.exec(select(Institution.id).where(
                Institution.status == RecordStatus.ADMITTED,
                _contains_any([Institution.name, Institution.description], terms)).limit(DATABASE_CANDIDATES)).all():
            found.scores["institution"][inst_id] = 0.0
        for off_id, inst_id in db.session.exec(select(Offering.id, Offering.institution_id).join(Institution).where(
                Offering.active, Institution.status == RecordStatus.ADMITTED,
                _contains_any([Offering.title, Offering.description], terms)).limit(DATABASE_CANDIDATES)).all():
            found.scores["offering"][off_id] = 0.0
            found.owners[off_id] = inst_id
            found.scores["institution"].setdefault(inst_id, 0.0)
        for expert_id in db.session.exec(select(Expert.id).where(
                Expert.status == RecordStatus.ADMITTED,
                _contains_any([Expert.name, Expert.bio, Expert.organization], terms)).limit(DATABASE_CANDIDATES)).all():
            found.scores["expert"][expert_id] = 0.0
    if need.category is not None:
        for inst_id in db.session.exec(select(Institution.id).where(
                Institution.status == RecordStatus.ADMITTED,
                col(Institution.id).in_(category_members(need.category))).limit(DATABASE_CANDIDATES // 3)).all():
            found.scores["institution"].setdefault(inst_id, 0.0)
    return found


def category_members(category: Category) -> Any:
    """The ids of the institutions offering ``category`` or one of its sub-categories (a subquery)."""
    ids = [category.id, *[c.id for c in category.children]]
    return select(InstitutionCategory.institution_id).where(col(InstitutionCategory.category_id).in_(ids))
