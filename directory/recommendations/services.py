"""Recommending institutions, offerings and experts for a need, with the reasons in words.

How a candidate is found: Meilisearch is asked for the need's key terms (:mod:`.terms`), not the raw
sentence, in every index at once; when the need names a category, the providers of that category are fetched
as well, so a good provider whose profile uses other words still competes. Without Meilisearch the database
finds candidates by substring (``degraded``).

How a candidate is scored (0–100, the weights below sum to 1):

============  =======  =============================================================================
part          weight   value in [0, 1]
============  =======  =============================================================================
relevance     0.40     the idf-weighted share of the need's key terms the record contains, over the best
                       candidate's share (0.85), plus Meilisearch's ranking score, relative (0.15)
category      0.15     1 if it offers the need's category, 0.6 a sibling of it (same parent), else 0;
                       without a stated category, half that for the category the need names or its
                       best hits share (a guess must not outweigh the need's own words)
industry      0.10     1 if it serves the need's industry, else 0 (0.5 for all when the need has none)
region        0.05     1 same district, 0.8 district in its coverage, 0.6 city/province-wide, else 0.2
rating        0.12     (damped rating − 1) / 4; no reviews yet counts as the prior 3.5 (not buried)
grade         0.08     A 1, B 0.8, C 0.5, D 0.1; not evaluated 0.5
speed         0.05     1 / (1 + mean first-response hours / 48) over the last year; unknown 0.5
load          0.05     1 / (1 + open requests / 5): a provider drowning in work is nudged down
============  =======  =============================================================================

One slot is kept for a newcomer: when no institution admitted in the last year without reviews made the
list, the most relevant one replaces the last entry (``new``), so the rating prior alone does not decide
who gets a first client.
"""

from __future__ import annotations

import logging
import math
import time
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any

from flask_babel import gettext as _
from sqlalchemy import func
from sqlalchemy.orm import selectinload
from sqlmodel import col, or_, select

from directory.core.time import utcnow
from directory.engagements.models import Engagement, EngagementStatus
from directory.experts.models import Expert, ExpertCategory
from directory.extensions import db
from directory.institutions.models import Institution, InstitutionCategory, Offering, RecordStatus
from directory.recommendations.terms import key_terms, stop_words, teach, vocabulary_words
from directory.taxonomy.models import Category, Industry, Region
from search.analysis import clean_query, to_simplified
from search.client import SearchErrors, SearchUnavailable, backend
from search.queries import quote

log = logging.getLogger(__name__)

WEIGHTS = {"relevance": 0.40, "category": 0.15, "industry": 0.10, "region": 0.05, "rating": 0.12,
           "grade": 0.08, "speed": 0.05, "load": 0.05}
RATING_PRIOR = 3.5
GRADE_VALUE = {"A": 1.0, "B": 0.8, "C": 0.5, "D": 0.1}
SPEED_HALF_HOURS = 48
LOAD_HALF = 5
NEW_WITHIN = timedelta(days=365)
CANDIDATES = 60
OPEN_STATUSES = (EngagementStatus.REQUESTED, EngagementStatus.ACCEPTED, EngagementStatus.IN_PROGRESS)
MAX_LIMIT = 50
INFERRED = 0.5  # a category guessed from the text counts half as much as one the enterprise chose
MAX_CANDIDATES = 120  # institutions scored per need: the best by Meilisearch's score


@dataclass
class Need:
    """What is needed. ``category``, ``industry`` and ``region`` are optional and sharpen the ranking."""

    text: str
    category: Category | None = None
    industry: Industry | None = None
    region: Region | None = None


@dataclass
class Recommendation:
    type: str
    id: int
    name: str
    score: float
    reasons: list[str]
    parts: dict[str, float]
    new: bool = False
    institution_id: int | None = None
    institution_name: str | None = None
    record: Any = field(default=None, repr=False)

    def as_json(self) -> dict[str, Any]:
        data: dict[str, Any] = {"id": self.id, "name": self.name, "score": self.score, "reasons": self.reasons,
                                "new": self.new}
        if self.type == "offering":
            data.update(institution_id=self.institution_id, institution_name=self.institution_name)
        return data


