"""Who takes part in an event: the two sides (enterprises meet providers), the participant lists and names,
and the waiting list that moves up by itself when a place is free. Registering is in :mod:`.registration`."""

from __future__ import annotations

from typing import Any

from flask_babel import gettext as _
from sqlmodel import col, func, select

from directory.accounts import permissions
from directory.accounts.models import User
from directory.core.errors import NotFound
from directory.core.time import utcnow
from directory.events.models import Event, EventParticipant, EventStatus, ParticipantStatus
from directory.extensions import db
from directory.notifications import services as notifications

ES = EventStatus
ENTERPRISE, PROVIDER = "enterprise", "provider"


def side_of(user: Any) -> str | None:
    """Which side a user takes part on: enterprises meet institutions and experts (providers)."""
    if permissions.is_enterprise_user(user) and user.enterprise_id:
        return ENTERPRISE
    if permissions.is_institution_user(user) and user.institution_id:
        return PROVIDER
    if permissions.is_expert_user(user) and user.expert_id:
        return PROVIDER
    return None


def participation(event: Event, user: Any) -> EventParticipant | None:
    if not getattr(user, "is_authenticated", False):
        return None
    return db.session.exec(select(EventParticipant).where(EventParticipant.event_id == event.id,
                                                          EventParticipant.user_id == user.id)).first()


def capacity_of(event: Event, side: str) -> int | None:
    return event.capacity_enterprises if side == ENTERPRISE else event.capacity_providers


def registered_count(event: Event, side: str) -> int:
    return db.session.exec(select(func.count()).select_from(EventParticipant).where(
        EventParticipant.event_id == event.id, EventParticipant.side == side,
        EventParticipant.status == ParticipantStatus.REGISTERED)).one()


def promote_waiting_list(event: Event, side: str) -> list[EventParticipant]:
    """Move the earliest of the side's waiting list up while places are free, and tell them."""
    if event.status not in (ES.REGISTRATION_OPEN, ES.REGISTRATION_CLOSED, ES.PUBLISHED):
        return []
    capacity = capacity_of(event, side)
    free = None if capacity is None else capacity - registered_count(event, side)
    waiting = db.session.exec(select(EventParticipant).where(
        EventParticipant.event_id == event.id, EventParticipant.side == side,
        EventParticipant.status == ParticipantStatus.WAITLISTED)
        .order_by(col(EventParticipant.registered_at), col(EventParticipant.id))).all()
    promoted = list(waiting if free is None else waiting[:max(0, free)])
    for participant in promoted:
        participant.status = ParticipantStatus.REGISTERED
        participant.promoted_at = utcnow()
        db.session.add(participant)
    db.session.flush()
    for participant in promoted:
        notifications.notify(users=[db.session.get_one(User, participant.user_id)], kind="event.promoted",
                             title=_("A place is free: you are now registered for “%(title)s”", title=event.title),
                             link=f"/events/{event.id}")
    return promoted


def participants(event: Event, *, side: str | None = None, status: str | None = ParticipantStatus.REGISTERED,
                 q: str = "", listed_only: bool = False) -> list[EventParticipant]:
    query = select(EventParticipant).where(EventParticipant.event_id == event.id)
    if side:
        query = query.where(EventParticipant.side == side)
    if status:
        query = query.where(EventParticipant.status == status)
    if listed_only:
        query = query.where(col(EventParticipant.listed).is_(True))
    rows = list(db.session.exec(query.order_by(col(EventParticipant.registered_at),
                                               col(EventParticipant.id))).all())
    if q:
        rows = [p for p in rows if q.lower() in f"{name_of(p)} {p.offers} {p.seeks}".lower()]
    return rows


def participant_users(event: Event) -> list[User]:
    ids = db.session.exec(select(EventParticipant.user_id).where(
        EventParticipant.event_id == event.id, EventParticipant.status != ParticipantStatus.CANCELLED)).all()
    return list(db.session.exec(select(User).where(col(User.id).in_(ids))).all()) if ids else []


def name_of(participant: EventParticipant) -> str:
    """What a participant is called: the enterprise, institution or expert it represents."""
    from directory.enterprises.models import Enterprise
    from directory.experts.models import Expert
    from directory.institutions.models import Institution

    record: Any
    if participant.enterprise_id:
        record = db.session.get(Enterprise, participant.enterprise_id)
    elif participant.institution_id:
        record = db.session.get(Institution, participant.institution_id)
    else:
        record = db.session.get(Expert, participant.expert_id)
    return record.name if record is not None else "?"


def get_participant(participant_id: int, *, event: Event) -> EventParticipant:
    participant = db.session.get(EventParticipant, participant_id)
    if participant is None or participant.event_id != event.id:
        raise NotFound()
    return participant


def user_of(participant: EventParticipant) -> User:
    return db.session.get_one(User, participant.user_id)
