"""Evaluation results are public only when published; a run is a frozen snapshot; the badge can be withdrawn."""

from datetime import UTC, datetime, timedelta

import pytest
from sqlmodel import func, select

from directory.audit.models import AuditLog
from directory.core.errors import InvalidInput, NotAllowed
from directory.evaluation import compute, screening, services
from directory.evaluation.models import DIMENSIONS, Evaluation, ScreeningAction
from directory.notifications.models import Notification
from directory.reviews.models import Review
from search.documents import institution_document
from search.models import SearchOutbox
from tests import factories
from tests.evaluation.test_services import Q1, _review

APRIL = datetime(2026, 4, 20, 9, tzinfo=UTC)  # after the end of 2026Q1


@pytest.fixture
def pair(db_session):
    """A busy, well-reviewed institution and an idle one of the same category."""
    good = factories.institution(founded_year=2005, staff_count=80, qualifications=["CMA", "ISO9001"],
                                 honors=["省级示范平台"])
    idle = factories.institution(founded_year=2024)
    for n in range(6):
        e = factories.engagement(institution_obj=good, status="completed", requested_at=Q1 + timedelta(days=n),
                                 due_date=(Q1 + timedelta(days=30)).date())
        _review(e)
    return good, idle


def _outbox(session, inst):
    return session.exec(select(func.count()).select_from(SearchOutbox).where(
        SearchOutbox.entity_type == "institution", SearchOutbox.entity_id == inst.id)).one()


def _public(client, inst):
    """Everything the public sees of an institution's evaluation."""
    page = client.get(f"/institutions/{inst.id}").get_data(as_text=True)
    body = client.get(f"/api/v1/institutions/{inst.id}").get_json()
    document = institution_document(inst)
    return {"page_grade": "A级" in page, "page_badge": screening.MODEL_BADGE in page,
            "api_grade": body["grade"], "api_badge": body["badge"], "api_evaluation": body.get("evaluation"),
            "doc_grade": document["grade"], "doc_badge": document["badge"],
            "doc_score": document["evaluation_score"], "doc_rank": document["quality_rank"]}


def test_a_run_changes_nothing_public_until_the_period_is_published(client, auth, db_session, pair, search_backend):
    from search.drain import run_drain
    from search.queries import SearchParams
    from search.service import search

    good, _idle = pair
    staff = factories.user(role="staff")
    before = _public(client, good)
    outbox = _outbox(db_session, good)
    services.run(code="2026Q1")
    period = services.get_period("2026Q1")
    auth.login("staff")
    page = client.get("/admin/evaluation/2026Q1").get_data(as_text=True)
    assert 'id="not-published"' in page and 'id="publish-evaluation"' in page
    auth.logout()
    commend = next(a for a, i in screening.proposals(period) if i.id == good.id and a.kind == "commend")
    screening.decide(user=staff, action=commend, confirm=True, reason="综合得分第一")
    # computed and decided, not published: page, API, search document, badge and ranking are as before
    assert _public(client, good) == before
    assert _outbox(db_session, good) == outbox
    assert client.get("/evaluation/2026Q1").status_code == 404
    run_drain(search=search_backend)
    assert search(SearchParams(type="institution", filters={"grade": "A"})).hits == []

    report = services.publish(user=staff, period=period)
    assert report.institutions_updated >= 2 and report.badges == 1
    after = _public(client, good)
    evaluation = db_session.exec(select(Evaluation).where(Evaluation.period_id == period.id,
                                                          Evaluation.institution_id == good.id)).one()
    assert after["page_grade"] and after["page_badge"]
    assert (after["api_grade"], after["api_badge"]) == ("A", screening.MODEL_BADGE)
    assert after["api_evaluation"] == {"period": "2026Q1", "composite": evaluation.composite, "grade": "A",
                                       "dimensions": {d: getattr(evaluation, d) for d in DIMENSIONS}}
    assert (after["doc_grade"], after["doc_badge"], after["doc_score"]) == ("A", screening.MODEL_BADGE,
                                                                            evaluation.composite)
    assert after["doc_rank"] > before["doc_rank"]  # the ranking boost
    assert _outbox(db_session, good) > outbox  # the index follows through the outbox
    run_drain(search=search_backend)
    assert good.id in [h["id"] for h in search(SearchParams(type="institution", filters={"grade": "A"})).hits]
    assert good.name in client.get("/evaluation/2026Q1").get_data(as_text=True)
    auth.login("staff")
    page = client.get("/admin/evaluation/2026Q1").get_data(as_text=True)
    assert 'id="published-at"' in page and 'id="publish-evaluation"' not in page
    # published is frozen: no re-run, no re-weighting, no second publication
    with pytest.raises(InvalidInput):
        services.run(code="2026Q1")
    with pytest.raises(InvalidInput):
        services.open_period(code="2026Q1", thresholds={"A": 95, "B": 80, "C": 60})
    with pytest.raises(InvalidInput):
        services.publish(user=staff, period=period)


