"""Turning an event's accepted meeting requests into a schedule with :func:`solver.schedule_meetings`,
then the staff's adjustments (move, swap, lock) and publishing. Once the schedule is published, every
change is told to the two people it concerns."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlmodel import col, select

from directory.audit import services as audit
from directory.core.errors import InvalidInput
from directory.events import errors
from directory.events.models import (
    Event,
    EventParticipant,
    EventSlot,
    Meeting,
    MeetingRequest,
    MeetingRequestStatus,
    MeetingStatus,
    ParticipantStatus,
)
from directory.events.participants import ENTERPRISE, name_of, user_of
from directory.events.services import FINISHED, _require_staff, local_time, refuse_if_finished, slots
from directory.events.solver import REASON_MESSAGES, schedule_meetings
from directory.extensions import db
from directory.notifications import services as notifications

ACTIVE = (MeetingStatus.SCHEDULED, MeetingStatus.HELD, MeetingStatus.NO_SHOW)
REASON_LABELS = {
    "self_meeting": _l("A participant cannot meet themselves."),
    "duplicate": _l("The same meeting was requested more than once."),
    "locked_conflict": _l("The locked time slot for this meeting cannot be kept."),
    "no_capacity": _l("The event has no time slots or no tables."),
    "participant_cap": _l("A participant has reached the maximum number of meetings."),
    "participant_unavailable": _l("A participant is unavailable in every time slot."),
    "participant_fully_booked": _l("A participant already has a meeting in every time slot they are available."),
    "no_common_free_slot": _l("The two participants have no free time slot in common."),
    "slots_full": _l("All tables are taken in every time slot that both participants have free."),
}
assert set(REASON_LABELS) == set(REASON_MESSAGES)  # every reason the scheduler gives has words for users


@dataclass
class ScheduleReport:
    requested: int
    placed: int
    upper_bound: int
    unscheduled: list[tuple[Meeting, str]] = field(default_factory=list)


def _pair(request: MeetingRequest, sides: dict[int, str]) -> tuple[int, int]:
    """(enterprise participant, provider participant): the scheduler's two sides, whoever asked."""
    a, b = request.requester_id, request.recipient_id
    return (a, b) if sides.get(a) == ENTERPRISE else (b, a)


