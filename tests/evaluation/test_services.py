"""Evaluation periods, the five dimensions, grades, screening proposals and decisions."""

from datetime import UTC, date, datetime, timedelta

import pytest
from sqlmodel import func, select

from directory.core.errors import InvalidInput, NotAllowed
from directory.evaluation import compute, reports, screening, services
from directory.evaluation.models import DIMENSIONS, Evaluation, ScreeningAction
from directory.notifications.models import Notification
from directory.reviews.models import Review
from search.models import SearchOutbox
from tests import factories

Q1 = datetime(2026, 2, 10, 9, tzinfo=UTC)


def test_period_codes():
    assert compute.period_bounds("2026") == (date(2026, 1, 1), date(2026, 12, 31))
    assert compute.period_bounds("2026q3") == (date(2026, 7, 1), date(2026, 9, 30))
    assert compute.period_bounds("2026Q4") == (date(2026, 10, 1), date(2026, 12, 31))
    for bad in ("26", "2026Q5", "2026-1", ""):
        with pytest.raises(ValueError):
            compute.period_bounds(bad)


def test_wilson_lower_bound_and_percentiles():
    assert compute.wilson_lower(0, 0) == 0
    assert compute.wilson_lower(1, 1) < compute.wilson_lower(10, 10) < compute.wilson_lower(100, 100) < 1
    assert compute.wilson_lower(8, 10) < 0.8  # a lower bound
    assert compute.percentiles({1: 0.1, 2: 0.5, 3: 0.5, 4: 0.9}) == {1: 0.0, 2: 0.5, 3: 0.5, 4: 1.0}
    assert compute.percentiles({7: 0.3}) == {7: 0.5}


def _review(engagement, verdict="very_satisfied", score=5, recommend=True, **fields):
    from directory.extensions import db

    review = Review(engagement_id=engagement.id, enterprise_id=engagement.enterprise_id,
                    institution_id=engagement.institution_id, quality=score, efficiency=score, expertise=score,
                    attitude=score, price=score, verdict=verdict, recommend=recommend,
                    created_at=engagement.completed_at + timedelta(days=1), **fields)
    db.session.add(review)
    db.session.flush()
    return review


@pytest.fixture
def trio(db_session):
    """Three institutions of one category: an active, well-reviewed one, a slow one, an idle one."""
    good = factories.institution(founded_year=2005, staff_count=80, qualifications=["CMA", "ISO9001"],
                                 honors=["省级示范平台"])
    slow = factories.institution(founded_year=2020, staff_count=5)
    idle = factories.institution(founded_year=2024)
    for n in range(6):
        e = factories.engagement(institution_obj=good, status="completed", requested_at=Q1 + timedelta(days=n),
                                 due_date=(Q1 + timedelta(days=30)).date())
        _review(e)
    for n in range(3):
        e = factories.engagement(institution_obj=slow, status="completed", requested_at=Q1 + timedelta(days=n))
        e.responded_at = e.requested_at + timedelta(days=6)
        _review(e, verdict="dissatisfied", score=2, recommend=False)
    return good, slow, idle


def _evaluation(session, period, inst):
    return session.exec(select(Evaluation).where(Evaluation.period_id == period.id,
                                                 Evaluation.institution_id == inst.id)).one()


def test_scores_follow_the_recorded_data(db_session, trio):
    good, slow, idle = trio
    report = services.run(code="2026Q1")
    period = services.get_period("2026Q1")
    assert report.evaluated >= 3
    e_good, e_slow, e_idle = (_evaluation(db_session, period, i) for i in trio)
    for dim in DIMENSIONS:
        assert 40 <= getattr(e_good, dim) <= 100
    assert e_good.composite > e_slow.composite and e_good.composite > e_idle.composite
    assert e_good.quality > e_slow.quality and e_good.efficiency > e_slow.efficiency
    assert e_good.satisfaction > e_idle.satisfaction and e_good.strength > e_idle.strength
    assert e_good.inputs["engagements"] == 6 and e_good.inputs["completed_on_time"] == 6
    assert e_slow.inputs["mean_response_hours"] == pytest.approx(144, abs=0.5)
    assert e_slow.inputs["bad_reviews"] == 3 and e_idle.inputs["reviews"] == 0
    assert e_good.rank_in_category < e_slow.rank_in_category
    # computed, not published: the public record is untouched (tests/evaluation/test_publish.py)
    assert good.grade is None and good.evaluation_score is None


