"""Demo activity for `flask seed demo`: the enterprises' needs, engagements in every state and reviews with
a believable spread, so a newcomer's first start shows populated pages and ratings.

Deterministic (a fixed random seed) and written once: when any need exists, nothing is added. Records are
written directly with past timestamps (a real request cannot be accepted "three months ago" through the
services); ratings are then computed by the real rating service.
"""

from __future__ import annotations

import random
from datetime import timedelta
from typing import Any

from sqlmodel import select

from directory.core.time import utcnow
from directory.demands.models import Demand, DemandStatus
from directory.engagements.models import Engagement, EngagementStatus
from directory.enterprises.models import Enterprise
from directory.extensions import db
from directory.recommendations.services import Need, recommend
from directory.reviews.models import FollowUpStatus, Review, Verdict
from directory.reviews.rating import recompute_rating

S = EngagementStatus
# Government 好差评 data is strongly positive; a few bad reviews keep the follow-up pages alive.
VERDICTS = [(Verdict.VERY_SATISFIED, 0.46, 5), (Verdict.SATISFIED, 0.33, 4),
            (Verdict.BASICALLY_SATISFIED, 0.12, 3), (Verdict.DISSATISFIED, 0.06, 2),
            (Verdict.VERY_DISSATISFIED, 0.03, 1)]
OUTCOMES = [(S.COMPLETED, 0.58), (S.IN_PROGRESS, 0.1), (S.ACCEPTED, 0.07), (S.REQUESTED, 0.1),
            (S.DECLINED, 0.08), (S.CANCELLED, 0.07)]
COMMENTS = {5: ["响应很快，方案专业，推荐。", "全程跟进，材料准备得很细致。", "比预期提前完成，价格合理。"],
            4: ["整体满意，沟通顺畅。", "专业能力不错，个别环节稍慢。", "服务规范，有问必答。"],
            3: ["基本达到预期，进度略慢。", "结果可以，沟通需要加强。"],
            2: ["多次催促才有回复，拖延较久。", "收费与事先说的不一致。"],
            1: ["承诺的时间一再延误，问题没有解决。"]}


def _pick(rng: random.Random, table: list[tuple[Any, float]]) -> Any:
    values, weights = zip(*table, strict=True)
    return rng.choices(values, weights)[0]


def seed_activity(enterprises: list[dict[str, Any]]) -> None:
    """Needs from seeds/demo/enterprises.json, engagements and reviews around them. Idempotent."""
    if db.session.exec(select(Demand.id)).first() is not None:
        return
    rng = random.Random(2026)
    now = utcnow()
    by_name = {e.name: e for e in db.session.exec(select(Enterprise)).all()}
    touched: set[tuple[str, int]] = set()
    for item in enterprises:
        enterprise = by_name.get(item["name"])
        if enterprise is None:
            continue
        for text in item.get("needs", []):
            created = now - timedelta(days=rng.randint(5, 330), hours=rng.randint(0, 23))
            demand = Demand(enterprise_id=enterprise.id, title=text[:30].rstrip("，。,") , text=text,  # type: ignore[arg-type]
                            visibility="public" if rng.random() < 0.8 else "staff", created_at=created,
                            updated_at=created)
            db.session.add(demand)
            db.session.flush()
            recs = recommend(Need(text=text, industry=enterprise.industry, region=enterprise.region), limit=3,
                             use_search=False)
            providers = [("institution", r.id) for r in recs.institutions[:2]]
            if recs.experts and rng.random() < 0.3:
                providers.append(("expert", recs.experts[0].id))
            if not providers or rng.random() < 0.12:
                continue  # some needs stay unanswered: staff see them in "nobody answered yet"
            for kind, provider_id in providers[: rng.choice((1, 1, 2))]:
                _engagement(rng, demand, kind, provider_id, now)
                touched.add((kind, provider_id))
    for kind, provider_id in sorted(touched):
        recompute_rating(**{f"{kind}_id": provider_id})


def _engagement(rng: random.Random, demand: Demand, kind: str, provider_id: int, now: Any) -> None:
    status = _pick(rng, OUTCOMES)
    requested = demand.created_at + timedelta(hours=rng.randint(2, 72))
    e = Engagement(enterprise_id=demand.enterprise_id, demand_id=demand.id, status=status,
                   message=f"您好，关于“{demand.title}”，希望贵方提供服务。", requested_at=requested,
                   institution_id=provider_id if kind == "institution" else None,
                   expert_id=provider_id if kind == "expert" else None)
    if requested > now - timedelta(days=3) and status != S.REQUESTED:
        status = e.status = S.REQUESTED
    if status != S.REQUESTED:
        e.responded_at = requested + timedelta(hours=rng.choice((1, 3, 6, 20, 30, 50, 90)))
    if status == S.DECLINED:
        e.decline_reason = rng.choice(["本月项目已排满，建议联系同类机构。", "该需求不在我们的服务范围内。"])
    if status == S.CANCELLED:
        e.cancelled_at = requested + timedelta(days=2)
        e.cancel_reason = "企业内部计划调整，暂缓。"
    if status in (S.ACCEPTED, S.IN_PROGRESS, S.COMPLETED):
        e.due_date = (requested + timedelta(days=rng.randint(15, 60))).date()
        if demand.answered_at is None or e.responded_at < demand.answered_at:  # type: ignore[operator]
            demand.answered_at = e.responded_at
        demand.status = DemandStatus.ANSWERED
    if status in (S.IN_PROGRESS, S.COMPLETED) and e.responded_at is not None:
        e.started_at = e.responded_at + timedelta(days=1)
    if status == S.COMPLETED and e.started_at is not None:
        e.completed_at = min(now - timedelta(hours=1), e.started_at + timedelta(days=rng.randint(3, 50)))
    db.session.add_all([e, demand])
    db.session.flush()
    if status == S.COMPLETED and rng.random() < 0.85:
        _review(rng, e)


def _review(rng: random.Random, e: Engagement) -> None:
    verdict, _p, base = VERDICTS[[v for v, _w, _b in VERDICTS].index(_pick(rng, [(v, p) for v, p, _b in VERDICTS]))]
    def dim() -> int:
        return max(1, min(5, base + rng.choice((-1, 0, 0, 0, 1))))

    bad = base <= 2
    assert e.completed_at is not None
    r = Review(engagement_id=e.id, enterprise_id=e.enterprise_id, institution_id=e.institution_id,
               expert_id=e.expert_id, verdict=verdict, comment=rng.choice(COMMENTS[base]),
               recommend=base >= 4 if rng.random() < 0.8 else None,
               created_at=e.completed_at + timedelta(days=rng.randint(0, 5)),
               quality=dim(), efficiency=dim(), expertise=dim(), attitude=dim(), price=dim())
    if bad:
        r.followup_status = rng.choice((FollowUpStatus.OPEN, FollowUpStatus.RESPONDED, FollowUpStatus.CLOSED))
        if r.followup_status != FollowUpStatus.OPEN:
            r.provider_response = "已与企业沟通，调整了服务人员并补充交付。"
            r.provider_responded_at = r.created_at + timedelta(days=2)
        if r.followup_status == FollowUpStatus.CLOSED:
            r.followup_note = "企业确认整改到位。"
            r.followup_closed_at = r.created_at + timedelta(days=6)
    elif rng.random() < 0.25:
        r.reply = "感谢您的认可，期待继续合作！"
        r.replied_at = r.created_at + timedelta(days=1)
    db.session.add(r)
    db.session.flush()

