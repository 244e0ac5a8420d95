"""Service requests and their tracking (服务情况跟踪): requested → accepted / declined → in progress →
completed / cancelled. Every transition is timestamped, audited and told to the other side; the response and
completion times feed the evaluation."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy.orm import selectinload
from sqlmodel import and_, col, func, or_, select

from directory.accounts import permissions
from directory.accounts import services as accounts
from directory.accounts.models import User
from directory.audit import services as audit
from directory.core.errors import AlreadyExists, InvalidInput, NotAllowed, NotFound
from directory.core.paging import Page, paginate
from directory.core.time import utcnow
from directory.demands.models import Demand, DemandStatus
from directory.engagements.models import Engagement, EngagementStatus
from directory.enterprises.models import Enterprise
from directory.experts.models import Expert
from directory.extensions import db
from directory.institutions.models import Institution, Offering
from directory.notifications import services as notifications

S = EngagementStatus
OPEN = (S.REQUESTED, S.ACCEPTED, S.IN_PROGRESS)
REMIND_AFTER_WORKING_DAYS = 2

STATUS_LABELS = {
    S.REQUESTED: _l("Requested"), S.ACCEPTED: _l("Accepted"), S.DECLINED: _l("Declined"),
    S.IN_PROGRESS: _l("In progress"), S.COMPLETED: _l("Completed"), S.CANCELLED: _l("Cancelled"),
}


@dataclass(frozen=True)
class Transition:
    sources: tuple[str, ...]
    target: str
    by: tuple[str, ...]  # "provider", "client", "staff"
    stamp: str | None


# Who may move an engagement where. Staff broker on behalf of both sides, so they may do everything.
TRANSITIONS = {
    "accept": Transition((S.REQUESTED,), S.ACCEPTED, ("provider", "staff"), "responded_at"),
    "decline": Transition((S.REQUESTED,), S.DECLINED, ("provider", "staff"), "responded_at"),
    "start": Transition((S.ACCEPTED,), S.IN_PROGRESS, ("provider", "staff"), "started_at"),
    "complete": Transition((S.ACCEPTED, S.IN_PROGRESS), S.COMPLETED, ("provider", "client", "staff"),
                           "completed_at"),
    "cancel": Transition(OPEN, S.CANCELLED, ("provider", "client", "staff"), "cancelled_at"),
}


def provider_users(engagement: Engagement) -> list[User]:
    key = col(User.institution_id) == engagement.institution_id if engagement.institution_id else \
        col(User.expert_id) == engagement.expert_id
    return list(db.session.exec(select(User).where(key, User.active)).all())


def client_users(engagement: Engagement) -> list[User]:
    return list(db.session.exec(select(User).where(User.enterprise_id == engagement.enterprise_id,
                                                   User.active)).all())


def provider_of(engagement: Engagement) -> Institution | Expert:
    if engagement.institution_id:
        return db.session.get_one(Institution, engagement.institution_id)
    return db.session.get_one(Expert, engagement.expert_id)


def _link(engagement: Engagement) -> str:
    return f"/engagements/{engagement.id}"


def request_service(*, user: Any, enterprise: Enterprise, institution: Institution | None = None,
                    expert: Expert | None = None, offering: Offering | None = None, demand: Demand | None = None,
                    message: str = "") -> Engagement:
    """An enterprise asks a published institution or expert for service; staff may do it for them (brokering).

    Raises :class:`NotAllowed` unless ``user`` is staff or a user of ``enterprise``; :class:`InvalidInput` when
    the provider is not published or the offering/need belong elsewhere; :class:`AlreadyExists` when the same
    enterprise already has an open request with this provider for the same need.
    """
    if not (permissions.is_staff(user) or (user.enterprise_id is not None and user.enterprise_id == enterprise.id
                                           and permissions.is_enterprise_user(user))):
        raise NotAllowed()
    if (institution is None) == (expert is None):
        raise InvalidInput(_l("Choose one institution or one expert."), field="provider")
    provider: Any = institution or expert
    if not provider.is_published:
        raise InvalidInput(_l("This provider is not in the directory."), field="provider")
    if offering is not None and (institution is None or offering.institution_id != institution.id
                                 or not offering.active):
        raise InvalidInput(_l("This service offering is not available."), field="offering")
    if demand is not None and demand.enterprise_id != enterprise.id:
        raise InvalidInput(_l("This need belongs to another enterprise."), field="demand")
    provider_key = col(Engagement.institution_id) == institution.id if institution else \
        col(Engagement.expert_id) == expert.id  # type: ignore[union-attr]
    duplicate = db.session.exec(select(Engagement.id).where(
        Engagement.enterprise_id == enterprise.id, provider_key, col(Engagement.status).in_(OPEN),
        Engagement.demand_id == (demand.id if demand else None) if demand else col(Engagement.demand_id).is_(None),
    )).first()
    if duplicate is not None:
        raise AlreadyExists(_l("You already have an open request with this provider."))
    engagement = Engagement(enterprise_id=enterprise.id, institution_id=institution.id if institution else None,  # type: ignore[arg-type]
                            expert_id=expert.id if expert else None, offering_id=offering.id if offering else None,
                            demand_id=demand.id if demand else None, message=message.strip(),
                            created_by_id=user.id)
    db.session.add(engagement)
    db.session.flush()
    audit.record(actor_id=user.id, action="engagement.request", entity_type="engagement", entity_id=engagement.id,
                 changes={"enterprise_id": enterprise.id, "institution_id": engagement.institution_id,
                          "expert_id": engagement.expert_id, "brokered": permissions.is_staff(user)})
    notifications.notify(users=provider_users(engagement), kind="engagement.requested",
                         title=_("New service request from %(enterprise)s", enterprise=enterprise.name),
                         body=message.strip(), link=_link(engagement))
    if permissions.is_staff(user):
        notifications.notify(users=client_users(engagement), kind="engagement.brokered",
                             title=_("The service center arranged a service request for you with %(provider)s",
                                     provider=provider.name), link=_link(engagement))
    return engagement


def _roles_of(user: Any, engagement: Engagement) -> set[str]:
    roles = set()
    if permissions.is_staff(user):
        roles.add("staff")
    if permissions.is_engagement_client(user, engagement):
        roles.add("client")
    if permissions.is_engagement_provider(user, engagement):
        roles.add("provider")
    return roles


def allowed_actions(user: Any, engagement: Engagement) -> list[str]:
    """The transitions ``user`` may make now, for the page's buttons (the services check again)."""
    roles = _roles_of(user, engagement)
    return [name for name, t in TRANSITIONS.items() if engagement.status in t.sources and roles & set(t.by)]


