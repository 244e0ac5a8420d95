"""Similar records, for a detail page: published records sharing a category and most like this one."""

from __future__ import annotations

import logging
from typing import Any

from sqlmodel import col, select

from directory.experts.models import Expert, ExpertCategory
from directory.extensions import db
from directory.institutions.models import Institution, InstitutionCategory, RecordStatus
from directory.taxonomy.models import Category
from search.client import SearchErrors, SearchUnavailable, backend
from search.queries import similar_query

log = logging.getLogger(__name__)


def _similar(kind: str, model: Any, record: Any, q: str, categories: list[Category], limit: int) -> list[Any]:
    """Published records of ``kind`` sharing a category with ``record`` and most like ``q``: one Meilisearch
    query (this runs on every detail page view), or the best-rated of the same categories from the database
    while search is away."""
    ids: list[int] = []
    try:
        search_backend = backend()
        body = similar_query(search_backend.index_uid(kind), q=q, category_codes=[c.code for c in categories],
                             exclude_id=record.id, limit=limit)
        ids = [h["id"] for h in search_backend.search_client().multi_search([body])["results"][0]["hits"]]
    except (SearchUnavailable, *SearchErrors) as exc:
        log.warning("similar %ss from the database: %s", kind, exc)
        link: Any = InstitutionCategory if kind == "institution" else ExpertCategory
        key = link.institution_id if kind == "institution" else link.expert_id
        ids = list(db.session.exec(select(model.id).where(
            model.status == RecordStatus.ADMITTED, model.id != record.id,
            col(model.id).in_(select(key).where(col(link.category_id).in_([c.id for c in categories]))))
            .order_by(col(model.rating_count).desc(), col(model.id)).limit(limit)).all())
    if not ids:
        return []
    found = {r.id: r for r in db.session.exec(select(model).where(
        col(model.id).in_(ids), model.status == RecordStatus.ADMITTED)).all()}
    return [found[i] for i in ids if i in found]


def similar_institutions(institution: Institution, *, limit: int = 4) -> list[Institution]:
    """Institutions like this one, for its detail page: same categories, similar services."""
    q = " ".join(o.title for o in institution.offerings if o.active)
    return _similar("institution", Institution, institution, q, institution.categories, limit)


def similar_experts(expert: Expert, *, limit: int = 4) -> list[Expert]:
    """Experts like this one, for the detail page."""
    return _similar("expert", Expert, expert, " ".join(expert.expertise), expert.categories, limit)
