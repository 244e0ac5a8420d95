"""Matchmaking events (服务对接活动): the event's life cycle, time slots, registration with a waiting list,
the participant marketplace and meeting requests. Scheduling is in :mod:`.planning`, the day itself in
:mod:`.day`, the report in :mod:`.report`."""

from __future__ import annotations

import secrets
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Any

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlmodel import col, func, or_, select

from directory.accounts import permissions
from directory.accounts.models import User
from directory.audit import services as audit
from directory.core.errors import AlreadyExists, DomainError, InvalidInput, NotAllowed, NotFound
from directory.core.paging import Page, paginate
from directory.core.time import utcnow
from directory.events.models import (
    Event,
    EventCategory,
    EventIndustry,
    EventParticipant,
    EventSlot,
    EventStatus,
    Meeting,
    MeetingRequest,
    MeetingRequestStatus,
    MeetingStatus,
    ParticipantStatus,
)
from directory.extensions import db
from directory.notifications import services as notifications
from directory.taxonomy.models import Category, Industry

ES = EventStatus
ENTERPRISE, PROVIDER = "enterprise", "provider"

STATUS_LABELS = {
    ES.DRAFT: _l("Draft"), ES.PUBLISHED: _l("Published"), ES.REGISTRATION_OPEN: _l("Registration open"),
    ES.REGISTRATION_CLOSED: _l("Registration closed"), ES.RUNNING: _l("Running"), ES.COMPLETED: _l("Completed"),
    ES.CANCELLED: _l("Cancelled"),
}
# action: (allowed current statuses, next status)
TRANSITIONS = {
    "publish": ((ES.DRAFT,), ES.PUBLISHED),
    "open_registration": ((ES.DRAFT, ES.PUBLISHED, ES.REGISTRATION_CLOSED), ES.REGISTRATION_OPEN),
    "close_registration": ((ES.REGISTRATION_OPEN,), ES.REGISTRATION_CLOSED),
    "start": ((ES.REGISTRATION_OPEN, ES.REGISTRATION_CLOSED), ES.RUNNING),
    "complete": ((ES.RUNNING,), ES.COMPLETED),
    "cancel": ((ES.DRAFT, ES.PUBLISHED, ES.REGISTRATION_OPEN, ES.REGISTRATION_CLOSED, ES.RUNNING), ES.CANCELLED),
}
PUBLIC_STATUSES = (ES.PUBLISHED, ES.REGISTRATION_OPEN, ES.REGISTRATION_CLOSED, ES.RUNNING, ES.COMPLETED,
                   ES.CANCELLED)
REQUESTS_OPEN = (ES.REGISTRATION_OPEN, ES.REGISTRATION_CLOSED, ES.RUNNING)


class EventFinished(DomainError):
    """The event is completed or cancelled: what happened stays as it was recorded (no rescheduling, no
    republishing of the schedule, no moving meetings)."""

    status = 409
    code = "event_finished"

    @classmethod
    def default_message(cls) -> object:
        return _l("This event is over: its schedule can no longer change.")


FINISHED = (ES.COMPLETED, ES.CANCELLED)


def refuse_if_finished(event: Event) -> None:
    """Raises :class:`EventFinished` for a completed or cancelled event."""
    if event.status in FINISHED:
        raise EventFinished()


@dataclass
class EventInput:
    title: str
    starts_on: date
    theme: str = ""
    description: str = ""
    ends_on: date | None = None
    venue: str = ""
    online_url: str = ""
    registration_opens_at: datetime | None = None
    registration_closes_at: datetime | None = None
    capacity_enterprises: int | None = None
    capacity_providers: int | None = None
    meeting_minutes: int = 20
    tables: int = 10
    max_meetings_per_participant: int | None = None
    categories: list[Category] = field(default_factory=list)
    industries: list[Industry] = field(default_factory=list)


SCALARS = ("title", "theme", "description", "starts_on", "ends_on", "venue", "online_url", "registration_opens_at",
           "registration_closes_at", "capacity_enterprises", "capacity_providers", "meeting_minutes", "tables",
           "max_meetings_per_participant")


def _require_staff(user: Any) -> None:
    if not permissions.is_staff(user):
        raise NotAllowed()


