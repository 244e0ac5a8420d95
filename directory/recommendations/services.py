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
from typing import Any

from directory.recommendations import ranking, retrieval
from directory.recommendations.need import MAX_LIMIT, Need, Recommendation, Recommendations
from directory.recommendations.scoring import Context
from directory.recommendations.similar import similar_experts, similar_institutions
from directory.recommendations.terms import (
    MAX_TERMS,
    key_terms,
    stop_words,
    synonym_map,
    teach,
    vocabulary_words,
)
from search import expansion
from search.client import SearchErrors, SearchUnavailable

# What other areas import from here (the need and its results, the similar records of a detail page).
__all__ = ["MAX_LIMIT", "Need", "Recommendation", "Recommendations", "recommend", "similar_experts",
           "similar_institutions"]

log = logging.getLogger(__name__)

MAX_CANDIDATES = 120  # institutions scored per need: the best by Meilisearch's score
CACHE_SECONDS = 60.0


def recommend(need: Need, *, limit: int = 10, exclude_institutions: Iterable[int] = (),
              exclude_experts: Iterable[int] = (), use_search: bool = True,
              among_institutions: Iterable[int] | None = None,
              among_experts: Iterable[int] | None = None) -> Recommendations:
    """Ranked institutions, offerings and experts for ``need``, best first, each with its reasons.
    ``use_search=False`` finds candidates in the database only (the demo seed runs before Meilisearch).
    ``among_institutions`` / ``among_experts`` rank exactly those records (an event's participants) instead
    of the candidates search finds: every one of them is scored, however far down the whole directory's
    ranking it would be."""
    limit = max(1, min(limit, MAX_LIMIT))
    teach(_cached("vocabulary", vocabulary_words))
    terms = _in_record_words(key_terms(need.text, extra_stop_words=_cached("stop_words", stop_words)), need.text)
    result = Recommendations(terms=terms)
    try:
        if not use_search:
            raise SearchUnavailable("database only")
        found = retrieval.meili_candidates(terms, need)
    except (SearchUnavailable, *SearchErrors) as exc:
        if use_search:
            log.warning("recommendations degraded to the database: %s", exc)
        found = retrieval.database_candidates(terms, need)
        result.degraded = True
    ctx = Context(need=need, terms=terms, idf=found.idf, synonyms=_cached("synonyms", synonym_map))
    excluded_inst = set(exclude_institutions)
    if among_institutions is not None:
        inst_scores = {i: found.scores["institution"].get(i, 0.0) for i in among_institutions if i not in excluded_inst}
    else:
        inst_scores = dict(sorted(((i, s) for i, s in found.scores["institution"].items()
                                   if i not in excluded_inst), key=lambda kv: -kv[1])[:MAX_CANDIDATES])
    if among_experts is not None:
        expert_scores = {i: found.scores["expert"].get(i, 0.0) for i in among_experts if i not in set(exclude_experts)}
    else:
        expert_scores = {i: s for i, s in found.scores["expert"].items() if i not in set(exclude_experts)}
    result.institutions, result.offerings = ranking.rank_institutions(ctx, inst_scores, found.scores["offering"],
                                                                      limit, excluded_inst)
    result.experts = ranking.rank_experts(ctx, expert_scores, limit)
    return result


def _in_record_words(terms: list[str], text: str) -> list[str]:
    """English terms translated and words no record uses replaced by record words (search.expansion)."""
    try:
        return expansion.expander().rewrite(terms, text)[:MAX_TERMS]
    except Exception:  # the expansion is an addition: the need is still searched as written
        log.exception("query expansion failed for a need")
        return terms


def _cached(name: str, load: Any) -> Any:
    """The classification, synonyms and stop words change rarely but were read on every call (a third of a
    recommendation's time at scale): keep them a minute per app. A staff edit takes effect within it."""
    from flask import current_app

    cache = current_app.extensions.setdefault("recommendation_cache", {})
    now = time.monotonic()
    hit = cache.get(name)
    if hit is None or hit[0] < now:
        hit = cache[name] = (now + CACHE_SECONDS, load())
    return hit[1]
