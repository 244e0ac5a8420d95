"""The day itself: check-in, held meetings, meetings on the spot, feedback, reviews, the three-month
follow-up."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from flask_babel import gettext
from sqlmodel import func, select

from directory.core.errors import AlreadyExists, InvalidInput, NotAllowed, NotFound
from directory.core.time import utcnow
from directory.events import day, meeting_requests, participants, planning, registration, services
from directory.events.models import (
    Event,
    EventParticipant,
    Meeting,
    MeetingFeedback,
    MeetingRequest,
    MeetingRequestStatus,
    MeetingStatus,
    ParticipantStatus,
)
from directory.institutions.models import Institution
from tests.events.helpers import (
    GOOD_REVIEW,
    accepted,
    assert_valid_board,
    enterprise_user,
    expert_user,
    held,
    make_event,
    meeting_of,
    notes,
    places,
    register,
    user_of,
)


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
