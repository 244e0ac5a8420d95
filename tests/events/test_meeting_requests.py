"""Meeting requests: between the two sides, within the cap, one per pair, answered by the recipient,
withdrawn by either side."""

from __future__ import annotations

import pytest
from flask_babel import gettext
from sqlmodel import col, func, select

from directory.core.errors import InvalidInput, NotAllowed
from directory.events import day, errors, meeting_requests, participants, planning, services
from directory.events.models import (
    EventParticipant,
    MeetingRequest,
    MeetingRequestStatus,
    MeetingStatus,
    ParticipantStatus,
)
from tests.events.helpers import (
    accepted,
    enterprise_user,
    institution_user,
    make_event,
    meeting_of,
    notes,
    provider,
    register,
    user_of,
)


def test_meetings_are_between_an_enterprise_and_a_provider(db_session, staff):
    event = make_event(staff)
    e1, e2, p1, p2 = register(event), register(event), provider(event), provider(event)
    with pytest.raises(errors.SameSide):
        meeting_requests.request_meeting(user=user_of(e1), requester=e1, recipient=e2, message="想约谈")
    with pytest.raises(errors.SameSide):
        meeting_requests.request_meeting(user=user_of(p1), requester=p1, recipient=p2, message="想约谈")
    with pytest.raises(NotAllowed):  # only for oneself
        meeting_requests.request_meeting(user=user_of(e2), requester=e1, recipient=p1, message="想约谈")
    request = meeting_requests.request_meeting(user=user_of(p1), requester=p1, recipient=e1, message="  想了解贵司需求 ")
    assert (request.status, request.message) == (MeetingRequestStatus.PENDING, "想了解贵司需求")
    [note] = notes(db_session, user_of(e1), "event.meeting_request")
    assert note.body == "想了解贵司需求"
    assert meeting_requests.requests_of(e1) == [request] and meeting_requests.requests_of(e2) == []


def test_the_waiting_list_cannot_ask_or_be_asked(db_session, staff):
    event = make_event(staff, capacity_enterprises=1, capacity_providers=1)
    ent, prov = register(event), provider(event)
    waiting_ent, waiting_prov = register(event), provider(event)
    assert waiting_ent.status == waiting_prov.status == ParticipantStatus.WAITLISTED
    with pytest.raises(errors.NotRegistered):
        meeting_requests.request_meeting(user=user_of(waiting_ent), requester=waiting_ent, recipient=prov, message="想约谈")
    with pytest.raises(errors.NotRegistered):
        meeting_requests.request_meeting(user=user_of(ent), requester=ent, recipient=waiting_prov, message="想约谈")
    assert meeting_requests.event_requests(event) == []


def test_requests_close_with_the_event(db_session, staff):
    event = make_event(staff)
    ent, prov = register(event), provider(event)
    services.change_status(user=staff, event=event, action="cancel", reason="延期")
    with pytest.raises(errors.MeetingRequestsClosed):
        meeting_requests.request_meeting(user=user_of(ent), requester=ent, recipient=prov, message="想约谈")


def test_the_cap_counts_open_requests_when_asking(db_session, staff):
    event = make_event(staff, max_meetings_per_participant=2)
    ent, p1, p2, p3 = register(event), provider(event), provider(event), provider(event)
    first = meeting_requests.request_meeting(user=user_of(ent), requester=ent, recipient=p1, message="想约谈")
    accepted(ent, p2)
    with pytest.raises(errors.MeetingCapReached):
        meeting_requests.request_meeting(user=user_of(ent), requester=ent, recipient=p3, message="想约谈")
    meeting_requests.respond_to_request(user=user_of(p1), request=first, accept=False)  # a declined one frees a place
    meeting_requests.request_meeting(user=user_of(ent), requester=ent, recipient=p3, message="想约谈")


def test_the_cap_is_enforced_when_accepting(db_session, staff):
    event = make_event(staff, max_meetings_per_participant=1)
    e1, e2, prov = register(event), register(event), provider(event)
    r1 = meeting_requests.request_meeting(user=user_of(e1), requester=e1, recipient=prov, message="想约谈")
    r2 = meeting_requests.request_meeting(user=user_of(e2), requester=e2, recipient=prov, message="想约谈")
    meeting_requests.respond_to_request(user=user_of(prov), request=r1, accept=True)
    with pytest.raises(errors.MeetingCapReached):
        meeting_requests.respond_to_request(user=user_of(prov), request=r2, accept=True)
    assert r2.status == MeetingRequestStatus.PENDING
    meeting_requests.respond_to_request(user=user_of(prov), request=r2, accept=False)
    assert r2.status == MeetingRequestStatus.DECLINED


def test_accepting_respects_the_requesters_cap_too(db_session, staff):
    """The requester asked while under the cap, then accepted a request from someone else in between."""
    event = make_event(staff, max_meetings_per_participant=1)
    ent, p1, p2 = register(event), provider(event), provider(event)
    outgoing = meeting_requests.request_meeting(user=user_of(ent), requester=ent, recipient=p1, message="想约谈")
    incoming = meeting_requests.request_meeting(user=user_of(p2), requester=p2, recipient=ent, message="想约谈")
    meeting_requests.respond_to_request(user=user_of(ent), request=incoming, accept=True)
    with pytest.raises(errors.MeetingCapReached):
        meeting_requests.respond_to_request(user=user_of(p1), request=outgoing, accept=True)
    accepted_count = db_session.exec(select(func.count()).select_from(MeetingRequest).where(
        (col(MeetingRequest.requester_id) == ent.id) | (col(MeetingRequest.recipient_id) == ent.id),
        MeetingRequest.status == MeetingRequestStatus.ACCEPTED)).one()
    assert accepted_count == 1