def _check(data: EventInput) -> None:
    if not data.title.strip():
        raise InvalidInput(_l("Give the event a title."), field="title")
    if data.ends_on is not None and data.ends_on < data.starts_on:
        raise InvalidInput(_l("The event cannot end before it starts."), field="ends_on")
    if (data.registration_opens_at and data.registration_closes_at
            and data.registration_closes_at <= data.registration_opens_at):
        raise InvalidInput(_l("Registration must close after it opens."), field="registration_closes_at")
    if data.tables < 1 or data.meeting_minutes < 5:
        raise InvalidInput(_l("An event needs at least one table and meetings of at least 5 minutes."),
                           field="tables")
    for name in ("capacity_enterprises", "capacity_providers", "max_meetings_per_participant"):
        value = getattr(data, name)
        if value is not None and value < 1:
            raise InvalidInput(_l("Leave it empty for no limit, or give a number from 1."), field=name)


def _plain(value: Any) -> Any:
    return value.isoformat() if isinstance(value, date | datetime) else value


def create_event(*, user: Any, data: EventInput) -> Event:
    """Staff create an event as a draft. Raises :class:`NotAllowed` / :class:`InvalidInput`."""
    _require_staff(user)
    _check(data)
    event = Event(created_by_id=user.id, **{k: getattr(data, k) for k in SCALARS})
    event.title = event.title.strip()
    db.session.add(event)
    db.session.flush()
    _set_terms(event, data)
    audit.record(actor_id=user.id, action="event.create", entity_type="event", entity_id=event.id,
                 changes={k: _plain(getattr(data, k)) for k in SCALARS})
    return event


def update_event(*, user: Any, event: Event, data: EventInput) -> Event:
    """Staff change an event. The same values again change nothing (no audit entry); a higher capacity
    moves the waiting list up. Raises :class:`NotAllowed` / :class:`InvalidInput`."""
    _require_staff(user)
    if event.status in (ES.COMPLETED, ES.CANCELLED):
        raise InvalidInput(_l("A completed or cancelled event cannot be edited."), field="title")
    _check(data)
    if data.tables < event.tables and event.schedule_status != "none":
        raise InvalidInput(_l("Fewer tables than scheduled: run the scheduler again after changing it."),
                           field="tables")
    data.title = data.title.strip()
    categories, industries = event_terms(event)
    # compared as values (a time is the same instant in any zone), recorded as plain JSON
    before = {**{k: getattr(event, k) for k in SCALARS}, **_term_ids(categories, industries)}
    after = {**{k: getattr(data, k) for k in SCALARS}, **_term_ids(data.categories, data.industries)}
    changes = {k: [_plain(old), _plain(new)] for k, (old, new) in audit.diff(before, after).items()}
    if not changes:
        return event
    for k in SCALARS:
        setattr(event, k, getattr(data, k))
    db.session.add(event)
    if {"categories", "industries"} & set(changes):
        _set_terms(event, data)
    db.session.flush()
    audit.record(actor_id=user.id, action="event.update", entity_type="event", entity_id=event.id,
                 changes=changes)
    for side in (ENTERPRISE, PROVIDER):
        _promote(event, side)
    return event


def _term_ids(categories: list[Category], industries: list[Industry]) -> dict[str, list[int]]:
    return {"categories": sorted({c.id for c in categories if c.id is not None}),
            "industries": sorted({i.id for i in industries if i.id is not None})}


def _set_terms(event: Event, data: EventInput) -> None:
    for model in (EventCategory, EventIndustry):
        for row in db.session.exec(select(model).where(model.event_id == event.id)).all():
            db.session.delete(row)
    db.session.flush()
    assert event.id is not None
    ids = _term_ids(data.categories, data.industries)  # a term posted twice is one row, not a 500
    db.session.add_all([EventCategory(event_id=event.id, category_id=c) for c in ids["categories"]])
    db.session.add_all([EventIndustry(event_id=event.id, industry_id=i) for i in ids["industries"]])
    db.session.flush()


def event_terms(event: Event) -> tuple[list[Category], list[Industry]]:
    cats = db.session.exec(select(Category).join(EventCategory).where(EventCategory.event_id == event.id)).all()
    inds = db.session.exec(select(Industry).join(EventIndustry).where(EventIndustry.event_id == event.id)).all()
    return list(cats), list(inds)


