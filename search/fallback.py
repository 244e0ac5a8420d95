"""The database answers searches while Meilisearch cannot: plain substring matching, no facets.

It is slower and less clever than Meilisearch, but it keeps the directory usable and never shows an
unpublished record.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import or_
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
from search.queries import SearchParams


def _like(value: str) -> str:
    return "%" + value.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"


def _category_ids(name: str) -> list[int]:
    cat = db.session.exec(select(Category).where(or_(col(Category.name) == name, col(Category.code) == name))).first()
    if cat is None:
        return []
    return [cat.id, *[c.id for c in cat.children]]  # type: ignore[list-item]


def _institution_query(params: SearchParams) -> Any:
    query = select(Institution).where(Institution.status == RecordStatus.ADMITTED)
    if params.q:
        pattern = _like(params.q)
        query = query.where(or_(Institution.name.like(pattern, escape="\\"),  # type: ignore[attr-defined]
                                Institution.description.like(pattern, escape="\\")))  # type: ignore[attr-defined]
    f = params.filters
    if "category" in f:
        query = query.where(Institution.id.in_(  # type: ignore[union-attr]
            select(InstitutionCategory.institution_id).where(InstitutionCategory.category_id.in_(_category_ids(f["category"])))))  # type: ignore[attr-defined]
    if "industry" in f:
        query = query.where(Institution.id.in_(  # type: ignore[union-attr]
            select(InstitutionIndustry.institution_id).join(Industry).where(Industry.name == f["industry"])))
    if "region" in f:
        query = query.where(Institution.region_id.in_(select(Region.id).where(Region.name == f["region"])))  # type: ignore[attr-defined]
    if "grade" in f:
        query = query.where(Institution.grade == f["grade"])
    return query


def _expert_query(params: SearchParams) -> Any:
    query = select(Expert).where(Expert.status == RecordStatus.ADMITTED)
    if params.q:
        pattern = _like(params.q)
        query = query.where(or_(Expert.name.like(pattern, escape="\\"), Expert.bio.like(pattern, escape="\\"),  # type: ignore[attr-defined]
                                Expert.organization.like(pattern, escape="\\")))  # type: ignore[attr-defined]
    f = params.filters
    if "grade" in f:
        return None
    if "category" in f:
        query = query.where(Expert.id.in_(  # type: ignore[union-attr]
            select(ExpertCategory.expert_id).where(ExpertCategory.category_id.in_(_category_ids(f["category"])))))  # type: ignore[attr-defined]
    if "industry" in f:
        query = query.where(Expert.id.in_(  # type: ignore[union-attr]
            select(ExpertIndustry.expert_id).join(Industry).where(Industry.name == f["industry"])))
    if "region" in f:
        query = query.where(Expert.region_id.in_(select(Region.id).where(Region.name == f["region"])))  # type: ignore[union-attr]
    return query


def _offering_query(params: SearchParams) -> Any:
    published = _institution_query(SearchParams(filters=params.filters)).with_only_columns(Institution.id)
    query = select(Offering).where(Offering.active, Offering.institution_id.in_(published))  # type: ignore[attr-defined]
    if params.q:
        pattern = _like(params.q)
        query = query.where(or_(Offering.title.like(pattern, escape="\\"),  # type: ignore[attr-defined]
                                Offering.description.like(pattern, escape="\\")))  # type: ignore[attr-defined]
    return query


def _hit(kind: str, obj: Any) -> dict[str, Any]:
    from html import escape

    if kind == "institution":
        return {"type": kind, "id": obj.id, "name": obj.name, "categories": [c.name for c in obj.categories],
                "region": obj.region.name, "grade": obj.grade, "badge": obj.badge,
                "rating": {"value": obj.rating_value, "count": obj.rating_count},
                "highlight": {"name": escape(obj.name), "snippet": escape(obj.description[:120])}}
    if kind == "offering":
        return {"type": kind, "id": obj.id, "name": obj.title, "institution_id": obj.institution_id,
                "institution_name": obj.institution.name, "categories": [obj.category.name] if obj.category else [],
                "region": obj.institution.region.name, "fee_model": obj.fee_model, "grade": obj.institution.grade,
                "highlight": {"name": escape(obj.title), "snippet": escape(obj.description[:120])}}
    return {"type": kind, "id": obj.id, "name": obj.name, "title": obj.title, "organization": obj.organization,
            "expertise": obj.expertise, "categories": [c.name for c in obj.categories],
            "region": obj.region.name if obj.region else None,
            "highlight": {"name": escape(obj.name), "snippet": escape(obj.bio[:120]),
                          "expertise": escape("、".join(obj.expertise))}}


def search(params: SearchParams) -> tuple[list[dict[str, Any]], int]:
    """Hits and total for ``params`` from the database (institutions, then offerings, then experts)."""
    builders = {"institution": _institution_query, "offering": _offering_query, "expert": _expert_query}
    kinds = list(builders) if params.type == "all" else [params.type]
    hits: list[dict[str, Any]] = []
    total = 0
    offset = (params.page - 1) * params.per_page
    for kind in kinds:
        query = builders[kind](params)
        if query is None:
            continue
        count = db.session.exec(select(func.count()).select_from(query.subquery())).one()
        if offset < count and len(hits) < params.per_page:
            model: Any = {"institution": Institution, "offering": Offering, "expert": Expert}[kind]
            rows = db.session.exec(query.order_by(model.id).offset(offset).limit(params.per_page - len(hits))).all()
            hits.extend(_hit(kind, row) for row in rows)
            offset = 0
        else:
            offset = max(0, offset - count)
        total += count
    return hits, total
