"""How a candidate is scored: pure functions of the records and facts already loaded (no database, no search).

A score is 0–100, the sum of its parts' points (each ``100 × weight × value``, rounded to one decimal, so the
points shown add up to the score shown); the weights below sum to 1:

============  =======  =============================================================================
part          weight   value in [0, 1]
============  =======  =============================================================================
relevance     0.36     the idf-weighted share of the need's key terms the record contains, over the best
                       candidate's share (0.85), plus Meilisearch's ranking score, relative (0.15)
category      0.18     1 if it offers the need's category, 0.6 a sibling of it (same parent), else 0;
                       for a category inferred from the text, times how sure the inference is (at
                       least :data:`INFERRED`)
industry      0.08     1 if it serves the need's industry, else 0 (0.5 for all when the need has none)
region        0.06     1 same district, 0.8 district in its coverage, 0.6 city/province-wide, else 0.2
rating        0.10     (damped rating − 1) / 4; no reviews yet counts as the prior 3.5 (not buried)
grade         0.06     A 1, B 0.8, C 0.5, D 0.1; not evaluated 0.5
speed         0.04     1 / (1 + mean first-response hours / 48) over the last year; unknown 0.5
load          0.04     1 / (1 + open requests / 5): a provider drowning in work is nudged down
budget        0.04     1 if a matching offering's lowest price is within the stated budget, 0 if every
                       priced one is above it; 0.5 when no budget is stated or no price is known
deadline      0.04     1 if a matching offering is delivered before the stated deadline, 0 if none
                       can be; 0.5 when no deadline is stated or no delivery time is known
============  =======  =============================================================================

Order is not the score alone (:func:`order_key`): a candidate matching neither the need's category nor any
of its key terms never takes a top slot (it is only "see also"), and among the others a stated region, then
a stated industry, outranks providers elsewhere (those that fit come first, by score; the rest after them).

One slot is kept for a newcomer: when no institution admitted in the last year without reviews made the
list, the most relevant one replaces the last entry (``new``), so the rating prior alone does not decide
who gets a first client.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Any

from flask_babel import gettext as _

from directory.recommendations.need import Need, Recommendation
from directory.taxonomy.models import Category, Industry, Region
from search.analysis import to_simplified

WEIGHTS = {"relevance": 0.36, "category": 0.18, "industry": 0.08, "region": 0.06, "rating": 0.10,
           "grade": 0.06, "speed": 0.04, "load": 0.04, "budget": 0.04, "deadline": 0.04}
RATING_PRIOR = 3.5
GRADE_VALUE = {"A": 1.0, "B": 0.8, "C": 0.5, "D": 0.1}
SPEED_HALF_HOURS = 48
LOAD_HALF = 5
NEW_WITHIN = timedelta(days=365)
INFERRED = 0.5  # a category inferred from the text counts at least half as much as one the enterprise chose
REGION_FITS = 0.8  # region_fit from which a provider is "in" the stated region (located there or covering it)


@dataclass
class ProviderStats:
    """What a provider's requests tell (directory.engagements.stats; on its search document, :mod:`.profiles`)."""

    response_hours: float | None = None
    open_requests: int = 0


@dataclass
class Context:
    """One need being scored: its key terms, their weights (idf), the staff's synonyms, and the category the
    ranking uses (the stated one, or the one guessed once the institutions are ranked by text)."""

    need: Need
    terms: list[str]
    idf: dict[str, float]
    synonyms: dict[str, set[str]]
    category: Category | None = None
    certainty: float = 1.0  # 1 for a stated category; the inference's confidence (≥ INFERRED) for a guessed one
    today: date | None = None
    place_words: frozenset[str] = frozenset()  # region and industry names: matching only them is no fit

    def fit(self, text: str) -> tuple[float, list[str]]:
        """The record's term share and the key terms it matched."""
        if self._variants is None:  # the same for every candidate of the need: worked out once (hundreds each)
            self._variants = term_variants(self.terms, self.synonyms)
        matched = _matched(self._variants, text)
        return term_share(matched, self.idf), matched

    _variants: list[tuple[str, list[str]]] | None = field(default=None, init=False, repr=False, compare=False)


