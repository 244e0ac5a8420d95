"""Scheduling with the staff's adjustments: the scheduler's board, moves, swaps, locks, publishing, the
agenda, the calendar file and the table plan."""

from __future__ import annotations

from typing import Any

import pytest
from flask_babel import gettext
from icalendar import Calendar
from sqlmodel import select

from directory.accounts.models import User
from directory.core.errors import InvalidInput, NotAllowed
from directory.events import errors, meeting_requests, participants, planning, services
from directory.events.models import (
    Meeting,
    MeetingRequestStatus,
    MeetingStatus,
)
from directory.events.solver import REASON_MESSAGES
from tests.events.helpers import (
    accepted,
    assert_valid_board,
    enterprise_user,
    make_event,
    meeting_of,
    notes,
    place,
    places,
    provider,
    register,
    user_of,
)


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


def test_moves_that_break_a_rule_are_refused(db_session, staff, board):
    m = board["m"]
    before = places(m)
    refused = [
        (m[3], 0, 1, errors.TableTaken),  # table 1 is taken in slot 0
        (m[0], 2, 2, errors.DoubleBooked),  # e1 already meets p2 in slot 2
        (m[3], 2, 2, errors.ParticipantUnavailable),  # p3 is unavailable in slot 2
        (m[3], 1, 2, errors.NotAMeetingSlot),  # slot 1 is the break
        (m[3], 9, 1, errors.NotAMeetingSlot),  # no such slot
        (m[3], 3, 3, errors.NoSuchTable),  # no table 3
        (m[3], 3, 0, errors.NoSuchTable),
    ]
    for meeting, position, table, error in refused:
        with pytest.raises(error):
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
    with pytest.raises(errors.ParticipantUnavailable):  # (e3,p3) into slot 2: p3 is unavailable then
        planning.swap(user=staff, first=m[3], second=m[2])
    with pytest.raises(errors.DoubleBooked):  # (e1,p2) into slot 0: e1 already meets p1 then
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
