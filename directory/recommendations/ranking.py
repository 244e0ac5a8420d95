"""Ranking the candidates: score the profiles of the records retrieval found (:mod:`.scoring`; the profiles,
read from the search documents, are in :mod:`.profiles`), best first.

Each ranking returns the top slots (candidates matching the need's category or one of its key terms, in
:func:`.scoring.order_key` order) and the weaker candidates, for "see also" (也可以看看).
"""

from __future__ import annotations

from collections.abc import Callable
from functools import partial
from typing import Any

from flask_babel import gettext as _

from directory.core.time import utcnow
from directory.recommendations import scoring
from directory.recommendations.need import Recommendation
from directory.recommendations.profiles import Profile
from directory.recommendations.scoring import Context

SEE_ALSO = 5  # weaker candidates shown under "see also", at most


def _split(ctx: Context, recs: list[Recommendation], strong: set[int], limit: int
           ) -> tuple[list[Recommendation], list[Recommendation]]:
    """The top ``limit`` of the strong candidates in order, and the best few of the others by score (each
    told why it is only there)."""
    top = sorted((r for r in recs if r.id in strong), key=lambda r: scoring.order_key(r, ctx.need))
    weak = sorted((r for r in recs if r.id not in strong), key=lambda r: (-r.score, r.id))[:min(limit, SEE_ALSO)]
    for r in weak:
        r.explain().reasons.insert(0, _("Matches neither the category nor the key words of your need"))
    return top, weak


def _category_part(ctx: Context, categories: list[Any]) -> float:
    return scoring.category_fit(categories, ctx.category) * ctx.certainty


def _recommendation(kind: str, record: Any, name: str, parts: dict[str, float],
                    explainer: Callable[[], list[str]], **extra: Any) -> Recommendation:
    """A scored candidate; its reasons are worded when it is shown (:meth:`Recommendation.explain`)."""
    pts = scoring.points(parts)
    return Recommendation(type=kind, id=record.id, name=name, score=scoring.total_of(pts), parts=parts,
                          points=pts, reasons=[], record=record, explainer=explainer, **extra)


def rank_institutions(ctx: Context, scores: dict[int, float], offering_scores: dict[int, float],
                      limit: int, excluded: set[int], profiles: dict[str, dict[int, Profile]]
                      ) -> tuple[list[Recommendation], list[Recommendation], list[Recommendation], list[Recommendation]]:
    """The best ``limit`` admitted institutions of ``scores`` (a newcomer's slot kept) and the weaker ones,
    then the best offerings of ``offering_scores`` whose institution is not ``excluded`` and the weaker ones.
    ``profiles``: what is known of each candidate (:mod:`.profiles`); a candidate without one is not admitted."""
    if not scores:
        return [], [], [], []
    need = ctx.need
    insts = {i: p for i in scores if (p := profiles["institution"].get(i)) is not None}
    text_fit = {i: ctx.fit(inst.text) for i, inst in insts.items()}
    relevance = scoring.blend({i: share for i, (share, _m) in text_fit.items()}, scores)
    recs: list[Recommendation] = []
    strong: set[int] = set()
    for inst_id, inst in insts.items():
        offered = scoring.offering_prices(inst.offerings, ctx.category)
        parts = {
            "relevance": relevance.get(inst_id, 0.0),
            "category": _category_part(ctx, inst.categories),
            "industry": scoring.industry_fit(inst.industries, need.industry),  # type: ignore[arg-type]
            "region": scoring.region_fit(inst.region, inst.coverage, need.region),  # type: ignore[arg-type]
            **scoring.common_parts(inst, inst.stats, inst.grade),
            "budget": scoring.budget_fit(offered, need.budget),
            "deadline": scoring.deadline_fit(offered, need.deadline, ctx.today),
        }
        if scoring.is_strong(parts, text_fit[inst_id][1], ctx.certainty, ctx.place_words):
            strong.add(inst_id)
        recs.append(_recommendation(
            "institution", inst, inst.name, parts,
            partial(scoring.reasons, ctx, record=inst, parts=parts, matched=text_fit[inst_id][1], stats=inst.stats,
                    grade=inst.grade, badge=inst.badge)))
    ranked, weak = _split(ctx, recs, strong, limit)
    top = ranked[:limit]
    scoring.keep_a_newcomer_slot(top, ranked, limit, now=utcnow())
    owners = {r.id: r for r in recs}
    offerings, weak_offerings = _rank_offerings(ctx, offering_scores, owners, strong, limit, excluded,
                                                profiles["offering"])
    return top, weak, offerings, weak_offerings


