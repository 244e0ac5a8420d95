"""The participant marketplace's meeting requests: suggested partners, asking the other side for a meeting,
accepting or declining within the per-participant cap, and withdrawing."""

from __future__ import annotations

from typing import Any

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlmodel import col, func, or_, select

from directory.accounts import permissions
from directory.core.errors import InvalidInput, NotAllowed, NotFound
from directory.core.time import utcnow
from directory.events.errors import (
    AlreadyRequested,
    MeetingCapReached,
    MeetingRequestsClosed,
    MeetingTookPlace,
    MessageRequired,
    NotRegistered,
    RequestAnswered,
    RequestNotOpen,
    SameSide,
)
from directory.events.models import (
    Event,
    EventParticipant,
    Meeting,
    MeetingRequest,
    MeetingRequestStatus,
    MeetingStatus,
    ParticipantStatus,
)
from directory.events.participants import ENTERPRISE, PROVIDER, name_of, participants, user_of
from directory.events.services import REQUESTS_OPEN
from directory.extensions import db
from directory.notifications import services as notifications


def suggested_partners(event: Event, participant: EventParticipant, *, limit: int = 5) -> list[EventParticipant]:
    """Who on the other side of this event the participant should meet, best first: only the event's own
    registered, listed participants it has no open or answered request with.

    An enterprise gets those providers ranked by the recommendation engine for what it seeks (scoring just
    them, not the whole directory), each with some relevance to it; a provider gets the enterprises whose
    stated needs share most key terms with what it offers."""
    others = [p for p in participants(event, side=PROVIDER if participant.side == ENTERPRISE else ENTERPRISE,
                                      listed_only=True) if p.id != participant.id]
    already = {r.recipient_id if r.requester_id == participant.id else r.requester_id
               for r in requests_of(participant)}
    others = [p for p in others if p.id not in already]
    if not others:
        return []
    if participant.side == ENTERPRISE:
        from directory.enterprises.models import Enterprise
        from directory.recommendations.services import Need, recommend

        enterprise = db.session.get(Enterprise, participant.enterprise_id)
        text = participant.seeks or (enterprise.description if enterprise else "")
        if not text.strip():
            return []
        recs = recommend(Need(text=text, industry=enterprise.industry if enterprise else None), limit=50,
                         among_institutions=[p.institution_id for p in others if p.institution_id],
                         among_experts=[p.expert_id for p in others if p.expert_id])
        by_record = {("institution", p.institution_id) if p.institution_id else ("expert", p.expert_id): p
                     for p in others}
        ranked = sorted((r for r in [*recs.institutions, *recs.experts] if r.parts.get("relevance", 0) > 0),
                        key=lambda r: (-r.score, r.type, r.id))
        return [by_record[(r.type, r.id)] for r in ranked if (r.type, r.id) in by_record][:limit]
    from directory.recommendations.terms import key_terms

    mine = set(key_terms(participant.offers))
    if not mine:
        return []
    scored = sorted(((len(mine & set(key_terms(p.seeks))), p.id, p) for p in others), key=lambda t: (-t[0], t[1]))
    return [p for score, _id, p in scored if score > 0][:limit]


def requests_of(participant: EventParticipant) -> list[MeetingRequest]:
    return list(db.session.exec(select(MeetingRequest).where(
        or_(MeetingRequest.requester_id == participant.id, MeetingRequest.recipient_id == participant.id))
        .order_by(col(MeetingRequest.id))).all())


def _meeting_count(participant: EventParticipant) -> int:
    """Requests that count towards the cap: pending and accepted ones."""
    return db.session.exec(select(func.count()).select_from(MeetingRequest).where(
        or_(MeetingRequest.requester_id == participant.id, MeetingRequest.recipient_id == participant.id),
        col(MeetingRequest.status).in_((MeetingRequestStatus.PENDING, MeetingRequestStatus.ACCEPTED)))).one()


def _lock_participants(*ids: int | None) -> None:
    """Take the row locks of the participants a meeting request concerns, in id order (two requests
    locking the same pair never wait on each other in a circle), so their meeting counts are read and
    changed one at a time: 50 accepts at once against a cap of 10 accept 10. PostgreSQL; SQLite's writers
    are serialised already."""
    db.session.exec(select(EventParticipant.id).where(col(EventParticipant.id).in_([i for i in ids if i]))
                    .order_by(col(EventParticipant.id)).with_for_update()).all()


