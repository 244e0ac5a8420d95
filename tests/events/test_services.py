"""Matchmaking events through their services: the life cycle, time slots, registration with a waiting list,
meeting requests, scheduling with the staff's adjustments, and the day itself (check-in, held meetings,
meetings on the spot, feedback, reviews, the three-month follow-up)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from flask_babel import gettext
from icalendar import Calendar
from sqlmodel import col, func, select

from directory.accounts.models import User
from directory.core.errors import AlreadyExists, InvalidInput, NotAllowed, NotFound
from directory.core.time import utcnow
from directory.events import day, meeting_requests, participants, planning, registration, services
from directory.events.models import (
    Event,
    EventParticipant,
    EventSlot,
    EventStatus,
    Meeting,
    MeetingFeedback,
    MeetingRequest,
    MeetingRequestStatus,
    MeetingStatus,
    ParticipantStatus,
)
from directory.events.solver import REASON_MESSAGES
from directory.institutions.models import Institution
from directory.notifications.models import Notification
from directory.reviews.services import ReviewInput
from tests import factories

START = datetime(2027, 5, 20, 9, 0, tzinfo=UTC)
GOOD_REVIEW = ReviewInput(quality=5, efficiency=5, expertise=5, attitude=5, price=5, verdict="very_satisfied",
                          comment="对接很有收获", recommend=True)


# -- helpers ---------------------------------------------------------------------------------------------

@pytest.fixture
def staff(db_session: Any) -> User:
    return factories.user(role="staff")


def enterprise_user() -> User:
    return factories.user(role="enterprise", enterprise_id=factories.enterprise().id)


def institution_user(**fields: Any) -> User:
    return factories.user(role="institution", institution_id=factories.institution(**fields).id)


def expert_user() -> User:
    return factories.user(role="expert", expert_id=factories.expert().id)


def make_event(staff: User, *, count: int = 4, breaks: dict[int, int] | None = None, open_registration: bool = True,
               **fields: Any) -> Event:
    data = services.EventInput(title="营口镁质材料产业服务对接会", starts_on=START.date(), venue="营口市中小企业服务中心",
                               **fields)
    event = services.create_event(user=staff, data=data)
    if count:
        services.set_slots(user=staff, event=event, first_start=START, count=count, breaks=breaks)
    if open_registration:
        services.change_status(user=staff, event=event, action="open_registration")
    return event


def register(event: Event, user: User | None = None, **kwargs: Any) -> EventParticipant:
    """Registered and listed (others may ask them), unless told otherwise."""
    return registration.register(user=user or enterprise_user(), event=event, **{"listed": True, **kwargs})


def provider(event: Event, **kwargs: Any) -> EventParticipant:
    return registration.register(user=institution_user(), event=event, **{"listed": True, **kwargs})


def user_of(participant: EventParticipant) -> User:
    from directory.extensions import db

    return db.session.get_one(User, participant.user_id)


def accepted(a: EventParticipant, b: EventParticipant) -> MeetingRequest:
    """``a`` asks ``b`` and ``b`` accepts."""
    request = meeting_requests.request_meeting(user=user_of(a), requester=a, recipient=b, message="想约谈")
    return meeting_requests.respond_to_request(user=user_of(b), request=request, accept=True)


def meeting_of(db_session: Any, request: MeetingRequest) -> Meeting:
    return db_session.exec(select(Meeting).where(Meeting.request_id == request.id)).one()


def notes(db_session: Any, user: User, kind: str) -> list[Notification]:
    return list(db_session.exec(select(Notification).where(Notification.user_id == user.id,
                                                           Notification.kind == kind)).all())


def place(staff: User, meeting: Meeting, position: int, table: int) -> Meeting:
    return planning.move(user=staff, meeting=meeting, position=position, table=table)


# -- life cycle ------------------------------------------------------------------------------------------

def test_only_staff_create_and_move_an_event_along(db_session, staff):
    data = services.EventInput(title="对接会", starts_on=START.date())
    for role in ("enterprise", "institution", "expert"):
        with pytest.raises(NotAllowed):
            services.create_event(user=factories.user(role=role), data=data)
    event = services.create_event(user=staff, data=data)
    assert event.status == EventStatus.DRAFT and event.created_by_id == staff.id
    with pytest.raises(NotAllowed):
        services.change_status(user=enterprise_user(), event=event, action="publish")
    assert event.status == EventStatus.DRAFT
    services.change_status(user=factories.user(role="admin"), event=event, action="publish")
    assert event.status == EventStatus.PUBLISHED


def test_invalid_transitions_are_refused(db_session, staff):
    event = make_event(staff, open_registration=False)
    for action in ("complete", "close_registration", "start", "no_such_action"):
        with pytest.raises(InvalidInput):
            services.change_status(user=staff, event=event, action=action)
        assert event.status == EventStatus.DRAFT
    for action, status in (("publish", EventStatus.PUBLISHED), ("open_registration", EventStatus.REGISTRATION_OPEN),
                           ("close_registration", EventStatus.REGISTRATION_CLOSED), ("start", EventStatus.RUNNING),
                           ("complete", EventStatus.COMPLETED)):
        services.change_status(user=staff, event=event, action=action)
        assert event.status == status
    for action in ("publish", "open_registration", "start", "cancel"):  # a completed event stays completed
        with pytest.raises(InvalidInput):
            services.change_status(user=staff, event=event, action=action, reason="天气原因")
    assert event.status == EventStatus.COMPLETED


def test_registration_cannot_open_or_the_event_start_without_slots(db_session, staff):
    event = make_event(staff, count=0, open_registration=False)
    with pytest.raises(InvalidInput):
        services.change_status(user=staff, event=event, action="open_registration")
    assert event.status == EventStatus.DRAFT
    services.set_slots(user=staff, event=event, first_start=START, count=1)
    services.change_status(user=staff, event=event, action="open_registration")
    assert event.status == EventStatus.REGISTRATION_OPEN


def test_cancelling_needs_a_reason_and_tells_every_participant(db_session, staff):
    event = make_event(staff, capacity_enterprises=1)
    registered, waitlisted, withdrawn = register(event), register(event), register(event)
    registration.cancel_registration(user=user_of(withdrawn), participant=withdrawn)
    assert waitlisted.status == ParticipantStatus.WAITLISTED
    for reason in ("", "   "):
        with pytest.raises(InvalidInput):
            services.change_status(user=staff, event=event, action="cancel", reason=reason)
    assert event.status == EventStatus.REGISTRATION_OPEN
    assert not notes(db_session, user_of(registered), "event.cancelled")
    services.change_status(user=staff, event=event, action="cancel", reason="  场地临时检修  ")
    assert event.status == EventStatus.CANCELLED and event.cancel_reason == "场地临时检修"
    for p in (registered, waitlisted):
        [note] = notes(db_session, user_of(p), "event.cancelled")
        assert note.body == "场地临时检修" and note.link == f"/events/{event.id}"
    assert not notes(db_session, user_of(withdrawn), "event.cancelled")
    assert not notes(db_session, staff, "event.cancelled")


# -- time slots ------------------------------------------------------------------------------------------

def test_slots_follow_the_meeting_length_with_gaps_and_breaks(db_session, staff):
    event = make_event(staff, count=0, open_registration=False, meeting_minutes=20)
    made = services.set_slots(user=staff, event=event, first_start=START, count=4, gap_minutes=5,
                              breaks={2: 30, 4: 10})  # a break after the last meeting is pointless: none
    rows = services.slots(event)
    assert [s.id for s in rows] == [s.id for s in made]
    assert [(s.position, s.is_break) for s in rows] == [(0, False), (1, False), (2, True), (3, False), (4, False)]
    minutes = [((s.starts_at - START).seconds // 60, (s.ends_at - START).seconds // 60) for s in rows]
    assert minutes == [(0, 20), (25, 45), (50, 80), (80, 100), (105, 125)]
    assert [s.position for s in services.slots(event, meetings_only=True)] == [0, 1, 3, 4]


def test_setting_slots_again_replaces_them(db_session, staff):
    event = make_event(staff, count=6, open_registration=False)
    services.set_slots(user=staff, event=event, first_start=START, count=2)
    assert db_session.exec(select(func.count()).select_from(EventSlot)
                           .where(EventSlot.event_id == event.id)).one() == 2


def test_slots_are_checked_and_staff_only(db_session, staff):
    event = make_event(staff, count=0, open_registration=False)
    for kwargs in ({"count": 0}, {"count": 61}, {"count": 3, "gap_minutes": -1}, {"count": 3, "breaks": {1: 0}}):
        with pytest.raises(InvalidInput):
            services.set_slots(user=staff, event=event, first_start=START, **kwargs)
    with pytest.raises(NotAllowed):
        services.set_slots(user=enterprise_user(), event=event, first_start=START, count=3)
    assert services.slots(event) == []


def test_slots_cannot_change_once_a_schedule_exists(db_session, staff):
    event = make_event(staff, count=3)
    accepted(register(event), provider(event))
    planning.run(event=event, user=staff)
    assert event.schedule_status == "preliminary"
    with pytest.raises(InvalidInput):
        services.set_slots(user=staff, event=event, first_start=START, count=5)
    assert len(services.slots(event)) == 3


# -- registration ----------------------------------------------------------------------------------------

def test_each_kind_of_account_registers_on_its_side(db_session, staff):
    event = make_event(staff)
    ent_user, inst_user, exp_user = enterprise_user(), institution_user(), expert_user()
    ent = registration.register(user=ent_user, event=event, seeks="镁砂深加工工艺", unavailable=[3, 1, 1])
    inst = registration.register(user=inst_user, event=event, offers="发明专利代理")
    exp = registration.register(user=exp_user, event=event)
    assert (ent.side, ent.enterprise_id, ent.institution_id, ent.expert_id) == \
        (participants.ENTERPRISE, ent_user.enterprise_id, None, None)
    assert (inst.side, inst.institution_id, inst.enterprise_id, inst.expert_id) == \
        (participants.PROVIDER, inst_user.institution_id, None, None)
    assert (exp.side, exp.expert_id, exp.institution_id) == (participants.PROVIDER, exp_user.expert_id, None)
    assert all(p.status == ParticipantStatus.REGISTERED for p in (ent, inst, exp))
    assert ent.unavailable_slots == [1, 3] and ent.seeks == "镁砂深加工工艺"
    assert len({p.checkin_token for p in (ent, inst, exp)}) == 3
    [note] = notes(db_session, ent_user, "event.registered")
    assert note.title == gettext("You are registered for “%(title)s”", title=event.title)
    with pytest.raises(InvalidInput):  # a slot the event does not have
        registration.register(user=enterprise_user(), event=event, unavailable=[99])


def test_staff_and_unlinked_accounts_cannot_register(db_session, staff):
    event = make_event(staff)
    for user in (staff, factories.user(role="admin"), factories.user(role="enterprise"),
                 factories.user(role="institution"), factories.user(role="expert")):
        with pytest.raises(NotAllowed):
            registration.register(user=user, event=event)
    assert participants.participants(event, status=None) == []


def test_unpublished_providers_cannot_register(db_session, staff):
    event = make_event(staff)
    with pytest.raises(NotAllowed):
        registration.register(user=institution_user(admit=False), event=event)
    expert_obj = factories.expert(admit=False)
    with pytest.raises(NotAllowed):
        registration.register(user=factories.user(role="expert", expert_id=expert_obj.id), event=event)
    assert participants.participants(event, status=None) == []


def test_registration_only_inside_the_window(db_session, staff):
    opens, closes = START - timedelta(days=30), START - timedelta(days=2)
    event = make_event(staff, registration_opens_at=opens, registration_closes_at=closes)
    for now in (opens - timedelta(minutes=1), closes, closes + timedelta(days=1)):
        with pytest.raises(InvalidInput):
            register(event, now=now)
    p = register(event, now=opens)
    assert p.status == ParticipantStatus.REGISTERED and p.registered_at == opens
    services.change_status(user=staff, event=event, action="close_registration")
    with pytest.raises(InvalidInput):
        register(event, now=opens + timedelta(days=1))
    draft = make_event(staff, open_registration=False)
    with pytest.raises(InvalidInput):
        register(draft)


def test_registering_twice_is_refused_but_coming_back_after_cancelling_works(db_session, staff):
    event = make_event(staff, capacity_enterprises=1)
    first_user, second_user = enterprise_user(), enterprise_user()
    first = registration.register(user=first_user, event=event)
    second = registration.register(user=second_user, event=event)
    assert second.status == ParticipantStatus.WAITLISTED
    for user in (first_user, second_user):
        with pytest.raises(AlreadyExists):
            registration.register(user=user, event=event)
    registration.cancel_registration(user=second_user, participant=second)
    again = registration.register(user=second_user, event=event)
    assert again.id == second.id and again.status == ParticipantStatus.WAITLISTED
    assert first.status == ParticipantStatus.REGISTERED


def test_beyond_capacity_people_join_their_sides_waiting_list(db_session, staff):
    event = make_event(staff, capacity_enterprises=2, capacity_providers=1)
    ents = [register(event) for _ in range(3)]
    provs = [provider(event) for _ in range(2)]
    assert [p.status for p in ents] == ["registered", "registered", "waitlisted"]
    assert [p.status for p in provs] == ["registered", "waitlisted"]
    [note] = notes(db_session, user_of(ents[2]), "event.registered")
    assert note.title == gettext("You are on the waiting list for “%(title)s”", title=event.title)
    assert [p.id for p in participants.participants(event, side=participants.ENTERPRISE)] == [ents[0].id, ents[1].id]


def test_a_freed_place_goes_to_the_earliest_on_the_same_sides_waiting_list(db_session, staff):
    event = make_event(staff, capacity_enterprises=1, capacity_providers=1)
    t = utcnow() - timedelta(hours=5)
    holder = register(event, now=t)
    prov = provider(event, now=t)
    waiting_provider = provider(event, now=t + timedelta(minutes=1))  # waited longest, but the other side
    first = register(event, now=t + timedelta(minutes=2))
    second = register(event, now=t + timedelta(minutes=3))
    assert [p.status for p in (first, second, waiting_provider)] == ["waitlisted"] * 3
    promoted = registration.cancel_registration(user=user_of(holder), participant=holder)
    assert promoted is not None and promoted.id == first.id
    assert first.status == ParticipantStatus.REGISTERED and first.promoted_at is not None
    assert second.status == ParticipantStatus.WAITLISTED
    assert waiting_provider.status == ParticipantStatus.WAITLISTED and prov.status == ParticipantStatus.REGISTERED
    assert holder.status == ParticipantStatus.CANCELLED
    [note] = notes(db_session, user_of(first), "event.promoted")
    assert note.link == f"/events/{event.id}"
    assert not notes(db_session, user_of(second), "event.promoted")
    # withdrawing from the waiting list frees no place: nobody moves up
    assert registration.cancel_registration(user=user_of(second), participant=second) is None
    assert participants.participants(event, side=participants.ENTERPRISE, status=ParticipantStatus.WAITLISTED) == []


def test_only_the_participant_or_staff_cancel_a_registration(db_session, staff):
    event = make_event(staff)
    p = register(event)
    with pytest.raises(NotAllowed):
        registration.cancel_registration(user=enterprise_user(), participant=p)
    assert p.status == ParticipantStatus.REGISTERED
    registration.cancel_registration(user=staff, participant=p)
    assert p.status == ParticipantStatus.CANCELLED
    with pytest.raises(InvalidInput):
        registration.cancel_registration(user=user_of(p), participant=p)


def test_cancelling_a_registration_cancels_its_requests_and_meetings(db_session, staff):
    event = make_event(staff)
    ent, prov, other_prov, bystander = register(event), provider(event), provider(event), provider(event)
    meeting_request = accepted(ent, prov)
    pending = meeting_requests.request_meeting(user=user_of(ent), requester=ent, recipient=other_prov, message="想约谈")
    untouched = accepted(register(event), bystander)
    planning.run(event=event, user=staff)
    meeting = meeting_of(db_session, meeting_request)
    assert meeting.slot_position is not None
    registration.cancel_registration(user=user_of(ent), participant=ent)
    assert meeting_request.status == pending.status == MeetingRequestStatus.CANCELLED
    assert meeting.status == MeetingStatus.CANCELLED
    assert untouched.status == MeetingRequestStatus.ACCEPTED
    assert meeting_of(db_session, untouched).status == MeetingStatus.SCHEDULED
    for p in (prov, other_prov):
        assert len(notes(db_session, user_of(p), "event.meeting_cancelled")) == 1
    assert not notes(db_session, user_of(bystander), "event.meeting_cancelled")
    assert planning.agenda(prov) == []


# -- meeting requests ------------------------------------------------------------------------------------

def test_meetings_are_between_an_enterprise_and_a_provider(db_session, staff):
    event = make_event(staff)
    e1, e2, p1, p2 = register(event), register(event), provider(event), provider(event)
    with pytest.raises(InvalidInput):
        meeting_requests.request_meeting(user=user_of(e1), requester=e1, recipient=e2, message="想约谈")
    with pytest.raises(InvalidInput):
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
    with pytest.raises(InvalidInput):
        meeting_requests.request_meeting(user=user_of(waiting_ent), requester=waiting_ent, recipient=prov, message="想约谈")
    with pytest.raises(InvalidInput):
        meeting_requests.request_meeting(user=user_of(ent), requester=ent, recipient=waiting_prov, message="想约谈")
    assert meeting_requests.event_requests(event) == []


def test_requests_close_with_the_event(db_session, staff):
    event = make_event(staff)
    ent, prov = register(event), provider(event)
    services.change_status(user=staff, event=event, action="cancel", reason="延期")
    with pytest.raises(InvalidInput):
        meeting_requests.request_meeting(user=user_of(ent), requester=ent, recipient=prov, message="想约谈")


def test_the_cap_counts_open_requests_when_asking(db_session, staff):
    event = make_event(staff, max_meetings_per_participant=2)
    ent, p1, p2, p3 = register(event), provider(event), provider(event), provider(event)
    first = meeting_requests.request_meeting(user=user_of(ent), requester=ent, recipient=p1, message="想约谈")
    accepted(ent, p2)
    with pytest.raises(InvalidInput):
        meeting_requests.request_meeting(user=user_of(ent), requester=ent, recipient=p3, message="想约谈")
    meeting_requests.respond_to_request(user=user_of(p1), request=first, accept=False)  # a declined one frees a place
    meeting_requests.request_meeting(user=user_of(ent), requester=ent, recipient=p3, message="想约谈")


def test_the_cap_is_enforced_when_accepting(db_session, staff):
    event = make_event(staff, max_meetings_per_participant=1)
    e1, e2, prov = register(event), register(event), provider(event)
    r1 = meeting_requests.request_meeting(user=user_of(e1), requester=e1, recipient=prov, message="想约谈")
    r2 = meeting_requests.request_meeting(user=user_of(e2), requester=e2, recipient=prov, message="想约谈")
    meeting_requests.respond_to_request(user=user_of(prov), request=r1, accept=True)
    with pytest.raises(InvalidInput):
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
    with pytest.raises(InvalidInput):
        meeting_requests.respond_to_request(user=user_of(p1), request=outgoing, accept=True)
    accepted_count = db_session.exec(select(func.count()).select_from(MeetingRequest).where(
        (col(MeetingRequest.requester_id) == ent.id) | (col(MeetingRequest.recipient_id) == ent.id),
        MeetingRequest.status == MeetingRequestStatus.ACCEPTED)).one()
    assert accepted_count == 1


def test_one_request_per_pair_in_either_direction(db_session, staff):
    event = make_event(staff)
    ent, prov = register(event), provider(event)
    request = meeting_requests.request_meeting(user=user_of(ent), requester=ent, recipient=prov, message="想约谈")
    with pytest.raises(AlreadyExists):
        meeting_requests.request_meeting(user=user_of(ent), requester=ent, recipient=prov, message="想约谈")
    with pytest.raises(AlreadyExists):
        meeting_requests.request_meeting(user=user_of(prov), requester=prov, recipient=ent, message="想约谈")
    meeting_requests.respond_to_request(user=user_of(prov), request=request, accept=True)
    with pytest.raises(AlreadyExists):
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


# -- scheduling ------------------------------------------------------------------------------------------

def active_meetings(db_session: Any, event: Event) -> list[Meeting]:
    return list(db_session.exec(select(Meeting).where(Meeting.event_id == event.id,
                                                      Meeting.status != MeetingStatus.CANCELLED)).all())


def assert_valid_board(db_session: Any, event: Event) -> tuple[int, int]:
    """Every accepted request has one meeting, placed in a meeting slot at a free table with both people free
    and available, or carrying the reason it could not be placed. Returns (placed, unplaced)."""
    meeting_positions = {s.position for s in services.slots(event, meetings_only=True)}
    requests = {r.id: r for r in meeting_requests.event_requests(event) if r.status == MeetingRequestStatus.ACCEPTED}
    meetings = active_meetings(db_session, event)
    assert sorted(m.request_id for m in meetings) == sorted(requests)
    seats: set[tuple[int, int]] = set()
    busy: set[tuple[int, int]] = set()
    placed = unplaced = 0
    for m in meetings:
        if m.slot_position is None:
            assert m.table_no is None and m.unscheduled_reason in REASON_MESSAGES
            unplaced += 1
            continue
        placed += 1
        assert m.unscheduled_reason == ""
        assert m.slot_position in meeting_positions and 1 <= m.table_no <= event.tables  # type: ignore[operator]
        assert (m.slot_position, m.table_no) not in seats, "two meetings at one table"
        seats.add((m.slot_position, m.table_no))  # type: ignore[arg-type]
        request = requests[m.request_id]
        for pid in (request.requester_id, request.recipient_id):
            person = db_session.get(EventParticipant, pid)
            assert (pid, m.slot_position) not in busy, "double-booked"
            assert m.slot_position not in person.unavailable_slots
            busy.add((pid, m.slot_position))
    return placed, unplaced


def test_the_scheduler_places_every_accepted_request_or_says_why(db_session, staff):
    # four meeting slots (positions 0, 1, 3, 4; 2 is lunch), two tables, twelve accepted requests:
    # each provider has four requests but p0 is away for two slots, so not everything fits.
    event = make_event(staff, count=4, breaks={2: 60}, tables=2)
    ents = [register(event, unavailable=[1] if i == 0 else []) for i in range(4)]
    provs = [provider(event, unavailable=[0, 4] if i == 0 else []) for i in range(3)]
    for e in ents:
        for p in provs:
            accepted(e, p)
    shy = provider(event)
    declined = meeting_requests.request_meeting(user=user_of(ents[0]), requester=ents[0], recipient=shy, message="想约谈")
    meeting_requests.respond_to_request(user=user_of(shy), request=declined, accept=False)
    report = planning.run(event=event, user=staff)
    placed, unplaced = assert_valid_board(db_session, event)
    assert (report.requested, report.placed, len(report.unscheduled)) == (12, placed, unplaced)
    assert placed == 8  # two tables × four slots, and enough pairs free in each
    assert db_session.exec(select(Meeting).where(Meeting.request_id == declined.id)).first() is None
    listed = planning.unplaced(event)
    assert sorted(m.id for m, *_ in listed) == sorted(m.id for m, _reason in report.unscheduled)
    assert all(str(label) and label != m.unscheduled_reason for m, _a, _b, label in listed)


def test_the_scheduler_is_staff_only_and_needs_slots(db_session, staff):
    event = make_event(staff, count=1)
    with pytest.raises(NotAllowed):
        planning.run(event=event, user=enterprise_user())
    no_slots = make_event(staff, count=0, open_registration=False)
    with pytest.raises(InvalidInput):
        planning.run(event=no_slots, user=staff)
    assert event.schedule_status == no_slots.schedule_status == "none"


def test_a_locked_meeting_keeps_its_place_when_the_scheduler_runs_again(db_session, staff):
    event = make_event(staff, count=3, tables=2)
    ents, provs = [register(event) for _ in range(3)], [provider(event) for _ in range(3)]
    first = accepted(ents[0], provs[0])
    planning.run(event=event, user=staff)
    meeting = meeting_of(db_session, first)
    place(staff, meeting, 2, 2)
    planning.set_locked(user=staff, meeting=meeting, locked=True)
    for e in ents:
        for p in provs:
            if (e, p) != (ents[0], provs[0]):
                accepted(e, p)
    planning.run(event=event, user=staff)
    assert (meeting.slot_position, meeting.table_no, meeting.locked) == (2, 2, True)
    assert assert_valid_board(db_session, event) == (6, 3)


def test_only_a_placed_meeting_can_be_locked(db_session, staff):
    event = make_event(staff, count=1)
    prov = provider(event)
    first, second = accepted(register(event), prov), accepted(register(event), prov)
    planning.run(event=event, user=staff)
    [unplaced] = [m for m in (meeting_of(db_session, first), meeting_of(db_session, second))
                  if m.slot_position is None]
    assert unplaced.unscheduled_reason in REASON_MESSAGES
    with pytest.raises(InvalidInput):
        planning.set_locked(user=staff, meeting=unplaced, locked=True)
    assert not unplaced.locked


def test_requests_withdrawn_after_scheduling_lose_their_meeting_on_the_next_run(db_session, staff):
    event = make_event(staff, count=2)
    ent, prov = register(event), provider(event)
    request = accepted(ent, prov)
    planning.run(event=event, user=staff)
    request.status = MeetingRequestStatus.CANCELLED  # as if withdrawn behind the scheduler's back
    db_session.add(request)
    planning.run(event=event, user=staff)
    meeting = meeting_of(db_session, request)
    assert meeting.status == MeetingStatus.CANCELLED and meeting.slot_position is None


@pytest.fixture
def board(db_session, staff):
    """Three meeting slots (positions 0, 2, 3; 1 is a break), two tables; four meetings put in place by hand:
    (e1,p1) 0/1  (e2,p2) 0/2  (e1,p2) 2/1  (e3,p3) 3/1; p3 is unavailable in slot 2."""
    event = make_event(staff, count=3, breaks={1: 15}, tables=2)
    e1, e2, e3 = register(event), register(event), register(event)
    p1, p2, p3 = provider(event), provider(event), provider(event, unavailable=[2])
    requests = [accepted(e1, p1), accepted(e2, p2), accepted(e1, p2), accepted(e3, p3)]
    planning.run(event=event, user=staff)
    meetings = [meeting_of(db_session, r) for r in requests]
    for m in meetings:  # clear the board, then lay it out
        m.slot_position = m.table_no = None
        db_session.add(m)
    for m, (position, table) in zip(meetings, [(0, 1), (0, 2), (2, 1), (3, 1)], strict=True):
        place(staff, m, position, table)
    return {"event": event, "e1": e1, "e2": e2, "e3": e3, "p1": p1, "p2": p2, "p3": p3, "m": meetings}


def places(meetings: list[Meeting]) -> list[tuple[int | None, int | None]]:
    return [(m.slot_position, m.table_no) for m in meetings]


def test_moves_that_break_a_rule_are_refused(db_session, staff, board):
    m = board["m"]
    before = places(m)
    refused = [
        (m[3], 0, 1),  # table 1 is taken in slot 0
        (m[0], 2, 2),  # e1 already meets p2 in slot 2
        (m[3], 2, 2),  # p3 is unavailable in slot 2
        (m[3], 1, 2),  # slot 1 is the break
        (m[3], 9, 1),  # no such slot
        (m[3], 3, 3),  # no table 3
        (m[3], 3, 0),
    ]
    for meeting, position, table in refused:
        with pytest.raises(InvalidInput):
            place(staff, meeting, position, table)
    with pytest.raises(NotAllowed):
        planning.move(user=user_of(board["e1"]), meeting=m[3], position=3, table=2)
    assert places(m) == before
    place(staff, m[3], 3, 2)  # a free table in the same slot is fine
    assert (m[3].slot_position, m[3].table_no) == (3, 2)
    assert not notes(db_session, user_of(board["e3"]), "event.meeting_moved")  # not published yet: no news


def test_swaps_that_break_a_rule_are_refused(db_session, staff, board):
    m = board["m"]
    before = places(m)
    with pytest.raises(InvalidInput):  # (e3,p3) into slot 2: p3 is unavailable then
        planning.swap(user=staff, first=m[3], second=m[2])
    with pytest.raises(InvalidInput):  # (e1,p2) into slot 0: e1 already meets p1 then
        planning.swap(user=staff, first=m[1], second=m[2])
    with pytest.raises(NotAllowed):
        planning.swap(user=user_of(board["e1"]), first=m[0], second=m[3])
    with pytest.raises(InvalidInput):
        planning.swap(user=staff, first=m[0], second=m[0])
    assert places(m) == before
    planning.swap(user=staff, first=m[0], second=m[3])
    assert places(m) == [(3, 1), (0, 2), (2, 1), (0, 1)]
    assert_valid_board(db_session, board["event"])


def test_after_publishing_every_change_is_told_to_the_two_people(db_session, staff, board):
    event, m = board["event"], board["m"]
    with pytest.raises(NotAllowed):
        planning.publish(user=user_of(board["e1"]), event=event)
    planning.publish(user=staff, event=event)
    assert event.schedule_status == "final" and event.schedule_published_at is not None
    for key in ("e1", "e2", "e3", "p1", "p2", "p3"):
        assert len(notes(db_session, user_of(board[key]), "event.agenda")) == 1
    place(staff, m[3], 3, 2)
    when = services.local_time(services.slots(event)[3].starts_at)
    assert when == "05-20 17:55"  # 09:55 UTC, told in Beijing time
    for key, other in (("e3", "p3"), ("p3", "e3")):
        [note] = notes(db_session, user_of(board[key]), "event.meeting_moved")
        assert note.title == gettext("Your meeting with %(name)s has changed: %(when)s, table %(table)s",
                                     name=participants.name_of(board[other]), when=when, table=2)
    for key in ("e1", "e2", "p1", "p2"):
        assert not notes(db_session, user_of(board[key]), "event.meeting_moved")
    planning.swap(user=staff, first=m[0], second=m[3])
    for key in ("e1", "p1"):
        assert len(notes(db_session, user_of(board[key]), "event.meeting_moved")) == 1
    assert len(notes(db_session, user_of(board["e3"]), "event.meeting_moved")) == 2
    planning.publish(user=staff, event=event)  # publishing again sends no second "agenda ready"
    assert len(notes(db_session, user_of(board["e1"]), "event.agenda")) == 1


def test_a_rerun_after_publishing_tells_only_those_whose_place_changed(db_session, staff, board):
    event, m = board["event"], board["m"]
    lock_board(staff, board)
    planning.set_locked(user=staff, meeting=m[3], locked=False)
    planning.publish(user=staff, event=event)
    before = places(m)
    planning.run(event=event, user=staff)
    assert places(m)[:3] == before[:3]  # locked: slot and table kept
    for key in ("e1", "e2", "p1", "p2"):
        assert not notes(db_session, user_of(board[key]), "event.meeting_moved")
    moved = places(m)[3] != before[3]
    assert len(notes(db_session, user_of(board["e3"]), "event.meeting_moved")) == int(moved)
    assert_valid_board(db_session, event)


def test_publishing_needs_a_schedule(db_session, staff):
    event = make_event(staff)
    with pytest.raises(InvalidInput):
        planning.publish(user=staff, event=event)
    assert event.schedule_status == "none"


def lock_board(staff: User, board: dict[str, Any]) -> None:
    for m in board["m"]:
        planning.set_locked(user=staff, meeting=m, locked=True)


def test_the_agenda_is_in_time_order_with_unplaced_meetings_last(db_session, staff, board):
    e1, p1, p2, m = board["e1"], board["p1"], board["p2"], board["m"]
    place(staff, m[0], 3, 2)  # e1 now meets p2 (slot 2) before p1 (slot 3), though p1 was asked first
    never_free = provider(board["event"], unavailable=[0, 2, 3])
    extra = accepted(e1, never_free)
    lock_board(staff, board)
    report = planning.run(event=board["event"], user=staff)
    assert [meeting.request_id for meeting, _reason in report.unscheduled] == [extra.id]
    items = planning.agenda(e1)
    assert [(i.partner.id, i.slot.position if i.slot else None) for i in items] == \
        [(p2.id, 2), (p1.id, 3), (never_free.id, None)]
    assert items[0].partner_name == participants.name_of(p2)
    assert [i.meeting.id for i in planning.agenda(p2)] == [m[1].id, m[2].id]


def test_the_calendar_file_has_one_event_per_placed_meeting(db_session, staff, board):
    e1 = board["e1"]
    accepted(e1, provider(board["event"], unavailable=[0, 2, 3]))  # never free: stays unplaced
    lock_board(staff, board)
    planning.run(event=board["event"], user=staff)
    items = planning.agenda(e1)
    assert len(items) == 3 and items[2].slot is None
    cal = Calendar.from_ical(planning.ical(e1))
    vevents = cal.walk("VEVENT")
    assert len(vevents) == 2
    assert [(v.decoded("dtstart"), v.decoded("dtend")) for v in vevents] == \
        [(i.slot.starts_at, i.slot.ends_at) for i in items[:2]]  # type: ignore[union-attr]
    assert [str(v["summary"]) for v in vevents] == [gettext("Meeting with %(name)s", name=i.partner_name)
                                                   for i in items[:2]]
    assert len({str(v["uid"]) for v in vevents}) == 2
    assert str(cal["x-wr-calname"]) == board["event"].title
    assert Calendar.from_ical(planning.ical(board["e3"])).walk("VEVENT")[0].decoded("dtstart") == \
        services.slots(board["event"])[3].starts_at


def test_the_table_plan_shows_who_sits_where(db_session, staff, board):
    all_slots, tables, plan = planning.table_plan(board["event"])
    assert [s.position for s in all_slots] == [0, 1, 2, 3] and tables == [1, 2]
    assert set(plan) == {(0, 1), (0, 2), (2, 1), (3, 1)}
    meeting, ent_name, prov_name = plan[(2, 1)]
    assert meeting.id == board["m"][2].id
    assert (ent_name, prov_name) == (participants.name_of(board["e1"]), participants.name_of(board["p2"]))


# -- the day ---------------------------------------------------------------------------------------------

@pytest.fixture
def running(db_session, staff, board):
    services.change_status(user=staff, event=board["event"], action="start")
    return board


def test_check_in_by_token(db_session, staff, board):
    event, e1 = board["event"], board["e1"]
    with pytest.raises(NotFound):
        day.participant_by_token(event, "not-a-token")
    elsewhere = register(make_event(staff))
    with pytest.raises(NotFound):  # a code for another event
        day.participant_by_token(event, elsewhere.checkin_token)
    found = day.participant_by_token(event, e1.checkin_token)
    assert found.id == e1.id
    with pytest.raises(NotAllowed):
        day.check_in(user=user_of(e1), participant=found)
    first_time = utcnow() - timedelta(minutes=5)
    day.check_in(user=staff, participant=found, now=first_time)
    day.check_in(user=staff, participant=found, now=utcnow())  # scanning twice changes nothing
    assert found.checked_in_at == first_time


def test_the_waiting_list_and_the_cancelled_cannot_check_in(db_session, staff):
    event = make_event(staff, capacity_enterprises=1)
    register(event)
    waiting, gone = register(event), register(event)
    registration.cancel_registration(user=user_of(gone), participant=gone)
    for p in (waiting, gone):
        with pytest.raises(InvalidInput):
            day.check_in(user=staff, participant=day.participant_by_token(event, p.checkin_token))
        assert p.checked_in_at is None


def test_meetings_are_marked_only_on_the_day(db_session, staff, board):
    event, m = board["event"], board["m"]
    with pytest.raises(InvalidInput):
        day.mark(user=staff, meeting=m[0], status=MeetingStatus.HELD)
    assert m[0].status == MeetingStatus.SCHEDULED
    services.change_status(user=staff, event=event, action="start")
    with pytest.raises(NotAllowed):
        day.mark(user=user_of(board["e1"]), meeting=m[0], status=MeetingStatus.HELD)
    with pytest.raises(InvalidInput):
        day.mark(user=staff, meeting=m[0], status="cancelled")
    day.mark(user=staff, meeting=m[0], status=MeetingStatus.HELD)
    day.mark(user=staff, meeting=m[1], status=MeetingStatus.NO_SHOW)
    services.change_status(user=staff, event=event, action="complete")
    day.mark(user=staff, meeting=m[2], status=MeetingStatus.HELD)  # recorded afterwards
    assert [x.status for x in m] == ["held", "no_show", "held", "scheduled"]


def test_an_unplaced_or_cancelled_meeting_cannot_be_marked(db_session, staff, running):
    m = running["m"]
    meeting_requests.cancel_request(user=user_of(running["e3"]),
                                    request=db_session.get(MeetingRequest, m[3].request_id))
    assert m[3].status == MeetingStatus.CANCELLED
    with pytest.raises(InvalidInput):
        day.mark(user=staff, meeting=m[3], status=MeetingStatus.HELD)
    prov = running["p1"]
    unplaced_request = accepted(running["e2"], prov)
    unplaced = Meeting(event_id=running["event"].id, request_id=unplaced_request.id)
    db_session.add(unplaced)
    db_session.flush()
    with pytest.raises(InvalidInput):
        day.mark(user=staff, meeting=unplaced, status=MeetingStatus.HELD)
    assert (m[3].status, unplaced.status) == ("cancelled", "scheduled")


def test_a_meeting_on_the_spot_takes_the_first_free_table(db_session, staff, running):
    event = running["event"]  # slot 2: (e1,p2) at table 1
    meeting = day.add_on_the_spot(user=staff, event=event, first=running["e3"], second=running["p1"], position=2)
    assert (meeting.slot_position, meeting.table_no, meeting.status) == (2, 2, MeetingStatus.SCHEDULED)
    request = db_session.get(MeetingRequest, meeting.request_id)
    assert request.status == MeetingRequestStatus.ACCEPTED
    for key, other in (("e3", "p1"), ("p1", "e3")):
        [note] = notes(db_session, user_of(running[key]), "event.meeting_added")
        assert note.title == gettext("A meeting with %(name)s was added at table %(table)s",
                                     name=participants.name_of(running[other]), table=2)
    assert assert_valid_board(db_session, event) == (5, 0)
    assert [i.meeting.id for i in planning.agenda(running["e3"])] == [meeting.id, running["m"][3].id]


def refused(db_session: Any, error: type[Exception], **kwargs: Any) -> None:
    """The call fails, and (as in a request) what it wrote before failing is rolled back."""
    with pytest.raises(error):
        with db_session.begin_nested():
            day.add_on_the_spot(**kwargs)


def waitlisted_in(event: Event) -> EventParticipant:
    """A waiting-list enterprise of a running event (it registered while registration was open and full)."""
    user = enterprise_user()
    p = EventParticipant(event_id=event.id, user_id=user.id, side=participants.ENTERPRISE,  # type: ignore[arg-type]
                         enterprise_id=user.enterprise_id, status=ParticipantStatus.WAITLISTED,
                         checkin_token=f"waiting-{user.id}")
    add(p)
    return p


def add(record: Any) -> None:
    from directory.extensions import db

    db.session.add(record)
    db.session.flush()


def test_on_the_spot_refuses_busy_people_full_slots_and_the_wrong_moment(db_session, staff, board):
    event, e4 = board["event"], register(board["event"])
    p1, p2, p3 = board["p1"], board["p2"], board["p3"]
    refused(db_session, InvalidInput, user=staff, event=event, first=e4, second=p1, position=2)  # not running
    services.change_status(user=staff, event=event, action="start")
    refused(db_session, NotAllowed, user=user_of(e4), event=event, first=e4, second=p1, position=2)
    refused(db_session, InvalidInput, user=staff, event=event, first=e4, second=p2, position=2)  # p2 meets e1
    refused(db_session, InvalidInput, user=staff, event=event, first=e4, second=p3, position=0)  # tables taken
    refused(db_session, InvalidInput, user=staff, event=event, first=e4, second=p3, position=1)  # the break
    refused(db_session, InvalidInput, user=staff, event=event, first=e4, second=p3, position=2)  # p3 unavailable
    refused(db_session, InvalidInput, user=staff, event=event, first=e4, second=board["e2"], position=3)  # one side
    refused(db_session, AlreadyExists, user=staff, event=event, first=board["e1"], second=p1, position=3)
    refused(db_session, InvalidInput, user=staff, event=event, first=waitlisted_in(event), second=p1, position=3)
    assert assert_valid_board(db_session, event) == (4, 0)
    meeting = day.add_on_the_spot(user=staff, event=event, first=e4, second=p1, position=3)
    assert (meeting.slot_position, meeting.table_no) == (3, 2)


def test_on_the_spot_reunites_a_pair_whose_meeting_was_cancelled(db_session, staff, running):
    event, m = running["event"], running["m"]
    request = db_session.get(MeetingRequest, m[3].request_id)  # (e3, p3) in slot 3
    meeting_requests.cancel_request(user=user_of(running["p3"]), request=request)
    meeting = day.add_on_the_spot(user=staff, event=event, first=running["e3"], second=running["p3"], position=3)
    assert (meeting.slot_position, meeting.table_no, meeting.status) == (3, 1, MeetingStatus.SCHEDULED)
    assert_valid_board(db_session, event)


def held(db_session: Any, staff: User, board: dict[str, Any]) -> Meeting:
    """(e1, p1) held."""
    if board["event"].status != EventStatus.RUNNING:
        services.change_status(user=staff, event=board["event"], action="start")
    return day.mark(user=staff, meeting=board["m"][0], status=MeetingStatus.HELD)


def test_feedback_is_for_held_meetings_from_either_side_once_per_kind(db_session, staff, running):
    e1, p1 = user_of(running["e1"]), user_of(running["p1"])
    data = day.FeedbackInput(rating=4, outcome="intent", amount=200000.0, comment=" 有合作意向 ")
    with pytest.raises(InvalidInput):  # not held (yet)
        day.give_feedback(user=e1, meeting=running["m"][0], data=data)
    meeting = held(db_session, staff, running)
    for outsider in (staff, user_of(running["e2"]), user_of(running["p2"])):
        with pytest.raises(NotAllowed):
            day.give_feedback(user=outsider, meeting=meeting, data=data)
    for bad in (day.FeedbackInput(rating=0, outcome="intent"), day.FeedbackInput(rating=6, outcome="intent"),
                day.FeedbackInput(rating=3, outcome="maybe"), day.FeedbackInput(rating=3, outcome="signed", amount=-1)):
        with pytest.raises(InvalidInput):
            day.give_feedback(user=e1, meeting=meeting, data=bad)
    with pytest.raises(InvalidInput):
        day.give_feedback(user=e1, meeting=meeting, data=data, kind="later")
    mine = day.give_feedback(user=e1, meeting=meeting, data=data)
    assert (mine.participant_id, mine.kind, mine.comment, mine.amount) == (running["e1"].id, "initial", "有合作意向",
                                                                          200000.0)
    day.give_feedback(user=p1, meeting=meeting, data=day.FeedbackInput(rating=5, outcome="intent"))
    with pytest.raises(AlreadyExists):
        day.give_feedback(user=e1, meeting=meeting, data=data)
    later = day.FeedbackInput(rating=5, outcome="signed", amount=1e6)
    with pytest.raises(InvalidInput):  # the three-month follow-up has not been sent yet
        day.give_feedback(user=e1, meeting=meeting, data=later, kind="followup")
    running["event"].followup_sent_at = utcnow()
    day.give_feedback(user=e1, meeting=meeting, data=later, kind="followup")
    with pytest.raises(AlreadyExists):
        day.give_feedback(user=e1, meeting=meeting, data=data, kind="followup")
    stored = [(f.participant_id, f.kind, f.outcome) for f in day.feedback_of(meeting)]
    assert stored == [(running["e1"].id, "initial", "intent"), (running["p1"].id, "initial", "intent"),
                      (running["e1"].id, "followup", "signed")]
    assert db_session.exec(select(func.count()).select_from(MeetingFeedback)).one() == 3


def test_no_show_meetings_get_no_feedback(db_session, staff, running):
    meeting = day.mark(user=staff, meeting=running["m"][1], status=MeetingStatus.NO_SHOW)
    with pytest.raises(InvalidInput):
        day.give_feedback(user=user_of(running["e2"]), meeting=meeting,
                          data=day.FeedbackInput(rating=1, outcome="none"))


def test_the_enterprise_reviews_the_provider_it_met(db_session, staff, running):
    institution = db_session.get(Institution, running["p1"].institution_id)
    assert institution.rating_count == 0
    with pytest.raises(NotAllowed):  # not held yet
        day.review_meeting(user=user_of(running["e1"]), meeting=running["m"][0], data=GOOD_REVIEW)
    meeting = held(db_session, staff, running)
    for user in (user_of(running["p1"]), user_of(running["e2"]), staff):
        with pytest.raises(NotAllowed):
            day.review_meeting(user=user, meeting=meeting, data=GOOD_REVIEW)
    review = day.review_meeting(user=user_of(running["e1"]), meeting=meeting, data=GOOD_REVIEW)
    assert (review.meeting_id, review.institution_id, review.enterprise_id) == \
        (meeting.id, institution.id, running["e1"].enterprise_id)
    assert institution.rating_count == 1 and institution.rating_value is not None
    with pytest.raises(AlreadyExists):
        day.review_meeting(user=user_of(running["e1"]), meeting=meeting, data=GOOD_REVIEW)
    assert institution.rating_count == 1


def test_an_expert_met_at_the_event_is_reviewed_too(db_session, staff):
    event = make_event(staff, count=1)
    ent = register(event)
    expert = registration.register(user=expert_user(), event=event, listed=True)
    request = accepted(ent, expert)
    planning.run(event=event, user=staff)
    services.change_status(user=staff, event=event, action="start")
    meeting = day.mark(user=staff, meeting=meeting_of(db_session, request), status=MeetingStatus.HELD)
    review = day.review_meeting(user=user_of(ent), meeting=meeting, data=GOOD_REVIEW)
    from directory.experts.models import Expert

    assert review.expert_id == expert.expert_id and review.institution_id is None
    assert db_session.get(Expert, expert.expert_id).rating_count == 1


def test_followups_go_out_after_three_months_once(db_session, staff, running):
    event, m = running["event"], running["m"]
    day.mark(user=staff, meeting=m[0], status=MeetingStatus.HELD)  # e1, p1
    day.mark(user=staff, meeting=m[1], status=MeetingStatus.NO_SHOW)  # e2, p2
    day.mark(user=staff, meeting=m[3], status=MeetingStatus.HELD)  # e3, p3
    ended = datetime.combine(event.starts_on, datetime.min.time(), tzinfo=UTC)
    assert day.send_followups(now=ended + timedelta(days=100)) == 0  # still running: not completed
    services.change_status(user=staff, event=event, action="complete")
    assert day.send_followups(now=ended + timedelta(days=89)) == 0
    assert event.followup_sent_at is None
    assert not day.can_give_followup(event)
    when = ended + timedelta(days=91)
    assert day.send_followups(now=when) == 1
    assert event.followup_sent_at == when and day.can_give_followup(event)
    told = {k for k in ("e1", "e2", "e3", "p1", "p2", "p3") if notes(db_session, user_of(running[k]), "event.followup")}
    assert told == {"e1", "p1", "e3", "p3"}
    assert day.send_followups(now=when + timedelta(days=30)) == 0
    assert all(len(notes(db_session, user_of(running[k]), "event.followup")) == 1 for k in told)


def test_the_last_day_of_a_multi_day_event_counts(db_session, staff, running):
    event = running["event"]
    event.ends_on = event.starts_on + timedelta(days=2)
    db_session.add(event)
    services.change_status(user=staff, event=event, action="complete")
    start = datetime.combine(event.starts_on, datetime.min.time(), tzinfo=UTC)
    assert day.send_followups(now=start + timedelta(days=91)) == 0
    assert day.send_followups(now=start + timedelta(days=93)) == 1


def test_held_meetings_stay_put_when_the_scheduler_runs_on_the_day(db_session, staff, running):
    event, m = running["event"], running["m"]
    day.mark(user=staff, meeting=m[0], status=MeetingStatus.HELD)
    before = places([m[0]])
    planning.run(event=event, user=staff)
    assert places([m[0]]) == before and m[0].status == MeetingStatus.HELD
    assert_valid_board(db_session, event)



# -- rules added after review ----------------------------------------------------------------------------

def test_raising_the_capacity_moves_the_waiting_list_up(db_session, staff):
    event = make_event(staff, capacity_enterprises=1)
    first, second, third = (register(event) for _ in range(3))
    assert [p.status for p in (first, second, third)] == ["registered", "waitlisted", "waitlisted"]
    data = services.EventInput(title=event.title, starts_on=event.starts_on, capacity_enterprises=2)
    services.update_event(user=staff, event=event, data=data)
    assert [p.status for p in (first, second, third)] == ["registered", "registered", "waitlisted"]
    assert notes(db_session, user_of(second), "event.promoted")


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


def test_slots_cannot_change_once_participants_marked_times(db_session, staff):
    event = make_event(staff)
    register(event, unavailable=[0])
    with pytest.raises(InvalidInput):
        services.set_slots(user=staff, event=event, first_start=START, count=6)


def test_the_report_counts_meetings_and_outcomes_and_exports_them(db_session, staff):
    from io import BytesIO

    from openpyxl import load_workbook

    from directory.events import report

    event = make_event(staff)
    held_request = accepted(register(event), provider(event))
    missed_request = accepted(register(event), provider(event))
    planning.run(event=event, user=staff)
    services.change_status(user=staff, event=event, action="start")
    held, missed = meeting_of(db_session, held_request), meeting_of(db_session, missed_request)
    day.mark(user=staff, meeting=held, status=MeetingStatus.HELD)
    day.mark(user=staff, meeting=missed, status=MeetingStatus.NO_SHOW)
    requester = db_session.get(EventParticipant, held_request.requester_id)
    recipient = db_session.get(EventParticipant, held_request.recipient_id)
    day.give_feedback(user=user_of(requester), meeting=held, data=day.FeedbackInput(rating=4, outcome="intent"))
    day.give_feedback(user=user_of(recipient), meeting=held,
                      data=day.FeedbackInput(rating=5, outcome="signed", amount=80000))
    figures = report.build(event)
    assert (figures.requested, figures.scheduled, figures.held, figures.no_show) == (2, 2, 1, 1)
    assert figures.no_show_rate == 0.5 and figures.satisfaction == 4.5
    assert figures.outcomes == {"signed": 1, "intent": 0, "none": 0} and figures.amount_signed == 80000
    book = load_workbook(BytesIO(report.to_xlsx(event)))
    rows = list(book.worksheets[2].iter_rows(min_row=2, values_only=True))
    assert sorted((r[4], r[5]) for r in rows) == [("held", "signed"), ("no_show", None)]  # an empty cell reads back as None
