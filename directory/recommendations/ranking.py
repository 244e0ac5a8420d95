"""Ranking the candidates: load the records retrieval found and score them (:mod:`.scoring`), best first.

Each ranking returns the top slots (candidates matching the need's category or one of its key terms, in
:func:`.scoring.order_key` order) and the weaker candidates, for "see also" (也可以看看).
"""

from __future__ import annotations

from typing import Any

from flask_babel import gettext as _
from sqlalchemy.orm import selectinload
from sqlmodel import col, select

from directory.core.time import utcnow
from directory.experts.models import Expert
from directory.extensions import db
from directory.institutions.models import Institution, Offering, RecordStatus
from directory.recommendations import scoring
from directory.recommendations.need import Recommendation
from directory.recommendations.retrieval import provider_stats
from directory.recommendations.scoring import Context, ProviderStats
from directory.taxonomy.models import Category

SEE_ALSO = 5  # weaker candidates shown under "see also", at most


def _institution_text(inst: Institution) -> str:
    return " ".join([inst.name, inst.description, *(o.title for o in inst.offerings if o.active),
                     *(o.description for o in inst.offerings if o.active), *(c.name for c in inst.categories),
                     *(i.name for i in inst.industries), *inst.qualifications, *inst.honors])


def _split(ctx: Context, recs: list[Recommendation], strong: set[int], limit: int
           ) -> tuple[list[Recommendation], list[Recommendation]]:
    """The top ``limit`` of the strong candidates in order, and the best few of the others by score (each
    told why it is only there)."""
    top = sorted((r for r in recs if r.id in strong), key=lambda r: scoring.order_key(r, ctx.need))
    weak = sorted((r for r in recs if r.id not in strong), key=lambda r: (-r.score, r.id))[:min(limit, SEE_ALSO)]
    for r in weak:
        r.reasons.insert(0, _("Matches neither the category nor the key words of your need"))
    return top, weak


def _category_part(ctx: Context, categories: list[Category]) -> float:
    return scoring.category_fit(categories, ctx.category) * ctx.certainty


def _recommendation(kind: str, record: Any, name: str, parts: dict[str, float], reasons: list[str],
                    **extra: Any) -> Recommendation:
    return Recommendation(type=kind, id=record.id, name=name, score=scoring.total(parts), parts=parts,
                          points=scoring.points(parts), reasons=reasons, record=record, **extra)


def rank_institutions(ctx: Context, scores: dict[int, float], offering_scores: dict[int, float],
                      limit: int, excluded: set[int]) -> tuple[list[Recommendation], list[Recommendation],
                                                               list[Recommendation], list[Recommendation]]:
    """The best ``limit`` admitted institutions of ``scores`` (a newcomer's slot kept) and the weaker ones,
    then the best offerings of ``offering_scores`` whose institution is not ``excluded`` and the weaker ones."""
    if not scores:
        return [], [], [], []
    need = ctx.need
    rows = db.session.exec(select(Institution).where(
        col(Institution.id).in_(list(scores)), Institution.status == RecordStatus.ADMITTED).options(
        selectinload(Institution.categories).selectinload(Category.parent),  # type: ignore[arg-type]
        selectinload(Institution.industries), selectinload(Institution.coverage),  # type: ignore[arg-type]
        selectinload(Institution.region),  # type: ignore[arg-type]
        selectinload(Institution.offerings).selectinload(Offering.category))).all()  # type: ignore[arg-type]
    insts = {i.id: i for i in rows}
    text_fit = {i: ctx.fit(_institution_text(inst)) for i, inst in insts.items()}
    relevance = scoring.blend({i: share for i, (share, _m) in text_fit.items()}, scores)
    stats = provider_stats("institution", insts)
    recs: list[Recommendation] = []
    strong: set[int] = set()
    for inst_id, inst in insts.items():
        offered = scoring.offering_prices(inst.offerings, ctx.category)
        parts = {
            "relevance": relevance.get(inst_id, 0.0),
            "category": _category_part(ctx, inst.categories),
            "industry": scoring.industry_fit(inst.industries, need.industry),
            "region": scoring.region_fit(inst.region, inst.coverage, need.region),
            **scoring.common_parts(inst, stats[inst_id], inst.grade),
            "budget": scoring.budget_fit(offered, need.budget),
            "deadline": scoring.deadline_fit(offered, need.deadline, ctx.today),
        }
        if scoring.is_strong(parts, text_fit[inst_id][1], ctx.certainty, ctx.place_words):
            strong.add(inst_id)
        recs.append(_recommendation(
            "institution", inst, inst.name, parts,
            scoring.reasons(ctx, record=inst, parts=parts, matched=text_fit[inst_id][1], stats=stats[inst_id],
                            grade=inst.grade, badge=inst.badge)))
    ranked, weak = _split(ctx, recs, strong, limit)
    top = ranked[:limit]
    scoring.keep_a_newcomer_slot(top, ranked, limit, now=utcnow())
    owners = {r.id: r for r in recs}
    offerings, weak_offerings = _rank_offerings(ctx, offering_scores, owners, strong, stats, limit, excluded)
    return top, weak, offerings, weak_offerings


