"""Loading the standard classification and resolving names (and aliases) to records."""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from flask_babel import lazy_gettext as _l
from sqlmodel import col, select

from directory.audit import services as audit
from directory.core.errors import AlreadyExists, InvalidInput, NotFound
from directory.extensions import db
from directory.settings import PROJECT_ROOT
from directory.taxonomy.models import Category, Industry, Region, Tag

TAXONOMY_FILE = PROJECT_ROOT / "seeds" / "taxonomy.json"


@dataclass
class LoadReport:
    created: int = 0
    updated: int = 0


def _upsert(model: type, code: str, values: dict[str, Any], report: LoadReport) -> Any:
    obj = db.session.exec(select(model).where(model.code == code)).first()  # type: ignore[attr-defined]
    if obj is None:
        obj = model(code=code, **values)
        report.created += 1
    else:
        changed = False
        for key, value in values.items():
            if getattr(obj, key) != value:
                setattr(obj, key, value)
                changed = True
        report.updated += changed
    db.session.add(obj)
    db.session.flush()
    return obj


def load_taxonomy(path: Path = TAXONOMY_FILE) -> LoadReport:
    """Create or update the standard categories, industries, regions and tags (matched by ``code``).

    Idempotent: a second run changes nothing. Records staff added by hand are left alone.
    """
    data = json.loads(path.read_text(encoding="utf-8"))
    report = LoadReport()
    for i, top in enumerate(data["categories"]):
        parent = _upsert(Category, top["code"], {"name": top["name"], "name_en": top["name_en"],
                                                 "parent_id": None, "sort_order": i}, report)
        for j, child in enumerate(top.get("children", [])):
            _upsert(Category, child["code"], {"name": child["name"], "name_en": child["name_en"],
                                              "parent_id": parent.id, "sort_order": j}, report)
    for i, item in enumerate(data["industries"]):
        _upsert(Industry, item["code"], {"name": item["name"], "name_en": item["name_en"],
                                         "group": item["group"], "sort_order": i}, report)
    for i, item in enumerate(data["regions"]):
        _upsert(Region, item["code"], {"name": item["name"], "name_en": item["name_en"], "kind": item["kind"],
                                       "division": item.get("division"), "aliases": item.get("aliases", []),
                                       "sort_order": i}, report)
    for i, item in enumerate(data["tags"]):
        _upsert(Tag, item["code"], {"name": item["name"], "name_en": item["name_en"], "sort_order": i}, report)
    return report


class Vocabulary:
    """Name → record maps for one operation (an import, a seed run, a filter): canonical names, aliases
    and codes, so data prepared by the center's staff loads without editing."""

    def __init__(self) -> None:
        self.categories: dict[str, Category] = {}
        self.industries: dict[str, Industry] = {}
        self.regions: dict[str, Region] = {}
        self.tags: dict[str, Tag] = {}
        for c in db.session.exec(select(Category)).all():
            self.categories[c.name] = self.categories[c.code] = c
        for i in db.session.exec(select(Industry)).all():
            self.industries[i.name] = self.industries[i.code] = i
        for r in db.session.exec(select(Region)).all():
            self.regions[r.name] = self.regions[r.code] = r
            for alias in r.aliases:
                self.regions[alias] = r
        for t in db.session.exec(select(Tag)).all():
            self.tags[t.name] = self.tags[t.code] = t
            # People type the quotes of 专精特新“小巨人” every which way.
            self.tags[t.name.replace("“", '"').replace("”", '"')] = t

    def category(self, name: str) -> Category | None:
        return self.categories.get(name.strip())

    def industry(self, name: str) -> Industry | None:
        return self.industries.get(name.strip())

    def region(self, name: str) -> Region | None:
        return self.regions.get(name.strip())

    def tag(self, name: str) -> Tag | None:
        return self.tags.get(name.strip())


def top_categories() -> list[Category]:
    """The fifteen top-level categories, in their standard order, with children loaded."""
    return list(db.session.exec(
        select(Category).where(col(Category.parent_id).is_(None)).order_by(col(Category.sort_order))
    ).all())


def industries() -> list[Industry]:
    return list(db.session.exec(select(Industry).order_by(col(Industry.sort_order))).all())


def regions(kind: str | None = "district") -> list[Region]:
    query = select(Region).order_by(col(Region.sort_order))
    if kind:
        query = query.where(Region.kind == kind)
    return list(db.session.exec(query).all())


# -- staff maintenance (分类管理) ----------------------------------------------------------------------------

KINDS: dict[str, type] = {"category": Category, "industry": Industry, "region": Region, "tag": Tag}


class TermInUse(InvalidInput):
    """A term still classifies records; it is not deleted silently."""

    status = 409
    code = "in_use"