def run(*, event: Event, user: Any = None) -> ScheduleReport:
    """Schedule every accepted request between registered participants; locked meetings stay put. Meetings
    already held or missed are left alone. Raises :class:`InvalidInput` without time slots and
    :class:`EventFinished` once the event is completed or cancelled."""
    if user is not None:
        _require_staff(user)
    refuse_if_finished(event)
    usable = slots(event, meetings_only=True)
    if not usable:
        raise errors.SlotsMissing(field="slots")
    index_of = {s.position: i for i, s in enumerate(usable)}
    people = {p.id: p for p in db.session.exec(select(EventParticipant).where(
        EventParticipant.event_id == event.id, EventParticipant.status == ParticipantStatus.REGISTERED)).all()}
    sides = {pid: p.side for pid, p in people.items()}
    requests = [r for r in db.session.exec(select(MeetingRequest).where(
        MeetingRequest.event_id == event.id, MeetingRequest.status == MeetingRequestStatus.ACCEPTED)
        .order_by(col(MeetingRequest.id))).all() if r.requester_id in people and r.recipient_id in people]
    meetings = {m.request_id: m for m in db.session.exec(select(Meeting).where(Meeting.event_id == event.id)).all()}
    settled = {rid for rid, m in meetings.items() if m.status in (MeetingStatus.HELD, MeetingStatus.NO_SHOW)}
    open_requests = [r for r in requests if r.id not in settled]
    by_pair = {_pair(r, sides): r for r in open_requests}
    busy: dict[int, set[int]] = {}  # held/no-show meetings occupy their slot for both people
    taken_tables: dict[int, int] = {}
    for rid in settled:
        m = meetings[rid]
        if m.slot_position in index_of:
            req = db.session.get_one(MeetingRequest, rid)
            for pid in (req.requester_id, req.recipient_id):
                busy.setdefault(pid, set()).add(index_of[m.slot_position])  # type: ignore[index]
            taken_tables[index_of[m.slot_position]] = taken_tables.get(index_of[m.slot_position], 0) + 1  # type: ignore[index]
    unavailable = {pid: {index_of[pos] for pos in p.unavailable_slots if pos in index_of} | busy.get(pid, set())
                   for pid, p in people.items()}
    locked: dict[Any, int] = {pair: index_of[meetings[r.id].slot_position]  # type: ignore[index]
              for pair, r in by_pair.items()
              if r.id in meetings and meetings[r.id].locked and meetings[r.id].slot_position in index_of}
    if taken_tables:
        # A slot partly used by settled meetings keeps fewer tables; the scheduler takes one table count, so
        # those slots are closed to new meetings for simplicity (this only happens when re-running on the day).
        for pid in unavailable:
            unavailable[pid] |= set(taken_tables)
    result = schedule_meetings(list(by_pair), slots=len(usable), tables=event.tables, unavailable=unavailable,
                               max_per_participant=event.max_meetings_per_participant, locked=locked)
    final = event.schedule_status == "final"
    report = ScheduleReport(requested=len(open_requests), placed=len(result.assigned),
                            upper_bound=getattr(result, "upper_bound", len(result.assigned)))
    tables = _keep_tables(result.assigned, by_pair, meetings, usable, event.tables, locked)
    for pair, request in by_pair.items():
        meeting = meetings.get(request.id) or Meeting(event_id=event.id, request_id=request.id)  # type: ignore[arg-type]
        before = (meeting.slot_position, meeting.table_no)
        if pair in result.assigned:
            slot_index, _table = result.assigned[pair]
            meeting.slot_position, meeting.table_no = usable[slot_index].position, tables[pair]
            meeting.unscheduled_reason = ""
        else:
            meeting.slot_position = meeting.table_no = None
            meeting.locked = False
            reason = result.unscheduled.get(pair)
            meeting.unscheduled_reason = getattr(reason, "code", str(reason or "slots_full"))
            report.unscheduled.append((meeting, meeting.unscheduled_reason))
        meeting.status = MeetingStatus.SCHEDULED
        db.session.add(meeting)
        if final and before != (meeting.slot_position, meeting.table_no):
            _tell_the_two(event, meeting, request)
    for rid, meeting in meetings.items():  # requests no longer accepted lose their meeting
        if rid not in {r.id for r in open_requests} and rid not in settled and meeting.status != MeetingStatus.CANCELLED:
            meeting.status = MeetingStatus.CANCELLED
            meeting.slot_position = meeting.table_no = None
            db.session.add(meeting)
    if event.schedule_status == "none":
        event.schedule_status = "preliminary"
        db.session.add(event)
    db.session.flush()
    audit.record(actor_id=getattr(user, "id", None), action="event.schedule", entity_type="event",
                 entity_id=event.id, changes={"requested": report.requested, "placed": report.placed})
    return report


def finished(event: Event) -> bool:
    """Completed or cancelled: the pages offer no scheduling, publishing or moving any more."""
    return event.status in FINISHED


