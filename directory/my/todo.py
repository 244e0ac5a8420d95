"""What waits for the user: the to-do list at the top of the "my" page (待办事项).

Each item is a count and a link to the list that holds exactly those rows. The counts come from the very list
functions those pages call (the total of their first page), never from a second query of our own, so a count
here and the total on the page it links to cannot disagree. Only items with something waiting are shown."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from flask_babel import lazy_gettext as _l
from sqlmodel import col, func, select

from directory.accounts.models import Role
from directory.extensions import db


@dataclass(frozen=True)
class Todo:
    key: str
    label: Any
    count: int
    link: str
    urgent: bool = False  # late or overdue: shown in red


def _total(page: Any) -> int:
    return int(page.total)


def _staff() -> list[Todo]:
    from directory.admission.change_requests import pending_changes
    from directory.admission.freshness import stale_institutions
    from directory.admission.services import review_queue
    from directory.demands.services import staff_demands
    from directory.engagements.services import PipelineFilters, pipeline
    from directory.enterprises.services import list_enterprises
    from directory.evaluation.models import EvaluationPeriod, ScreeningAction
    from directory.reviews.moderation import open_followups, pending_reviews

    items = [
        Todo("applications", _l("Applications waiting for review"), _total(review_queue(per_page=1)),
             "/admin/applications"),
        Todo("changes", _l("Profile changes waiting for review"), _total(pending_changes(per_page=1)),
             "/admin/changes"),
        Todo("reviews", _l("Reviews waiting for approval"), _total(pending_reviews(per_page=1)), "/admin/reviews"),
        Todo("followups", _l("Bad reviews being followed up"), _total(open_followups(per_page=1)),
             "/admin/reviews#followup-list"),
        Todo("overdue", _l("Service requests overdue"), _total(pipeline(PipelineFilters(overdue=True), per_page=1)),
             "/admin/engagements?overdue=1", urgent=True),
        Todo("unanswered", _l("Needs nobody answered"), _total(staff_demands(unanswered=True, per_page=1)),
             "/admin/needs?unanswered=1"),
        Todo("enterprises", _l("Enterprises to verify"), _total(list_enterprises(unverified=True, per_page=1)),
             "/admin/enterprises?unverified=1"),
        Todo("stale", _l("Records nobody confirmed for a year"), _total(stale_institutions(per_page=1)),
             "/admin/stale"),
    ]
    # Screening proposals wait on the page of their evaluation period: one item per period that has any.
    for code, n in db.session.exec(
            select(EvaluationPeriod.code, func.count()).join(ScreeningAction)
            .where(ScreeningAction.status == "proposed").group_by(col(EvaluationPeriod.code))
            .order_by(col(EvaluationPeriod.code))).all():
        items.append(Todo(f"screening-{code}", _l("Screening proposals to decide (period %(code)s)", code=code),
                          int(n), f"/admin/evaluation/{code}"))
    return items


def _own_engagements(user: Any, *, enterprise: bool) -> list[Todo]:
    from directory.engagements.services import for_user

    def count(show: str) -> int:
        return _total(for_user(user, per_page=1, show=show))

    if enterprise:
        return [Todo("to_review", _l("Completed services to review"), count("to_review"),
                     "/engagements?show=to_review")]
    return [Todo("waiting", _l("Service requests waiting for your answer"), count("waiting"),
                 "/engagements?show=waiting", urgent=True),
            Todo("active", _l("Services accepted or in progress"), count("active"), "/engagements?show=active")]


def _meeting_requests(user: Any) -> list[Todo]:
    """Meeting requests at events still to come that wait for this user's answer, one item per event (they are
    answered on the event's request page)."""
    from directory.events.models import (
        Event,
        EventParticipant,
        EventStatus,
        MeetingRequest,
        MeetingRequestStatus,
    )

    rows = db.session.exec(
        select(Event.id, Event.title, func.count()).select_from(MeetingRequest)
        .join(EventParticipant, col(EventParticipant.id) == MeetingRequest.recipient_id)
        .join(Event, col(Event.id) == MeetingRequest.event_id)
        .where(EventParticipant.user_id == user.id, MeetingRequest.status == MeetingRequestStatus.PENDING,
               col(Event.status).not_in((EventStatus.COMPLETED, EventStatus.CANCELLED)))
        .group_by(col(Event.id), col(Event.title)).order_by(col(Event.id))).all()
    return [Todo(f"meetings-{event_id}", _l("Meeting requests to answer at “%(event)s”", event=title), int(n),
                 f"/events/{event_id}/requests") for event_id, title, n in rows]


def _profile_freshness(user: Any) -> list[Todo]:
    """An institution on the stale list (admitted, its information unconfirmed for a year) is asked to confirm."""
    from directory.admission.freshness import is_stale

    if user.institution_id and is_stale(user.institution_id):
        return [Todo("confirm", _l("Confirm that your institution's information is still correct"), 1,
                     "/my/institution", urgent=True)]
    return []


def todos(user: Any) -> list[Todo]:
    """The items waiting for ``user``, those with nothing waiting left out."""
    role = Role(user.role)
    if role in (Role.STAFF, Role.ADMIN):
        items = _staff()
    elif role == Role.ENTERPRISE:
        items = [*_own_engagements(user, enterprise=True), *_meeting_requests(user)]
    elif role == Role.INSTITUTION:
        items = [*_own_engagements(user, enterprise=False), *_meeting_requests(user), *_profile_freshness(user)]
    else:
        items = [*_own_engagements(user, enterprise=False), *_meeting_requests(user)]
    return [item for item in items if item.count > 0]
