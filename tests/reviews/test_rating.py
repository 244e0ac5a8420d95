"""The dynamic rating: damped towards the prior, time-decayed, a follow-up replacing the first review, invalid
reviews not counted (the formula is in directory/reviews/rating.py)."""

from datetime import timedelta

from directory.core.time import utcnow
from directory.reviews import rating
from directory.reviews.models import Review


def review(score, *, days_old=0, kind="initial", invalid=False, engagement_id=None):
    return Review(engagement_id=engagement_id or 1, kind=kind, enterprise_id=1, institution_id=1, quality=score,
                  efficiency=score, expertise=score, attitude=score, price=score, verdict="satisfied",
                  invalid=invalid, created_at=utcnow() - timedelta(days=days_old))


def test_rating_is_damped_towards_the_prior():
    assert rating.dynamic_rating([]) == (None, 0)
    assert rating.dynamic_rating([review(5)]) == (4.0, 1)  # not 5.0: one review cannot make a newcomer
    value, count = rating.dynamic_rating([review(5, engagement_id=i) for i in range(50)])
    assert count == 50 and value > 4.9


def test_old_reviews_weigh_less():
    recent_good = rating.dynamic_rating([review(5, engagement_id=1), review(1, days_old=730, engagement_id=2)])
    recent_bad = rating.dynamic_rating([review(5, days_old=730, engagement_id=1), review(1, engagement_id=2)])
    assert recent_good[0] > recent_bad[0]


def test_follow_up_replaces_the_first_review_and_invalid_ones_do_not_count():
    first, second = review(1, engagement_id=7), review(5, kind="followup", engagement_id=7)
    assert rating.dynamic_rating([first, second]) == rating.dynamic_rating([second])
    assert rating.dynamic_rating([review(1, invalid=True)]) == (None, 0)
