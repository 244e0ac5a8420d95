"""The database answers searches while Meilisearch cannot: plain substring matching, no facets.

It is slower and less clever than Meilisearch, but it never widens a search. Every filter Meilisearch applies
is applied here with the same meaning, read from the tables instead of the documents of search.documents:

- ``category``: a record filed under a category of that name or under one of its sub-categories (a document's
  ``categories`` holds its categories' names and their parents'); an offering by its own category, or without
  one by its institution's first (:func:`search.documents.first_category`);
- ``industry``, ``region``: the record's (an offering's institution's) industry or region of that name;
- ``grade``: the institution's (an offering's institution's); experts have none, so they never match;
- ``tag``: one of the institution's titles (``honors``); offerings and experts have none;
- ``type`` and the same published-only rule: admitted institutions and experts, active offerings of admitted
  institutions.

Sorts follow the index's: the chosen value first, highest first, records without it last.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import Float, cast, exists, literal, literal_column, null, or_, union_all
from sqlmodel import col, func, select

from directory.experts.models import Expert, ExpertCategory, ExpertIndustry
from directory.extensions import db
from directory.institutions.models import (
    Institution,
    InstitutionCategory,
    InstitutionIndustry,
    Offering,
    RecordStatus,
)
from directory.taxonomy.models import Category, Industry, Region
from search.queries import SearchParams, applicable

KINDS = ("institution", "offering", "expert")
MODELS: dict[str, Any] = {"institution": Institution, "offering": Offering, "expert": Expert}


def _category_ids(name: str) -> Any:
    """Ids of the categories a ``category`` filter finds: those named ``name`` and their sub-categories."""
    named = select(Category.id).where(Category.name == name)
    return select(Category.id).where(or_(col(Category.id).in_(named), col(Category.parent_id).in_(named)))


def _has_honor(value: str) -> Any:
    """``value`` is one of the institution's titles (a JSON list), on either database."""
    if db.session.get_bind().dialect.name == "postgresql":
        items = func.json_array_elements_text(Institution.honors).table_valued("value")
    else:
        items = func.json_each(Institution.honors).table_valued("value")
    return exists(select(literal(1)).select_from(items).where(items.c.value == value))


def _institution_filters(filters: dict[str, str]) -> list[Any]:
    conditions: list[Any] = [Institution.status == RecordStatus.ADMITTED]
    if "category" in filters:
        conditions.append(col(Institution.id).in_(select(InstitutionCategory.institution_id).where(
            col(InstitutionCategory.category_id).in_(_category_ids(filters["category"])))))
    if "industry" in filters:
        conditions.append(col(Institution.id).in_(select(InstitutionIndustry.institution_id).join(Industry).where(
            Industry.name == filters["industry"])))
    if "region" in filters:
        conditions.append(col(Institution.region_id).in_(select(Region.id).where(Region.name == filters["region"])))
    if "grade" in filters:
        conditions.append(Institution.grade == filters["grade"])
    if "tag" in filters:
        conditions.append(_has_honor(filters["tag"]))
    return conditions


def _institution_query(params: SearchParams) -> Any:
    query = select(Institution).where(*_institution_filters(params.filters))
    if params.q:
        # autoescape: a % or _ the user typed matches itself, not everything
        query = query.where(or_(col(Institution.name).contains(params.q, autoescape=True),
                                col(Institution.description).contains(params.q, autoescape=True)))
    return query


def _offering_query(params: SearchParams) -> Any:
    others = {k: v for k, v in params.filters.items() if k != "category"}
    published = select(Institution.id).where(*_institution_filters(others))
    query = select(Offering).where(col(Offering.active).is_(True), col(Offering.institution_id).in_(published))
    if "category" in params.filters:
        ids = _category_ids(params.filters["category"])
        first = (select(func.min(InstitutionCategory.category_id))
                 .where(InstitutionCategory.institution_id == Offering.institution_id).scalar_subquery())
        query = query.where(or_(col(Offering.category_id).in_(ids),
                                col(Offering.category_id).is_(None) & first.in_(ids)))
    if params.q:
        query = query.where(or_(col(Offering.title).contains(params.q, autoescape=True),
                                col(Offering.description).contains(params.q, autoescape=True)))
    return query


def _expert_query(params: SearchParams) -> Any:
    f = params.filters
    query = select(Expert).where(Expert.status == RecordStatus.ADMITTED)
    if params.q:
        query = query.where(or_(col(Expert.name).contains(params.q, autoescape=True),
                                col(Expert.bio).contains(params.q, autoescape=True),
                                col(Expert.organization).contains(params.q, autoescape=True)))
    if "category" in f:
        query = query.where(col(Expert.id).in_(select(ExpertCategory.expert_id).where(
            col(ExpertCategory.category_id).in_(_category_ids(f["category"])))))
    if "industry" in f:
        query = query.where(col(Expert.id).in_(
            select(ExpertIndustry.expert_id).join(Industry).where(Industry.name == f["industry"])))
    if "region" in f:
        query = query.where(col(Expert.region_id).in_(select(Region.id).where(Region.name == f["region"])))
    return query


BUILDERS = {"institution": _institution_query, "offering": _offering_query, "expert": _expert_query}


def _sort_value(kind: str, sort: str) -> Any:
    """The value a sort orders a record by (an offering: its institution's), or NULL where it has none."""
    column = {"rating": "rating_value", "score": "evaluation_score", "newest": "admitted_at"}[sort]
    if kind == "offering":
        return (select(getattr(Institution, column)).where(Institution.id == Offering.institution_id)
                .scalar_subquery())
    if kind == "expert" and sort == "score":
        return cast(null(), Float)
    return getattr(MODELS[kind], column)


