"""Computing a period's evaluation (考核评价) from recorded data only.

Every input is one set-based aggregate query over the whole directory (GROUP BY institution), so the cost
grows with the data, not with round trips: a period over 100,000 institutions is a dozen queries. The
scores are then derived from those aggregated rows in one pass and written back in bulk.

Dimensions (raw values in [0, 1]; counts are capped so that one giant does not flatten the scale):

- 综合实力 strength = 0.30·years operating (/20) + 0.25·staff (log, /200) + 0.25·qualifications (/5)
  + 0.20·titles and honours such as 示范平台 (/3)
- 市场覆盖 coverage = 0.40·distinct SMEs served (log, /50) + 0.20·their industries (/5)
  + 0.20·their districts (/5) + 0.20·event meetings held (/10)
- 服务质量 quality = 0.70·damped mean review score ((x−1)/4; prior 3.5 counted twice)
  + 0.30·(1 − damped complaint rate; prior 10 % counted twice)
- 服务效率 efficiency = 0.35·first-response speed (1/(1 + mean hours/48); none: 0.5)
  + 0.25·acceptance rate + 0.25·on-time completion + 0.15·bad reviews closed within 15 days
  (each rate damped towards 0.8 with a weight of two, one for the last)
- 企业评价 satisfaction = 0.70·Wilson lower bound (95 %) of the 好评 share (非常满意 + 满意)
  + 0.30·Wilson lower bound of "would recommend"; no reviews gives 0: satisfaction needs evidence.

Each dimension's score is ``40 + 60 × (0.3·raw + 0.7·percentile among the institutions of the same
top-level category)`` (:func:`scale`): mostly where an institution stands among its peers, partly how good
it is in absolute terms, on a scale where the default thresholds (A ≥ 90, B ≥ 80, C ≥ 60) separate the
best, the good, the adequate and the inactive. The
composite is the weighted mean (weights stored with the period), the grade follows the period's
thresholds, and the rank is within the category.

A run is a frozen snapshot. Its reference time is the end of the period's last day: only what the records
show had happened by then counts (a request answered, accepted or completed later, a bad review's follow-up
closed later, a follow-up review written later do not), so re-running a past period on the same records
gives the same numbers however much later it is run. What was read is stored in ``Evaluation.inputs``
(:func:`snapshot`), and the scores are a pure function of those stored inputs (:func:`raw_scores`,
:func:`score`), so a past period can be reproduced and explained from its own rows.

Nothing here is public: a run writes the period's rows only. Publishing the period
(:func:`apply_to_institutions`) copies grade and composite onto the institutions, which is what the public
pages, the index and the recommendations read.
"""

from __future__ import annotations

import math
from collections import defaultdict
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta  # noqa: F401  (timedelta is used by services)
from typing import Any

from sqlalchemy import Date, and_, case, cast, delete, distinct, func, insert, literal, or_, select, update

from directory.engagements.models import Engagement
from directory.enterprises.models import Enterprise
from directory.evaluation.models import DIMENSIONS, Evaluation, EvaluationPeriod, PeriodStatus
from directory.events.models import Event, EventParticipant, Meeting, MeetingRequest
from directory.extensions import db
from directory.institutions.models import Institution, InstitutionCategory, RecordStatus
from directory.reviews.models import Review
from directory.taxonomy.models import Category

DEFAULT_WEIGHTS = {"strength": 0.15, "coverage": 0.15, "quality": 0.25, "efficiency": 0.20, "satisfaction": 0.25}
DEFAULT_THRESHOLDS = {"A": 90.0, "B": 80.0, "C": 60.0}
GOOD = ("very_satisfied", "satisfied")
BAD = ("dissatisfied", "very_dissatisfied")
ACTIVE = ("accepted", "in_progress", "completed")
BATCH = 5000


def period_bounds(code: str) -> tuple[date, date]:
    """``2026`` → the year, ``2026Q3`` → July–September. Raises ValueError for anything else."""
    code = code.strip().upper()
    if len(code) == 4 and code.isdigit():
        year = int(code)
        return date(year, 1, 1), date(year, 12, 31)
    if len(code) == 6 and code[:4].isdigit() and code[4] == "Q" and code[5] in "1234":
        year, q = int(code[:4]), int(code[5])
        start = date(year, 3 * q - 2, 1)
        end = (date(year + (q == 4), 1 if q == 4 else 3 * q + 1, 1) - timedelta(days=1))
        return start, end
    raise ValueError(code)