def transition(*, engagement: Engagement, action: str, user: Any, reason: str = "",
               due_date: date | None = None, now: datetime | None = None) -> Engagement:
    """Move ``engagement`` by ``action`` (accept, decline, start, complete, cancel).

    Raises :class:`NotAllowed` when ``user`` may not make this move, :class:`InvalidInput` when the current
    status does not allow it or a decline/cancel has no reason.
    """
    t = TRANSITIONS.get(action)
    if t is None:
        raise InvalidInput(_l("Unknown action."), field="action")
    if not _roles_of(user, engagement) & set(t.by):
        raise NotAllowed()
    if engagement.status not in t.sources:
        raise InvalidInput(_l("This action is not possible in the request's current status."), field="action")
    reason = reason.strip()
    if action in ("decline", "cancel") and not reason:
        raise InvalidInput(_l("Give the reason; the other side will see it."), field="reason")
    now = now or utcnow()
    if due_date is not None and due_date < now.date():
        raise InvalidInput(_l("The agreed completion date has passed."), field="due_date")
    before = engagement.status
    engagement.status = t.target
    if t.stamp:
        setattr(engagement, t.stamp, now)
    if action == "decline":
        engagement.decline_reason = reason
    elif action == "cancel":
        engagement.cancel_reason = reason
    elif action == "accept":
        engagement.due_date = due_date
        engagement.accept_reply = reason
        _answer_demand(engagement, now)
    db.session.add(engagement)
    db.session.flush()
    audit.record(actor_id=user.id, action=f"engagement.{action}", entity_type="engagement",
                 entity_id=engagement.id, changes={"status": [before, engagement.status],
                                                   **({"reason": reason} if reason else {})})
    _tell_the_other_side(engagement, action, user, reason)
    return engagement


def done_message(action: str, user: Any, engagement: Engagement) -> str:
    """What the page says once ``action`` is done: what happened and who was told."""
    if permissions.is_engagement_client(user, engagement):
        return {"complete": _("Marked completed: the provider has been told. Please review the service."),
                "cancel": _("Cancelled: the provider has been told.")}.get(action, _("Saved."))
    return {"accept": _("Accepted: the enterprise has been told."),
            "decline": _("Declined: the enterprise has been told, with your reply."),
            "start": _("Work started: the enterprise has been told."),
            "complete": _("Marked completed: the enterprise has been asked to review the service."),
            "cancel": _("Cancelled: the enterprise has been told.")}.get(action, _("Saved."))


