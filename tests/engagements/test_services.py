"""Service requests (服务情况跟踪): the state machine, who may move it, timestamps, audit, inbox, reminders."""

from datetime import UTC, datetime, timedelta

import pytest
from sqlmodel import select

from directory.audit.models import AuditLog
from directory.core.errors import AlreadyExists, InvalidInput, NotAllowed
from directory.demands.models import DemandStatus
from directory.engagements import services
from directory.notifications.models import Notification
from tests import factories


@pytest.fixture
def parties(db_session):
    inst = factories.institution()
    client = factories.enterprise()
    return {
        "institution": inst,
        "enterprise": client,
        "client": factories.user(role="enterprise", enterprise_id=client.id),
        "provider": factories.user(role="institution", institution_id=inst.id),
        "stranger": factories.user(role="institution", institution_id=factories.institution().id),
        "staff": factories.user(role="staff"),
    }


def inbox(user):
    from directory.extensions import db

    return [n.kind for n in db.session.exec(select(Notification).where(Notification.user_id == user.id)).all()]


def test_a_request_runs_to_completion_with_timestamps_audit_and_inbox(db_session, parties):
    e = services.request_service(user=parties["client"], enterprise=parties["enterprise"],
                                 institution=parties["institution"], message="想申请发明专利")
    assert e.status == "requested" and e.requested_at is not None
    assert "engagement.requested" in inbox(parties["provider"])
    services.transition(engagement=e, action="accept", user=parties["provider"])
    assert e.status == "accepted" and e.responded_at is not None
    services.transition(engagement=e, action="start", user=parties["provider"])
    services.transition(engagement=e, action="complete", user=parties["client"])
    assert e.status == "completed" and e.started_at and e.completed_at
    assert {"engagement.accept", "engagement.start"} <= set(inbox(parties["client"]))
    assert "engagement.complete" in inbox(parties["provider"])  # the client completed it: the provider hears
    actions = [a.action for a in db_session.exec(select(AuditLog).where(AuditLog.entity_type == "engagement",
                                                                        AuditLog.entity_id == e.id)
                                                 .order_by(AuditLog.id)).all()]
    assert actions == ["engagement.request", "engagement.accept", "engagement.start", "engagement.complete"]


def test_only_the_provider_or_staff_may_answer(db_session, parties):
    e = factories.engagement(enterprise_obj=parties["enterprise"], institution_obj=parties["institution"])
    for user in (parties["client"], parties["stranger"]):
        with pytest.raises(NotAllowed):
            services.transition(engagement=e, action="accept", user=user)
    assert services.allowed_actions(parties["client"], e) == ["cancel"]
    assert services.allowed_actions(parties["provider"], e) == ["accept", "decline", "cancel"]
    assert services.allowed_actions(parties["stranger"], e) == []


def test_declining_needs_a_reason_and_the_status_must_allow_it(db_session, parties):
    e = factories.engagement(enterprise_obj=parties["enterprise"], institution_obj=parties["institution"])
    with pytest.raises(InvalidInput):
        services.transition(engagement=e, action="decline", user=parties["provider"], reason="  ")
    assert e.status == "requested"
    services.transition(engagement=e, action="decline", user=parties["provider"], reason="本月排满")
    assert e.decline_reason == "本月排满" and e.responded_at is not None
    with pytest.raises(InvalidInput):
        services.transition(engagement=e, action="start", user=parties["provider"])


def test_the_agreed_date_cannot_be_in_the_past(db_session, parties):
    from datetime import date

    e = factories.engagement(enterprise_obj=parties["enterprise"], institution_obj=parties["institution"])
    with pytest.raises(InvalidInput):
        services.transition(engagement=e, action="accept", user=parties["provider"], due_date=date(2020, 1, 1))
    assert e.status == "requested"


def test_a_second_open_request_to_the_same_provider_is_refused(db_session, parties):
    args = {"user": parties["client"], "enterprise": parties["enterprise"], "institution": parties["institution"]}
    services.request_service(**args, message="第一次")
    with pytest.raises(AlreadyExists):
        services.request_service(**args, message="第二次")