def _ts(day: date) -> datetime:
    return datetime(day.year, day.month, day.day, tzinfo=UTC)


def _hours(later: Any, earlier: Any) -> Any:
    """``later − earlier`` in hours, in the database's own dialect."""
    if db.session.get_bind().dialect.name == "sqlite":
        return (func.julianday(later) - func.julianday(earlier)) * 24.0
    return func.extract("epoch", later - earlier) / 3600.0


def _json_len(column: Any) -> Any:
    """Length of a JSON list column (json_array_length exists in SQLite and, for json, in PostgreSQL)."""
    return func.coalesce(func.json_array_length(column), 0)


def _rows(query: Any) -> dict[int, Any]:
    return {row[0]: row for row in db.session.execute(query).all()}


@dataclass
class Inputs:
    """Everything read from the database for one period, keyed by institution id."""

    institutions: dict[int, Any]
    category: dict[int, int]
    engagements: dict[int, Any]
    reach: dict[int, Any]
    reviews: dict[int, Any]
    followups: dict[int, Any]
    meetings: dict[int, Any]


def _c(model: Any) -> Any:
    """A table's columns, for Core queries (typed loosely: SQLModel's attributes confuse the type checker)."""
    return model.__table__.c


def gather(start: date, end: date) -> Inputs:
    """The period's aggregates, one query each, over every admitted institution, as the records stood at the
    period's end: a timestamp after it does not count, whenever the run happens."""
    lo, hi = _ts(start), _ts(end + timedelta(days=1))
    e, i, ic, c = _c(Engagement), _c(Institution), _c(InstitutionCategory), _c(Category)
    in_period = and_(e.requested_at >= lo, e.requested_at < hi, e.institution_id.is_not(None))
    institutions = _rows(select(i.id, i.founded_year, i.staff_count, _json_len(i.qualifications),
                                _json_len(i.honors)).where(i.status == RecordStatus.ADMITTED))
    top = func.coalesce(c.parent_id, c.id)
    category = {row[0]: row[1] for row in db.session.execute(
        select(ic.institution_id, func.min(top)).join(Category.__table__, c.id == ic.category_id)  # type: ignore[attr-defined]
        .group_by(ic.institution_id))}
    responded = and_(e.responded_at.is_not(None), e.responded_at < hi)
    completed = and_(e.status == "completed", e.completed_at.is_not(None), e.completed_at < hi)
    # Acceptance has no timestamp of its own: an active request answered by the period's end was accepted then.
    accepted = and_(responded, e.status.in_(ACTIVE))
    engagements = _rows(select(
        e.institution_id,
        func.count(),
        func.sum(case((responded, 1), else_=0)),
        func.avg(case((responded, _hours(e.responded_at, e.requested_at)), else_=None)),
        func.sum(case((accepted, 1), else_=0)),
        func.sum(case((and_(completed, e.due_date.is_not(None)), 1), else_=0)),
        func.sum(case((and_(completed, e.due_date.is_not(None),
                            cast(e.completed_at, Date) <= e.due_date), 1), else_=0)),
    ).where(in_period).group_by(e.institution_id))
    ent = Enterprise.__table__.alias("ent")  # type: ignore[attr-defined]
    reach = _rows(select(e.institution_id, func.count(distinct(e.enterprise_id)),
                         func.count(distinct(ent.c.industry_id)), func.count(distinct(ent.c.region_id)))
                  .join(ent, ent.c.id == e.enterprise_id).where(in_period, accepted)
                  .group_by(e.institution_id))
    r = _c(Review)
    replaced = Review.__table__.alias("replaced").c  # type: ignore[attr-defined]
    # A valid follow-up review written by the period's end replaces the first one of the same engagement or
    # meeting (as in the rating).
    superseded = select(literal(1)).where(
        replaced.kind == "followup", replaced.created_at < hi, replaced.invalid.is_(False),
        replaced.approval == "approved",
        or_(and_(replaced.engagement_id.is_not(None), replaced.engagement_id == r.engagement_id),
            and_(replaced.meeting_id.is_not(None), replaced.meeting_id == r.meeting_id)))
    valid = and_(r.created_at >= lo, r.created_at < hi, r.invalid.is_(False), r.approval == "approved",
                 r.institution_id.is_not(None),
                 or_(r.kind == "followup", ~superseded.exists()))
    score = (r.quality + r.expertise + r.attitude + r.price) / 4.0
    reviews = _rows(select(
        r.institution_id, func.count(), func.sum(score), func.sum(case((r.verdict.in_(BAD), 1), else_=0)),
        func.sum(case((r.verdict.in_(GOOD), 1), else_=0)),
        func.sum(case((r.recommend.is_(True), 1), else_=0)),
        func.sum(case((r.recommend.is_not(None), 1), else_=0)),
    ).where(valid).group_by(r.institution_id))
    closed_in_time = and_(r.followup_closed_at.is_not(None), r.followup_closed_at < hi,
                          _hours(r.followup_closed_at, r.created_at) <= 15 * 24)
    followups = _rows(select(r.institution_id, func.count(), func.sum(case((closed_in_time, 1), else_=0)))
                      .where(r.created_at >= lo, r.created_at < hi, r.verdict.in_(BAD), r.kind == "initial",
                             r.invalid.is_(False), r.approval == "approved", r.institution_id.is_not(None))
                      .group_by(r.institution_id))
    participant = EventParticipant.__table__  # type: ignore[attr-defined]
    p1, p2 = participant.alias("p1"), participant.alias("p2")
    m, mr, ev = _c(Meeting), _c(MeetingRequest), _c(Event)
    provider = func.coalesce(p1.c.institution_id, p2.c.institution_id)
    meetings = _rows(select(provider, func.count())
                     .select_from(Meeting.__table__.join(MeetingRequest.__table__, mr.id == m.request_id)  # type: ignore[attr-defined]
                                  .join(p1, p1.c.id == mr.requester_id).join(p2, p2.c.id == mr.recipient_id)
                                  .join(Event.__table__, ev.id == m.event_id))  # type: ignore[attr-defined]
                     .where(m.status == "held", ev.starts_on >= start, ev.starts_on <= end, provider.is_not(None))
                     .group_by(provider))
    return Inputs(institutions=institutions, category=category, engagements=engagements, reach=reach,
                  reviews=reviews, followups=followups, meetings=meetings)