def _rank_offerings(ctx: Context, scores: dict[int, float], owners: dict[int, Recommendation], strong_owners: set[int],
                    limit: int, excluded: set[int], profiles: dict[int, Profile]
                    ) -> tuple[list[Recommendation], list[Recommendation]]:
    """Offerings inherit their institution's standing; relevance, category, price and delivery are their own."""
    rows = [o for i in scores if (o := profiles.get(i)) is not None
            and o.institution_id in owners and o.institution_id not in excluded]
    fits = {o.id: ctx.fit(o.text) for o in rows}
    relevance = scoring.blend({i: share for i, (share, _m) in fits.items()}, scores)
    recs = []
    strong: set[int] = set()
    for off in rows:
        owner = owners[off.institution_id]  # type: ignore[index]
        own = off.offering
        parts = {**owner.parts, "relevance": relevance.get(off.id, 0.0),
                 "budget": scoring.budget_fit([own], ctx.need.budget),
                 "deadline": scoring.deadline_fit([own], ctx.need.deadline, ctx.today)}
        if own is not None and own.category is not None:
            parts["category"] = _category_part(ctx, [own.category])
        if off.institution_id in strong_owners and scoring.is_strong(parts, fits[off.id][1], ctx.certainty, ctx.place_words):
            strong.add(off.id)
        recs.append(_recommendation(
            "offering", off, off.name, parts,
            partial(scoring.reasons, ctx, record=owner.record, parts=parts, matched=fits[off.id][1],
                    stats=owner.record.stats, grade=owner.record.grade, badge=owner.record.badge),
            institution_id=off.institution_id, institution_name=owner.name))
    top, weak = _split(ctx, recs, strong, limit)
    return top[:limit], weak


def rank_experts(ctx: Context, scores: dict[int, float], limit: int, profiles: dict[int, Profile]
                 ) -> tuple[list[Recommendation], list[Recommendation]]:
    """The best ``limit`` admitted experts of ``scores``, and the weaker ones."""
    if not scores:
        return [], []
    need = ctx.need
    experts = {i: p for i in scores if (p := profiles.get(i)) is not None}
    fits = {i: ctx.fit(e.text) for i, e in experts.items()}
    relevance = scoring.blend({i: share for i, (share, _m) in fits.items()}, scores)
    recs = []
    strong: set[int] = set()
    for expert_id, expert in experts.items():
        parts = {
            "relevance": relevance.get(expert_id, 0.0),
            "category": _category_part(ctx, expert.categories),
            "industry": scoring.industry_fit(expert.industries, need.industry),  # type: ignore[arg-type]
            "region": scoring.region_fit(expert.region, [], need.region),  # type: ignore[arg-type]
            **scoring.common_parts(expert, expert.stats, None),
            "budget": scoring.budget_fit([], need.budget),
            "deadline": scoring.deadline_fit([], need.deadline, ctx.today),
        }
        if scoring.is_strong(parts, fits[expert_id][1], ctx.certainty, ctx.place_words):
            strong.add(expert_id)
        recs.append(_recommendation(
            "expert", expert, expert.name, parts,
            partial(scoring.reasons, ctx, record=expert, parts=parts, matched=fits[expert_id][1], stats=expert.stats)))
    top, weak = _split(ctx, recs, strong, limit)
    return top[:limit], weak
