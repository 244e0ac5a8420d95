"""Shared builders of the events tests: accounts on either side, an event with slots, registrations, accepted
requests, and the checks of a schedule that several workflows use."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from sqlmodel import select

from directory.accounts.models import User
from directory.events import day, meeting_requests, planning, registration, services
from directory.events.models import (
    Event,
    EventParticipant,
    EventStatus,
    Meeting,
    MeetingRequest,
    MeetingRequestStatus,
    MeetingStatus,
)
from directory.events.solver import REASON_MESSAGES
from directory.notifications.models import Notification
from directory.reviews.services import ReviewInput
from tests import factories

START = datetime(2027, 5, 20, 9, 0, tzinfo=UTC)


GOOD_REVIEW = ReviewInput(quality=5, efficiency=5, expertise=5, attitude=5, price=5, verdict="very_satisfied",
                          comment="对接很有收获", recommend=True)


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


def places(meetings: list[Meeting]) -> list[tuple[int | None, int | None]]:
    return [(m.slot_position, m.table_no) for m in meetings]


def held(db_session: Any, staff: User, board: dict[str, Any]) -> Meeting:
    """(e1, p1) held."""
    if board["event"].status != EventStatus.RUNNING:
        services.change_status(user=staff, event=board["event"], action="start")
    return day.mark(user=staff, meeting=board["m"][0], status=MeetingStatus.HELD)