def test_a_later_run_leaves_the_published_grades_alone(db_session, pair):
    good, _idle = pair
    services.run(code="2026Q1")
    services.publish(period=services.get_period("2026Q1"))
    published = (good.grade, good.evaluation_score)
    assert published[0] == "A"
    services.run(code="2026Q2")  # no activity in Q2: a different grade, not public
    q2 = db_session.exec(select(Evaluation).where(Evaluation.period_id == services.get_period("2026Q2").id,
                                                  Evaluation.institution_id == good.id)).one()
    assert q2.grade != "A"
    assert (good.grade, good.evaluation_score) == published
    assert services.latest_evaluation_json(good.id)["period"] == "2026Q1"
    # publishing an earlier period after a later one does not overwrite the later one
    services.publish(period=services.get_period("2026Q2"))
    assert good.grade == q2.grade
    assert services.latest_evaluation_json(good.id)["period"] == "2026Q2"


def test_publish_needs_staff_and_a_current_computation(db_session, pair):
    owner = factories.user(role="institution", institution_id=pair[0].id)
    services.open_period(code="2026Q1")
    period = services.get_period("2026Q1")
    with pytest.raises(InvalidInput):
        services.publish(period=period)  # not computed
    services.run(code="2026Q1")
    with pytest.raises(NotAllowed):
        services.publish(user=owner, period=period)
    # re-weighting discards the computation: what is published always follows the weights shown
    services.open_period(code="2026Q1", weights={"strength": 1, "coverage": 0, "quality": 0, "efficiency": 0,
                                                 "satisfaction": 0})
    with pytest.raises(InvalidInput):
        services.publish(period=period)
    services.run(code="2026Q1")
    services.publish(period=period)
    assert period.status == "published" and period.published_at is not None


def test_my_evaluation_shows_only_published_periods(client, auth, db_session, pair):
    good, _idle = pair
    services.run(code="2026Q1")
    auth.login("institution", institution_id=good.id)
    page = client.get("/my/evaluation", follow_redirects=True).get_data(as_text=True)
    assert 'id="breakdown-quality"' not in page and "2026Q1" not in page
    services.publish(period=services.get_period("2026Q1"))
    services.run(code="2026Q2")
    page = client.get("/my/evaluation", follow_redirects=True).get_data(as_text=True)
    assert 'id="breakdown-quality"' in page and "2026Q1" in page and "2026Q2" not in page
    auth.logout()
    auth.login("staff")  # staff see the period being decided, marked as such
    page = client.get(f"/evaluation/institutions/{good.id}").get_data(as_text=True)
    assert "2026Q2" in page and 'id="not-published"' in page


def _numbers(session, code):
    period = services.get_period(code)
    return {e.institution_id: ({d: getattr(e, d) for d in DIMENSIONS}, e.composite, e.grade, e.rank_in_category,
                               e.inputs)
            for e in session.exec(select(Evaluation).where(Evaluation.period_id == period.id)).all()}


def test_rerunning_a_period_on_the_same_records_gives_the_same_numbers(db_session, pair):
    good, idle = pair
    slow = factories.institution(founded_year=2020, staff_count=5)
    bad = []
    for n in range(3):
        e = factories.engagement(institution_obj=slow, status="completed", requested_at=Q1 + timedelta(days=n),
                                 due_date=(Q1 + timedelta(days=20)).date())
        bad.append(_review(e, verdict="dissatisfied", score=2, recommend=False, followup_status="open"))
    waiting = factories.engagement(institution_obj=idle, status="requested", requested_at=Q1)
    services.run(code="2026Q1")
    first = _numbers(db_session, "2026Q1")
    again = services.run(code="2026Q1")
    assert _numbers(db_session, "2026Q1") == first and again.evaluated == len(first)

    # After the period ends, life goes on: the waiting request is answered and completed, a bad review's
    # follow-up is closed and the client reviews again. None of that was so at the period's end.
    waiting.status, waiting.responded_at, waiting.completed_at = "completed", APRIL, APRIL + timedelta(days=3)
    waiting.due_date = (APRIL + timedelta(days=5)).date()
    bad[0].followup_status, bad[0].followup_closed_at = "closed", APRIL
    db_session.add_all([waiting, bad[0]])
    db_session.add(Review(engagement_id=bad[1].engagement_id, kind="followup", enterprise_id=bad[1].enterprise_id,
                          institution_id=slow.id, quality=5, efficiency=5, expertise=5, attitude=5, price=5,
                          verdict="very_satisfied", recommend=True, created_at=APRIL))
    db_session.flush()
    services.run(code="2026Q1")
    assert _numbers(db_session, "2026Q1") == first

    # the stored inputs alone reproduce the numbers (a frozen snapshot)
    period = services.get_period("2026Q1")
    rescored = compute.score(period, {i: row[4] for i, row in first.items()})
    assert {r["institution_id"]: ({d: r[d] for d in DIMENSIONS}, r["composite"], r["grade"], r["rank_in_category"],
                                  r["inputs"]) for r in rescored} == first


