"""Recommending institutions, offerings and experts for a need, with the reasons in words: the one name
other areas call (:func:`recommend`, and the detail pages' similar records).

The need and its result types are in :mod:`.need`, candidate retrieval in :mod:`.retrieval` (its Meilisearch
requests are built in :mod:`search.queries`), the scores and reasons in :mod:`.scoring` (pure: the weights
are tabled there), loading and ordering the records in :mod:`.ranking`, similar records in :mod:`.similar`.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Iterable
from dataclasses import replace
from typing import Any

from flask_babel import gettext as _

from directory.core.time import utcnow
from directory.notices.services import related_policies
from directory.recommendations import profiles, ranking, retrieval
from directory.recommendations.inference import ALTERNATIVES, SPREAD, CategoryModel, current_model, infer
from directory.recommendations.need import MAX_LIMIT, Need, Recommendation, Recommendations, Understanding
from directory.recommendations.profiles import Profile
from directory.recommendations.scoring import INFERRED, Context
from directory.recommendations.similar import similar_experts, similar_institutions
from directory.recommendations.terms import (
    MAX_TERMS,
    key_terms,
    place_words,
    stop_words,
    synonym_map,
    teach,
    vocabulary_words,
)
from directory.taxonomy.models import Category
from search import expansion
from search.client import SearchErrors, SearchUnavailable, backend

# What other areas import from here (the need and its results, the similar records of a detail page).
__all__ = ["MAX_LIMIT", "Need", "Recommendation", "Recommendations", "recommend", "similar_experts",
           "similar_institutions"]

log = logging.getLogger(__name__)

# Candidates scored per need and kind: the best by Meilisearch's score. Each is scored with its ranking facts,
# so more cost time (at 120, fetching and scoring them was a third of a recommendation at 250,000 records; 60
# keeps the labelled needs' hit rate). Found by the database (no score to choose by), all of them are scored.
MAX_CANDIDATES = 60
CACHE_SECONDS = 60.0


def recommend(need: Need, *, limit: int = 10, exclude_institutions: Iterable[int] = (),
              exclude_experts: Iterable[int] = (), use_search: bool = True,
              among_institutions: Iterable[int] | None = None,
              among_experts: Iterable[int] | None = None) -> Recommendations:
    """Ranked institutions, offerings and experts for ``need``, best first, each with its reasons; weaker
    candidates (matching neither the need's category nor a key term) only under ``see_also``.
    ``use_search=False`` finds candidates in the database only (the demo seed runs before Meilisearch).
    ``among_institutions`` / ``among_experts`` rank exactly those records (an event's participants) instead
    of the candidates search finds: every one of them is scored, however far down the whole directory's
    ranking it would be."""
    limit = max(1, min(limit, MAX_LIMIT))
    teach(_cached("vocabulary", vocabulary_words))
    terms = _in_record_words(key_terms(need.text, extra_stop_words=_cached("stop_words", stop_words)), need.text)
    model = current_model()
    understood = understand(need, model)
    result = Recommendations(terms=terms, understood=understood, policies=related_policies(understood.category))
    if not terms and understood.category is None:
        result.empty_reason = _("The need has no words to search for: describe in words what you need, "
                                "for example “申请发明专利” or “代理记账”.")
        return result
    searched = replace(need, category=understood.category)
    try:
        if not use_search:
            raise SearchUnavailable("database only")
        found = retrieval.meili_candidates(terms, searched)
    except (SearchUnavailable, *SearchErrors) as exc:
        if use_search:
            log.warning("recommendations degraded to the database: %s", exc)
        found = retrieval.database_candidates(terms, searched)
        result.degraded = True
    terms = result.terms = [t for t in terms if t not in found.common]
    certainty = 0.0 if understood.category is None else (
        max(INFERRED, understood.confidence) if understood.inferred else 1.0)
    untelling = _cached("place_words", place_words)
    if understood.category is not None:
        # With a category to go by, a term spread over many categories (镁砂, 行业) does not make a fit either.
        untelling |= {t for t in terms if (c := model.concentration(t)) is not None and c < SPREAD}
    ctx = Context(need=need, terms=terms, idf=found.idf, synonyms=_cached("synonyms", synonym_map),
                  category=understood.category, certainty=certainty, today=utcnow().date(), place_words=untelling)
    keep = retrieval.DATABASE_CANDIDATES if result.degraded else MAX_CANDIDATES
    excluded_inst = set(exclude_institutions)
    if among_institutions is not None:
        inst_scores = {i: found.scores["institution"].get(i, 0.0) for i in among_institutions if i not in excluded_inst}
    else:
        inst_scores = _best({i: s for i, s in found.scores["institution"].items() if i not in excluded_inst}, keep)
    excluded_exp = set(exclude_experts)
    if among_experts is not None:
        expert_scores = {i: found.scores["expert"].get(i, 0.0) for i in among_experts if i not in excluded_exp}
    else:
        expert_scores = _best({i: s for i, s in found.scores["expert"].items() if i not in excluded_exp}, keep)
    offering_scores = _best({i: s for i, s in found.scores["offering"].items()
                             if found.owners.get(i) in inst_scores and found.owners.get(i) not in excluded_inst}, keep)
    known = _profiles({"institution": inst_scores, "offering": offering_scores, "expert": expert_scores},
                      found.documents, from_search=not result.degraded)
    (result.institutions, result.see_also["institutions"], result.offerings,
     result.see_also["offerings"]) = ranking.rank_institutions(ctx, inst_scores, offering_scores, limit,
                                                               excluded_inst, known)
    result.experts, result.see_also["experts"] = ranking.rank_experts(ctx, expert_scores, limit, known["expert"])
    for shown in (result.institutions, result.offerings, result.experts, *result.see_also.values()):
        for rec in shown:
            rec.explain()
    return result


def _best(scores: dict[int, float], keep: int) -> dict[int, float]:
    """The ``keep`` best of ``scores``, best first (ties in the order retrieval found them)."""
    return dict(sorted(scores.items(), key=lambda kv: -kv[1])[:keep])


def _profiles(wanted: dict[str, Any], documents: dict[str, dict[int, Any]], *,
              from_search: bool) -> dict[str, dict[int, Profile]]:
    """What scoring reads about the candidates: from the documents their candidate hits brought
    (retrieval.Candidates.documents), from search in one request for the others (an institution found through
    its offering), and from the database for what search does not hold (an event's participant not yet
    indexed) or when search is away."""
    found: dict[str, dict[int, Profile]] = {
        kind: {i: profiles.from_document(kind, documents[kind][i]) for i in ids if i in documents.get(kind, {})}
        for kind, ids in wanted.items()}
    missing = {kind: [i for i in ids if i not in found[kind]] for kind, ids in wanted.items()}
    if from_search and any(missing.values()):
        try:
            search_backend = backend()
            profiles.merge(found, profiles.from_search(search_backend.search_client(),
                                                       search_backend.index_uids(), missing))
        except (SearchUnavailable, *SearchErrors) as exc:
            log.warning("recommendation profiles from the database: %s", exc)
        missing = {kind: [i for i in ids if i not in found[kind]] for kind, ids in wanted.items()}
    if any(missing.values()):
        profiles.merge(found, profiles.from_database(missing))
    return found


def _in_record_words(terms: list[str], text: str) -> list[str]:
    """English terms translated and words no record uses replaced by record words (search.expansion)."""
    try:
        return expansion.expander().rewrite(terms, text)[:MAX_TERMS]
    except Exception:  # the expansion is an addition: the need is still searched as written
        log.exception("query expansion failed for a need")
        return terms


def understand(need: Need, model: CategoryModel | None = None) -> Understanding:
    """The category the need is about: the stated one, or the one inferred from its text
    (:mod:`.inference`), with the likely others as corrections."""
    model = model or current_model()
    inferred = infer(model, need.text)
    by_id = _categories([i for i in [inferred.category_id, *inferred.alternatives] if i is not None])
    if need.category is not None:
        others = [by_id[i] for i in [inferred.category_id, *inferred.alternatives]
                  if i is not None and i in by_id and i != need.category.id]
        return Understanding(category=need.category, inferred=False, alternatives=others[:ALTERNATIVES])
    return Understanding(category=by_id.get(inferred.category_id) if inferred.category_id else None,
                         inferred=True, confidence=inferred.confidence,
                         alternatives=[by_id[i] for i in inferred.alternatives if i in by_id])


def _categories(ids: list[int]) -> dict[int, Category]:
    """The categories of ``ids`` in this session (with their parent and children: retrieval and scoring read
    them)."""
    if not ids:
        return {}
    from sqlalchemy.orm import selectinload
    from sqlmodel import col, select

    from directory.extensions import db

    rows = db.session.exec(select(Category).where(col(Category.id).in_(ids)).options(
        selectinload(Category.parent), selectinload(Category.children))).all()  # type: ignore[arg-type]
    return {c.id: c for c in rows if c.id is not None}


def _cached(name: str, load: Any, *, seconds: float = CACHE_SECONDS) -> Any:
    """The classification, synonyms and stop words change rarely but were read on every call (a third of a
    recommendation's time at scale): keep them a minute per app. A staff edit takes effect within it."""
    from flask import current_app

    cache = current_app.extensions.setdefault("recommendation_cache", {})
    now = time.monotonic()
    hit = cache.get(name)
    if hit is None or hit[0] < now:
        hit = cache[name] = (now + seconds, load())
    return hit[1]
