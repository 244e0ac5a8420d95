"""Reviews are listed newest first by when they were written, wherever they are listed."""

from datetime import timedelta

from directory.core.time import utcnow
from directory.extensions import db
from directory.reviews import services
from directory.reviews.models import Review
from tests import factories


def _reviews():
    """Three reviews whose ids do not follow their dates (an import, a late follow-up)."""
    provider, client = factories.institution(), factories.enterprise()
    made = []
    for days, comment in ((1, "一天前的评价"), (10, "十天前的评价"), (5, "五天前的评价")):
        done = factories.engagement(enterprise_obj=client, institution_obj=provider, status="completed")
        review = Review(engagement_id=done.id, enterprise_id=client.id, institution_id=provider.id, quality=4,
                        efficiency=4, expertise=4, attitude=4, price=4, verdict="satisfied", comment=comment,
                        created_at=utcnow() - timedelta(days=days))
        db.session.add(review)
        made.append(review)
    db.session.flush()
    return provider, ["一天前的评价", "五天前的评价", "十天前的评价"]


def _order(html, comments):
    return sorted(comments, key=html.index)


def test_services_list_reviews_newest_first(db_session):
    provider, newest_first = _reviews()
    assert [r.comment for r in services.public_reviews(provider)] == newest_first
    assert [r.comment for r in services.recent_reviews()] == newest_first


def test_pages_list_reviews_newest_first(client, auth, db_session):
    provider, newest_first = _reviews()
    assert _order(client.get(f"/institutions/{provider.id}").get_data(as_text=True), newest_first) == newest_first
    auth.login("staff")
    assert _order(client.get("/admin/reviews").get_data(as_text=True), newest_first) == newest_first
