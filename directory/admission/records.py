"""Staff's list of every record, whatever its status (待审核, 已入库, 已暂停, 已移出…), searched and filtered before
paging, so that a suspended or removed institution is found and reinstated from one place."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from flask_babel import lazy_gettext as _l
from sqlmodel import col, or_, select

from directory.core.paging import Page, paginate
from directory.experts.models import Expert, ExpertCategory
from directory.institutions.models import Institution, InstitutionCategory, RecordStatus

STATUS_LABELS = {RecordStatus.DRAFT: _l("Draft"), RecordStatus.PENDING: _l("Waiting for review"),
                 RecordStatus.CHANGES_REQUESTED: _l("Changes requested"), RecordStatus.REJECTED: _l("Rejected"),
                 RecordStatus.ADMITTED: _l("Admitted"), RecordStatus.SUSPENDED: _l("Suspended"),
                 RecordStatus.REMOVED: _l("Removed")}
KINDS = ("institutions", "experts")


@dataclass(frozen=True)
class RecordFilters:
    """What staff look for; every value is already checked (unknown values are dropped by :meth:`parse`)."""

    kind: str = "institutions"
    status: str | None = None
    query: str = ""
    category_id: int | None = None
    region_id: int | None = None

    @classmethod
    def parse(cls, args: Any) -> RecordFilters:
        """The filters from a query string; a value that names nothing is ignored, not an error page."""
        from directory.core.numbers import parse_id

        kind = args.get("kind") if args.get("kind") in KINDS else "institutions"
        status = args.get("status") if args.get("status") in {s.value for s in RecordStatus} else None
        return cls(kind=kind, status=status, query=(args.get("q") or "").strip()[:100],
                   category_id=parse_id(args.get("category")), region_id=parse_id(args.get("region")))


def staff_records(filters: RecordFilters, *, page: int = 1, per_page: int | None = None) -> Page[Any]:
    """Institutions or experts of every status matching ``filters`` (name or credit code contains the query;
    category; region; status), most recently changed first; one page with the exact total."""
    model: Any = Institution if filters.kind == "institutions" else Expert
    query = select(model)
    if filters.status:
        query = query.where(model.status == filters.status)
    if filters.query:
        pattern = "%" + filters.query.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"
        wanted = [col(model.name).ilike(pattern, escape="\\")]
        if model is Institution:
            wanted.append(col(Institution.credit_code).ilike(pattern, escape="\\"))
        else:
            wanted.append(col(Expert.organization).ilike(pattern, escape="\\"))
        query = query.where(or_(*wanted))
    if filters.region_id:
        query = query.where(model.region_id == filters.region_id)
    if filters.category_id:
        link: Any = InstitutionCategory if model is Institution else ExpertCategory
        owner = link.institution_id if model is Institution else link.expert_id
        query = query.where(col(model.id).in_(select(owner).where(link.category_id == filters.category_id)))
    return paginate(query.order_by(col(model.updated_at).desc(), col(model.id).desc()), page=page,
                    per_page=per_page)
