"""Writing verified reviews: once per completed engagement or held meeting, and the 差评 follow-up review."""

from datetime import UTC, datetime

import pytest
from sqlmodel import func, select

from directory.core.db import commit_or_rollback
from directory.core.errors import AlreadyExists, InvalidInput, NotAllowed
from directory.extensions import db
from directory.reviews import moderation, services
from directory.reviews.models import Review
from search.models import SearchOutbox
from tests import factories
from tests.concurrency import at_once, own_database
from tests.conftest import BACKENDS

GOOD = services.ReviewInput(quality=5, efficiency=5, expertise=5, attitude=5, price=5, verdict="very_satisfied",
                            comment="很专业", recommend=True)
BAD = services.ReviewInput(quality=1, efficiency=2, expertise=2, attitude=1, price=2, verdict="very_dissatisfied",
                           comment="拖了两个月")


def test_only_the_client_of_a_completed_engagement_reviews_once(db_session, done):
    for user in (done["provider"], done["staff"], factories.user(role="enterprise",
                                                                  enterprise_id=factories.enterprise().id)):
        with pytest.raises(NotAllowed):
            services.submit_review(user=user, engagement=done["engagement"], data=GOOD)
    open_one = factories.engagement(enterprise_obj=done["engagement"].enterprise, status="in_progress")
    with pytest.raises(NotAllowed):
        services.submit_review(user=done["client"], engagement=open_one, data=GOOD)
    services.submit_review(user=done["client"], engagement=done["engagement"], data=GOOD)
    with pytest.raises(AlreadyExists):
        services.submit_review(user=done["client"], engagement=done["engagement"], data=GOOD)


def test_a_review_updates_the_rating_and_queues_the_index(db_session, done):
    inst = done["institution"]
    before = db_session.exec(select(func.count()).select_from(SearchOutbox)).one()
    services.submit_review(user=done["client"], engagement=done["engagement"], data=GOOD)
    assert (inst.rating_value, inst.rating_count) == (4.0, 1)
    assert db_session.exec(select(func.count()).select_from(SearchOutbox)).one() > before


def test_out_of_range_values_change_nothing(db_session, done):
    bad = services.ReviewInput(**{**GOOD.__dict__, "quality": 6})
    with pytest.raises(InvalidInput):
        services.submit_review(user=done["client"], engagement=done["engagement"], data=bad)
    assert services.engagement_reviews(done["engagement"]) == []


def test_a_bad_review_is_followed_up_to_closure(db_session, done):
    first = services.submit_review(user=done["client"], engagement=done["engagement"], data=BAD)
    assert first.followup_status == "open"
    with pytest.raises(InvalidInput):  # the provider has not responded yet
        services.submit_followup_review(user=done["client"], review=first, data=GOOD)
    with pytest.raises(NotAllowed):
        moderation.respond_to_followup(user=done["client"], review=first, text="…")
    moderation.respond_to_followup(user=done["provider"], review=first, text="已退还部分费用并重新交付")
    assert first.followup_status == "responded"
    second = services.submit_followup_review(user=done["client"], review=first, data=GOOD)
    assert second.kind == "followup"
    assert done["institution"].rating_value == 4.0  # the follow-up replaced the first review
    with pytest.raises(AlreadyExists):
        services.submit_followup_review(user=done["client"], review=first, data=GOOD)
    with pytest.raises(NotAllowed):
        moderation.close_followup(user=done["provider"], review=first, note="done")
    moderation.close_followup(user=done["staff"], review=first, note="企业认可整改")
    assert first.followup_status == "closed" and first.followup_closed_by_id == done["staff"].id


def test_the_review_form_publishes_a_review(client, auth, db_session, done):
    auth.login("enterprise", enterprise_id=done["engagement"].enterprise_id)
    e = done["engagement"]
    page = client.get(f"/engagements/{e.id}").get_data(as_text=True)
    assert 'id="review-form"' in page
    response = client.post(f"/engagements/{e.id}/review", data={
        "quality": "5", "efficiency": "4", "expertise": "5", "attitude": "5", "price": "4",
        "verdict": "satisfied", "recommend": "yes", "comment": "响应快"})
    assert response.status_code == 302
    [saved] = services.engagement_reviews(e)
    assert (saved.efficiency, saved.verdict, saved.recommend) == (4, "satisfied", True)