def test_one_request_per_pair_in_either_direction(db_session, staff):
    event = make_event(staff)
    ent, prov = register(event), provider(event)
    request = meeting_requests.request_meeting(user=user_of(ent), requester=ent, recipient=prov, message="想约谈")
    with pytest.raises(errors.AlreadyRequested):
        meeting_requests.request_meeting(user=user_of(ent), requester=ent, recipient=prov, message="想约谈")
    with pytest.raises(errors.AlreadyRequested):
        meeting_requests.request_meeting(user=user_of(prov), requester=prov, recipient=ent, message="想约谈")
    meeting_requests.respond_to_request(user=user_of(prov), request=request, accept=True)
    with pytest.raises(errors.AlreadyRequested):
        meeting_requests.request_meeting(user=user_of(prov), requester=prov, recipient=ent, message="想约谈")
    assert len(meeting_requests.event_requests(event)) == 1


def test_a_declined_pair_may_be_asked_again(db_session, staff):
    event = make_event(staff)
    ent, prov = register(event), provider(event)
    first = meeting_requests.request_meeting(user=user_of(ent), requester=ent, recipient=prov, message="想约谈")
    meeting_requests.respond_to_request(user=user_of(prov), request=first, accept=False)
    assert first.status == MeetingRequestStatus.DECLINED
    [answer] = notes(db_session, user_of(ent), "event.meeting_answer")
    assert answer.title == gettext("%(name)s declined your meeting request", name=participants.name_of(prov))
    again = meeting_requests.request_meeting(user=user_of(ent), requester=ent, recipient=prov, message="再约一次")
    assert again.status == MeetingRequestStatus.PENDING and again.message == "再约一次"
    meeting_requests.respond_to_request(user=user_of(prov), request=again, accept=False)
    reverse = meeting_requests.request_meeting(user=user_of(prov), requester=prov, recipient=ent, message="想约谈")  # the other way round
    assert (reverse.requester_id, reverse.recipient_id, reverse.status) == (prov.id, ent.id, "pending")
    assert [r.status for r in meeting_requests.event_requests(event)] == ["pending"]


def test_a_pair_whose_scheduled_meeting_was_cancelled_may_meet_again(db_session, staff):
    event = make_event(staff, count=3)
    ent, prov = register(event), provider(event)
    request = accepted(ent, prov)
    planning.run(event=event, user=staff)
    meeting_requests.cancel_request(user=user_of(ent), request=request)
    assert meeting_of(db_session, request).status == MeetingStatus.CANCELLED
    again = meeting_requests.request_meeting(user=user_of(prov), requester=prov, recipient=ent, message="想约谈")
    meeting_requests.respond_to_request(user=user_of(ent), request=again, accept=True)
    planning.run(event=event, user=staff)
    [item] = planning.agenda(ent)
    assert item.partner.id == prov.id and item.slot is not None
    assert item.meeting.status == MeetingStatus.SCHEDULED


def test_only_the_recipient_answers(db_session, staff):
    event = make_event(staff)
    ent, prov = register(event), provider(event)
    request = meeting_requests.request_meeting(user=user_of(ent), requester=ent, recipient=prov, message="想约谈")
    for user in (user_of(ent), enterprise_user(), institution_user()):
        with pytest.raises(NotAllowed):
            meeting_requests.respond_to_request(user=user, request=request, accept=True)
    assert request.status == MeetingRequestStatus.PENDING and request.responded_at is None
    meeting_requests.respond_to_request(user=user_of(prov), request=request, accept=True)
    assert request.status == MeetingRequestStatus.ACCEPTED and request.responded_at is not None
    [answer] = notes(db_session, user_of(ent), "event.meeting_answer")
    assert answer.title == gettext("%(name)s accepted your meeting request", name=participants.name_of(prov))
    with pytest.raises(InvalidInput):  # answered once
        meeting_requests.respond_to_request(user=user_of(prov), request=request, accept=False)
    assert request.status == MeetingRequestStatus.ACCEPTED


def test_either_side_withdraws_a_request_and_nobody_else(db_session, staff):
    event = make_event(staff)
    ent, prov = register(event), provider(event)
    request = meeting_requests.request_meeting(user=user_of(ent), requester=ent, recipient=prov, message="想约谈")
    with pytest.raises(NotAllowed):
        meeting_requests.cancel_request(user=enterprise_user(), request=request)
    meeting_requests.cancel_request(user=user_of(prov), request=request)
    assert request.status == MeetingRequestStatus.CANCELLED
    assert len(notes(db_session, user_of(ent), "event.meeting_cancelled")) == 1
    with pytest.raises(InvalidInput):
        meeting_requests.cancel_request(user=user_of(ent), request=request)


def test_a_held_meeting_cannot_be_cancelled(db_session, staff):
    event = make_event(staff)
    request = accepted(register(event), provider(event))
    planning.run(event=event, user=staff)
    services.change_status(user=staff, event=event, action="start")
    day.mark(user=staff, meeting=meeting_of(db_session, request), status=MeetingStatus.HELD)
    with pytest.raises(InvalidInput):
        meeting_requests.cancel_request(user=user_of(db_session.get(EventParticipant, request.requester_id)), request=request)
    assert request.status == MeetingRequestStatus.ACCEPTED


def test_requests_cannot_be_answered_once_the_event_is_over(db_session, staff):
    event = make_event(staff)
    a, b = register(event), provider(event)
    request = meeting_requests.request_meeting(user=user_of(a), requester=a, recipient=b, message="想约谈")
    services.change_status(user=staff, event=event, action="cancel", reason="场地原因")
    with pytest.raises(InvalidInput):
        meeting_requests.respond_to_request(user=user_of(b), request=request, accept=True)