def wilson_lower(successes: float, n: float, z: float = 1.96) -> float:
    """The lower bound of the Wilson score interval: a share that small samples cannot inflate."""
    if n <= 0:
        return 0.0
    p = successes / n
    denominator = 1 + z * z / n
    centre = p + z * z / (2 * n)
    margin = z * math.sqrt(p * (1 - p) / n + z * z / (4 * n * n))
    return max(0.0, (centre - margin) / denominator)


def _damped(part: float, whole: float, prior: float, weight: float) -> float:
    return (part + prior * weight) / (whole + weight)


def _cap(value: float, top: float) -> float:
    return min(max(value, 0.0), top) / top


def _log_cap(value: float, top: float) -> float:
    return min(math.log1p(max(value, 0.0)) / math.log1p(top), 1.0)


def snapshot(inst_id: int, data: Inputs, year: int) -> dict[str, Any]:
    """What the run read for one institution, as stored in ``Evaluation.inputs`` (plain JSON values, rounded
    where they are stored rounded): the scores are computed from exactly this, never from the live rows."""
    _id, founded, staff, quals, honors = data.institutions[inst_id]
    _i, n_eng, n_resp, mean_hours, n_active, n_due, n_on_time = data.engagements.get(inst_id) or (inst_id, 0, 0, None, 0, 0, 0)
    _r, smes, industries, regions = data.reach.get(inst_id) or (inst_id, 0, 0, 0)
    _v, n_rev, score_sum, n_bad, n_good, n_rec, n_rec_answered = data.reviews.get(inst_id) or (inst_id, 0, 0, 0, 0, 0, 0)
    _f, n_bad_initial, n_closed_in_time = data.followups.get(inst_id) or (inst_id, 0, 0)
    held = (data.meetings.get(inst_id) or (inst_id, 0))[1]
    return {"years": max(0, year - founded) if founded else 0, "staff": int(staff or 0),
            "qualifications": int(quals or 0), "honors": int(honors or 0),
            "engagements": int(n_eng or 0), "responded": int(n_resp or 0),
            "mean_response_hours": round(float(mean_hours), 1) if mean_hours is not None else None,
            "accepted": int(n_active or 0), "completed_with_date": int(n_due or 0),
            "completed_on_time": int(n_on_time or 0), "smes": int(smes or 0), "industries": int(industries or 0),
            "regions": int(regions or 0), "meetings_held": int(held or 0), "reviews": int(n_rev or 0),
            "review_score_sum": round(float(score_sum or 0), 2), "bad_reviews": int(n_bad or 0),
            "good_reviews": int(n_good or 0), "recommend_yes": int(n_rec or 0),
            "recommend_answered": int(n_rec_answered or 0), "bad_followups": int(n_bad_initial or 0),
            "bad_closed_in_time": int(n_closed_in_time or 0), "category_id": data.category.get(inst_id)}