def test_the_breakdown_adds_up_to_the_raw_value(db_session, trio):
    services.run(code="2026Q1")
    for inst in trio:
        evaluation = _evaluation(db_session, services.get_period("2026Q1"), inst)
        lines = reports.breakdown(evaluation)
        for dim in DIMENSIONS:
            assert sum(line.points for line in lines[dim]) / 100 == pytest.approx(evaluation.inputs["raw"][dim],
                                                                                  abs=0.0001), dim


def test_weights_are_stored_with_the_period_and_change_the_composite(db_session, trio):
    good = trio[0]
    services.run(code="2026Q1")
    before = _evaluation(db_session, services.get_period("2026Q1"), good)
    first = before.composite
    services.open_period(code="2026Q1", weights={"strength": 1, "coverage": 0, "quality": 0, "efficiency": 0,
                                                 "satisfaction": 0})
    services.run(code="2026Q1")
    after = _evaluation(db_session, services.get_period("2026Q1"), good)
    assert after.composite == after.strength != first
    with pytest.raises(InvalidInput):
        services.open_period(code="2026Q1", weights={"strength": -1})
    with pytest.raises(InvalidInput):
        services.open_period(code="2026Q1", thresholds={"A": 50, "B": 80, "C": 60})
    with pytest.raises(InvalidInput):
        services.open_period(code="2026Q9")


def test_proposals_and_decisions(db_session, trio):
    good, slow, idle = trio
    staff = factories.user(role="staff")
    owner = factories.user(role="institution", institution_id=good.id)
    services.open_period(code="2026Q1", thresholds={"A": 70, "B": 65, "C": 60})
    services.run(code="2026Q1")
    period = services.get_period("2026Q1")
    kinds = {(a.institution_id, a.kind, a.reason) for a, _i in screening.proposals(period)}
    assert (idle.id, "warn", "inactive") in kinds or (idle.id, "warn", "grade_d") in kinds
    commend = next(a for a, i in screening.proposals(period) if i.id == good.id and a.kind == "commend")
    with pytest.raises(InvalidInput):
        screening.decide(user=staff, action=commend, confirm=True, reason=" ")
    with pytest.raises(NotAllowed):
        screening.decide(user=owner, action=commend, confirm=True, reason="x")
    screening.decide(user=staff, action=commend, confirm=True, reason="综合得分第一")
    # confirmed, but the badge (and its ranking boost) waits for the period to be published
    assert good.badge is None
    assert not db_session.exec(select(Notification).where(Notification.user_id == owner.id,
                                                          Notification.kind == "screening.commend")).first()
    # re-running replaces unconfirmed proposals and keeps decided ones
    services.run(code="2026Q1")
    statuses = {(a.kind, a.status) for a in db_session.exec(select(ScreeningAction).where(
        ScreeningAction.institution_id == good.id, ScreeningAction.period_id == period.id)).all()}
    assert ("commend", "confirmed") in statuses and ("commend", "proposed") not in statuses
    outbox = db_session.exec(select(func.count()).select_from(SearchOutbox)).one()
    services.publish(user=staff, period=period)
    assert good.badge == screening.MODEL_BADGE
    assert db_session.exec(select(func.count()).select_from(SearchOutbox)).one() > outbox  # the index follows
    assert db_session.exec(select(Notification).where(Notification.user_id == owner.id,
                                                      Notification.kind == "screening.commend")).first()