def _keep_tables(assigned: dict[Any, tuple[int, int]], by_pair: dict[Any, MeetingRequest],
                 meetings: dict[int, Meeting], usable: list[EventSlot], tables: int,
                 locked: dict[Any, int]) -> dict[Any, int]:
    """Table numbers (from 1) for the placed pairs. The scheduler numbers a slot's tables freely; here locked
    meetings, then the others, keep the table they already had in that slot where they can, so a locked
    meeting keeps its whole place and a re-run moves nobody to another table needlessly."""
    by_slot: dict[int, list[Any]] = {}
    for pair, (slot_index, _table) in assigned.items():
        by_slot.setdefault(slot_index, []).append(pair)
    out: dict[Any, int] = {}
    for slot_index, pairs in by_slot.items():
        position, free = usable[slot_index].position, list(range(1, tables + 1))
        for pair in sorted(pairs, key=lambda p: p not in locked):
            had = meetings.get(by_pair[pair].id)  # type: ignore[arg-type]
            if had is not None and had.slot_position == position and had.table_no in free:
                out[pair] = had.table_no  # type: ignore[assignment]
                free.remove(had.table_no)  # type: ignore[arg-type]
        for pair in pairs:
            if pair not in out:
                out[pair] = free.pop(0)  # the scheduler puts at most ``tables`` meetings in a slot
    return out


def reason_label(code: str) -> Any:
    return REASON_LABELS.get(code, code)


def _tell_the_two(event: Event, meeting: Meeting, request: MeetingRequest | None = None) -> None:
    request = request or db.session.get_one(MeetingRequest, meeting.request_id)
    a = db.session.get_one(EventParticipant, request.requester_id)
    b = db.session.get_one(EventParticipant, request.recipient_id)
    slot = _slot(event, meeting.slot_position)
    when = local_time(slot.starts_at) if slot else _("not scheduled")
    for me, other in ((a, b), (b, a)):
        notifications.notify(users=[user_of(me)], kind="event.meeting_moved",
                             title=_("Your meeting with %(name)s has changed: %(when)s, table %(table)s",
                                     name=name_of(other), when=when, table=meeting.table_no or "—"),
                             link=f"/events/{event.id}/agenda")


def _slot(event: Event, position: int | None) -> EventSlot | None:
    if position is None:
        return None
    return db.session.exec(select(EventSlot).where(EventSlot.event_id == event.id,
                                                   EventSlot.position == position)).first()


def _preload(event: Event) -> None:
    """Load the event's requests and participants (and the records they represent) into the session in a few
    queries, so that :func:`_people` and :func:`name_of` over a whole board are identity-map lookups rather than
    a query per meeting."""
    from directory.enterprises.models import Enterprise
    from directory.experts.models import Expert
    from directory.institutions.models import Institution

    db.session.exec(select(MeetingRequest).where(MeetingRequest.event_id == event.id)).all()
    people = db.session.exec(select(EventParticipant).where(EventParticipant.event_id == event.id)).all()
    for model, attr in ((Enterprise, "enterprise_id"), (Institution, "institution_id"), (Expert, "expert_id")):
        ids = {getattr(p, attr) for p in people if getattr(p, attr)}
        if ids:
            db.session.exec(select(model).where(col(model.id).in_(ids))).all()  # type: ignore[attr-defined]


def _people(meeting: Meeting) -> tuple[EventParticipant, EventParticipant]:
    request = db.session.get_one(MeetingRequest, meeting.request_id)
    return (db.session.get_one(EventParticipant, request.requester_id),
            db.session.get_one(EventParticipant, request.recipient_id))


def _active_meetings(event: Event) -> list[Meeting]:
    return list(db.session.exec(select(Meeting).where(Meeting.event_id == event.id,
                                                      col(Meeting.status).in_(ACTIVE))).all())


def check_place(event: Event, meeting: Meeting, position: int, table: int, *, ignore: tuple[int, ...] = ()) -> None:
    """Raise :class:`InvalidInput` unless ``meeting`` may sit at (``position``, ``table``): a meeting slot of
    the event, a table that exists and is free, both people free and available then."""
    slot = _slot(event, position)
    if slot is None or slot.is_break:
        raise errors.NotAMeetingSlot()
    if not 1 <= table <= event.tables:
        raise errors.NoSuchTable(table)
    a, b = _people(meeting)
    for p in (a, b):
        if position in p.unavailable_slots:
            raise errors.ParticipantUnavailable(name_of(p))
    ids = {a.id, b.id}
    _preload(event)
    for other in _active_meetings(event):
        if other.id == meeting.id or other.id in ignore or other.slot_position != position:
            continue
        if other.table_no == table:
            raise errors.TableTaken(table)
        if ids & {p.id for p in _people(other)}:
            raise errors.DoubleBooked()


