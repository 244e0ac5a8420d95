"""Setting an event up: its life cycle (who may move it along, which moves are possible, cancelling) and its
time slots."""

from __future__ import annotations

import pytest
from sqlmodel import func, select

from directory.core.errors import InvalidInput, NotAllowed
from directory.events import planning, registration, services
from directory.events.models import (
    EventSlot,
    EventStatus,
    ParticipantStatus,
)
from tests import factories
from tests.events.helpers import (
    START,
    accepted,
    enterprise_user,
    make_event,
    notes,
    provider,
    register,
    user_of,
)


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


def test_slots_cannot_change_once_participants_marked_times(db_session, staff):
    event = make_event(staff)
    register(event, unavailable=[0])
    with pytest.raises(InvalidInput):
        services.set_slots(user=staff, event=event, first_start=START, count=6)