def _keys(kind: str, params: SearchParams) -> Any:
    """One row per matching record: (kind's position, id, sort value)."""
    query = BUILDERS[kind](params)
    value = _sort_value(kind, params.sort) if params.sort != "relevance" else null()
    return query.with_only_columns(literal_column(str(KINDS.index(kind))).label("kind"),
                                   MODELS[kind].id.label("id"), value.label("value"))


def _hit(kind: str, obj: Any) -> dict[str, Any]:
    from html import escape

    if kind == "institution":
        return {"type": kind, "id": obj.id, "name": obj.name, "categories": [c.name for c in obj.categories],
                "region": obj.region.name, "grade": obj.grade, "badge": obj.badge,
                "rating": {"value": obj.rating_value, "count": obj.rating_count},
                "evaluation_score": obj.evaluation_score,
                "highlight": {"name": escape(obj.name), "snippet": escape(obj.description[:120])}}
    if kind == "offering":
        inst = obj.institution
        return {"type": kind, "id": obj.id, "name": obj.title, "institution_id": obj.institution_id,
                "institution_name": inst.name, "categories": [obj.category.name] if obj.category else [],
                "region": inst.region.name, "fee_model": str(obj.fee_model), "grade": inst.grade,
                "rating": {"value": inst.rating_value, "count": inst.rating_count},
                "evaluation_score": inst.evaluation_score,
                "highlight": {"name": escape(obj.title), "snippet": escape(obj.description[:120])}}
    return {"type": kind, "id": obj.id, "name": obj.name, "title": obj.title, "organization": obj.organization,
            "expertise": obj.expertise, "categories": [c.name for c in obj.categories],
            "region": obj.region.name if obj.region else None,
            "rating": {"value": obj.rating_value, "count": obj.rating_count},
            "highlight": {"name": escape(obj.name), "snippet": escape(obj.bio[:120]),
                          "expertise": escape("、".join(obj.expertise))}}


def search(params: SearchParams) -> tuple[list[dict[str, Any]], int]:
    """Hits and total for ``params`` from the database: by the chosen sort, else institutions, then
    offerings, then experts. An index a filter cannot apply to (an expert's grade) contributes nothing."""
    kinds = [k for k in (KINDS if params.type == "all" else (params.type,)) if applicable(k, params.filters)]
    if not kinds:
        return [], 0
    rows = union_all(*[_keys(k, params) for k in kinds]).subquery()
    total = int(db.session.execute(select(func.count()).select_from(rows)).scalar_one())
    order: list[Any] = [rows.c.kind, rows.c.id]
    if params.sort != "relevance":
        order.insert(0, rows.c.value.desc().nulls_last())
    page = db.session.execute(select(rows.c.kind, rows.c.id).order_by(*order)
                              .offset((params.page - 1) * params.per_page).limit(params.per_page)).all()
    loaded: dict[tuple[int, int], Any] = {}
    for position, kind in enumerate(KINDS):
        ids = [i for k, i in page if k == position]
        if ids:
            model = MODELS[kind]
            loaded.update(((position, obj.id), obj) for obj in db.session.exec(select(model).where(col(model.id).in_(ids))).all())
    return [_hit(KINDS[k], loaded[(k, i)]) for k, i in page], total


# -- notices and policies (search.notices) ------------------------------------------------------------------

NOTICE_TEXT = ("title", "summary", "body", "issuer", "document_number")


def notice_hit(notice: Any) -> dict[str, Any]:
    """A notice as a hit, in the shape of :func:`search.notices.normalize_hit`."""
    from html import escape

    return {"type": "notice", "id": notice.id, "kind": notice.kind, "title": notice.title, "issuer": notice.issuer,
            "document_number": notice.document_number, "summary": notice.summary,
            "categories": [c.name for c in notice.categories],
            "issued_on": notice.issued_on.isoformat() if notice.issued_on else None,
            "expires_on": notice.expires_on.isoformat() if notice.expires_on else None,
            "expired": notice.expired,
            "published_at": notice.published_at.isoformat(timespec="seconds") if notice.published_at else None,
            "score": None, "highlight": {"title": escape(notice.title), "snippet": escape(notice.summary[:120])}}


def notices(*, q: str, kind: str, category_ids: tuple[int, ...], page: int, per_page: int) -> tuple[list[dict[str, Any]], int]:
    """Published notices (of ``kind``, or both) containing every word of ``q`` in their title, summary, text,
    issuer or document number, ignoring case; tagged with one of ``category_ids`` when given. The newest first."""
    from sqlalchemy.orm import selectinload

    from directory.notices.models import Notice, NoticeCategory, NoticeStatus

    query = select(Notice).where(Notice.status == NoticeStatus.PUBLISHED)
    if kind:
        query = query.where(Notice.kind == kind)
    for word in q.split()[:8]:
        escaped = word.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")  # a typed % matches itself
        query = query.where(or_(*(col(getattr(Notice, name)).ilike(f"%{escaped}%", escape="\\")
                                  for name in NOTICE_TEXT)))
    if category_ids:
        query = query.where(col(Notice.id).in_(select(NoticeCategory.notice_id).where(
            col(NoticeCategory.category_id).in_(category_ids))))
    total = int(db.session.execute(select(func.count()).select_from(query.subquery())).scalar_one())
    rows = db.session.exec(query.options(selectinload(Notice.categories))  # type: ignore[arg-type]
                           .order_by(col(Notice.published_at).desc(), col(Notice.id).desc())
                           .offset((page - 1) * per_page).limit(per_page)).all()
    return [notice_hit(n) for n in rows], total