def test_only_published_providers_and_own_enterprise(db_session, parties):
    draft = factories.institution(admit=False)
    with pytest.raises(InvalidInput):
        services.request_service(user=parties["client"], enterprise=parties["enterprise"], institution=draft)
    with pytest.raises(NotAllowed):
        services.request_service(user=parties["client"], enterprise=factories.enterprise(),
                                 institution=parties["institution"])


def test_staff_broker_for_both_sides(db_session, parties):
    e = services.request_service(user=parties["staff"], enterprise=parties["enterprise"],
                                 institution=parties["institution"], message="服务中心撮合")
    assert e.created_by_id == parties["staff"].id
    assert "engagement.brokered" in inbox(parties["client"])
    assert "engagement.requested" in inbox(parties["provider"])


def test_accepting_a_request_for_a_need_answers_the_need(db_session, parties):
    need = factories.demand(enterprise_obj=parties["enterprise"])
    e = services.request_service(user=parties["client"], enterprise=parties["enterprise"],
                                 institution=parties["institution"], demand=need, message="请报价")
    assert need.status == DemandStatus.OPEN and need.answered_at is None
    services.transition(engagement=e, action="accept", user=parties["provider"])
    assert need.status == DemandStatus.ANSWERED and need.answered_at == e.responded_at


def test_working_days_skip_the_weekend():
    friday = datetime(2026, 11, 27, 9, tzinfo=UTC)
    assert services.add_working_days(friday, 2) == datetime(2026, 12, 1, 9, tzinfo=UTC)  # Tuesday


def test_requests_waiting_more_than_two_working_days_are_reminded_once_per_two_days(db_session, parties):
    monday = datetime(2026, 11, 23, 9, tzinfo=UTC)
    e = factories.engagement(enterprise_obj=parties["enterprise"], institution_obj=parties["institution"],
                             requested_at=monday)
    assert services.remind_waiting(now=monday + timedelta(days=1)) == 0
    assert services.remind_waiting(now=monday + timedelta(days=2, hours=1)) == 1
    assert e.reminded_at is not None
    assert services.remind_waiting(now=monday + timedelta(days=3)) == 0  # reminded yesterday
    assert services.remind_waiting(now=monday + timedelta(days=7)) == 1
    assert inbox(parties["provider"]).count("engagement.reminder") == 2


def test_pipeline_filters(db_session, parties):
    done = factories.engagement(enterprise_obj=parties["enterprise"], institution_obj=parties["institution"],
                                status="completed")
    waiting = factories.engagement(enterprise_obj=parties["enterprise"], institution_obj=parties["institution"],
                                   requested_at=datetime(2026, 1, 5, tzinfo=UTC))
    ids = [e.id for e in services.pipeline(services.PipelineFilters(status="completed"))]
    assert done.id in ids and waiting.id not in ids
    overdue = [e.id for e in services.pipeline(services.PipelineFilters(overdue=True))]
    assert waiting.id in overdue and done.id not in overdue
    named = [e.id for e in services.pipeline(services.PipelineFilters(q=parties["enterprise"].name))]
    assert set(named) == {done.id, waiting.id}


def test_request_and_answer_through_the_pages(client, auth, db_session, parties):
    auth.login("enterprise", enterprise_id=parties["enterprise"].id)
    response = client.post("/engagements/request", data={"institution_id": parties["institution"].id,
                                                          "message": "请联系我们"})
    assert response.status_code == 302
    e = services.for_user(parties["client"])[0]
    page = client.get(f"/engagements/{e.id}").get_data(as_text=True)
    assert "请联系我们" in page
    auth.logout()
    auth.login("institution", institution_id=parties["institution"].id)
    assert client.post(f"/engagements/{e.id}/decline", data={"reason": ""}).status_code == 302
    db_session.refresh(e)
    assert e.status == "requested"  # no reason: nothing changed
    client.post(f"/engagements/{e.id}/accept", data={"due_date": "2027-01-31"})
    db_session.refresh(e)
    assert e.status == "accepted" and str(e.due_date) == "2027-01-31"
