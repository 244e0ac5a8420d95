"""The day of the event and after: QR check-in, meetings held or missed, meetings added on the spot,
feedback on each meeting (and again three months on), and the enterprise's review of a held meeting."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlmodel import col, select

from directory.audit import services as audit
from directory.core.errors import InvalidInput, NotAllowed, NotFound
from directory.core.time import utcnow
from directory.events.errors import AlreadyMeeting, FeedbackGiven, NotRegistered, SameSide
from directory.events.models import (
    Event,
    EventParticipant,
    EventStatus,
    Meeting,
    MeetingFeedback,
    MeetingOutcome,
    MeetingRequest,
    MeetingRequestStatus,
    MeetingStatus,
    ParticipantStatus,
)
from directory.events.participants import ENTERPRISE, name_of, user_of
from directory.events.planning import _people, _require_staff, check_place
from directory.extensions import db
from directory.notifications import services as notifications

OUTCOME_LABELS = {MeetingOutcome.INTENT: _l("Intent reached (达成意向)"), MeetingOutcome.SIGNED: _l("Signed (签约)"),
                  MeetingOutcome.NONE: _l("No progress (无进展)")}
FOLLOWUP_AFTER = timedelta(days=90)
ON_THE_DAY = (EventStatus.RUNNING, EventStatus.COMPLETED)


def participant_by_token(event: Event, token: str) -> EventParticipant:
    participant = db.session.exec(select(EventParticipant).where(EventParticipant.event_id == event.id,
                                                                 EventParticipant.checkin_token == token)).first()
    if participant is None:
        raise NotFound(_l("This check-in code is not for this event."))
    return participant


def check_in(*, user: Any, participant: EventParticipant, now: datetime | None = None) -> EventParticipant:
    """Staff check a participant in (scanning the QR code on their agenda). Checking in twice is harmless."""
    _require_staff(user)
    if participant.status != ParticipantStatus.REGISTERED:
        raise InvalidInput(_l("This person is not registered (waiting list or cancelled)."), field="participant")
    if participant.checked_in_at is None:
        participant.checked_in_at = now or utcnow()
        db.session.add(participant)
        db.session.flush()
        audit.record(actor_id=user.id, action="event.checkin", entity_type="event", entity_id=participant.event_id,
                     changes={"participant_id": participant.id})
    return participant


def mark(*, user: Any, meeting: Meeting, status: str) -> Meeting:
    """Staff record a placed meeting as held or as a no-show, once the event is running."""
    _require_staff(user)
    if status not in (MeetingStatus.HELD, MeetingStatus.NO_SHOW, MeetingStatus.SCHEDULED):
        raise InvalidInput(_l("Unknown action."), field="status")
    event = db.session.get_one(Event, meeting.event_id)
    if event.status not in ON_THE_DAY:
        raise InvalidInput(_l("Meetings are marked on the day of the event."), field="status")
    if meeting.slot_position is None or meeting.status == MeetingStatus.CANCELLED:
        raise InvalidInput(_l("Only a meeting with a place can be marked."), field="status")
    meeting.status = status
    db.session.add(meeting)
    db.session.flush()
    audit.record(actor_id=user.id, action=f"meeting.{status}", entity_type="meeting", entity_id=meeting.id)
    return meeting


def add_on_the_spot(*, user: Any, event: Event, first: EventParticipant, second: EventParticipant,
                    position: int) -> Meeting:
    """Staff fill a free slot on the day: an accepted request and a meeting at the first free table."""
    _require_staff(user)
    if event.status != EventStatus.RUNNING:
        raise InvalidInput(_l("Meetings are added on the spot while the event runs."), field="slot")
    if first.side == second.side or {first.event_id, second.event_id} != {event.id}:
        raise SameSide(field="second")
    if ParticipantStatus.REGISTERED not in {first.status} or second.status != ParticipantStatus.REGISTERED:
        raise NotRegistered(field="second")
    existing = db.session.exec(select(MeetingRequest).where(MeetingRequest.event_id == event.id, (
        (col(MeetingRequest.requester_id) == first.id) & (col(MeetingRequest.recipient_id) == second.id)) | (
        (col(MeetingRequest.requester_id) == second.id) & (col(MeetingRequest.recipient_id) == first.id)))).first()
    if existing is not None and existing.status == MeetingRequestStatus.ACCEPTED:
        raise AlreadyMeeting()
    # a pending, declined or cancelled request of the pair becomes the accepted one (one row per pair), and a
    # cancelled meeting still pointing at it is reused
    request = existing or MeetingRequest(event_id=event.id, requester_id=first.id, recipient_id=second.id)  # type: ignore[arg-type]
    request.status, request.responded_at = MeetingRequestStatus.ACCEPTED, utcnow()
    request.message = _("Added on the spot by the service center")
    db.session.add(request)
    db.session.flush()
    meeting = db.session.exec(select(Meeting).where(Meeting.request_id == request.id)).first() or \
        Meeting(event_id=event.id, request_id=request.id)  # type: ignore[arg-type]
    meeting.status, meeting.slot_position, meeting.table_no = MeetingStatus.SCHEDULED, None, None
    meeting.locked, meeting.unscheduled_reason = False, ""
    db.session.add(meeting)
    db.session.flush()
    last_error: InvalidInput | None = None
    for table in range(1, event.tables + 1):
        try:
            check_place(event, meeting, position, table)
        except InvalidInput as exc:
            last_error = exc
            if exc.field == "table":
                continue
            raise
        meeting.slot_position, meeting.table_no = position, table
        db.session.add(meeting)
        db.session.flush()
        audit.record(actor_id=user.id, action="meeting.on_the_spot", entity_type="meeting", entity_id=meeting.id)
        for me, other in ((first, second), (second, first)):
            notifications.notify(users=[user_of(me)], kind="event.meeting_added",
                                 title=_("A meeting with %(name)s was added at table %(table)s",
                                         name=name_of(other), table=table), link=f"/events/{event.id}/agenda")
        return meeting
    raise last_error or InvalidInput(_l("Every table is taken then."), field="table")


@dataclass
class FeedbackInput:
    rating: int
    outcome: str
    amount: float | None = None
    comment: str = ""


def _own_side(user: Any, meeting: Meeting) -> EventParticipant:
    for p in _people(meeting):
        if p.user_id == getattr(user, "id", None):
            return p
    raise NotAllowed()


def give_feedback(*, user: Any, meeting: Meeting, data: FeedbackInput, kind: str = "initial") -> MeetingFeedback:
    """Either side rates a held meeting and records its outcome (达成意向 / 签约 / 无进展, amount), once
    right after and once at the three-month follow-up (once it has been sent). Both are kept; the figures
    count each side's latest (:func:`directory.events.report.latest_answers`). The database refuses a
    second one of each."""
    participant = _own_side(user, meeting)
    if meeting.status != MeetingStatus.HELD:
        raise InvalidInput(_l("Feedback is for meetings that were held."), field="meeting")
    if not 1 <= data.rating <= 5:
        raise InvalidInput(_l("Rate the meeting from 1 to 5."), field="rating")
    if data.outcome not in tuple(MeetingOutcome):
        raise InvalidInput(_l("Choose the outcome."), field="outcome")
    if data.amount is not None and (data.amount < 0 or data.amount > 1e12):
        raise InvalidInput(_l("Give the amount in yuan."), field="amount")
    if kind not in ("initial", "followup"):
        raise InvalidInput(_l("Unknown action."), field="kind")
    if kind == "followup" and not can_give_followup(db.session.get_one(Event, meeting.event_id)):
        # a "three months on" answer given on the day would replace the first one in the figures
        raise InvalidInput(_l("The three-month follow-up opens three months after the event."), field="kind")
    if db.session.exec(select(MeetingFeedback.id).where(
            MeetingFeedback.meeting_id == meeting.id, MeetingFeedback.participant_id == participant.id,
            MeetingFeedback.kind == kind)).first() is not None:
        raise FeedbackGiven()
    feedback = MeetingFeedback(meeting_id=meeting.id, participant_id=participant.id, rating=data.rating,  # type: ignore[arg-type]
                               outcome=data.outcome, amount=data.amount, comment=data.comment.strip(), kind=kind)
    from directory.reviews.services import _insert_unique

    return _insert_unique(feedback, _l("You have already given this feedback."))


def feedback_of(meeting: Meeting) -> list[MeetingFeedback]:
    return list(db.session.exec(select(MeetingFeedback).where(MeetingFeedback.meeting_id == meeting.id)
                                .order_by(col(MeetingFeedback.id))).all())


def review_meeting(*, user: Any, meeting: Meeting, data: Any) -> Any:
    """The enterprise of a held meeting reviews the provider it met; it counts in the provider's rating."""
    participant = _own_side(user, meeting)
    if participant.side != ENTERPRISE or meeting.status != MeetingStatus.HELD:
        raise NotAllowed(_l("Only the enterprise of a held meeting can review it."))
    a, b = _people(meeting)
    provider = b if a.id == participant.id else a
    from directory.reviews.services import submit_meeting_review

    return submit_meeting_review(user=user, meeting=meeting, enterprise_id=participant.enterprise_id,  # type: ignore[arg-type]
                                 institution_id=provider.institution_id, expert_id=provider.expert_id, data=data)


def send_followups(*, now: datetime | None = None) -> int:
    """Three months after an event, ask everyone who held a meeting how it turned out. Once per event."""
    now = now or utcnow()
    count = 0
    for event in db.session.exec(select(Event).where(Event.status == EventStatus.COMPLETED,
                                                     col(Event.followup_sent_at).is_(None))).all():
        end = event.ends_on or event.starts_on
        if datetime(end.year, end.month, end.day, tzinfo=now.tzinfo) + FOLLOWUP_AFTER > now:
            continue
        users = {}
        for meeting in db.session.exec(select(Meeting).where(Meeting.event_id == event.id,
                                                             Meeting.status == MeetingStatus.HELD)).all():
            for p in _people(meeting):
                users[p.user_id] = user_of(p)
        notifications.notify(users=list(users.values()), kind="event.followup",
                             title=_("Three months after “%(title)s”: how did your meetings turn out?",
                                     title=event.title), link=f"/events/{event.id}/agenda")
        event.followup_sent_at = now
        db.session.add(event)
        count += 1
    db.session.flush()
    return count


def can_give_followup(event: Event) -> bool:
    """The three-month feedback opens once the follow-up has been sent."""
    return event.followup_sent_at is not None
