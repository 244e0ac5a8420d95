"""Registering for an event on one's side, within the registration window and the side's places (past them,
the waiting list), changing what one offers and seeks, and withdrawing."""

from __future__ import annotations

import secrets
from datetime import datetime
from typing import Any

from flask_babel import gettext as _
from sqlmodel import col, or_, select

from directory.accounts import permissions
from directory.audit import services as audit
from directory.core.errors import NotAllowed
from directory.core.time import utcnow
from directory.events.errors import (
    AlreadyCancelled,
    AlreadyRegistered,
    CannotRegister,
    ProviderNotAdmitted,
    RegistrationClosed,
    UnknownSlot,
)
from directory.events.meeting_requests import withdraw_request
from directory.events.models import (
    Event,
    EventParticipant,
    MeetingRequest,
    MeetingRequestStatus,
    ParticipantStatus,
)
from directory.events.participants import (
    ENTERPRISE,
    PROVIDER,
    capacity_of,
    participation,
    promote_waiting_list,
    registered_count,
    side_of,
)
from directory.events.services import ES, slots
from directory.extensions import db
from directory.notifications import services as notifications


def registration_open(event: Event, *, now: datetime | None = None) -> bool:
    now = now or utcnow()
    return (event.status == ES.REGISTRATION_OPEN
            and (event.registration_opens_at is None or event.registration_opens_at <= now)
            and (event.registration_closes_at is None or now < event.registration_closes_at))


def _lock(event: Event) -> Event:
    """Take the event's row lock (PostgreSQL; SQLite writers are serialised already), so registrations for the
    last places are counted one at a time: 200 at once for 50 places confirm exactly 50."""
    return db.session.exec(select(Event).where(Event.id == event.id).with_for_update()
                           .execution_options(populate_existing=True)).one()


def _check_unavailable(event: Event, unavailable: list[int]) -> list[int]:
    positions = {s.position for s in slots(event, meetings_only=True)}
    if any(p not in positions for p in unavailable):
        raise UnknownSlot()
    return sorted(set(unavailable))


def register(*, user: Any, event: Event, offers: str = "", seeks: str = "", listed: bool = False,
             unavailable: list[int] | None = None, now: datetime | None = None) -> EventParticipant:
    """Register ``user`` on their side; past the side's capacity they join the waiting list. Others see
    them in the participant list only when ``listed`` (their consent, kept with its time).

    Raises :class:`NotAllowed` for users without an enterprise, institution or expert profile (and staff),
    :class:`InvalidInput` outside the registration window, :class:`AlreadyExists` when already registered."""
    side = side_of(user)
    if side is None:
        raise CannotRegister()
    if side == PROVIDER:
        from directory.experts.models import Expert
        from directory.institutions.models import Institution

        record: Any = db.session.get(Institution, user.institution_id) if permissions.is_institution_user(user) else \
            db.session.get(Expert, user.expert_id)
        if record is None or not record.is_published:
            raise ProviderNotAdmitted()
    event = _lock(event)
    if not registration_open(event, now=now):
        raise RegistrationClosed()
    unavailable = _check_unavailable(event, unavailable or [])
    existing = participation(event, user)
    if existing is not None and existing.status != ParticipantStatus.CANCELLED:
        raise AlreadyRegistered()
    capacity = capacity_of(event, side)
    full = capacity is not None and registered_count(event, side) >= capacity
    participant = existing or EventParticipant(event_id=event.id, user_id=user.id, side=side,  # type: ignore[arg-type]
                                               checkin_token=secrets.token_urlsafe(24))
    participant.enterprise_id = user.enterprise_id if side == ENTERPRISE else None
    participant.institution_id = user.institution_id if permissions.is_institution_user(user) else None
    participant.expert_id = user.expert_id if permissions.is_expert_user(user) else None
    participant.status = ParticipantStatus.WAITLISTED if full else ParticipantStatus.REGISTERED
    participant.offers, participant.seeks = offers.strip(), seeks.strip()
    participant.listed, participant.listed_at = listed, (now or utcnow()) if listed else None
    participant.unavailable_slots = unavailable
    participant.registered_at = now or utcnow()
    participant.promoted_at = None
    db.session.add(participant)
    db.session.flush()
    audit.record(actor_id=user.id, action="event.register", entity_type="event", entity_id=event.id,
                 changes={"participant_id": participant.id, "status": participant.status})
    title = _("You are on the waiting list for “%(title)s”", title=event.title) if full else \
        _("You are registered for “%(title)s”", title=event.title)
    notifications.notify(users=[user], kind="event.registered", title=title, link=f"/events/{event.id}")
    return participant


def _participant_owner(user: Any, participant: EventParticipant) -> bool:
    return permissions.is_staff(user) or participant.user_id == getattr(user, "id", None)


PARTICIPATION_FIELDS = ("offers", "seeks", "listed", "unavailable_slots")


def update_participation(*, user: Any, participant: EventParticipant, offers: str, seeks: str, listed: bool,
                         unavailable: list[int], now: datetime | None = None) -> EventParticipant:
    """The participant (or staff) changes what they offer and seek, their consent to be listed and the times
    they cannot meet. Giving consent records its time, withdrawing it clears the time; the same values
    again change nothing (no audit entry). Raises :class:`NotAllowed` / :class:`InvalidInput`."""
    if not _participant_owner(user, participant):
        raise NotAllowed()
    event = db.session.get_one(Event, participant.event_id)
    after = {"offers": offers.strip(), "seeks": seeks.strip(), "listed": bool(listed),
             "unavailable_slots": _check_unavailable(event, unavailable)}
    changes = audit.diff({k: getattr(participant, k) for k in PARTICIPATION_FIELDS}, after)
    if not changes:
        return participant
    if "listed" in changes:
        participant.listed_at = (now or utcnow()) if listed else None
    for name, value in after.items():
        setattr(participant, name, value)
    db.session.add(participant)
    db.session.flush()
    audit.record(actor_id=user.id, action="event.participation", entity_type="event", entity_id=event.id,
                 changes={"participant_id": participant.id, **changes})
    return participant


def cancel_registration(*, user: Any, participant: EventParticipant) -> EventParticipant | None:
    """Withdraw; a freed place goes to the first on the same side's waiting list, who is told. The
    participant's open requests and meetings are cancelled and their counterparts told.
    Returns the promoted participant, if any."""
    if not _participant_owner(user, participant):
        raise NotAllowed()
    if participant.status == ParticipantStatus.CANCELLED:
        raise AlreadyCancelled()
    event = _lock(db.session.get_one(Event, participant.event_id))
    was_registered = participant.status == ParticipantStatus.REGISTERED
    participant.status = ParticipantStatus.CANCELLED
    db.session.add(participant)
    for request in db.session.exec(select(MeetingRequest).where(
            MeetingRequest.event_id == event.id,
            or_(MeetingRequest.requester_id == participant.id, MeetingRequest.recipient_id == participant.id),
            col(MeetingRequest.status).in_((MeetingRequestStatus.PENDING, MeetingRequestStatus.ACCEPTED)))).all():
        withdraw_request(request, by=participant)
    db.session.flush()
    audit.record(actor_id=user.id, action="event.unregister", entity_type="event", entity_id=event.id,
                 changes={"participant_id": participant.id})
    if was_registered and event.status in (ES.REGISTRATION_OPEN, ES.REGISTRATION_CLOSED, ES.PUBLISHED):
        promoted = promote_waiting_list(event, participant.side)
        return promoted[0] if promoted else None
    return None
