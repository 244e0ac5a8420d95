"""Matchmaking events (服务对接活动): staff set an event up (its record, target terms and time slots), move it
along its life cycle, and who may see it. Who takes part is in :mod:`.participants`, registering in
:mod:`.registration`, meeting requests in :mod:`.meeting_requests`, scheduling in :mod:`.planning`, the day
itself in :mod:`.day`, the report in :mod:`.report`."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from typing import Any

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlmodel import Field, col, func, select

from directory.accounts import permissions
from directory.audit import services as audit
from directory.core.errors import InvalidInput, NotAllowed, NotFound
from directory.core.paging import Page, paginate
from directory.events.errors import (
    ActionNotPossible,
    CancelReasonRequired,
    EventFinished,
    SlotsFixed,
    SlotsMissing,
)
from directory.events.models import (
    Event,
    EventBase,
    EventCategory,
    EventIndustry,
    EventParticipant,
    EventSlot,
    EventStatus,
    ParticipantStatus,
)
from directory.events.participants import ENTERPRISE, PROVIDER, participant_users, promote_waiting_list
from directory.extensions import db
from directory.notifications import services as notifications
from directory.taxonomy.models import Category, Industry

ES = EventStatus

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


FINISHED = (ES.COMPLETED, ES.CANCELLED)


def refuse_if_finished(event: Event) -> None:
    """Raises :class:`EventFinished` for a completed or cancelled event."""
    if event.status in FINISHED:
        raise EventFinished()


class EventInput(EventBase):
    """What staff give for an event: its columns, and its target terms."""

    categories: list[Category] = Field(default_factory=list)
    industries: list[Industry] = Field(default_factory=list)


SCALARS = tuple(EventBase.model_fields)  # the columns EventInput sets on the Event


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
        promote_waiting_list(event, side)
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
        raise SlotsFixed()
    if db.session.exec(select(EventParticipant.id).where(
            EventParticipant.event_id == event.id, EventParticipant.status != ParticipantStatus.CANCELLED,
            func.coalesce(func.json_array_length(EventParticipant.unavailable_slots), 0) > 0)).first() is not None:
        # Their "times I cannot meet" name slot positions, which new slots would silently re-map.
        raise SlotsFixed(_l("Participants have marked times they cannot meet; the slots can no longer change."))
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
        raise ActionNotPossible()
    if action == "cancel" and not reason.strip():
        raise CancelReasonRequired()
    if action in ("open_registration", "start") and not slots(event, meetings_only=True):
        raise SlotsMissing()
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


def upcoming_events(*, limit: int = 4) -> list[Event]:
    """Public events not yet over (announced, open or closed for registration, running), the soonest first:
    the home page's "upcoming matchmaking events"."""
    from sqlalchemy import or_

    today = date.today()
    return list(db.session.exec(
        select(Event).where(col(Event.status).in_((ES.PUBLISHED, ES.REGISTRATION_OPEN, ES.REGISTRATION_CLOSED,
                                                   ES.RUNNING)),
                            or_(col(Event.starts_on) >= today, col(Event.ends_on) >= today))
        .order_by(col(Event.starts_on), col(Event.id)).limit(limit)).all())
