"""Event rules of issue 11: consent to be listed, suggestions from the event's own participants, the
three-month follow-up counted in the report and the dashboard, a finished event's schedule stays put, and a
meeting request says why."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from sqlmodel import func, select

from directory.accounts.models import User
from directory.audit.models import AuditLog
from directory.core.errors import InvalidInput
from directory.core.time import utcnow
from directory.events import (
    day,
    errors,
    meeting_requests,
    participants,
    planning,
    registration,
    report,
    services,
)
from directory.events.models import Event, MeetingFeedback, MeetingRequest, MeetingStatus
from directory.monitoring import periods
from directory.monitoring import services as monitoring
from directory.notifications.models import Notification
from search.drain import run_drain
from tests import factories
from tests.events.helpers import (
    START,
    accepted,
    enterprise_user,
    make_event,
    meeting_of,
    provider,
    register,
    user_of,
)


@pytest.fixture
def staff(db_session: Any) -> User:
    return factories.user(role="staff")


def count(db_session: Any, model: Any) -> int:
    return db_session.exec(select(func.count()).select_from(model)).one()


# -- consent ---------------------------------------------------------------------------------------------

def test_consent_to_be_listed_starts_unticked_and_is_kept_with_its_time(db_session, staff):
    event = make_event(staff)
    silent = registration.register(user=enterprise_user(), event=event)
    assert (silent.listed, silent.listed_at) == (False, None)
    when = utcnow()
    willing = registration.register(user=enterprise_user(), event=event, listed=True, now=when)
    assert (willing.listed, willing.listed_at) == (True, when)
    assert [p.id for p in participants.participants(event, listed_only=True)] == [willing.id]

    later = when + timedelta(hours=2)
    registration.update_participation(user=user_of(silent), participant=silent, offers="", seeks="", listed=True,
                                      unavailable=[], now=later)
    assert (silent.listed, silent.listed_at) == (True, later)
    entries = count(db_session, AuditLog)
    # the same answer again: the time of the consent stays the first one, nothing is recorded
    registration.update_participation(user=user_of(silent), participant=silent, offers="", seeks="", listed=True,
                                      unavailable=[], now=later + timedelta(hours=1))
    assert silent.listed_at == later and count(db_session, AuditLog) == entries
    registration.update_participation(user=user_of(silent), participant=silent, offers="", seeks="", listed=False,
                                      unavailable=[], now=later + timedelta(hours=3))
    assert (silent.listed, silent.listed_at) == (False, None)  # withdrawn
    assert count(db_session, AuditLog) == entries + 1


# -- suggestions -----------------------------------------------------------------------------------------

def test_suggested_partners_are_the_events_own_registered_participants(db_session, staff, search_backend):
    # Sixty institutions outside the event fit the need better than the event's own patent provider: the
    # whole directory's top fifty would not include it.
    for n in range(60):
        factories.institution(name=f"营口发明专利申请代理第{n}有限公司", description="发明专利申请代理、专利布局。",
                              offerings=("发明专利申请代理",))
    ours = factories.institution(name="营口会展知识产权服务有限公司", description="知识产权贯标，也做发明专利检索。",
                                 offerings=("知识产权贯标",))
    unrelated = factories.institution(name="营口会展会计师事务所", categories=("代理记账",),
                                      description="代理记账与纳税申报。", offerings=("代理记账",))
    run_drain(search=search_backend)
    event = make_event(staff, capacity_providers=3)
    ent = register(event, seeks="想申请发明专利")
    ours_p = registration.register(user=factories.user(role="institution", institution_id=ours.id), event=event,
                                   listed=True)
    unrelated_p = registration.register(user=factories.user(role="institution", institution_id=unrelated.id),
                                        event=event, listed=True)
    unlisted = provider(event, listed=False)  # a patent agent that did not agree to be listed
    full = provider(event)  # the fourth provider: on the waiting list
    assert full.status == "waitlisted"

    assert meeting_requests.suggested_partners(event, ent) == [ours_p]
    assert unrelated_p not in meeting_requests.suggested_partners(event, ent) and unlisted.listed is False
    meeting_requests.request_meeting(user=user_of(ent), requester=ent, recipient=ours_p, message="想了解专利检索")
    assert meeting_requests.suggested_partners(event, ent) == []  # already asked


def test_a_provider_is_suggested_the_events_enterprises_seeking_what_it_offers(db_session, staff):
    event = make_event(staff)
    patent = register(event, seeks="发明专利申请")
    register(event, seeks="设备更新贷款")
    outsider = register(make_event(staff), seeks="发明专利申请")
    prov = provider(event, offers="发明专利申请代理")
    assert meeting_requests.suggested_partners(event, prov) == [patent]
    assert outsider not in meeting_requests.suggested_partners(event, prov)


# -- meeting requests ------------------------------------------------------------------------------------

def test_a_meeting_request_needs_a_message(db_session, staff):
    event = make_event(staff)
    ent, prov = register(event), provider(event)
    notes = count(db_session, Notification)
    for blank in ("", "   \n"):
        with pytest.raises(InvalidInput) as refused:
            meeting_requests.request_meeting(user=user_of(ent), requester=ent, recipient=prov, message=blank)
        assert refused.value.field == "message"
    assert count(db_session, MeetingRequest) == 0 and count(db_session, Notification) == notes
    request = meeting_requests.request_meeting(user=user_of(ent), requester=ent, recipient=prov, message=" 想了解专利布局 ")
    assert request.message == "想了解专利布局"


# -- a finished event ------------------------------------------------------------------------------------

@pytest.mark.parametrize("end", ["complete", "cancel"])
def test_a_finished_event_is_neither_rescheduled_nor_republished(db_session, staff, end):
    event = make_event(staff, count=2, tables=2)
    first = accepted(register(event), provider(event))
    second = accepted(register(event), provider(event))
    planning.run(event=event, user=staff)
    planning.publish(user=staff, event=event)
    services.change_status(user=staff, event=event, action="start")
    if end == "complete":
        services.change_status(user=staff, event=event, action="complete")
    else:
        services.change_status(user=staff, event=event, action="cancel", reason="场地原因")
    a, b = meeting_of(db_session, first), meeting_of(db_session, second)
    places = [(m.slot_position, m.table_no, m.locked) for m in (a, b)]
    entries, notes = count(db_session, AuditLog), count(db_session, Notification)
    published_at = event.schedule_published_at
    for call in (lambda: planning.run(event=event, user=staff), lambda: planning.publish(user=staff, event=event),
                 lambda: planning.move(user=staff, meeting=a, position=b.slot_position, table=3 - a.table_no),
                 lambda: planning.swap(user=staff, first=a, second=b),
                 lambda: planning.set_locked(user=staff, meeting=a, locked=True)):
        with pytest.raises(errors.EventFinished):
            call()
    assert [(m.slot_position, m.table_no, m.locked) for m in (a, b)] == places
    assert event.schedule_published_at == published_at
    assert (count(db_session, AuditLog), count(db_session, Notification)) == (entries, notes)


# -- the three-month follow-up ---------------------------------------------------------------------------

def test_followup_answers_count_in_the_report_and_the_dashboard_and_the_first_is_kept(db_session, staff):
    event = make_event(staff, count=2, tables=2)
    requests = [accepted(register(event), provider(event)) for _ in range(2)]
    planning.run(event=event, user=staff)
    services.change_status(user=staff, event=event, action="start")
    first, second = (day.mark(user=staff, meeting=meeting_of(db_session, r), status=MeetingStatus.HELD)
                     for r in requests)
    ent1, prov1 = (db_session.get(services.EventParticipant, i) for i in (requests[0].requester_id,
                                                                         requests[0].recipient_id))
    ent2 = db_session.get(services.EventParticipant, requests[1].requester_id)

    def answer(p: Any, meeting: Any, outcome: str, amount: float | None = None, *, kind: str = "initial",
               rating: int = 3) -> None:
        day.give_feedback(user=user_of(p), meeting=meeting, kind=kind,
                          data=day.FeedbackInput(rating=rating, outcome=outcome, amount=amount))

    answer(ent1, first, "intent", 10000, rating=3)
    answer(prov1, first, "none", rating=4)
    answer(ent2, second, "signed", 20000, rating=5)
    services.change_status(user=staff, event=event, action="complete")
    day.send_followups(now=utcnow() + timedelta(days=10000))
    assert day.can_give_followup(event)

    def figures() -> tuple[Any, Any]:
        return report.build(event), monitoring.event_figures(period=periods.parse_period(str(START.year)),
                                                             region_id=None)

    on_the_day, board = figures()
    assert on_the_day.outcomes == board.outcomes == {"signed": 1, "intent": 1, "none": 0}
    assert on_the_day.amount_signed == board.amount_signed == 20000

    answer(ent1, first, "signed", 80000, kind="followup", rating=5)  # signed in the end
    answer(ent2, second, "none", kind="followup", rating=2)  # the contract fell through
    three_months_on, board = figures()
    assert three_months_on.outcomes == board.outcomes == {"signed": 1, "intent": 0, "none": 1}
    assert three_months_on.amount_signed == board.amount_signed == 80000
    assert three_months_on.amount_intended == board.amount_intended == 0
    assert three_months_on.best[first.id].kind == "followup"
    # the latest answer of each side: 5 (ent1, follow-up), 4 (prov1), 2 (ent2, follow-up)
    assert (three_months_on.satisfaction, three_months_on.feedback_count, three_months_on.followup_count) == \
        (round(11 / 3, 2), 3, 2)
    kept = db_session.exec(select(MeetingFeedback.kind, MeetingFeedback.outcome).where(
        MeetingFeedback.participant_id == ent1.id).order_by(MeetingFeedback.id)).all()
    assert kept == [("initial", "intent"), ("followup", "signed")]  # the first answer is kept


def test_the_followup_opens_only_once_it_was_sent(db_session, staff):
    event = make_event(staff, count=1)
    request = accepted(register(event), provider(event))
    planning.run(event=event, user=staff)
    services.change_status(user=staff, event=event, action="start")
    meeting = day.mark(user=staff, meeting=meeting_of(db_session, request), status=MeetingStatus.HELD)
    ent = db_session.get(services.EventParticipant, request.requester_id)
    with pytest.raises(InvalidInput):
        day.give_feedback(user=user_of(ent), meeting=meeting, kind="followup",
                          data=day.FeedbackInput(rating=5, outcome="signed"))
    assert count(db_session, MeetingFeedback) == 0
    assert db_session.get(Event, event.id).followup_sent_at is None
