"""The dynamic rating of a provider (also explained on /ratings):

    rating = (PRIOR_MEAN × PRIOR_WEIGHT + Σ wᵢ·sᵢ) / (PRIOR_WEIGHT + Σ wᵢ)

- sᵢ is a review's mean over the five dimensions (服务质量, 服务效率, 专业能力, 服务态度, 价格合理), 1–5;
- wᵢ = ½^(ageᵢ / HALF_LIFE_DAYS): a review a year old counts half as much as today's, so the rating follows
  how a provider serves now (time decay);
- the prior (PRIOR_MEAN counted PRIOR_WEIGHT times) damps the first few reviews: one 5-star review gives
  4.0, not 5.0, and one angry review cannot sink a newcomer (Bayesian damping);
- when the enterprise gave a follow-up review after a bad one was dealt with, the follow-up replaces the
  first for the rating (the latest word of the same client); reviews staff found invalid do not count, while
  merely hidden (abusive) text still counts;
- a review waiting for staff (``approval`` pending: see :mod:`directory.reviews.trust`) or rejected by staff
  does not count.
The rating is recomputed on every change and written to the provider, which queues it for the index.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from typing import Any

from sqlmodel import col, select

from directory.core.time import utcnow
from directory.experts.models import Expert
from directory.extensions import db
from directory.institutions.models import Institution
from directory.reviews.models import Approval, Review, ReviewKind

PRIOR_MEAN = 3.5
PRIOR_WEIGHT = 2.0
HALF_LIFE_DAYS = 365.0
DIMENSIONS = ("quality", "efficiency", "expertise", "attitude", "price")


def review_score(review: Review) -> float:
    """A review's mean over the five dimensions, 1–5."""
    return sum(getattr(review, d) for d in DIMENSIONS) / len(DIMENSIONS)


def counted(reviews: Iterable[Review]) -> list[Review]:
    """The reviews the rating counts: valid ones, a follow-up replacing the first review of its engagement."""
    reviews = [r for r in reviews if not r.invalid and r.approval == Approval.APPROVED]
    followed = {r.engagement_id or -(r.meeting_id or 0) for r in reviews if r.kind == ReviewKind.FOLLOWUP}
    return [r for r in reviews if r.kind == ReviewKind.FOLLOWUP
            or (r.engagement_id or -(r.meeting_id or 0)) not in followed]


def dynamic_rating(reviews: Iterable[Review], *, now: datetime | None = None) -> tuple[float | None, int]:
    """``(rating, count)`` by the formula in this module's docstring; ``(None, 0)`` without reviews."""
    now = now or utcnow()
    items = counted(reviews)
    if not items:
        return None, 0
    weights = [0.5 ** (max(0.0, (now - r.created_at).total_seconds()) / 86400 / HALF_LIFE_DAYS) for r in items]
    total = PRIOR_MEAN * PRIOR_WEIGHT + sum(w * review_score(r) for w, r in zip(weights, items, strict=True))
    return round(total / (PRIOR_WEIGHT + sum(weights)), 2), len(items)


# Reviews are listed newest first by when they were written (an import or a late follow-up can give an
# older review a higher id); the id only breaks ties.
NEWEST_FIRST = (col(Review.created_at).desc(), col(Review.id).desc())


def provider_reviews(*, institution_id: int | None = None, expert_id: int | None = None) -> list[Review]:
    """Every review of one provider, newest first (counted or not)."""
    key = col(Review.institution_id) == institution_id if institution_id else col(Review.expert_id) == expert_id
    return list(db.session.exec(select(Review).where(key).order_by(*NEWEST_FIRST)).all())


def recompute_rating(*, institution_id: int | None = None, expert_id: int | None = None) -> tuple[float | None, int]:
    """Recompute and store one provider's dynamic rating (the outbox then updates the index)."""
    record: Any = db.session.get_one(Institution, institution_id) if institution_id else \
        db.session.get_one(Expert, expert_id)
    value, count = dynamic_rating(provider_reviews(institution_id=institution_id, expert_id=expert_id))
    if (record.rating_value, record.rating_count) != (value, count):
        record.rating_value, record.rating_count = value, count
        db.session.add(record)
        db.session.flush()
    return value, count


def recompute_all_ratings() -> int:
    """Recompute the rating of every reviewed provider (time decay moves them even without new reviews).
    Returns how many changed; only those are written, so the index is only told about real changes."""
    changed = 0
    for column, kind in ((Review.institution_id, "institution_id"), (Review.expert_id, "expert_id")):
        ids = db.session.exec(select(column).where(col(column).is_not(None)).distinct()).all()
        for provider_id in ids:
            record: Any = db.session.get_one(Institution if kind == "institution_id" else Expert, provider_id)
            before = (record.rating_value, record.rating_count)
            if recompute_rating(**{kind: provider_id}) != before:
                changed += 1
    return changed
