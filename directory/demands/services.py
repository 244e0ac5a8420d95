"""Service needs (服务需求): posting them, recommending for them, and staff following them up."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy.orm import selectinload
from sqlmodel import col, select

from directory.accounts import permissions
from directory.accounts.models import User
from directory.audit import services as audit
from directory.core.errors import InvalidInput, NotAllowed, NotFound
from directory.core.paging import Page, paginate
from directory.core.time import utcnow
from directory.demands.models import Demand, DemandStatus, DemandSuggestion, Visibility
from directory.enterprises.models import Enterprise
from directory.experts.models import Expert
from directory.extensions import db
from directory.institutions.models import Institution
from directory.notifications import services as notifications
from directory.recommendations.services import Need, Recommendations, recommend
from directory.taxonomy.models import Category, Industry, Region

STATUS_LABELS = {DemandStatus.OPEN: _l("Awaiting responses"), DemandStatus.ANSWERED: _l("Answered"),
                 DemandStatus.CLOSED: _l("Closed")}
FIELDS = ("title", "text", "category_id", "industry_id", "region_id", "budget_min", "budget_max", "deadline",
          "visibility")


@dataclass
class DemandInput:
    title: str
    text: str
    category: Category | None = None
    industry: Industry | None = None
    region: Region | None = None
    budget_min: int | None = None
    budget_max: int | None = None
    deadline: date | None = None
    visibility: str = Visibility.PUBLIC


def _check(data: DemandInput, *, kept_deadline: date | None = None) -> None:
    if not data.title.strip():
        raise InvalidInput(_l("Give the need a title."), field="title")
    if data.budget_min is not None and data.budget_max is not None and data.budget_min > data.budget_max:
        raise InvalidInput(_l("The lowest budget is above the highest."), field="budget_max")
    # A deadline the need already had may have passed since; only a new one must lie ahead.
    if data.deadline is not None and data.deadline != kept_deadline and data.deadline < utcnow().date():
        raise InvalidInput(_l("The deadline has passed."), field="deadline")
    if data.visibility not in tuple(Visibility):
        raise InvalidInput(_l("Unknown visibility."), field="visibility")


def _values(data: DemandInput) -> dict[str, Any]:
    return {"title": data.title.strip(), "text": data.text.strip(),
            "category_id": data.category.id if data.category else None,
            "industry_id": data.industry.id if data.industry else None,
            "region_id": data.region.id if data.region else None, "budget_min": data.budget_min,
            "budget_max": data.budget_max, "deadline": data.deadline, "visibility": data.visibility}


def post_demand(*, user: Any, enterprise: Enterprise, data: DemandInput) -> Demand:
    """An enterprise posts a need; staff may post one on an enterprise's behalf.

    Raises :class:`NotAllowed` for anyone else, :class:`InvalidInput` for a bad field."""
    if not (permissions.is_staff(user) or (permissions.is_enterprise_user(user) and user.enterprise_id == enterprise.id)):
        raise NotAllowed()
    _check(data)
    demand = Demand(enterprise_id=enterprise.id, created_by_id=user.id, **_values(data))  # type: ignore[arg-type]
    db.session.add(demand)
    db.session.flush()
    audit.record(actor_id=user.id, action="demand.post", entity_type="demand", entity_id=demand.id,
                 changes={k: str(v) if isinstance(v, date) else v for k, v in _values(data).items()})
    if permissions.is_staff(user):
        notifications.notify(users=enterprise_users(demand), kind="demand.posted",
                             title=_("The service center posted a need for you: %(title)s", title=demand.title),
                             link=f"/needs/{demand.id}")
    return demand


def update_demand(*, user: Any, demand: Demand, data: DemandInput) -> Demand:
    """Edit an open or answered need. Raises :class:`NotAllowed` / :class:`InvalidInput`."""
    if not permissions.can_manage_demand(user, demand):
        raise NotAllowed()
    if demand.status == DemandStatus.CLOSED:
        raise InvalidInput(_l("A closed need cannot be edited."), field="status")
    _check(data, kept_deadline=demand.deadline)
    before = {k: getattr(demand, k) for k in FIELDS}
    after = _values(data)
    changes = audit.diff({k: str(v) if isinstance(v, date) else v for k, v in before.items()},
                         {k: str(v) if isinstance(v, date) else v for k, v in after.items()})
    if not changes:
        return demand  # saved unchanged: no audit entry, nothing written
    for key, value in after.items():
        setattr(demand, key, value)
    db.session.add(demand)
    db.session.flush()
    audit.record(actor_id=user.id, action="demand.update", entity_type="demand", entity_id=demand.id,
                 changes=changes)
    return demand


def close_demand(*, user: Any, demand: Demand) -> Demand:
    if not permissions.can_manage_demand(user, demand):
        raise NotAllowed()
    if demand.status == DemandStatus.CLOSED:
        raise InvalidInput(_l("This need is already closed."), field="status")
    before = demand.status
    demand.status = DemandStatus.CLOSED
    demand.closed_at = utcnow()
    db.session.add(demand)
    db.session.flush()
    audit.record(actor_id=user.id, action="demand.close", entity_type="demand", entity_id=demand.id,
                 changes={"status": [before, demand.status]})
    return demand


def get_demand(demand_id: int, *, user: Any) -> Demand:
    """Raises :class:`NotFound` when it does not exist or ``user`` may not see it."""
    demand = db.session.get(Demand, demand_id)
    if demand is None or not permissions.can_view_demand(user, demand):
        raise NotFound()
    return demand


def enterprise_users(demand: Demand) -> list[User]:
    return list(db.session.exec(select(User).where(User.enterprise_id == demand.enterprise_id, User.active)).all())


def need_of(demand: Demand) -> Need:
    """The need as the recommender sees it: the enterprise's own industry and district when the need names none;
    its budget (the most it will pay) and deadline."""
    enterprise = demand.enterprise
    return Need(text=f"{demand.title} {demand.text}", category=demand.category,
                industry=demand.industry or enterprise.industry, region=demand.region or enterprise.region,
                budget=demand.budget_max if demand.budget_max is not None else demand.budget_min,
                deadline=demand.deadline)


def category_by_code(code: str | None) -> Category | None:
    """The category of ``code`` (a link's ``?category=``); None for anything else."""
    if not code or len(code) > 60:
        return None
    return db.session.exec(select(Category).where(Category.code == code)).first()


def recommendations_for(demand: Demand, *, limit: int = 10, category: Category | None = None) -> Recommendations:
    """``category``: the one the enterprise picked instead of the inferred one (one click on the page)."""
    need = need_of(demand)
    if category is not None:
        need.category = category
    return recommend(need, limit=limit)


def my_demands(user: Any) -> list[Demand]:
    if not user.enterprise_id:
        return []
    return list(db.session.exec(select(Demand).where(Demand.enterprise_id == user.enterprise_id)
                                .order_by(col(Demand.id).desc())).all())


def public_demands(*, page: int = 1, per_page: int | None = None) -> Page[Demand]:
    """Open public needs, for providers looking for work, newest first; one page with the total."""
    return paginate(select(Demand).where(
        Demand.visibility == Visibility.PUBLIC, Demand.status != DemandStatus.CLOSED)
        .options(selectinload(Demand.category), selectinload(Demand.industry), selectinload(Demand.region))  # type: ignore[arg-type]
        .order_by(col(Demand.id).desc()), page=page, per_page=per_page)


def staff_demands(*, status: str | None = None, unanswered: bool = False, page: int = 1,
                  per_page: int | None = None) -> Page[Demand]:
    """Every need for staff, newest first; ``unanswered`` keeps open needs nobody has accepted work for.
    One page of them with the total that match."""
    query = select(Demand).options(selectinload(Demand.enterprise), selectinload(Demand.category))  # type: ignore[arg-type]
    if status:
        query = query.where(Demand.status == status)
    if unanswered:
        query = query.where(Demand.status == DemandStatus.OPEN, col(Demand.answered_at).is_(None))
    return paginate(query.order_by(col(Demand.id).desc()), page=page, per_page=per_page)


def suggestions(demand: Demand) -> list[DemandSuggestion]:
    return list(db.session.exec(select(DemandSuggestion).where(DemandSuggestion.demand_id == demand.id)
                                .order_by(col(DemandSuggestion.id))).all())


def push_suggestions(*, user: Any, demand: Demand, institution_ids: list[int], expert_ids: list[int],
                     note: str = "") -> list[DemandSuggestion]:
    """Staff recommend providers to the enterprise (推荐给企业); the enterprise is notified.

    Raises :class:`NotAllowed` for non-staff and :class:`InvalidInput` for none or an unpublished provider."""
    if not permissions.is_staff(user):
        raise NotAllowed()
    if not institution_ids and not expert_ids:
        raise InvalidInput(_l("Choose at least one provider to recommend."), field="providers")
    already = {(s.institution_id, s.expert_id) for s in suggestions(demand)}
    created = []
    for model, ids in ((Institution, institution_ids), (Expert, expert_ids)):
        for record_id in ids:
            record: Any = db.session.get(model, record_id)
            if record is None or not record.is_published:
                raise InvalidInput(_l("This provider is not in the directory."), field="providers")
            key = (record_id, None) if model is Institution else (None, record_id)
            if key in already:
                continue
            suggestion = DemandSuggestion(demand_id=demand.id, institution_id=key[0], expert_id=key[1],  # type: ignore[arg-type]
                                          note=note.strip(), pushed_by_id=user.id)
            db.session.add(suggestion)
            created.append(suggestion)
    db.session.flush()
    audit.record(actor_id=user.id, action="demand.suggest", entity_type="demand", entity_id=demand.id,
                 changes={"institutions": institution_ids, "experts": expert_ids})
    if created:
        notifications.notify(users=enterprise_users(demand), kind="demand.suggestions",
                             title=_("The service center recommends providers for your need “%(title)s”",
                                     title=demand.title), body=note.strip(), link=f"/needs/{demand.id}")
    return created