# -- relevance -------------------------------------------------------------------------------------------

def term_variants(terms: list[str], synonyms: dict[str, set[str]]) -> list[tuple[str, list[str]]]:
    """Each key term with what counts as it in a text: itself and its synonyms, lower-cased."""
    return [(t, sorted((synonyms.get(t.lower()) or set()) | {t.lower()})) for t in terms]


def _matched(variants: list[tuple[str, list[str]]], text: str) -> list[str]:
    blob = to_simplified(text).lower()
    return [t for t, forms in variants if any(v in blob for v in forms)]


def matched_terms(terms: list[str], text: str, synonyms: dict[str, set[str]]) -> list[str]:
    """The key terms (or one of their synonyms) found in ``text`` as substrings: parts of words count."""
    return _matched(term_variants(terms, synonyms), text)


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


# -- fit with the need -----------------------------------------------------------------------------------

def category_fit(categories: list[Category], wanted: Category | None) -> float:
    """1 for the wanted category (or a record's sub-category of it), 0.6 for a sibling, else 0."""
    if wanted is None:
        return 0.0
    ids = {c.id for c in categories} | {c.parent_id for c in categories if c.parent_id}
    if wanted.id in ids:
        return 1.0
    if wanted.parent_id and wanted.parent_id in ids:
        return 0.6
    return 0.0


def industry_fit(industries: list[Industry], wanted: Industry | None) -> float:
    """1 when the record serves the wanted industry, else 0; 0.5 for all when the need names none."""
    if wanted is None:
        return 0.5
    return float(any(i.id == wanted.id for i in industries))


def region_fit(region: Region | None, coverage: list[Region], wanted: Region | None) -> float:
    """Same district 1, a district it covers 0.8, city/province-wide coverage 0.6, else 0.2."""
    if wanted is None:
        return 0.5
    if region is not None and region.id == wanted.id:
        return 1.0
    if any(r.id == wanted.id for r in coverage):
        return 0.8
    if any(r.kind == "coverage" for r in coverage):
        return 0.6
    return 0.2


def offering_prices(offerings: list[Any], wanted: Category | None) -> list[Any]:
    """The active offerings that say what the need is about: those of its category (or a sub-category) when
    there are any, else all of them."""
    active = [o for o in offerings if o.active]
    if wanted is None:
        return active
    fitting = [o for o in active if o.category_id is not None and (
        o.category_id == wanted.id or (o.category is not None and o.category.parent_id == wanted.id))]
    return fitting or active


def budget_fit(offerings: list[Any], budget: int | None) -> float:
    """1 when one of ``offerings`` starts within ``budget`` (yuan), 0 when every priced one starts above it,
    0.5 when there is no budget or no price."""
    if budget is None:
        return 0.5
    prices = [o.price_min if o.price_min is not None else o.price_max for o in offerings]
    prices = [p for p in prices if p is not None]
    if not prices:
        return 0.5
    return 1.0 if min(prices) <= budget else 0.0


def deadline_fit(offerings: list[Any], deadline: date | None, today: date | None) -> float:
    """1 when one of ``offerings`` is delivered within the days left to ``deadline``, 0 when none can be,
    0.5 when there is no deadline or no delivery time."""
    if deadline is None or today is None:
        return 0.5
    days = [o.delivery_days for o in offerings if o.delivery_days is not None]
    if not days:
        return 0.5
    return 1.0 if min(days) <= (deadline - today).days else 0.0


def is_strong(parts: dict[str, float], matched: list[str], certainty: float,
              place_words: frozenset[str] = frozenset()) -> bool:
    """Whether a candidate may take a top slot: it matches one of the need's key terms that is not a place or
    industry name (大石桥, 镁质材料 say where and what trade, not what service), or offers the need's category
    (stated, or inferred from the text)."""
    return any(t not in place_words for t in matched) or parts["category"] >= certainty > 0