def set_slots(*, user: Any, event: Event, first_start: datetime, count: int, gap_minutes: int = 0,
              breaks: dict[int, int] | None = None) -> list[EventSlot]:
    """Replace the event's time slots: ``count`` meetings of the event's length from ``first_start``, with
    ``gap_minutes`` between them and, after meeting N, a break of ``breaks[N]`` minutes.

    The same slots again change nothing (no audit entry). Raises :class:`InvalidInput` once a schedule
    exists (it refers to the slots) or for impossible values."""
    _require_staff(user)
    if not 1 <= count <= 60 or gap_minutes < 0 or any(m <= 0 for m in (breaks or {}).values()):
        raise InvalidInput(_l("Give between 1 and 60 slots and positive break lengths."), field="count")
    wanted = _slot_times(event, first_start=first_start, count=count, gap_minutes=gap_minutes, breaks=breaks)
    current = slots(event)
    if [(s.starts_at, s.ends_at, s.is_break) for s in current] == wanted:
        return current
    if event.schedule_status != "none":
        raise InvalidInput(_l("The slots cannot change once meetings are scheduled."), field="count")
    if db.session.exec(select(EventParticipant.id).where(
            EventParticipant.event_id == event.id, EventParticipant.status != ParticipantStatus.CANCELLED,
            func.coalesce(func.json_array_length(EventParticipant.unavailable_slots), 0) > 0)).first() is not None:
        # Their "times I cannot meet" name slot positions, which new slots would silently re-map.
        raise InvalidInput(_l("Participants have marked times they cannot meet; the slots can no longer change."),
                           field="count")
    for slot in current:
        db.session.delete(slot)
    db.session.flush()
    made = [EventSlot(event_id=event.id, position=position, starts_at=start, ends_at=end, is_break=is_break)  # type: ignore[arg-type]
            for position, (start, end, is_break) in enumerate(wanted)]
    db.session.add_all(made)
    db.session.flush()
    audit.record(actor_id=user.id, action="event.slots", entity_type="event", entity_id=event.id,
                 changes={"count": count, "first_start": first_start.isoformat(), "breaks": breaks or {}})
    return made


def _slot_times(event: Event, *, first_start: datetime, count: int, gap_minutes: int,
                breaks: dict[int, int] | None) -> list[tuple[datetime, datetime, bool]]:
    """(start, end, is_break) of each slot in order: ``count`` meetings of the event's length, ``gap_minutes``
    apart, and after meeting N a break of ``breaks[N]`` minutes (none after the last)."""
    times, start = [], first_start
    for n in range(1, count + 1):
        end = start + timedelta(minutes=event.meeting_minutes)
        times.append((start, end, False))
        start = end + timedelta(minutes=gap_minutes)
        if breaks and n in breaks and n < count:
            end = start + timedelta(minutes=breaks[n])
            times.append((start, end, True))
            start = end
    return times


def local_time(value: datetime, pattern: str = "MM-dd HH:mm") -> str:
    """A timestamp in the app's time zone (Asia/Shanghai), for labels and messages."""
    from flask_babel import format_datetime

    return str(format_datetime(value, pattern))


def slots(event: Event, *, meetings_only: bool = False) -> list[EventSlot]:
    query = select(EventSlot).where(EventSlot.event_id == event.id)
    if meetings_only:
        query = query.where(col(EventSlot.is_break).is_(False))
    return list(db.session.exec(query.order_by(col(EventSlot.position))).all())


def change_status(*, user: Any, event: Event, action: str, reason: str = "") -> Event:
    """Move the event along its life cycle. Cancelling needs a reason and tells every participant."""
    _require_staff(user)
    if action not in TRANSITIONS:
        raise InvalidInput(_l("Unknown action."), field="action")
    sources, target = TRANSITIONS[action]
    if event.status not in sources:
        raise InvalidInput(_l("This action is not possible in the event's current status."), field="action")
    if action == "cancel" and not reason.strip():
        raise InvalidInput(_l("Give the reason; the participants will see it."), field="reason")
    if action in ("open_registration", "start") and not slots(event, meetings_only=True):
        raise InvalidInput(_l("Set the time slots first."), field="action")
    before = event.status
    event.status = target
    if action == "cancel":
        event.cancel_reason = reason.strip()
        notifications.notify(users=participant_users(event), kind="event.cancelled",
                             title=_("The event “%(title)s” is cancelled", title=event.title), body=reason.strip(),
                             link=f"/events/{event.id}")
    db.session.add(event)
    db.session.flush()
    audit.record(actor_id=user.id, action=f"event.{action}", entity_type="event", entity_id=event.id,
                 changes={"status": [before, target], **({"reason": reason.strip()} if reason.strip() else {})})
    return event


