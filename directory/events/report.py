"""The event report: registrations, meetings requested / scheduled / held, no-show rate, outcomes and
satisfaction (from each side's latest answer, the three-month follow-up where given), and its Excel export."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field
from io import BytesIO
from typing import Any

from flask_babel import gettext as _
from sqlmodel import col, select

from directory.events.day import OUTCOME_LABELS
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
from directory.events.participants import ENTERPRISE, PROVIDER, name_of
from directory.events.planning import _people, _preload
from directory.events.services import local_time, slots
from directory.extensions import db


@dataclass
class EventReport:
    registered: dict[str, int]
    waitlisted: dict[str, int]
    checked_in: dict[str, int]
    requested: int
    accepted: int
    scheduled: int
    held: int
    no_show: int
    outcomes: dict[str, int] = field(default_factory=dict)
    amount_signed: float = 0.0
    amount_intended: float = 0.0
    satisfaction: float | None = None
    feedback_count: int = 0  # answers counted: one per meeting and side, the latest
    followup_count: int = 0  # of which three-month follow-ups
    by_slot: list[tuple[str, int, int]] = field(default_factory=list)  # (time, scheduled, held)
    best: dict[int, MeetingFeedback] = field(default_factory=dict)  # each meeting's best reported outcome

    @property
    def no_show_rate(self) -> float | None:
        settled = self.held + self.no_show
        return self.no_show / settled if settled else None

    def bar(self, value: int, of: int) -> int:
        """Width in percent for the report's bars."""
        return round(100 * value / of) if of else 0


KIND_ORDER = {"initial": 0, "followup": 1}


def latest_answers(feedback: Iterable[MeetingFeedback]) -> list[MeetingFeedback]:
    """Each side's latest word on each meeting: the three-month follow-up where one was given, else the
    answer right after. The first answer stays stored; it just no longer counts once followed up."""
    latest: dict[tuple[int, int], MeetingFeedback] = {}
    for f in feedback:
        key = (f.meeting_id, f.participant_id)
        if key not in latest or (KIND_ORDER.get(f.kind, 0), f.id or 0) > (KIND_ORDER.get(latest[key].kind, 0),
                                                                            latest[key].id or 0):
            latest[key] = f
    return sorted(latest.values(), key=lambda f: f.id or 0)


def build(event: Event) -> EventReport:
    """Figures for one event from its recorded data (registrations, requests, meetings, feedback)."""
    people = db.session.exec(select(EventParticipant).where(EventParticipant.event_id == event.id)).all()

    def count(status: str, *, checked: bool = False) -> dict[str, int]:
        return {side: sum(1 for p in people if p.side == side and p.status == status
                          and (not checked or p.checked_in_at is not None)) for side in (ENTERPRISE, PROVIDER)}

    requests = db.session.exec(select(MeetingRequest).where(MeetingRequest.event_id == event.id)).all()
    meetings = db.session.exec(select(Meeting).where(Meeting.event_id == event.id)).all()
    placed = [m for m in meetings if m.slot_position is not None and m.status != MeetingStatus.CANCELLED]
    feedback = latest_answers(db.session.exec(select(MeetingFeedback).where(col(MeetingFeedback.meeting_id).in_(
        [m.id for m in meetings]))).all()) if meetings else []
    # An outcome per meeting: the best either side reported in its latest answer (签约 beats 达成意向 beats
    # 无进展).
    order = {"signed": 2, "intent": 1, "none": 0}
    best: dict[int, MeetingFeedback] = {}
    for f in feedback:
        if f.meeting_id not in best or order[f.outcome] > order[best[f.meeting_id].outcome]:
            best[f.meeting_id] = f
    outcomes = Counter(f.outcome for f in best.values())
    ratings = [f.rating for f in feedback if f.rating]
    by_slot = []
    for slot in slots(event, meetings_only=True):
        here = [m for m in placed if m.slot_position == slot.position]
        by_slot.append((local_time(slot.starts_at, "HH:mm"), len(here),
                        sum(1 for m in here if m.status == MeetingStatus.HELD)))
    return EventReport(
        registered=count(ParticipantStatus.REGISTERED), waitlisted=count(ParticipantStatus.WAITLISTED),
        checked_in=count(ParticipantStatus.REGISTERED, checked=True), requested=len(requests),
        accepted=sum(1 for r in requests if r.status == MeetingRequestStatus.ACCEPTED), scheduled=len(placed),
        held=sum(1 for m in meetings if m.status == MeetingStatus.HELD),
        no_show=sum(1 for m in meetings if m.status == MeetingStatus.NO_SHOW),
        outcomes={k: outcomes.get(k, 0) for k in ("signed", "intent", "none")},
        amount_signed=sum(f.amount or 0 for f in best.values() if f.outcome == "signed"),
        amount_intended=sum(f.amount or 0 for f in best.values() if f.outcome == "intent"),
        satisfaction=round(sum(ratings) / len(ratings), 2) if ratings else None, feedback_count=len(feedback),
        followup_count=sum(1 for f in feedback if f.kind == "followup"),
        by_slot=by_slot, best=best)