@pytest.fixture
def commended(db_session):
    inst = factories.institution(name="营口示范撤销测试有限公司")
    inst.badge = screening.MODEL_BADGE
    db_session.add(inst)
    db_session.flush()
    return inst


def test_staff_withdraw_the_badge_with_a_reason(client, auth, db_session, commended):
    owner = factories.user(role="institution", institution_id=commended.id)
    staff = auth.login("staff")
    url = f"/admin/evaluation/institutions/{commended.id}/withdraw-badge"
    page = client.get(f"/evaluation/institutions/{commended.id}").get_data(as_text=True)
    assert 'id="withdraw-badge"' in page
    response = client.post(url, data={"reason": " "})
    assert response.status_code == 422 and "请填写理由，机构将看到该理由。" in response.get_data(as_text=True)
    db_session.expire_all()
    assert commended.badge == screening.MODEL_BADGE  # nothing changed
    outbox = _outbox(db_session, commended)
    assert client.post(url, data={"reason": "经核查存在违规收费"}).status_code == 302
    db_session.expire_all()
    assert commended.badge is None
    assert screening.MODEL_BADGE not in client.get(f"/institutions/{commended.id}").get_data(as_text=True)
    assert institution_document(commended)["badge"] is None
    assert _outbox(db_session, commended) > outbox  # captured by the outbox writer
    action = db_session.exec(select(ScreeningAction).where(ScreeningAction.institution_id == commended.id)).one()
    assert (action.kind, action.status, action.decision_reason, action.decided_by_id) == (
        "withdraw", "confirmed", "经核查存在违规收费", staff.id)
    assert db_session.exec(select(AuditLog).where(AuditLog.entity_type == "institution",
                                                  AuditLog.entity_id == commended.id,
                                                  AuditLog.action == "screening.confirmed")).one()
    told = db_session.exec(select(Notification).where(Notification.user_id == owner.id,
                                                      Notification.kind == "screening.withdraw")).one()
    assert told.body == "经核查存在违规收费"
    with pytest.raises(InvalidInput):
        screening.withdraw_badge(user=staff, institution=commended, reason="再次撤销")  # no badge left
    with pytest.raises(NotAllowed):
        screening.withdraw_badge(user=owner, institution=commended, reason="x")


def test_a_model_institution_graded_d_is_proposed_for_withdrawal(db_session, commended):
    staff = factories.user(role="staff")
    services.open_period(code="2026Q1", thresholds={"A": 99, "B": 98, "C": 97})  # everyone gets D
    services.run(code="2026Q1")
    period = services.get_period("2026Q1")
    withdraw = next(a for a, i in screening.proposals(period) if i.id == commended.id and a.kind == "withdraw")
    assert withdraw.reason == "badge_grade"
    screening.decide(user=staff, action=withdraw, confirm=True, reason="本期考核不合格")
    assert commended.badge == screening.MODEL_BADGE  # takes effect with the published period
    services.publish(user=staff, period=period)
    assert commended.badge is None


def test_a_badge_already_withdrawn_by_staff_is_not_withdrawn_again_on_publishing(db_session, commended):
    staff = factories.user(role="staff")
    owner = factories.user(role="institution", institution_id=commended.id)
    services.open_period(code="2026Q1", thresholds={"A": 99, "B": 98, "C": 97})
    services.run(code="2026Q1")
    period = services.get_period("2026Q1")
    withdraw = next(a for a, i in screening.proposals(period) if i.id == commended.id and a.kind == "withdraw")
    screening.decide(user=staff, action=withdraw, confirm=True, reason="本期考核不合格")
    screening.withdraw_badge(user=staff, institution=commended, reason="违规收费，立即撤销")
    report = services.publish(user=staff, period=period)
    assert commended.badge is None and report.badges == 0
    told = db_session.exec(select(Notification).where(Notification.user_id == owner.id,
                                                      Notification.kind == "screening.withdraw")).all()
    assert [n.body for n in told] == ["违规收费，立即撤销"]


def test_the_publish_command(runner, db_session, pair):
    good = pair[0]
    result = runner.invoke(args=["evaluation", "run", "2026Q1"])
    assert result.exit_code == 0, result.output
    assert "evaluation publish 2026Q1" in result.output and good.grade is None
    result = runner.invoke(args=["evaluation", "publish", "2026q1"])
    assert result.exit_code == 0, result.output
    assert "2026Q1 published" in result.output
    db_session.expire_all()
    assert good.grade == "A" and services.get_period("2026Q1").status == "published"
    assert runner.invoke(args=["evaluation", "publish", "2026Q1"]).exit_code != 0  # already published
    assert runner.invoke(args=["evaluation", "publish", "2025"]).exit_code != 0  # no such period