def order_key(rec: Recommendation, need: Need) -> tuple[int, int, float, int]:
    """Best first: in the stated region (located there or covering it) before elsewhere, serving the stated
    industry before not, then by score."""
    region_miss = int(need.region is not None and rec.parts["region"] < REGION_FITS)
    industry_miss = int(need.industry is not None and rec.parts["industry"] < 1)
    return region_miss, industry_miss, -rec.score, rec.id


# -- standing --------------------------------------------------------------------------------------------

def damped_or_prior(value: float | None, count: int) -> float:
    """The stored rating is already damped (see reviews.services.rating_of); no reviews means the prior."""
    return value if value is not None and count > 0 else RATING_PRIOR


def common_parts(record: Any, stats: ProviderStats, grade: str | None) -> dict[str, float]:
    """The parts every provider has: rating, grade, speed and load."""
    hours = stats.response_hours
    return {
        "rating": (damped_or_prior(record.rating_value, record.rating_count) - 1) / 4,
        "grade": GRADE_VALUE.get(grade or "", 0.5),
        "speed": 0.5 if hours is None else 1 / (1 + hours / SPEED_HALF_HOURS),
        "load": 1 / (1 + stats.open_requests / LOAD_HALF),
    }


def points(parts: dict[str, float]) -> dict[str, float]:
    """Each part's points, ``100 × weight × value`` to one decimal: what the score is made of."""
    return {k: round(100 * WEIGHTS[k] * v, 1) for k, v in parts.items()}


def total(parts: dict[str, float]) -> float:
    """The score, 0–100, one decimal: the sum of :func:`points` (so the points shown add up to it)."""
    return total_of(points(parts))


def total_of(pts: dict[str, float]) -> float:
    """The score of points already worked out (:func:`points`)."""
    return round(sum(pts.values()), 1)


def reasons(ctx: Context, *, record: Any, parts: dict[str, float], matched: list[str], stats: ProviderStats,
            grade: str | None = None, badge: str | None = None) -> list[str]:
    """The reasons a record ranks where it does, in the user's language, strongest first."""
    need = ctx.need
    out: list[str] = []
    if matched:
        out.append(_("Matches your need: %(terms)s", terms="、".join(matched[:4])))
    if ctx.category is not None and parts["category"] >= ctx.certainty > 0:
        out.append(_("Specialises in %(category)s", category=ctx.category.label))
    if need.industry is not None and parts["industry"] >= 1:
        out.append(_("Experienced in the %(industry)s industry", industry=need.industry.label))
    if need.region is not None and parts["region"] >= 1:
        out.append(_("Located in %(region)s", region=need.region.label))
    elif need.region is not None and parts["region"] >= 0.6:
        out.append(_("Serves %(region)s", region=need.region.label))
    if parts.get("budget") == 1.0 and need.budget is not None:
        out.append(_("Price within your budget"))
    elif parts.get("budget") == 0.0 and need.budget is not None:
        out.append(_("Prices start above your budget"))
    if parts.get("deadline") == 1.0 and need.deadline is not None:
        out.append(_("Can deliver before your deadline"))
    elif parts.get("deadline") == 0.0 and need.deadline is not None:
        out.append(_("Usual delivery time is after your deadline"))
    if record.rating_count:
        out.append(_("Rated %(value)s (%(count)s reviews)", value=f"{record.rating_value:.1f}",
                     count=record.rating_count))
    if badge:
        out.append(_("Model service institution"))
    if grade in ("A", "B"):
        out.append(_("Evaluation grade %(grade)s", grade=grade))
    if stats.response_hours is not None and stats.response_hours <= 72:
        days = max(1, math.ceil(stats.response_hours / 24))
        out.append(_("Responds within %(days)s day(s) on average", days=days))
    return out


def keep_a_newcomer_slot(top: list[Recommendation], ranked: list[Recommendation], limit: int, *,
                         now: datetime) -> None:
    """Mark the newcomers of ``top`` (``new``), and give its last slot to the most relevant unreviewed
    newcomer of the rest of ``ranked`` when none made the list on its own."""
    cutoff = now - NEW_WITHIN

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
        best.explain().reasons.append(_("Newly admitted: no reviews yet"))
        top[-1] = best