def raw_scores(i: dict[str, Any]) -> dict[str, float]:
    """The five raw dimension values (0 … 1) of one institution's stored inputs (:func:`snapshot`)."""
    n_rev, hours = i["reviews"], i["mean_response_hours"]
    mean_score = _damped(i["review_score_sum"], n_rev, 3.5, 2)
    raw = {
        "strength": 0.30 * _cap(i["years"], 20) + 0.25 * _log_cap(i["staff"], 200)
        + 0.25 * _cap(i["qualifications"], 5) + 0.20 * _cap(i["honors"], 3),
        "coverage": 0.40 * _log_cap(i["smes"], 50) + 0.20 * _cap(i["industries"], 5) + 0.20 * _cap(i["regions"], 5)
        + 0.20 * _cap(i["meetings_held"], 10),
        "quality": 0.70 * (mean_score - 1) / 4 + 0.30 * (1 - _damped(i["bad_reviews"], n_rev, 0.10, 2)),
        "efficiency": 0.35 * (0.5 if hours is None else 1 / (1 + max(hours, 0) / 48))
        + 0.25 * _damped(i["accepted"], i["responded"], 0.8, 2)
        + 0.25 * _damped(i["completed_on_time"], i["completed_with_date"], 0.8, 2)
        + 0.15 * _damped(i["bad_closed_in_time"], i["bad_followups"], 0.8, 1),
        "satisfaction": 0.70 * wilson_lower(i["good_reviews"], n_rev)
        + 0.30 * wilson_lower(i["recommend_yes"], i["recommend_answered"]),
    }
    return {k: round(v, 4) for k, v in raw.items()}


def percentiles(values: dict[int, float]) -> dict[int, float]:
    """Each id's share of peers scoring below it, ties counted half (0 … 1; a lone institution gets 0.5)."""
    ordered = sorted(values.items(), key=lambda kv: kv[1])
    n = len(ordered)
    out: dict[int, float] = {}
    i = 0
    while i < n:
        j = i
        while j < n and ordered[j][1] == ordered[i][1]:
            j += 1
        share = (i + (j - i - 1) / 2) / (n - 1) if n > 1 else 0.5
        for k in range(i, j):
            out[ordered[k][0]] = share
        i = j
    return out


FLOOR, SPAN, RAW_SHARE = 40.0, 60.0, 0.3


def scale(raw: float, percentile: float) -> float:
    """A dimension's 0–100 score: mostly where the institution stands among its category's peers, partly how
    good it is in absolute terms, on a 40–100 scale so that the grade thresholds (A ≥ 90, B ≥ 80, C ≥ 60)
    separate the best, the good, the adequate and the inactive."""
    return round(FLOOR + SPAN * (RAW_SHARE * raw + (1 - RAW_SHARE) * percentile), 1)


def grade_of(composite: float, thresholds: dict[str, float]) -> str:
    for grade in ("A", "B", "C"):
        if composite >= thresholds[grade]:
            return grade
    return "D"


def compute(period: EvaluationPeriod) -> list[dict[str, Any]]:
    """The evaluation rows of ``period`` (not written): scores, composite, grade, rank, inputs."""
    data = gather(period.starts_on, period.ends_on)
    year = period.ends_on.year
    return score(period, {inst_id: snapshot(inst_id, data, year) for inst_id in data.institutions})


