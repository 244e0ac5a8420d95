"""Where a term of the classification is used, and renaming or deleting one across the records that use it.

The vocabulary (:mod:`directory.taxonomy`) does not know the tables that use it; this module does. It counts
a term's uses before a delete (a term in use is never deleted silently) and queues every record whose search
document carries a renamed term for the index, in the rename's transaction.
"""

from __future__ import annotations

from typing import Any

from flask_babel import lazy_gettext as _l
from sqlmodel import func, select

from directory.audit import services as audit
from directory.core.errors import InvalidInput
from directory.demands.models import Demand
from directory.enterprises.models import Enterprise, EnterpriseTag
from directory.experts.models import Expert, ExpertCategory, ExpertIndustry
from directory.extensions import db
from directory.institutions.models import (
    Institution,
    InstitutionCategory,
    InstitutionCoverage,
    InstitutionIndustry,
    Offering,
)
from directory.taxonomy import services as taxonomy
from directory.taxonomy.models import Category
from search.outbox import enqueue


class TermInUse(InvalidInput):
    """A term still classifies records; it is not deleted silently."""

    status = 409
    code = "in_use"


def usage_count(*, kind: str, term_id: int) -> int:
    """How many records (and sub-categories) use the ``kind`` term ``term_id``."""
    counts: list[Any] = {
        "category": [select(func.count()).where(InstitutionCategory.category_id == term_id),
                     select(func.count()).where(ExpertCategory.category_id == term_id),
                     select(func.count()).where(Offering.category_id == term_id),
                     select(func.count()).where(Demand.category_id == term_id),
                     select(func.count()).where(Category.parent_id == term_id)],
        "industry": [select(func.count()).where(InstitutionIndustry.industry_id == term_id),
                     select(func.count()).where(ExpertIndustry.industry_id == term_id),
                     select(func.count()).where(Enterprise.industry_id == term_id)],
        "region": [select(func.count()).where(Institution.region_id == term_id),
                   select(func.count()).where(InstitutionCoverage.region_id == term_id),
                   select(func.count()).where(Expert.region_id == term_id),
                   select(func.count()).where(Enterprise.region_id == term_id)],
        "tag": [select(func.count()).where(EnterpriseTag.tag_id == term_id)],
    }[kind]
    return sum(int(db.session.exec(q).one()) for q in counts)


def indexed_users(*, kind: str, term_id: int) -> list[tuple[str, int]]:
    """The search documents that carry the term's name, as index keys (``("institution", 7)`` …)."""
    queries: dict[str, list[tuple[str, Any]]] = {
        "category": [("institution", select(InstitutionCategory.institution_id).where(InstitutionCategory.category_id == term_id)),
                     ("expert", select(ExpertCategory.expert_id).where(ExpertCategory.category_id == term_id)),
                     ("offering", select(Offering.id).where(Offering.category_id == term_id))],
        "industry": [("institution", select(InstitutionIndustry.institution_id).where(InstitutionIndustry.industry_id == term_id)),
                     ("expert", select(ExpertIndustry.expert_id).where(ExpertIndustry.industry_id == term_id))],
        "region": [("institution", select(Institution.id).where(Institution.region_id == term_id)),
                   ("expert", select(Expert.id).where(Expert.region_id == term_id))],
        "tag": [],
    }
    return [(entity, entity_id) for entity, query in queries[kind] for entity_id in db.session.exec(query).all()]


def rename_term(*, kind: str, term_id: int, name: str, name_en: str = "", actor_id: int | None = None) -> Any:
    """Rename a term; the records using it are queued for the index. Raises :class:`NotFound`,
    :class:`InvalidInput` or :class:`AlreadyExists`."""
    term = taxonomy.get_term(kind=kind, term_id=term_id)
    name = taxonomy.checked_name(kind=kind, name=name, term_id=term_id)
    old, old_en = term.name, term.name_en
    if (name, name_en.strip()) == (term.name, term.name_en):
        return term  # saved unchanged: no audit entry, no re-indexing of every record using the term
    term.name, term.name_en = name, name_en.strip()
    db.session.add(term)
    db.session.flush()
    audit.record(actor_id=actor_id, action=f"taxonomy.{kind}.rename", entity_type=kind, entity_id=term_id,
                 changes=audit.diff({"name": old, "name_en": old_en}, {"name": name, "name_en": term.name_en}))
    # Documents carry term names, and a rename changes no row of the records themselves: the flush capture
    # sees nothing, so their outbox rows are written here.
    enqueue(db.session(), indexed_users(kind=kind, term_id=term_id))
    return term


def delete_term(*, kind: str, term_id: int, actor_id: int | None = None) -> None:
    """Delete an unused term. Raises :class:`NotFound`, or :class:`TermInUse` (with the count) while records
    still use it."""
    term = taxonomy.get_term(kind=kind, term_id=term_id)
    used = usage_count(kind=kind, term_id=term_id)
    if used:
        raise TermInUse(_l("“%(name)s” is still used by %(n)s records or sub-categories; reclassify them first.",
                           name=term.name, n=used))
    audit.record(actor_id=actor_id, action=f"taxonomy.{kind}.delete", entity_type=kind, entity_id=term_id,
                 changes={"name": [term.name, None]})
    db.session.delete(term)
    db.session.flush()
