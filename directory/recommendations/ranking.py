"""Ranking the candidates: load the records retrieval found and score them (:mod:`.scoring`), best first."""

from __future__ import annotations

from sqlalchemy.orm import selectinload
from sqlmodel import col, select

from directory.core.time import utcnow
from directory.experts.models import Expert
from directory.extensions import db
from directory.institutions.models import Institution, Offering, RecordStatus
from directory.recommendations import scoring
from directory.recommendations.need import Recommendation
from directory.recommendations.retrieval import provider_stats
from directory.recommendations.scoring import INFERRED, Context, ProviderStats
from directory.taxonomy.models import Category


def _institution_text(inst: Institution) -> str:
    return " ".join([inst.name, inst.description, *(o.title for o in inst.offerings if o.active),
                     *(o.description for o in inst.offerings if o.active), *(c.name for c in inst.categories),
                     *(i.name for i in inst.industries), *inst.qualifications, *inst.honors])


def rank_institutions(ctx: Context, scores: dict[int, float], offering_scores: dict[int, float],
                      limit: int, excluded: set[int]) -> tuple[list[Recommendation], list[Recommendation]]:
    """The best ``limit`` admitted institutions of ``scores`` (a newcomer's slot kept) and the best offerings of
    ``offering_scores`` whose institution is not ``excluded``. Sets ``ctx.category`` when the need states none
    (guessed from the institutions' text), which the experts' ranking then uses."""
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
    relevance = scoring.blend({i: share for i, (share, _m) in text_fit.items()}, scores)
    stats = provider_stats("institution", insts)
    ranked_by_text = sorted(relevance.items(), key=lambda kv: -kv[1])
    ctx.category = need.category or scoring.infer_category(
        ctx.terms, need.text, ranked_by_text, {i: inst.categories for i, inst in insts.items()})
    recs: list[Recommendation] = []
    for inst_id, inst in insts.items():
        parts = {
            "relevance": relevance.get(inst_id, 0.0),
            "category": scoring.category_fit(inst.categories, ctx.category) * (1.0 if need.category else INFERRED),
            "industry": scoring.industry_fit(inst.industries, need.industry),
            "region": scoring.region_fit(inst.region, inst.coverage, need.region),
            **scoring.common_parts(inst, stats[inst_id], inst.grade),
        }
        recs.append(Recommendation(
            type="institution", id=inst_id, name=inst.name, score=scoring.total(parts), parts=parts,
            reasons=scoring.reasons(ctx, record=inst, parts=parts, matched=text_fit[inst_id][1],
                                    stats=stats[inst_id], grade=inst.grade, badge=inst.badge),
            record=inst))
    recs.sort(key=lambda r: (-r.score, r.id))
    top = recs[:limit]
    scoring.keep_a_newcomer_slot(top, recs, limit, now=utcnow())
    return top, _rank_offerings(ctx, offering_scores, {r.id: r for r in recs}, stats, limit, excluded)


def _rank_offerings(ctx: Context, scores: dict[int, float], owners: dict[int, Recommendation],
                    stats: dict[int, ProviderStats], limit: int, excluded: set[int]) -> list[Recommendation]:
    """Offerings inherit their institution's standing; relevance and category are their own."""
    rows = [o for o in db.session.exec(select(Offering).where(col(Offering.id).in_(list(scores)), Offering.active)
                                       .options(selectinload(Offering.category))).all()  # type: ignore[arg-type]
            if o.institution_id in owners and o.institution_id not in excluded]
    fits = {o.id: ctx.fit(f"{o.title} {o.description}") for o in rows}
    relevance = scoring.blend({i: share for i, (share, _m) in fits.items()}, scores)
    recs = []
    for off in rows:
        owner = owners[off.institution_id]
        parts = {**owner.parts, "relevance": relevance.get(off.id, 0.0)}
        if off.category is not None:
            parts["category"] = scoring.category_fit([off.category], ctx.category) * (
                1.0 if ctx.need.category else INFERRED)
        recs.append(Recommendation(
            type="offering", id=off.id, name=off.title, score=scoring.total(parts), parts=parts,
            reasons=scoring.reasons(ctx, record=owner.record, parts=parts, matched=fits[off.id][1],
                                    stats=stats[off.institution_id], grade=owner.record.grade,
                                    badge=owner.record.badge),
            institution_id=off.institution_id, institution_name=owner.name, record=off))
    recs.sort(key=lambda r: (-r.score, r.id))
    return recs[:limit]


def rank_experts(ctx: Context, scores: dict[int, float], limit: int) -> list[Recommendation]:
    """The best ``limit`` admitted experts of ``scores`` (rank the institutions first: the guessed category
    of ``ctx`` is theirs)."""
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
    relevance = scoring.blend({i: share for i, (share, _m) in fits.items()}, scores)
    stats = provider_stats("expert", experts)
    recs = []
    for expert_id, expert in experts.items():
        parts = {
            "relevance": relevance.get(expert_id, 0.0),
            "category": scoring.category_fit(expert.categories, ctx.category),
            "industry": scoring.industry_fit(expert.industries, need.industry),
            "region": scoring.region_fit(expert.region, [], need.region),
            **scoring.common_parts(expert, stats[expert_id], None),
        }
        recs.append(Recommendation(
            type="expert", id=expert_id, name=expert.name, score=scoring.total(parts), parts=parts,
            reasons=scoring.reasons(ctx, record=expert, parts=parts, matched=fits[expert_id][1],
                                    stats=stats[expert_id]),
            record=expert))
    recs.sort(key=lambda r: (-r.score, r.id))
    return recs[:limit]