def test_two_consecutive_d_propose_suspension_and_confirming_suspends(db_session, trio):
    idle = trio[2]
    staff = factories.user(role="staff")
    for code in ("2026Q1", "2026Q2"):
        services.open_period(code=code, thresholds={"A": 99, "B": 98, "C": 97})  # everyone gets D
        services.run(code=code)
    period = services.get_period("2026Q2")
    # an unpublished grade is no one's record yet: it does not count towards a suspension
    assert not [a for a, i in screening.proposals(period) if i.id == idle.id and a.kind == "suspend"]
    services.publish(user=staff, period=services.get_period("2026Q1"))
    services.run(code="2026Q2")
    suspend = next(a for a, i in screening.proposals(period) if i.id == idle.id and a.kind == "suspend")
    assert suspend.reason == "two_d"
    screening.decide(user=staff, action=suspend, confirm=True, reason="连续两期不合格")
    assert idle.status == "suspended"


@pytest.mark.parametrize("followup", ["open", "responded", "closed"])
def test_a_verified_serious_complaint_proposes_suspension_whether_or_not_followed_up(db_session, followup):
    inst = factories.institution()
    e = factories.engagement(institution_obj=inst, status="completed", requested_at=Q1)
    review = _review(e, verdict="very_dissatisfied", score=1, followup_status=followup)
    services.run(code="2026Q1")
    reasons = {(a.kind, a.reason) for a, i in screening.proposals(services.get_period("2026Q1")) if i.id == inst.id}
    assert ("suspend", "serious_complaint") in reasons  # staff decide
    review.invalid = True  # a review staff found invalid is no complaint
    services.run(code="2026Q1")
    reasons = {(a.kind, a.reason) for a, i in screening.proposals(services.get_period("2026Q1")) if i.id == inst.id}
    assert ("suspend", "serious_complaint") not in reasons


def test_the_api_and_the_pages(client, auth, db_session, trio):
    good = trio[0]
    services.run(code="2026Q1")
    services.publish(period=services.get_period("2026Q1"))
    body = client.get(f"/api/v1/institutions/{good.id}").get_json()
    assert body["evaluation"]["period"] == "2026Q1" and set(body["evaluation"]["dimensions"]) == set(DIMENSIONS)
    auth.login("institution", institution_id=good.id)
    page = client.get(f"/evaluation/institutions/{good.id}").get_data(as_text=True)
    assert 'id="breakdown-quality"' in page and 'id="hints"' in page and "2026Q1" in page
    assert client.get(f"/evaluation/institutions/{trio[1].id}").status_code == 404  # not theirs


def test_published_list_and_export(client, auth, db_session, trio):
    from io import BytesIO

    from openpyxl import load_workbook

    services.run(code="2026Q1")
    staff = auth.login("staff")
    data = client.get("/admin/evaluation/2026Q1.xlsx").data
    book = load_workbook(BytesIO(data))
    names = [row[1] for row in book.worksheets[0].iter_rows(min_row=3, values_only=True)]
    assert trio[0].name in names and len(book.sheetnames) == 2
    assert client.get("/evaluation/2026Q1").status_code == 404
    services.publish(user=staff, period=services.get_period("2026Q1"))
    assert trio[0].name in client.get("/evaluation/2026Q1").get_data(as_text=True)
    with pytest.raises(InvalidInput):
        services.run(code="2026Q1")  # published periods are frozen


def test_the_command(runner, db_session, trio):
    result = runner.invoke(args=["evaluation", "run", "2026Q1"])
    assert result.exit_code == 0, result.output
    assert "institutions evaluated" in result.output
    assert runner.invoke(args=["evaluation", "run", "2026Q7"]).exit_code != 0


def test_bad_review_ranking_puts_the_highest_share_first(db_session, trio):
    good, slow, idle = trio
    services.run(code="2026Q1")
    ranking = reports.bad_review_ranking(services.get_period("2026Q1"))
    names = [inst.id for inst, *_rest in ranking]
    assert names.index(slow.id) < names.index(good.id) and idle.id not in names  # idle has no reviews
    inst, n, bad, share = ranking[names.index(slow.id)]
    assert (n, bad, share) == (3, 3, 1.0)