def move(*, user: Any, meeting: Meeting, position: int, table: int) -> Meeting:
    """Staff move a meeting to a slot and table (checked by :func:`check_place`). Raises
    :class:`EventFinished` once the event is over."""
    _require_staff(user)
    event = db.session.get_one(Event, meeting.event_id)
    refuse_if_finished(event)
    if meeting.status != MeetingStatus.SCHEDULED:
        raise InvalidInput(_l("Only scheduled meetings can be moved."), field="slot")
    check_place(event, meeting, position, table)
    before = (meeting.slot_position, meeting.table_no)
    meeting.slot_position, meeting.table_no, meeting.unscheduled_reason = position, table, ""
    db.session.add(meeting)
    db.session.flush()
    audit.record(actor_id=user.id, action="meeting.move", entity_type="meeting", entity_id=meeting.id,
                 changes={"slot_table": [list(before), [position, table]]})
    if event.schedule_status == "final":
        _tell_the_two(event, meeting)
    return meeting


def swap(*, user: Any, first: Meeting, second: Meeting) -> None:
    """Staff swap the places of two scheduled meetings of the same event. Raises :class:`EventFinished`
    once the event is over."""
    _require_staff(user)
    event = db.session.get_one(Event, first.event_id)
    refuse_if_finished(event)
    if second.event_id != event.id or first.id == second.id:
        raise InvalidInput(_l("Choose two meetings of this event."), field="other")
    if first.slot_position is None or second.slot_position is None:
        raise InvalidInput(_l("Both meetings need a place to swap."), field="other")
    a, b = (first.slot_position, first.table_no), (second.slot_position, second.table_no)
    check_place(event, first, b[0], b[1], ignore=(second.id,))  # type: ignore[arg-type]
    check_place(event, second, a[0], a[1], ignore=(first.id,))  # type: ignore[arg-type]
    (first.slot_position, first.table_no), (second.slot_position, second.table_no) = b, a
    db.session.add_all([first, second])
    db.session.flush()
    audit.record(actor_id=user.id, action="meeting.swap", entity_type="meeting", entity_id=first.id,
                 changes={"with": second.id})
    if event.schedule_status == "final":
        _tell_the_two(event, first)
        _tell_the_two(event, second)


def set_locked(*, user: Any, meeting: Meeting, locked: bool) -> Meeting:
    """A locked meeting keeps its place when the scheduler runs again (not after the event: it never runs
    again then)."""
    _require_staff(user)
    refuse_if_finished(db.session.get_one(Event, meeting.event_id))
    if locked and meeting.slot_position is None:
        raise InvalidInput(_l("Only a meeting with a place can be locked."), field="locked")
    meeting.locked = locked
    db.session.add(meeting)
    db.session.flush()
    return meeting


def publish(*, user: Any, event: Event) -> Event:
    """Make the schedule final and tell every participant their agenda is ready. Raises
    :class:`EventFinished` once the event is completed or cancelled."""
    _require_staff(user)
    refuse_if_finished(event)
    if event.schedule_status == "none":
        raise InvalidInput(_l("Run the scheduler first."), field="schedule")
    from directory.core.time import utcnow
    from directory.events.participants import participant_users

    first = event.schedule_status != "final"
    event.schedule_status = "final"
    event.schedule_published_at = utcnow()
    db.session.add(event)
    db.session.flush()
    audit.record(actor_id=user.id, action="event.publish_schedule", entity_type="event", entity_id=event.id)
    if first:
        notifications.notify(users=participant_users(event), kind="event.agenda",
                             title=_("Your agenda for “%(title)s” is ready", title=event.title),
                             link=f"/events/{event.id}/agenda")
    return event