@dataclass
class Recommendations:
    terms: list[str]
    institutions: list[Recommendation] = field(default_factory=list)
    offerings: list[Recommendation] = field(default_factory=list)
    experts: list[Recommendation] = field(default_factory=list)
    degraded: bool = False

    def as_json(self) -> dict[str, Any]:
        return {"terms": self.terms, "degraded": self.degraded,
                "institutions": [r.as_json() for r in self.institutions],
                "offerings": [r.as_json() for r in self.offerings],
                "experts": [r.as_json() for r in self.experts]}


# -- candidates ------------------------------------------------------------------------------------------

@dataclass
class Candidates:
    """Who may be recommended, with Meilisearch's ranking score, and how telling each key term is."""

    scores: dict[str, dict[int, float]] = field(default_factory=lambda: defaultdict(dict))
    idf: dict[str, float] = field(default_factory=dict)


def _meili_candidates(terms: list[str], need: Need) -> Candidates:
    """Candidates from every index. Raises SearchUnavailable / SearchErrors when Meilisearch can't answer.

    Meilisearch's own "frequency" strategy returns nothing when a query mixes enough words (a need of five
    terms found no institution although each term does), so the terms are searched one by one, plus all
    together rarest first with the "last" strategy (which drops words from the end, i.e. the commonest).
    How many records each term matches gives its weight (idf) for :func:`term_relevance`.
    """
    search_backend = backend()
    client = search_backend.search_client()
    uids = search_backend.index_uids()
    kinds = ("institution", "offering", "expert")
    found = Candidates()
    probes = [(kind, term) for kind in kinds for term in ["", *terms]]
    df: dict[tuple[str, str], int] = {}
    if terms:
        counts = client.multi_search([{"indexUid": uids[k], "q": t, "limit": 0} for k, t in probes])["results"]
        for key, result in zip(probes, counts, strict=True):
            df[key] = int(result.get("estimatedTotalHits", result.get("totalHits", 0)))
        total = sum(df[(k, "")] for k in kinds) or 1
        for term in terms:
            matches = sum(df[(k, term)] for k in kinds)
            if matches:
                found.idf[term] = math.log(1 + total / matches)
    queries: list[tuple[str, dict[str, Any]]] = []
    for kind in kinds:
        known = sorted((t for t in terms if df.get((kind, t))), key=lambda t: df[(kind, t)])
        base = {"indexUid": uids[kind], "showRankingScore": True,
                "attributesToRetrieve": ["id", "institution_id"] if kind == "offering" else ["id"]}
        if known:
            queries.append((kind, {**base, "q": " ".join(known), "matchingStrategy": "last", "limit": CANDIDATES}))
        if len(known) > 1:
            queries.extend((kind, {**base, "q": t, "limit": CANDIDATES // 2}) for t in known)
        if need.category is not None:
            queries.append((kind, {**base, "q": " ".join(known), "matchingStrategy": "last", "limit": CANDIDATES,
                                   "filter": [f"category_codes = {quote(need.category.code)}"]}))
    if terms and not any(q for _k, q in queries if "filter" not in q):
        # None of the key terms is in any record: search the need as written and let Meilisearch drop words.
        queries.extend((kind, {"indexUid": uids[kind], "showRankingScore": True, "limit": CANDIDATES // 2,
                               "q": clean_query(need.text)[:200], "matchingStrategy": "last",
                               "attributesToRetrieve": ["id", "institution_id"] if kind == "offering" else ["id"]})
                       for kind in kinds)
    if not queries:
        return found
    results = client.multi_search([body for _kind, body in queries])["results"]
    for (kind, _body), result in zip(queries, results, strict=True):
        for hit in result["hits"]:
            score = float(hit.get("_rankingScore") or 0.0)
            found.scores[kind][hit["id"]] = max(score, found.scores[kind].get(hit["id"], 0.0))
            if kind == "offering" and hit.get("institution_id"):
                # An institution is as relevant as its best offering.
                inst = hit["institution_id"]
                found.scores["institution"][inst] = max(score, found.scores["institution"].get(inst, 0.0))
    return found


def synonym_map() -> dict[str, set[str]]:
    """Each term of the staff's synonym groups, with the other terms of its group."""
    from search.models import SearchSynonym

    out: dict[str, set[str]] = defaultdict(set)
    for group in db.session.exec(select(SearchSynonym)).all():
        for term in group.terms:
            out[term.lower()].update(t.lower() for t in group.terms)
    return out


def matched_terms(terms: list[str], text: str, synonyms: dict[str, set[str]]) -> list[str]:
    """The key terms (or one of their synonyms) found in ``text`` as substrings: parts of words count."""
    blob = to_simplified(text).lower()
    return [t for t in terms if any(v in blob for v in (synonyms.get(t.lower()) or {t.lower()}) | {t.lower()})]


def term_share(matched: list[str], idf: dict[str, float]) -> float:
    """The idf-weighted share of the key terms a record contains."""
    total = sum(idf.values())
    return sum(idf.get(t, 0.0) for t in matched) / total if total else 0.0


def blend(shares: dict[int, float], engine: dict[int, float]) -> dict[int, float]:
    """Relevance in [0, 1]: the term share relative to the best candidate's, with Meilisearch's own score
    (relative too) breaking ties. A candidate matching no key term gets at most the tie-breaker's 0.15, even
    when it is the best there is."""
    best = max(shares.values(), default=0.0)
    top = max(engine.values(), default=0.0)
    return {i: 0.85 * (share / best if best > 0 else 0.0) + 0.15 * (engine.get(i, 0.0) / top if top > 0 else 0.0)
            for i, share in shares.items()}


def _like_any(columns: Iterable[Any], terms: list[str]) -> Any:
    from search.fallback import _like

    return or_(*(c.like(_like(t), escape="\\") for c in columns for t in terms))


def _database_candidates(terms: list[str], need: Need) -> Candidates:
    """Substring matching while Meilisearch is away; every term weighs the same."""
    found = Candidates(idf=dict.fromkeys(terms, 1.0))
    if terms:
        for inst_id in db.session.exec(select(Institution.id).where(
                Institution.status == RecordStatus.ADMITTED,
                _like_any([Institution.name, Institution.description], terms)).limit(CANDIDATES * 3)).all():
            found.scores["institution"][inst_id] = 0.0  # type: ignore[index]
        for off_id, inst_id in db.session.exec(select(Offering.id, Offering.institution_id).join(Institution).where(
                Offering.active, Institution.status == RecordStatus.ADMITTED,
                _like_any([Offering.title, Offering.description], terms)).limit(CANDIDATES * 3)).all():
            found.scores["offering"][off_id] = 0.0  # type: ignore[index]
            found.scores["institution"].setdefault(inst_id, 0.0)
        for expert_id in db.session.exec(select(Expert.id).where(
                Expert.status == RecordStatus.ADMITTED,
                _like_any([Expert.name, Expert.bio, Expert.organization], terms)).limit(CANDIDATES * 3)).all():
            found.scores["expert"][expert_id] = 0.0  # type: ignore[index]
    if need.category is not None:
        for inst_id in db.session.exec(select(Institution.id).where(
                Institution.status == RecordStatus.ADMITTED,
                col(Institution.id).in_(_category_members(need.category))).limit(CANDIDATES)).all():
            found.scores["institution"].setdefault(inst_id, 0.0)  # type: ignore[arg-type]
    return found


# -- provider statistics ---------------------------------------------------------------------------------

@dataclass
class ProviderStats:
    response_hours: float | None = None
    open_requests: int = 0


def provider_stats(kind: str, ids: Iterable[int], *, now: Any = None) -> dict[int, ProviderStats]:
    """Mean first-response time over the last year and the number of open requests, per provider."""
    ids = list(ids)
    stats: dict[int, ProviderStats] = {i: ProviderStats() for i in ids}
    if not ids:
        return stats
    key = col(Engagement.institution_id) if kind == "institution" else col(Engagement.expert_id)
    since = (now or utcnow()) - timedelta(days=365)
    sums: dict[int, list[float]] = defaultdict(list)
    rows = db.session.exec(select(key, Engagement.requested_at, Engagement.responded_at).where(
        key.in_(ids), col(Engagement.responded_at).is_not(None), Engagement.requested_at >= since)).all()
    for provider_id, requested, responded in rows:
        sums[provider_id].append((responded - requested).total_seconds() / 3600)
    for provider_id, hours in sums.items():
        stats[provider_id].response_hours = sum(hours) / len(hours)
    for provider_id, count in db.session.exec(select(key, func.count()).where(
            key.in_(ids), col(Engagement.status).in_(OPEN_STATUSES)).group_by(key)).all():
        stats[provider_id].open_requests = int(count)
    return stats


# -- scoring ---------------------------------------------------------------------------------------------

def _category_fit(categories: list[Category], wanted: Category | None) -> float:
    if wanted is None:
        return 0.0
    ids = {c.id for c in categories} | {c.parent_id for c in categories if c.parent_id}
    if wanted.id in ids:
        return 1.0
    if wanted.parent_id and wanted.parent_id in ids:
        return 0.6
    return 0.0


def _region_fit(region: Region | None, coverage: list[Region], wanted: Region | None) -> float:
    if wanted is None:
        return 0.5
    if region is not None and region.id == wanted.id:
        return 1.0
    if any(r.id == wanted.id for r in coverage):
        return 0.8
    if any(r.kind == "coverage" for r in coverage):
        return 0.6
    return 0.2


def damped_or_prior(value: float | None, count: int) -> float:
    """The stored rating is already damped (see reviews.services.rating_of); no reviews means the prior."""
    return value if value is not None and count > 0 else RATING_PRIOR


def _common_parts(record: Any, stats: ProviderStats, grade: str | None) -> dict[str, float]:
    hours = stats.response_hours
    return {
        "rating": (damped_or_prior(record.rating_value, record.rating_count) - 1) / 4,
        "grade": GRADE_VALUE.get(grade or "", 0.5),
        "speed": 0.5 if hours is None else 1 / (1 + hours / SPEED_HALF_HOURS),
        "load": 1 / (1 + stats.open_requests / LOAD_HALF),
    }


def _total(parts: dict[str, float]) -> float:
    return round(100 * sum(WEIGHTS[k] * v for k, v in parts.items()), 1)


def _reasons(ctx: _Context, *, record: Any, parts: dict[str, float], matched: list[str], stats: ProviderStats,
             grade: str | None = None, badge: str | None = None) -> list[str]:
    """The reasons a record ranks where it does, in the user's language, strongest first."""
    need = ctx.need
    reasons: list[str] = []
    if matched:
        reasons.append(_("Matches your need: %(terms)s", terms="、".join(matched[:4])))
    if ctx.category is not None and parts["category"] >= (1.0 if need.category else INFERRED):
        reasons.append(_("Specialises in %(category)s", category=ctx.category.label))
    if need.industry is not None and parts["industry"] >= 1:
        reasons.append(_("Experienced in the %(industry)s industry", industry=need.industry.label))
    if need.region is not None and parts["region"] >= 1:
        reasons.append(_("Located in %(region)s", region=need.region.label))
    elif need.region is not None and parts["region"] >= 0.6:
        reasons.append(_("Serves %(region)s", region=need.region.label))
    if record.rating_count:
        reasons.append(_("Rated %(value)s (%(count)s reviews)", value=f"{record.rating_value:.1f}",
                         count=record.rating_count))
    if badge:
        reasons.append(_("Model service institution"))
    if grade in ("A", "B"):
        reasons.append(_("Evaluation grade %(grade)s", grade=grade))
    if stats.response_hours is not None and stats.response_hours <= 72:
        days = max(1, math.ceil(stats.response_hours / 24))
        reasons.append(_("Responds within %(days)s day(s) on average", days=days))
    return reasons


def _infer_category(terms: list[str], text: str, ranked: list[tuple[int, float]],
                    categories_of: dict[int, list[Category]]) -> Category | None:
    """The category a need names (知识产权, 专利代理…), or else the one its three best text matches share."""
    named = [c for cats in categories_of.values() for c in cats]
    for cat in sorted({c.id: c for c in named}.values(), key=lambda c: -len(c.name)):
        if cat.name in text or cat.name in terms:
            return cat
    votes: dict[int, int] = defaultdict(int)
    by_id: dict[int, Category] = {}
    for inst_id, _score in ranked[:3]:
        for c in categories_of.get(inst_id, []):
            top = c.top
            votes[top.id] += 1  # type: ignore[index]
            by_id[top.id] = top  # type: ignore[index]
    if votes:
        best, count = max(votes.items(), key=lambda kv: kv[1])
        if count >= 2:
            return by_id[best]
    return None


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
    terms = key_terms(need.text, extra_stop_words=_cached("stop_words", stop_words))
    result = Recommendations(terms=terms)
    try:
        if not use_search:
            raise SearchUnavailable("database only")
        found = _meili_candidates(terms, need)
    except (SearchUnavailable, *SearchErrors) as exc:
        if use_search:
            log.warning("recommendations degraded to the database: %s", exc)
        found = _database_candidates(terms, need)
        result.degraded = True
    ctx = _Context(need=need, terms=terms, idf=found.idf, synonyms=_cached("synonyms", synonym_map))
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
    result.institutions, result.offerings = _rank_institutions(ctx, inst_scores, found.scores["offering"], limit,
                                                               excluded_inst)
    result.experts = _rank_experts(ctx, expert_scores, limit)
    return result


CACHE_SECONDS = 60.0


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


@dataclass
class _Context:
    need: Need
    terms: list[str]
    idf: dict[str, float]
    synonyms: dict[str, set[str]]
    category: Category | None = None

    def fit(self, text: str) -> tuple[float, list[str]]:
        """The record's term share and the key terms it matched."""
        matched = matched_terms(self.terms, text, self.synonyms)
        return term_share(matched, self.idf), matched


def _category_members(category: Category) -> Any:
    ids = [category.id, *[c.id for c in category.children]]
    return select(InstitutionCategory.institution_id).where(col(InstitutionCategory.category_id).in_(ids))


def _institution_text(inst: Institution) -> str:
    return " ".join([inst.name, inst.description, *(o.title for o in inst.offerings if o.active),
                     *(o.description for o in inst.offerings if o.active), *(c.name for c in inst.categories),
                     *(i.name for i in inst.industries), *inst.qualifications, *inst.honors])


def _rank_institutions(ctx: _Context, scores: dict[int, float], offering_scores: dict[int, float],
                       limit: int, excluded: set[int]) -> tuple[list[Recommendation], list[Recommendation]]:
    if not scores:
        return [], []
    need = ctx.need
    rows = db.session.exec(select(Institution).where(
        col(Institution.id).in_(list(scores)), Institution.status == RecordStatus.ADMITTED).options(
        selectinload(Institution.categories).selectinload(Category.parent),  # type: ignore[arg-type]
        selectinload(Institution.industries), selectinload(Institution.coverage),  # type: ignore[arg-type]
        selectinload(Institution.region), selectinload(Institution.offerings))).all()  # type: ignore[arg-type]
    insts = {i.id: i for i in rows}
    text_fit = {i: ctx.fit(_institution_text(inst)) for i, inst in insts.items()}
    relevance = blend({i: share for i, (share, _m) in text_fit.items()}, scores)
    stats = provider_stats("institution", insts)  # type: ignore[arg-type]
    ranked_by_text = sorted(relevance.items(), key=lambda kv: -kv[1])
    ctx.category = need.category or _infer_category(
        ctx.terms, need.text, ranked_by_text, {i: inst.categories for i, inst in insts.items()})  # type: ignore[misc]
    recs: list[Recommendation] = []
    for inst_id, inst in insts.items():
        parts = {
            "relevance": relevance.get(inst_id, 0.0),
            "category": _category_fit(inst.categories, ctx.category) * (1.0 if need.category else INFERRED),
            "industry": _industry_fit(inst.industries, need.industry),
            "region": _region_fit(inst.region, inst.coverage, need.region),
            **_common_parts(inst, stats[inst_id], inst.grade),  # type: ignore[index]
        }
        recs.append(Recommendation(
            type="institution", id=inst_id, name=inst.name, score=_total(parts), parts=parts,  # type: ignore[arg-type]
            reasons=_reasons(ctx, record=inst, parts=parts, matched=text_fit[inst_id][1],
                             stats=stats[inst_id], grade=inst.grade, badge=inst.badge),  # type: ignore[index]
            record=inst))
    recs.sort(key=lambda r: (-r.score, r.id))
    top = recs[:limit]
    _keep_a_newcomer_slot(top, recs, limit)
    return top, _rank_offerings(ctx, offering_scores, {r.id: r for r in recs}, stats, limit, excluded)


def _rank_offerings(ctx: _Context, scores: dict[int, float], owners: dict[int, Recommendation],
                    stats: dict[int, ProviderStats], limit: int, excluded: set[int]) -> list[Recommendation]:
    """Offerings inherit their institution's standing; relevance and category are their own."""
    rows = [o for o in db.session.exec(select(Offering).where(col(Offering.id).in_(list(scores)), Offering.active)
                                       .options(selectinload(Offering.category))).all()  # type: ignore[arg-type]
            if o.institution_id in owners and o.institution_id not in excluded]
    fits = {o.id: ctx.fit(f"{o.title} {o.description}") for o in rows}
    relevance = blend({i: share for i, (share, _m) in fits.items()}, scores)  # type: ignore[misc]
    recs = []
    for off in rows:
        owner = owners[off.institution_id]
        parts = {**owner.parts, "relevance": relevance.get(off.id, 0.0)}  # type: ignore[arg-type]
        if off.category is not None:
            parts["category"] = _category_fit([off.category], ctx.category) * (1.0 if ctx.need.category else INFERRED)
        recs.append(Recommendation(
            type="offering", id=off.id, name=off.title, score=_total(parts), parts=parts,  # type: ignore[arg-type]
            reasons=_reasons(ctx, record=owner.record, parts=parts, matched=fits[off.id][1],  # type: ignore[index]
                             stats=stats[off.institution_id], grade=owner.record.grade, badge=owner.record.badge),
            institution_id=off.institution_id, institution_name=owner.name, record=off))
    recs.sort(key=lambda r: (-r.score, r.id))
    return recs[:limit]


def _industry_fit(industries: list[Industry], wanted: Industry | None) -> float:
    if wanted is None:
        return 0.5
    return float(any(i.id == wanted.id for i in industries))


def _keep_a_newcomer_slot(top: list[Recommendation], ranked: list[Recommendation], limit: int) -> None:
    """Give the last slot to the most relevant unreviewed newcomer when none made the list on its own."""
    cutoff = utcnow() - NEW_WITHIN

    def is_new(r: Recommendation) -> bool:
        inst = r.record
        return inst.rating_count == 0 and inst.admitted_at is not None and inst.admitted_at >= cutoff

    for r in top:
        r.new = is_new(r)
    if len(top) < limit or limit < 3 or any(r.new for r in top):
        return
    newcomers = [r for r in ranked[limit:] if is_new(r) and r.parts["relevance"] >= 0.5]
    if newcomers:
        best = max(newcomers, key=lambda r: (r.parts["relevance"], r.score))
        best.new = True
        best.reasons.append(_("Newly admitted: no reviews yet"))
        top[-1] = best


def _rank_experts(ctx: _Context, scores: dict[int, float], limit: int) -> list[Recommendation]:
    if not scores:
        return []
    need = ctx.need
    rows = db.session.exec(select(Expert).where(
        col(Expert.id).in_(list(scores)), Expert.status == RecordStatus.ADMITTED).options(
        selectinload(Expert.categories).selectinload(Category.parent),  # type: ignore[arg-type]
        selectinload(Expert.industries), selectinload(Expert.region))).all()  # type: ignore[arg-type]
    experts = {e.id: e for e in rows}
    fits = {i: ctx.fit(" ".join([e.name, e.title, e.organization, e.bio, *e.expertise,
                                 *(c.name for c in e.categories)]))
            for i, e in experts.items()}
    relevance = blend({i: share for i, (share, _m) in fits.items()}, scores)  # type: ignore[misc]
    stats = provider_stats("expert", experts)  # type: ignore[arg-type]
    recs = []
    for expert_id, expert in experts.items():
        parts = {
            "relevance": relevance.get(expert_id, 0.0),  # type: ignore[arg-type]
            "category": _category_fit(expert.categories, ctx.category),
            "industry": _industry_fit(expert.industries, need.industry),
            "region": _region_fit(expert.region, [], need.region),
            **_common_parts(expert, stats[expert_id], None),  # type: ignore[index]
        }
        recs.append(Recommendation(
            type="expert", id=expert_id, name=expert.name, score=_total(parts), parts=parts,  # type: ignore[arg-type]
            reasons=_reasons(ctx, record=expert, parts=parts, matched=fits[expert_id][1],  # type: ignore[index]
                             stats=stats[expert_id]),  # type: ignore[index]
            record=expert))
    recs.sort(key=lambda r: (-r.score, r.id))
    return recs[:limit]


def _similar(kind: str, model: Any, record: Any, q: str, categories: list[Category], limit: int) -> list[Any]:
    """Published records of ``kind`` sharing a category with ``record`` and most like ``q``: one Meilisearch
    query (this runs on every detail page view), or the best-rated of the same categories from the database
    while search is away."""
    ids: list[int] = []
    try:
        search_backend = backend()
        category_filter = [[f"category_codes = {quote(c.code)}" for c in categories]] if categories else []
        body = {"indexUid": search_backend.index_uid(kind), "q": q[:200], "matchingStrategy": "last",
                "filter": [*category_filter, f"id != {int(record.id)}"], "limit": limit,
                "attributesToRetrieve": ["id"]}
        ids = [h["id"] for h in search_backend.search_client().multi_search([body])["results"][0]["hits"]]
    except (SearchUnavailable, *SearchErrors) as exc:
        log.warning("similar %ss from the database: %s", kind, exc)
        link: Any = InstitutionCategory if kind == "institution" else ExpertCategory
        key = link.institution_id if kind == "institution" else link.expert_id
        ids = list(db.session.exec(select(model.id).where(
            model.status == RecordStatus.ADMITTED, model.id != record.id,
            col(model.id).in_(select(key).where(col(link.category_id).in_([c.id for c in categories]))))
            .order_by(col(model.rating_count).desc(), col(model.id)).limit(limit)).all())
    if not ids:
        return []
    found = {r.id: r for r in db.session.exec(select(model).where(
        col(model.id).in_(ids), model.status == RecordStatus.ADMITTED)).all()}
    return [found[i] for i in ids if i in found]


def similar_institutions(institution: Institution, *, limit: int = 4) -> list[Institution]:
    """Institutions like this one, for its detail page: same categories, similar services."""
    q = " ".join(o.title for o in institution.offerings if o.active)
    return _similar("institution", Institution, institution, q, institution.categories, limit)


def similar_experts(expert: Expert, *, limit: int = 4) -> list[Expert]:
    """Experts like this one, for the detail page."""
    return _similar("expert", Expert, expert, " ".join(expert.expertise), expert.categories, limit)