def get_event(event_id: int, *, user: Any) -> Event:
    """Published events are public; drafts only for staff. Raises :class:`NotFound`."""
    event = db.session.get(Event, event_id)
    if event is None or (event.status == ES.DRAFT and not permissions.is_staff(user)):
        raise NotFound()
    return event


def public_events() -> list[Event]:
    return list(db.session.exec(select(Event).where(col(Event.status).in_(PUBLIC_STATUSES))
                                .order_by(col(Event.starts_on).desc())).all())


def all_events(*, page: int = 1, per_page: int | None = None) -> Page[Event]:
    """Every event for staff, the latest first; one page with the total."""
    return paginate(select(Event).order_by(col(Event.starts_on).desc(), col(Event.id).desc()), page=page,
                    per_page=per_page)


# -- registration ----------------------------------------------------------------------------------------

def side_of(user: Any) -> str | None:
    """Which side a user takes part on: enterprises meet institutions and experts (providers)."""
    if getattr(user, "role", None) == "enterprise" and user.enterprise_id:
        return ENTERPRISE
    if getattr(user, "role", None) == "institution" and user.institution_id:
        return PROVIDER
    if getattr(user, "role", None) == "expert" and user.expert_id:
        return PROVIDER
    return None


def registration_open(event: Event, *, now: datetime | None = None) -> bool:
    now = now or utcnow()
    return (event.status == ES.REGISTRATION_OPEN
            and (event.registration_opens_at is None or event.registration_opens_at <= now)
            and (event.registration_closes_at is None or now < event.registration_closes_at))


def participation(event: Event, user: Any) -> EventParticipant | None:
    if not getattr(user, "is_authenticated", False):
        return None
    return db.session.exec(select(EventParticipant).where(EventParticipant.event_id == event.id,
                                                          EventParticipant.user_id == user.id)).first()


def _capacity(event: Event, side: str) -> int | None:
    return event.capacity_enterprises if side == ENTERPRISE else event.capacity_providers


def _lock(event: Event) -> Event:
    """Take the event's row lock (PostgreSQL; SQLite writers are serialised already), so registrations for the
    last places are counted one at a time: 200 at once for 50 places confirm exactly 50."""
    return db.session.exec(select(Event).where(Event.id == event.id).with_for_update()
                           .execution_options(populate_existing=True)).one()


def _registered_count(event: Event, side: str) -> int:
    return db.session.exec(select(func.count()).select_from(EventParticipant).where(
        EventParticipant.event_id == event.id, EventParticipant.side == side,
        EventParticipant.status == ParticipantStatus.REGISTERED)).one()


def _check_unavailable(event: Event, unavailable: list[int]) -> list[int]:
    positions = {s.position for s in slots(event, meetings_only=True)}
    if any(p not in positions for p in unavailable):
        raise InvalidInput(_l("Unknown time slot."), field="unavailable")
    return sorted(set(unavailable))