def _rank_offerings(ctx: Context, scores: dict[int, float], owners: dict[int, Recommendation], strong_owners: set[int],
                    stats: dict[int, ProviderStats], limit: int, excluded: set[int]
                    ) -> tuple[list[Recommendation], list[Recommendation]]:
    """Offerings inherit their institution's standing; relevance, category, price and delivery are their own."""
    rows = [o for o in db.session.exec(select(Offering).where(col(Offering.id).in_(list(scores)), Offering.active)
                                       .options(selectinload(Offering.category))).all()  # type: ignore[arg-type]
            if o.institution_id in owners and o.institution_id not in excluded]
    fits = {o.id: ctx.fit(f"{o.title} {o.description}") for o in rows}
    relevance = scoring.blend({i: share for i, (share, _m) in fits.items()}, scores)
    recs = []
    strong: set[int] = set()
    for off in rows:
        owner = owners[off.institution_id]
        parts = {**owner.parts, "relevance": relevance.get(off.id, 0.0),
                 "budget": scoring.budget_fit([off], ctx.need.budget),
                 "deadline": scoring.deadline_fit([off], ctx.need.deadline, ctx.today)}
        if off.category is not None:
            parts["category"] = _category_part(ctx, [off.category])
        if off.institution_id in strong_owners and scoring.is_strong(parts, fits[off.id][1], ctx.certainty, ctx.place_words):
            strong.add(off.id)  # type: ignore[arg-type]
        recs.append(_recommendation(
            "offering", off, off.title, parts,
            scoring.reasons(ctx, record=owner.record, parts=parts, matched=fits[off.id][1],
                            stats=stats[off.institution_id], grade=owner.record.grade, badge=owner.record.badge),
            institution_id=off.institution_id, institution_name=owner.name))
    top, weak = _split(ctx, recs, strong, limit)
    return top[:limit], weak


def rank_experts(ctx: Context, scores: dict[int, float], limit: int
                 ) -> tuple[list[Recommendation], list[Recommendation]]:
    """The best ``limit`` admitted experts of ``scores``, and the weaker ones."""
    if not scores:
        return [], []
    need = ctx.need
    rows = db.session.exec(select(Expert).where(
        col(Expert.id).in_(list(scores)), Expert.status == RecordStatus.ADMITTED).options(
        selectinload(Expert.categories).selectinload(Category.parent),  # type: ignore[arg-type]
        selectinload(Expert.industries), selectinload(Expert.region))).all()  # type: ignore[arg-type]
    experts = {e.id: e for e in rows}
    fits = {i: ctx.fit(" ".join([e.name, e.title, e.organization, e.bio, *e.expertise,
                                 *(c.name for c in e.categories)]))
            for i, e in experts.items()}
    relevance = scoring.blend({i: share for i, (share, _m) in fits.items()}, scores)
    stats = provider_stats("expert", experts)
    recs = []
    strong: set[int] = set()
    for expert_id, expert in experts.items():
        parts = {
            "relevance": relevance.get(expert_id, 0.0),
            "category": _category_part(ctx, expert.categories),
            "industry": scoring.industry_fit(expert.industries, need.industry),
            "region": scoring.region_fit(expert.region, [], need.region),
            **scoring.common_parts(expert, stats[expert_id], None),
            "budget": scoring.budget_fit([], need.budget),
            "deadline": scoring.deadline_fit([], need.deadline, ctx.today),
        }
        if scoring.is_strong(parts, fits[expert_id][1], ctx.certainty, ctx.place_words):
            strong.add(expert_id)
        recs.append(_recommendation(
            "expert", expert, expert.name, parts,
            scoring.reasons(ctx, record=expert, parts=parts, matched=fits[expert_id][1], stats=stats[expert_id])))
    top, weak = _split(ctx, recs, strong, limit)
    return top[:limit], weak