def _usage(kind: str, term_id: int) -> int:
    """How many records (and sub-categories) use a term."""
    from sqlmodel import func

    from directory.demands.models import Demand
    from directory.enterprises.models import Enterprise, EnterpriseTag
    from directory.experts.models import Expert, ExpertCategory, ExpertIndustry
    from directory.institutions.models import (
        Institution,
        InstitutionCategory,
        InstitutionCoverage,
        InstitutionIndustry,
        Offering,
    )

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


def _reindex_users_of(kind: str, term_id: int) -> None:
    """Documents carry term names: queue every record that uses a renamed term for the index."""
    from sqlalchemy import insert

    from directory.core.time import utcnow
    from directory.experts.models import Expert, ExpertCategory, ExpertIndustry
    from directory.institutions.models import Institution, InstitutionCategory, InstitutionIndustry, Offering
    from search.models import SearchOutbox

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
    now = utcnow()
    rows = [{"entity_type": entity, "entity_id": entity_id, "created_at": now, "available_at": now, "attempts": 0,
             "last_error": ""} for entity, query in queries[kind] for entity_id in db.session.exec(query).all()]
    if rows:
        db.session.execute(insert(SearchOutbox), rows)
        db.session.info["search_outbox_written"] = True


def add_term(*, kind: str, name: str, name_en: str = "", parent_id: int | None = None,
             actor_id: int | None = None) -> Any:
    """Add a category (top level, or under ``parent_id``), industry, region or tag.
    Raises :class:`InvalidInput` or :class:`AlreadyExists`."""
    import uuid

    model = KINDS[kind]
    name = name.strip()
    if not name or len(name) > 60:
        raise InvalidInput(_l("A name of 1 to 60 characters is needed."), field="name")
    if db.session.exec(select(model).where(model.name == name)).first():  # type: ignore[attr-defined]
        raise AlreadyExists(_l("This name is already in the classification."), field="name")
    values: dict[str, Any] = {"code": f"custom-{uuid.uuid4().hex[:10]}", "name": name, "name_en": name_en.strip()}
    if kind == "category" and parent_id is not None:
        parent = db.session.get(Category, parent_id)
        if parent is None or parent.parent_id is not None:
            raise InvalidInput(_l("Sub-categories go under a top-level category."), field="parent")
        values["parent_id"] = parent_id
    term = model(**values)
    db.session.add(term)
    db.session.flush()
    audit.record(actor_id=actor_id, action=f"taxonomy.{kind}.add", entity_type=kind, entity_id=term.id,  # type: ignore[attr-defined]
                 changes={"name": [None, name]})
    return term


def rename_term(*, kind: str, term_id: int, name: str, name_en: str = "", actor_id: int | None = None) -> Any:
    """Rename a term; records using it are re-indexed. Raises :class:`NotFound`, :class:`InvalidInput` or
    :class:`AlreadyExists`."""
    model = KINDS[kind]
    term = db.session.get(model, term_id)
    if term is None:
        raise NotFound()
    name = name.strip()
    if not name or len(name) > 60:
        raise InvalidInput(_l("A name of 1 to 60 characters is needed."), field="name")
    clash = db.session.exec(select(model).where(model.name == name, model.id != term_id)).first()  # type: ignore[attr-defined]
    if clash is not None:
        raise AlreadyExists(_l("This name is already in the classification."), field="name")
    old, old_en = term.name, term.name_en
    if (name, name_en.strip()) == (term.name, term.name_en):
        return term  # saved unchanged: no audit entry, no re-indexing of every record using the term
    term.name, term.name_en = name, name_en.strip()
    db.session.add(term)
    db.session.flush()
    audit.record(actor_id=actor_id, action=f"taxonomy.{kind}.rename", entity_type=kind, entity_id=term_id,
                 changes=audit.diff({"name": old, "name_en": old_en}, {"name": name, "name_en": term.name_en}))
    _reindex_users_of(kind, term_id)
    return term


def delete_term(*, kind: str, term_id: int, actor_id: int | None = None) -> None:
    """Delete an unused term. Raises :class:`TermInUse` (with the count) while records still use it."""
    model = KINDS[kind]
    term = db.session.get(model, term_id)
    if term is None:
        raise NotFound()
    used = _usage(kind, term_id)
    if used:
        raise TermInUse(_l("“%(name)s” is still used by %(n)s records or sub-categories; reclassify them first.",
                           name=term.name, n=used))
    audit.record(actor_id=actor_id, action=f"taxonomy.{kind}.delete", entity_type=kind, entity_id=term_id,
                 changes={"name": [term.name, None]})
    db.session.delete(term)
    db.session.flush()


def tags() -> list[Tag]:
    return list(db.session.exec(select(Tag).order_by(col(Tag.sort_order))).all())