def register(*, user: Any, event: Event, offers: str = "", seeks: str = "", listed: bool = False,
             unavailable: list[int] | None = None, now: datetime | None = None) -> EventParticipant:
    """Register ``user`` on their side; past the side's capacity they join the waiting list. Others see
    them in the participant list only when ``listed`` (their consent, kept with its time).

    Raises :class:`NotAllowed` for users without an enterprise, institution or expert profile (and staff),
    :class:`InvalidInput` outside the registration window, :class:`AlreadyExists` when already registered."""
    side = side_of(user)
    if side is None:
        raise NotAllowed(_l("Register with an enterprise, institution or expert account."))
    if side == PROVIDER:
        from directory.experts.models import Expert
        from directory.institutions.models import Institution

        record: Any = db.session.get(Institution, user.institution_id) if user.role == "institution" else \
            db.session.get(Expert, user.expert_id)
        if record is None or not record.is_published:
            raise NotAllowed(_l("Only admitted institutions and experts take part as providers."))
    event = _lock(event)
    if not registration_open(event, now=now):
        raise InvalidInput(_l("Registration for this event is not open."), field="event")
    unavailable = _check_unavailable(event, unavailable or [])
    existing = participation(event, user)
    if existing is not None and existing.status != ParticipantStatus.CANCELLED:
        raise AlreadyExists(_l("You are already registered for this event."))
    capacity = _capacity(event, side)
    full = capacity is not None and _registered_count(event, side) >= capacity
    participant = existing or EventParticipant(event_id=event.id, user_id=user.id, side=side,  # type: ignore[arg-type]
                                               checkin_token=secrets.token_urlsafe(24))
    participant.enterprise_id = user.enterprise_id if side == ENTERPRISE else None
    participant.institution_id = user.institution_id if user.role == "institution" else None
    participant.expert_id = user.expert_id if user.role == "expert" else None
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
        raise InvalidInput(_l("This registration is already cancelled."), field="participant")
    event = _lock(db.session.get_one(Event, participant.event_id))
    was_registered = participant.status == ParticipantStatus.REGISTERED
    participant.status = ParticipantStatus.CANCELLED
    db.session.add(participant)
    for request in db.session.exec(select(MeetingRequest).where(
            MeetingRequest.event_id == event.id,
            or_(MeetingRequest.requester_id == participant.id, MeetingRequest.recipient_id == participant.id),
            col(MeetingRequest.status).in_((MeetingRequestStatus.PENDING, MeetingRequestStatus.ACCEPTED)))).all():
        _cancel_request(request, by=participant)
    db.session.flush()
    audit.record(actor_id=user.id, action="event.unregister", entity_type="event", entity_id=event.id,
                 changes={"participant_id": participant.id})
    if was_registered and event.status in (ES.REGISTRATION_OPEN, ES.REGISTRATION_CLOSED, ES.PUBLISHED):
        promoted = _promote(event, participant.side)
        return promoted[0] if promoted else None
    return None


def _promote(event: Event, side: str) -> list[EventParticipant]:
    """Move the earliest of the side's waiting list up while places are free, and tell them."""
    if event.status not in (ES.REGISTRATION_OPEN, ES.REGISTRATION_CLOSED, ES.PUBLISHED):
        return []
    capacity = _capacity(event, side)
    free = None if capacity is None else capacity - _registered_count(event, side)
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


# -- meeting requests ------------------------------------------------------------------------------------

def requests_of(participant: EventParticipant) -> list[MeetingRequest]:
    return list(db.session.exec(select(MeetingRequest).where(
        or_(MeetingRequest.requester_id == participant.id, MeetingRequest.recipient_id == participant.id))
        .order_by(col(MeetingRequest.id))).all())


def _meeting_count(participant: EventParticipant) -> int:
    """Requests that count towards the cap: pending and accepted ones."""
    return db.session.exec(select(func.count()).select_from(MeetingRequest).where(
        or_(MeetingRequest.requester_id == participant.id, MeetingRequest.recipient_id == participant.id),
        col(MeetingRequest.status).in_((MeetingRequestStatus.PENDING, MeetingRequestStatus.ACCEPTED)))).one()


def _user_of(participant: EventParticipant) -> User:
    return db.session.get_one(User, participant.user_id)


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
        raise InvalidInput(_l("Write a short message: what you would like to talk about."), field="message")
    if len(message.strip()) > 500:
        raise InvalidInput(_l("Keep the message to %(n)s characters.", n=500), field="message")
    event = db.session.get_one(Event, requester.event_id)
    _lock_participants(requester.id, recipient.id)
    if recipient.event_id != event.id or recipient.side == requester.side:
        raise InvalidInput(_l("Meetings are between an enterprise and a provider."), field="recipient")
    if ParticipantStatus.REGISTERED != requester.status or recipient.status != ParticipantStatus.REGISTERED:
        raise InvalidInput(_l("Both sides must be registered (not on the waiting list)."), field="recipient")
    if not recipient.listed:
        raise NotFound()
    if event.status not in REQUESTS_OPEN:
        raise InvalidInput(_l("Meeting requests are closed for this event."), field="recipient")
    cap = event.max_meetings_per_participant
    if cap is not None and _meeting_count(requester) >= cap:
        raise InvalidInput(_l("You have reached the maximum of %(n)s meetings.", n=cap), field="recipient")
    existing = db.session.exec(select(MeetingRequest).where(or_(
        (col(MeetingRequest.requester_id) == requester.id) & (col(MeetingRequest.recipient_id) == recipient.id),
        (col(MeetingRequest.requester_id) == recipient.id) & (col(MeetingRequest.recipient_id) == requester.id)))
    ).first()
    if existing is not None and existing.status in (MeetingRequestStatus.PENDING, MeetingRequestStatus.ACCEPTED):
        raise AlreadyExists(_l("You already have a meeting request with this participant."))
    # declined or cancelled earlier: ask again on the same row (one row per pair; a cancelled meeting may still
    # point at it, and the scheduler places that meeting again once the request is accepted)
    request = existing or MeetingRequest(event_id=event.id)  # type: ignore[arg-type, call-arg]
    request.requester_id, request.recipient_id = requester.id, recipient.id  # type: ignore[assignment]
    request.message, request.status = message.strip(), MeetingRequestStatus.PENDING
    request.created_at, request.responded_at = utcnow(), None
    db.session.add(request)
    db.session.flush()
    notifications.notify(users=[_user_of(recipient)], kind="event.meeting_request",
                         title=_("%(name)s asks to meet you at “%(title)s”", name=name_of(requester),
                                 title=event.title), body=message.strip(), link=f"/events/{event.id}/requests")
    return request