def request_meeting(*, user: Any, requester: EventParticipant, recipient: EventParticipant,
                    message: str) -> MeetingRequest:
    """Ask a participant of the other side for a meeting, saying why in ``message``. Raises
    :class:`NotAllowed` unless ``user`` is the requester; :class:`InvalidInput` without a message, for the
    same side, an unregistered participant, a closed event or the cap; :class:`AlreadyExists` when the two
    already have a request."""
    if requester.user_id != getattr(user, "id", None):
        raise NotAllowed()
    if not message.strip():
        raise MessageRequired()
    if len(message.strip()) > 500:
        raise InvalidInput(_l("Keep the message to %(n)s characters.", n=500), field="message")
    event = db.session.get_one(Event, requester.event_id)
    _lock_participants(requester.id, recipient.id)
    if recipient.event_id != event.id or recipient.side == requester.side:
        raise SameSide()
    if ParticipantStatus.REGISTERED != requester.status or recipient.status != ParticipantStatus.REGISTERED:
        raise NotRegistered()
    if not recipient.listed:
        raise NotFound()
    if event.status not in REQUESTS_OPEN:
        raise MeetingRequestsClosed()
    cap = event.max_meetings_per_participant
    if cap is not None and _meeting_count(requester) >= cap:
        raise MeetingCapReached(cap)
    existing = db.session.exec(select(MeetingRequest).where(or_(
        (col(MeetingRequest.requester_id) == requester.id) & (col(MeetingRequest.recipient_id) == recipient.id),
        (col(MeetingRequest.requester_id) == recipient.id) & (col(MeetingRequest.recipient_id) == requester.id)))
    ).first()
    if existing is not None and existing.status in (MeetingRequestStatus.PENDING, MeetingRequestStatus.ACCEPTED):
        raise AlreadyRequested()
    # declined or cancelled earlier: ask again on the same row (one row per pair; a cancelled meeting may still
    # point at it, and the scheduler places that meeting again once the request is accepted)
    request = existing or MeetingRequest(event_id=event.id)  # type: ignore[arg-type, call-arg]
    request.requester_id, request.recipient_id = requester.id, recipient.id  # type: ignore[assignment]
    request.message, request.status = message.strip(), MeetingRequestStatus.PENDING
    request.created_at, request.responded_at = utcnow(), None
    db.session.add(request)
    db.session.flush()
    notifications.notify(users=[user_of(recipient)], kind="event.meeting_request",
                         title=_("%(name)s asks to meet you at “%(title)s”", name=name_of(requester),
                                 title=event.title), body=message.strip(), link=f"/events/{event.id}/requests")
    return request


def respond_to_request(*, user: Any, request: MeetingRequest, accept: bool, reply: str = "") -> MeetingRequest:
    """The recipient (or staff) accepts or declines, with an optional reply that goes to the requester with the
    notification. Accepting respects the recipient's cap."""
    recipient = db.session.get_one(EventParticipant, request.recipient_id)
    if not (recipient.user_id == getattr(user, "id", None) or permissions.is_staff(user)):
        raise NotAllowed()
    if request.status != MeetingRequestStatus.PENDING:
        raise RequestAnswered()
    event = db.session.get_one(Event, request.event_id)
    if event.status not in REQUESTS_OPEN:
        raise MeetingRequestsClosed(field="request")
    _lock_participants(recipient.id, request.requester_id)
    db.session.refresh(request)  # it may have been answered while we waited for the lock
    if request.status != MeetingRequestStatus.PENDING:
        raise RequestAnswered()
    if accept and event.max_meetings_per_participant is not None:
        for pid in (recipient.id, request.requester_id):  # the requester may have accepted others meanwhile
            accepted = db.session.exec(select(func.count()).select_from(MeetingRequest).where(
                or_(MeetingRequest.requester_id == pid, MeetingRequest.recipient_id == pid),
                MeetingRequest.status == MeetingRequestStatus.ACCEPTED)).one()
            if accepted >= event.max_meetings_per_participant:
                raise MeetingCapReached(event.max_meetings_per_participant if pid == recipient.id else None,
                                        field="request")
    request.status = MeetingRequestStatus.ACCEPTED if accept else MeetingRequestStatus.DECLINED
    request.responded_at = utcnow()
    db.session.add(request)
    db.session.flush()
    requester = db.session.get_one(EventParticipant, request.requester_id)
    title = _("%(name)s accepted your meeting request", name=name_of(recipient)) if accept else \
        _("%(name)s declined your meeting request", name=name_of(recipient))
    notifications.notify(users=[user_of(requester)], kind="event.meeting_answer", title=title,
                         body=reply.strip(), link=f"/events/{event.id}/requests")
    return request


def withdraw_request(request: MeetingRequest, *, by: EventParticipant) -> None:
    request.status = MeetingRequestStatus.CANCELLED
    db.session.add(request)
    meeting = db.session.exec(select(Meeting).where(Meeting.request_id == request.id)).first()
    if meeting is not None and meeting.status == MeetingStatus.SCHEDULED:
        meeting.status = MeetingStatus.CANCELLED
        meeting.locked = False
        db.session.add(meeting)
    other_id = request.recipient_id if request.requester_id == by.id else request.requester_id
    other = db.session.get_one(EventParticipant, other_id)
    notifications.notify(users=[user_of(other)], kind="event.meeting_cancelled",
                         title=_("%(name)s cancelled your meeting", name=name_of(by)),
                         link=f"/events/{request.event_id}/requests")


def cancel_request(*, user: Any, request: MeetingRequest) -> MeetingRequest:
    """Either side withdraws a pending or accepted request; a scheduled meeting is cancelled with it."""
    mine = [p for p in (db.session.get_one(EventParticipant, request.requester_id),
                        db.session.get_one(EventParticipant, request.recipient_id))
            if p.user_id == getattr(user, "id", None)]
    if not mine:
        raise NotAllowed()
    if request.status not in (MeetingRequestStatus.PENDING, MeetingRequestStatus.ACCEPTED):
        raise RequestNotOpen()
    meeting = db.session.exec(select(Meeting).where(Meeting.request_id == request.id)).first()
    if meeting is not None and meeting.status in (MeetingStatus.HELD, MeetingStatus.NO_SHOW):
        raise MeetingTookPlace()
    withdraw_request(request, by=mine[0])
    db.session.flush()
    return request


def get_request(request_id: int, *, event: Event) -> MeetingRequest:
    request = db.session.get(MeetingRequest, request_id)
    if request is None or request.event_id != event.id:
        raise NotFound()
    return request


def event_requests(event: Event) -> list[MeetingRequest]:
    return list(db.session.exec(select(MeetingRequest).where(MeetingRequest.event_id == event.id)
                                .order_by(col(MeetingRequest.id))).all())