def score(period: EvaluationPeriod, snapshots: dict[int, dict[str, Any]]) -> list[dict[str, Any]]:
    """The evaluation rows of ``period`` from stored inputs alone (a pure function: the same snapshots, weights
    and thresholds always give the same rows). Keys other than those of :func:`snapshot` are ignored, so the
    ``inputs`` of stored rows can be scored again."""
    raws = {inst_id: raw_scores(inputs) for inst_id, inputs in snapshots.items()}
    peers: dict[int, list[int]] = defaultdict(list)
    for inst_id in sorted(raws):
        peers[snapshots[inst_id].get("category_id") or 0].append(inst_id)
    pct: dict[int, dict[str, float]] = defaultdict(dict)
    for members in peers.values():
        for dim in DIMENSIONS:
            for inst_id, share in percentiles({i: raws[i][dim] for i in members}).items():
                pct[inst_id][dim] = share
    weights = period.weights or DEFAULT_WEIGHTS
    thresholds = period.thresholds or DEFAULT_THRESHOLDS
    total_weight = sum(weights.values()) or 1.0
    rows: list[dict[str, Any]] = []
    for inst_id in sorted(raws):
        raw = raws[inst_id]
        scores = {d: scale(raw[d], pct[inst_id][d]) for d in DIMENSIONS}
        composite = round(sum(weights[d] * scores[d] for d in DIMENSIONS) / total_weight, 1)
        inputs = {k: v for k, v in snapshots[inst_id].items() if k not in ("raw", "percentile")}
        rows.append({"period_id": period.id, "institution_id": inst_id, **scores, "composite": composite,
                     "grade": grade_of(composite, thresholds), "rank_in_category": None,
                     "inputs": {**inputs, "raw": raw,
                                "percentile": {d: round(pct[inst_id][d], 3) for d in DIMENSIONS}}})
    by_id = {row["institution_id"]: row for row in rows}
    for members in peers.values():
        for rank, inst_id in enumerate(sorted(members, key=lambda i: (-by_id[i]["composite"], i)), start=1):
            by_id[inst_id]["rank_in_category"] = rank
    return rows


def write(period: EvaluationPeriod, rows: list[dict[str, Any]]) -> None:
    """Replace the period's evaluations with ``rows`` in bulk."""
    db.session.execute(delete(Evaluation).where(Evaluation.period_id == period.id))  # type: ignore[arg-type]
    now = datetime.now(UTC)
    for start in range(0, len(rows), BATCH):
        db.session.execute(insert(Evaluation), [{**r, "created_at": now} for r in rows[start:start + BATCH]])


def is_latest_published(period: EvaluationPeriod) -> bool:
    """Whether ``period`` is the published period that ends last (ties: the one opened last)."""
    ep = _c(EvaluationPeriod)
    latest = db.session.execute(select(ep.id).where(ep.status == PeriodStatus.PUBLISHED)
                                .order_by(ep.ends_on.desc(), ep.id.desc())).scalars().first()
    return latest is not None and latest == period.id


def apply_to_institutions(period: EvaluationPeriod) -> int:
    """Make the published ``period``'s grades and composites the institutions' public ones (what the detail
    page, the index, search ranking and recommendations read), unless a later period is already published.
    Changed institutions are queued for the index through the outbox. Returns how many changed."""
    from search.outbox import enqueue

    if not is_latest_published(period):
        return 0
    e, i = _c(Evaluation), _c(Institution)
    rows = db.session.execute(select(e.institution_id, e.grade, e.composite, i.grade, i.evaluation_score)
                              .join(Institution.__table__, i.id == e.institution_id)  # type: ignore[attr-defined]
                              .where(e.period_id == period.id)).all()
    changed = [(inst_id, grade, composite) for inst_id, grade, composite, was_grade, was_score in rows
               if (grade, composite) != (was_grade, was_score)]
    for start in range(0, len(changed), BATCH):
        db.session.execute(update(Institution), [{"id": inst_id, "grade": grade, "evaluation_score": composite}
                                                 for inst_id, grade, composite in changed[start:start + BATCH]])
        # A bulk update bypasses the flush the outbox listens to, so the changed ids are queued explicitly.
        enqueue(db.session(), [("institution", inst_id) for inst_id, _grade, _score in changed[start:start + BATCH]])
    ids = {inst_id for inst_id, _grade, _score in changed}
    for obj in list(db.session.identity_map.values()):  # loaded records must not keep the old values
        if isinstance(obj, Institution) and obj.id in ids:
            db.session.expire(obj, ["grade", "evaluation_score"])
    return len(changed)