@pytest.mark.parametrize("backend", BACKENDS)
def test_fifty_concurrent_submissions_store_exactly_one(backend, tmp_path, meili):
    """Fifty browsers submit the same review at once: the database's unique constraint lets one through."""
    with own_database(backend, tmp_path, meili, "c") as app:
        with app.app_context():
            with commit_or_rollback(db.session):
                inst = factories.institution()
                client_ent = factories.enterprise()
                engagement = factories.engagement(enterprise_obj=client_ent, institution_obj=inst,
                                                  status="completed")
                user = factories.user(role="enterprise", enterprise_id=client_ent.id)
                engagement_id, email, inst_id = engagement.id, user.email, inst.id
        login = app.test_client()
        assert login.post("/login", data={"login": email, "password": factories.PASSWORD}).status_code == 302
        cookie = login.get_cookie("session")
        form = {"quality": "5", "efficiency": "5", "expertise": "5", "attitude": "5", "price": "5",
                "verdict": "very_satisfied", "comment": "同时提交"}

        def submit() -> int:
            browser = app.test_client()
            browser.set_cookie("session", cookie.value)
            return browser.post(f"/engagements/{engagement_id}/review", data=form).status_code

        statuses, errors = at_once([submit] * 50)
        assert not errors and len(statuses) == 50 and all(s < 500 for s in statuses), (statuses, errors[:3])
        with app.app_context():
            count = db.session.exec(select(func.count()).select_from(Review)
                                    .where(Review.engagement_id == engagement_id)).one()
            from directory.institutions.models import Institution

            rating_count = db.session.get(Institution, inst_id).rating_count
        assert count == 1 and rating_count == 1


def test_a_bad_review_of_an_event_meeting_is_followed_up_on_its_own_page(client, auth, db_session):
    from datetime import date

    from directory.events import day, meeting_requests, planning, registration
    from directory.events import services as events

    staff = factories.user(role="staff")
    event = events.create_event(user=staff, data=events.EventInput(title="对接会", starts_on=date(2026, 6, 1)))
    events.set_slots(user=staff, event=event, first_start=datetime(2026, 6, 1, 1, tzinfo=UTC), count=2)
    events.change_status(user=staff, event=event, action="open_registration")
    inst = factories.institution()
    sme = factories.user(role="enterprise", enterprise_id=factories.enterprise().id)
    a = registration.register(user=sme, event=event)
    b = registration.register(user=factories.user(role="institution", institution_id=inst.id), event=event, listed=True)
    request = meeting_requests.request_meeting(user=sme, requester=a, recipient=b, message="想约谈")
    meeting_requests.respond_to_request(user=staff, request=request, accept=True)
    planning.run(event=event, user=staff)
    events.change_status(user=staff, event=event, action="start")
    from directory.events.models import Meeting

    meeting = db_session.exec(select(Meeting).where(Meeting.request_id == request.id)).one()
    day.mark(user=staff, meeting=meeting, status="held")
    review = day.review_meeting(user=sme, meeting=meeting, data=BAD)
    assert review.followup_status == "open" and inst.rating_count == 1
    assert services.review_link(review) == f"/reviews/{review.id}"
    auth.login("institution", institution_id=inst.id)
    page = client.get(f"/reviews/{review.id}").get_data(as_text=True)
    assert "拖了两个月" in page and "respond" in page
    assert client.post(f"/reviews/{review.id}/respond", data={"text": "已重新安排顾问"}).status_code == 302
    db_session.refresh(review)
    assert review.followup_status == "responded"
    auth.logout()
    auth.login("enterprise")  # another enterprise
    assert client.get(f"/reviews/{review.id}").status_code == 404