def respond_to_request(*, user: Any, request: MeetingRequest, accept: bool) -> MeetingRequest:
    """The recipient (or staff) accepts or declines. Accepting respects the recipient's cap."""
    recipient = db.session.get_one(EventParticipant, request.recipient_id)
    if not (recipient.user_id == getattr(user, "id", None) or permissions.is_staff(user)):
        raise NotAllowed()
    if request.status != MeetingRequestStatus.PENDING:
        raise InvalidInput(_l("This request has already been answered."), field="request")
    event = db.session.get_one(Event, request.event_id)
    if event.status not in REQUESTS_OPEN:
        raise InvalidInput(_l("Meeting requests are closed for this event."), field="request")
    _lock_participants(recipient.id, request.requester_id)
    db.session.refresh(request)  # it may have been answered while we waited for the lock
    if request.status != MeetingRequestStatus.PENDING:
        raise InvalidInput(_l("This request has already been answered."), field="request")
    if accept and event.max_meetings_per_participant is not None:
        for pid in (recipient.id, request.requester_id):  # the requester may have accepted others meanwhile
            accepted = db.session.exec(select(func.count()).select_from(MeetingRequest).where(
                or_(MeetingRequest.requester_id == pid, MeetingRequest.recipient_id == pid),
                MeetingRequest.status == MeetingRequestStatus.ACCEPTED)).one()
            if accepted >= event.max_meetings_per_participant:
                raise InvalidInput(_l("You have reached the maximum of %(n)s meetings.",
                                      n=event.max_meetings_per_participant) if pid == recipient.id else
                                   _l("A participant has reached the maximum number of meetings."), field="request")
    request.status = MeetingRequestStatus.ACCEPTED if accept else MeetingRequestStatus.DECLINED
    request.responded_at = utcnow()
    db.session.add(request)
    db.session.flush()
    requester = db.session.get_one(EventParticipant, request.requester_id)
    title = _("%(name)s accepted your meeting request", name=name_of(recipient)) if accept else \
        _("%(name)s declined your meeting request", name=name_of(recipient))
    notifications.notify(users=[_user_of(requester)], kind="event.meeting_answer", title=title,
                         link=f"/events/{event.id}/requests")
    return request


def _cancel_request(request: MeetingRequest, *, by: EventParticipant) -> None:
    request.status = MeetingRequestStatus.CANCELLED
    db.session.add(request)
    meeting = db.session.exec(select(Meeting).where(Meeting.request_id == request.id)).first()
    if meeting is not None and meeting.status == MeetingStatus.SCHEDULED:
        meeting.status = MeetingStatus.CANCELLED
        meeting.locked = False
        db.session.add(meeting)
    other_id = request.recipient_id if request.requester_id == by.id else request.requester_id
    other = db.session.get_one(EventParticipant, other_id)
    notifications.notify(users=[_user_of(other)], kind="event.meeting_cancelled",
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
        raise InvalidInput(_l("This request is no longer open."), field="request")
    meeting = db.session.exec(select(Meeting).where(Meeting.request_id == request.id)).first()
    if meeting is not None and meeting.status in (MeetingStatus.HELD, MeetingStatus.NO_SHOW):
        raise InvalidInput(_l("This meeting has taken place; it can no longer be cancelled."), field="request")
    _cancel_request(request, by=mine[0])
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