def _answer_demand(engagement: Engagement, now: datetime) -> None:
    """A need is answered the first time a provider accepts a request made for it."""
    if engagement.demand_id is None:
        return
    demand = db.session.get_one(Demand, engagement.demand_id)
    if demand.answered_at is None:
        demand.answered_at = now
    if demand.status == DemandStatus.OPEN:
        demand.status = DemandStatus.ANSWERED
    db.session.add(demand)


def _tell_the_other_side(engagement: Engagement, action: str, user: Any, reason: str) -> None:
    provider = provider_of(engagement)
    enterprise = db.session.get_one(Enterprise, engagement.enterprise_id)
    titles = {
        "accept": _("%(provider)s accepted your service request", provider=provider.name),
        "decline": _("%(provider)s declined your service request", provider=provider.name),
        "start": _("%(provider)s started work on your request", provider=provider.name),
        "complete": _("The service with %(provider)s is complete: please review it", provider=provider.name),
        "cancel": _("The service request between %(enterprise)s and %(provider)s was cancelled",
                    enterprise=enterprise.name, provider=provider.name),
    }
    recipients = []
    if not permissions.is_engagement_client(user, engagement):
        recipients += client_users(engagement)
    if action in ("complete", "cancel") and not permissions.is_engagement_provider(user, engagement):
        recipients += provider_users(engagement)
    if recipients:
        notifications.notify(users=recipients, kind=f"engagement.{action}", title=titles[action], body=reason,
                             link=_link(engagement))


def get_engagement(engagement_id: int, *, user: Any) -> Engagement:
    """Raises :class:`NotFound` when it does not exist or ``user`` may not see it (no existence leak)."""
    engagement = db.session.get(Engagement, engagement_id)
    if engagement is None or not permissions.can_view_engagement(user, engagement):
        raise NotFound()
    return engagement


def add_working_days(start: datetime, days: int) -> datetime:
    """``start`` plus ``days`` working days (Monday–Friday). Public holidays are not known to the system."""
    current = start
    while days > 0:
        current += timedelta(days=1)
        if current.weekday() < 5:
            days -= 1
    return current


def remind_waiting(*, now: datetime | None = None) -> int:
    """Remind providers of requests unanswered for more than two working days, again every two working days.
    Returns how many requests were reminded about."""
    now = now or utcnow()
    count = 0
    waiting = db.session.exec(select(Engagement).where(Engagement.status == S.REQUESTED)
                              .order_by(col(Engagement.id))).all()
    for engagement in waiting:
        since = engagement.reminded_at or engagement.requested_at
        if add_working_days(since, REMIND_AFTER_WORKING_DAYS) > now:
            continue
        enterprise = db.session.get_one(Enterprise, engagement.enterprise_id)
        notifications.notify(users=provider_users(engagement) or accounts.staff_users(),
                             kind="engagement.reminder",
                             title=_("A service request from %(enterprise)s is waiting for your answer",
                                     enterprise=enterprise.name), link=_link(engagement))
        engagement.reminded_at = now
        db.session.add(engagement)
        count += 1
    db.session.flush()
    return count


@dataclass
class PipelineFilters:
    status: str | None = None
    provider: str | None = None  # "institution" | "expert"
    q: str = ""
    overdue: bool = False


def pipeline(filters: PipelineFilters, *, page: int = 1, per_page: int | None = None,
             now: datetime | None = None) -> Page[Engagement]:
    """Every engagement for staff, newest first, filtered in SQL (the overdue filter too), one page of them
    with the total that match."""
    query = select(Engagement).options(selectinload(Engagement.enterprise), selectinload(Engagement.institution),  # type: ignore[arg-type]
                                       selectinload(Engagement.expert))  # type: ignore[arg-type]
    if filters.status:
        query = query.where(Engagement.status == filters.status)
    if filters.provider == "institution":
        query = query.where(col(Engagement.institution_id).is_not(None))
    elif filters.provider == "expert":
        query = query.where(col(Engagement.expert_id).is_not(None))
    if filters.q:
        q = filters.q  # autoescape: a % or _ typed by staff matches itself, not everything
        query = query.where(or_(
            col(Engagement.enterprise_id).in_(select(Enterprise.id).where(col(Enterprise.name).contains(q, autoescape=True))),
            col(Engagement.institution_id).in_(select(Institution.id).where(col(Institution.name).contains(q, autoescape=True))),
            col(Engagement.expert_id).in_(select(Expert.id).where(col(Expert.name).contains(q, autoescape=True)))))
    if filters.overdue:
        query = query.where(overdue_condition(now or utcnow()))
    return paginate(query.order_by(col(Engagement.id).desc()), page=page, per_page=per_page)


