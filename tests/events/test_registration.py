"""Registering for an event: each side, the window, the waiting list that moves up, cancelling."""

from __future__ import annotations

from datetime import timedelta

import pytest
from flask_babel import gettext

from directory.core.errors import InvalidInput, NotAllowed
from directory.core.time import utcnow
from directory.events import errors, meeting_requests, participants, planning, registration, services
from directory.events.models import (
    MeetingRequestStatus,
    MeetingStatus,
    ParticipantStatus,
)
from tests import factories
from tests.events.helpers import (
    START,
    accepted,
    enterprise_user,
    expert_user,
    institution_user,
    make_event,
    meeting_of,
    notes,
    provider,
    register,
    user_of,
)


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
        with pytest.raises(errors.CannotRegister):
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
        with pytest.raises(errors.RegistrationClosed):
            register(event, now=now)
    p = register(event, now=opens)
    assert p.status == ParticipantStatus.REGISTERED and p.registered_at == opens
    services.change_status(user=staff, event=event, action="close_registration")
    with pytest.raises(errors.RegistrationClosed):
        register(event, now=opens + timedelta(days=1))
    draft = make_event(staff, open_registration=False)
    with pytest.raises(errors.RegistrationClosed):
        register(draft)


def test_registering_twice_is_refused_but_coming_back_after_cancelling_works(db_session, staff):
    event = make_event(staff, capacity_enterprises=1)
    first_user, second_user = enterprise_user(), enterprise_user()
    first = registration.register(user=first_user, event=event)
    second = registration.register(user=second_user, event=event)
    assert second.status == ParticipantStatus.WAITLISTED
    for user in (first_user, second_user):
        with pytest.raises(errors.AlreadyRegistered):
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
    with pytest.raises(errors.AlreadyCancelled):
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


def test_raising_the_capacity_moves_the_waiting_list_up(db_session, staff):
    event = make_event(staff, capacity_enterprises=1)
    first, second, third = (register(event) for _ in range(3))
    assert [p.status for p in (first, second, third)] == ["registered", "waitlisted", "waitlisted"]
    data = services.EventInput(title=event.title, starts_on=event.starts_on, capacity_enterprises=2)
    services.update_event(user=staff, event=event, data=data)
    assert [p.status for p in (first, second, third)] == ["registered", "registered", "waitlisted"]
    assert notes(db_session, user_of(second), "event.promoted")