def to_xlsx(event: Event) -> bytes:
    """The report, participants and meetings as three sheets."""
    from openpyxl import Workbook

    from directory.core.spreadsheets import write_sheet

    report = build(event)
    wb = Workbook()
    summary = wb.active
    summary.title = _("Summary")[:31]
    rows: list[tuple[Any, Any]] = [
        (_("Event"), event.title), (_("Date"), event.starts_on.isoformat()),
        (_("Enterprises registered"), report.registered[ENTERPRISE]),
        (_("Providers registered"), report.registered[PROVIDER]),
        (_("On the waiting list"), sum(report.waitlisted.values())),
        (_("Checked in"), sum(report.checked_in.values())), (_("Meetings requested"), report.requested),
        (_("Meetings accepted"), report.accepted), (_("Meetings scheduled"), report.scheduled),
        (_("Meetings held"), report.held), (_("No-shows"), report.no_show),
        (_("No-show rate"), round(report.no_show_rate, 3) if report.no_show_rate is not None else ""),
        *((str(OUTCOME_LABELS[k]), v) for k, v in report.outcomes.items()),  # type: ignore[index]
        (_("Amount signed (yuan)"), report.amount_signed), (_("Amount of intents (yuan)"), report.amount_intended),
        (_("Average meeting rating"), report.satisfaction or ""),
        (_("Three-month follow-up answers"), report.followup_count),
    ]
    write_sheet(summary, title=_("Event report: %(title)s", title=event.title), header=[_("Indicator"), _("Value")],
                rows=[list(row) for row in rows])
    sheet = wb.create_sheet(_("Participants")[:31])
    write_sheet(sheet, title=_("Participants"), header=[
        _("Name"), _("Side"), _("Status"), _("Checked in"), _("Offers"), _("Seeks")], rows=(
        [name_of(p), p.side, p.status, p.checked_in_at.isoformat() if p.checked_in_at else "", p.offers, p.seeks]
        for p in db.session.exec(select(EventParticipant).where(EventParticipant.event_id == event.id)
                                 .order_by(col(EventParticipant.id))).all()))
    sheet = wb.create_sheet(_("Meetings")[:31])
    slot_time = {s.position: local_time(s.starts_at, "yyyy-MM-dd HH:mm") for s in slots(event)}
    _preload(event)
    meetings = []
    for m in db.session.exec(select(Meeting).where(Meeting.event_id == event.id).order_by(col(Meeting.id))).all():
        a, b = _people(m)
        ent, prov = (a, b) if a.side == ENTERPRISE else (b, a)
        outcome = report.best.get(m.id)  # type: ignore[arg-type]
        meetings.append([name_of(ent), name_of(prov), slot_time.get(m.slot_position, "") if m.slot_position is not None
                         else "", m.table_no or "", m.status, outcome.outcome if outcome else "",
                         outcome.amount if outcome and outcome.amount else ""])
    write_sheet(sheet, title=_("Meetings"), header=[
        _("Enterprise"), _("Provider"), _("Slot"), _("Table"), _("Status"), _("Outcome"), _("Amount")], rows=meetings)
    out = BytesIO()
    wb.save(out)
    return out.getvalue()