def overdue_condition(now: datetime) -> Any:
    """:func:`is_overdue` as a SQL condition, so the filter runs before paging.

    A request made at ``t`` is overdue once ``add_working_days(t, n) <= now``. That sum is ``t`` plus a whole
    number of days ``k`` that depends only on ``t``'s weekday (n ≤ k ≤ n + the weekends crossed), so the
    condition is "``t`` is older than the oldest ``now - k``" or, for each of the few calendar days in between,
    "``t`` falls on that day and ``t <= now - k(that day)``"; ``k`` is taken from :func:`add_working_days`
    itself, never from a second copy of the calendar."""
    requested = col(Engagement.requested_at)

    def start_of(day: date) -> datetime:
        return datetime.combine(day, datetime.min.time(), tzinfo=now.tzinfo)

    def shift(day: date) -> timedelta:
        return add_working_days(start_of(day), REMIND_AFTER_WORKING_DAYS) - start_of(day)

    monday = now.date() - timedelta(days=now.weekday())
    shifts = [shift(monday + timedelta(days=i)) for i in range(7)]
    longest, shortest = max(shifts), min(shifts)
    first_day, last_day = (now - longest).date(), (now - shortest).date()
    windows: list[Any] = [requested < start_of(first_day)]
    day = first_day
    while day <= last_day:
        windows.append(and_(requested >= start_of(day), requested < start_of(day + timedelta(days=1)),
                            requested <= now - shift(day)))
        day += timedelta(days=1)
    waiting = and_(Engagement.status == S.REQUESTED, or_(*windows))
    late = and_(col(Engagement.status).in_((S.ACCEPTED, S.IN_PROGRESS)), col(Engagement.due_date).is_not(None),
                col(Engagement.due_date) < now.date())
    return or_(waiting, late)


def is_overdue(engagement: Engagement, *, now: datetime | None = None) -> bool:
    """Waiting for an answer beyond two working days, or past the agreed date and not complete."""
    now = now or utcnow()
    if engagement.status == S.REQUESTED:
        return add_working_days(engagement.requested_at, REMIND_AFTER_WORKING_DAYS) <= now
    if engagement.status in (S.ACCEPTED, S.IN_PROGRESS) and engagement.due_date:
        return engagement.due_date < now.date()
    return False


def status_counts() -> dict[str, int]:
    return {status: int(n) for status, n in db.session.exec(
        select(Engagement.status, func.count()).group_by(Engagement.status)).all()}


# What a user's own list can be narrowed to (``/engagements?show=…``): the to-do items of their "my" page
# link here, so each count there is this list's total.
MINE_FILTERS = {
    "waiting": _l("Waiting for an answer"),
    "active": _l("Accepted or in progress"),
    "to_review": _l("Completed, not yet reviewed"),
}


def for_user(user: Any, *, page: int = 1, per_page: int | None = None, show: str | None = None) -> Page[Engagement]:
    """The engagements a user takes part in (as the enterprise or the provider), newest first, one page of
    them with the total; ``show`` (a key of :data:`MINE_FILTERS`) narrows them in SQL before paging."""
    if permissions.is_enterprise_user(user) and user.enterprise_id:
        key = col(Engagement.enterprise_id) == user.enterprise_id
    elif permissions.is_institution_user(user) and user.institution_id:
        key = col(Engagement.institution_id) == user.institution_id
    elif permissions.is_expert_user(user) and user.expert_id:
        key = col(Engagement.expert_id) == user.expert_id
    else:
        key = col(Engagement.id).is_(None)  # no record of theirs: an empty list
    if show == "waiting":
        key = and_(key, Engagement.status == S.REQUESTED)
    elif show == "active":
        key = and_(key, col(Engagement.status).in_((S.ACCEPTED, S.IN_PROGRESS)))
    elif show == "to_review":
        # What permissions.can_review allows and the enterprise has not done yet: its first review.
        from directory.reviews.models import Review, ReviewKind

        reviewed = select(Review.id).where(Review.engagement_id == Engagement.id, Review.kind == ReviewKind.INITIAL)
        key = and_(key, Engagement.status == S.COMPLETED, ~reviewed.exists())
    return paginate(select(Engagement).where(key).options(
        selectinload(Engagement.enterprise), selectinload(Engagement.institution),  # type: ignore[arg-type]
        selectinload(Engagement.expert)).order_by(col(Engagement.id).desc()), page=page, per_page=per_page)  # type: ignore[arg-type]


def for_demand(demand: Demand) -> list[Engagement]:
    return list(db.session.exec(select(Engagement).where(Engagement.demand_id == demand.id)
                                .order_by(col(Engagement.id))).all())