@dataclass
class AgendaItem:
    meeting: Meeting
    slot: EventSlot | None
    partner: EventParticipant
    partner_name: str
    request: MeetingRequest


def agenda(participant: EventParticipant) -> list[AgendaItem]:
    """A participant's meetings in time order (unplaced ones last)."""
    event = db.session.get_one(Event, participant.event_id)
    slot_by_pos = {s.position: s for s in slots(event)}
    items = []
    for request in db.session.exec(select(MeetingRequest).where(
            (col(MeetingRequest.requester_id) == participant.id) | (col(MeetingRequest.recipient_id) == participant.id),
            MeetingRequest.status == MeetingRequestStatus.ACCEPTED)).all():
        meeting = db.session.exec(select(Meeting).where(Meeting.request_id == request.id)).first()
        if meeting is None or meeting.status == MeetingStatus.CANCELLED:
            continue
        partner_id = request.recipient_id if request.requester_id == participant.id else request.requester_id
        partner = db.session.get_one(EventParticipant, partner_id)
        items.append(AgendaItem(meeting=meeting, slot=slot_by_pos.get(meeting.slot_position)  # type: ignore[arg-type]
                                if meeting.slot_position is not None else None,
                                partner=partner, partner_name=name_of(partner), request=request))
    items.sort(key=lambda i: (i.slot is None, i.slot.position if i.slot else 0))
    return items


def table_plan(event: Event) -> tuple[list[EventSlot], list[int], dict[tuple[int, int], tuple[Meeting, str, str]]]:
    """Slots × tables with who sits where: ``{(slot position, table): (meeting, enterprise, provider)}``."""
    plan = {}
    _preload(event)
    for meeting in _active_meetings(event):
        if meeting.slot_position is None or meeting.table_no is None:
            continue
        a, b = _people(meeting)
        ent, prov = (a, b) if a.side == ENTERPRISE else (b, a)
        plan[(meeting.slot_position, meeting.table_no)] = (meeting, name_of(ent), name_of(prov))
    return slots(event), list(range(1, event.tables + 1)), plan


def unplaced(event: Event) -> list[tuple[Meeting, str, str, Any]]:
    """Scheduled meetings without a place, with the two names and the reason in words."""
    out = []
    _preload(event)
    for meeting in db.session.exec(select(Meeting).where(
            Meeting.event_id == event.id, Meeting.status == MeetingStatus.SCHEDULED,
            col(Meeting.slot_position).is_(None))).all():
        a, b = _people(meeting)
        out.append((meeting, name_of(a), name_of(b), reason_label(meeting.unscheduled_reason)))
    return out


def ical(participant: EventParticipant) -> bytes:
    """The participant's agenda as an iCalendar file (one VEVENT per placed meeting)."""
    from icalendar import Calendar
    from icalendar import Event as VEvent

    event = db.session.get_one(Event, participant.event_id)
    cal = Calendar()
    cal.add("prodid", "-//Yingkou SME Services//Matchmaking//ZH")
    cal.add("version", "2.0")
    cal.add("x-wr-calname", event.title)
    for item in agenda(participant):
        if item.slot is None:
            continue
        vevent = VEvent()
        vevent.add("uid", f"meeting-{item.meeting.id}-{participant.id}@yingkou-sme")
        vevent.add("summary", _("Meeting with %(name)s", name=item.partner_name))
        vevent.add("dtstart", item.slot.starts_at)
        vevent.add("dtend", item.slot.ends_at)
        vevent.add("dtstamp", event.updated_at)
        vevent.add("location", f"{event.venue} · {_('Table %(n)s', n=item.meeting.table_no)}".strip(" ·"))
        cal.add_component(vevent)
    return bytes(cal.to_ical())
