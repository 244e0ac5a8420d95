"""The classification (分类管理): loading the standard seed, resolving names (and aliases) to records, the
category tree, and adding terms. Which records use a term, and renaming or deleting one, is
:mod:`directory.term_usage`: the vocabulary does not know the tables that use it."""

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


def tags() -> list[Tag]:
    return list(db.session.exec(select(Tag).order_by(col(Tag.sort_order))).all())


# -- staff maintenance (分类管理) ----------------------------------------------------------------------------

KINDS: dict[str, type] = {"category": Category, "industry": Industry, "region": Region, "tag": Tag}


def get_term(*, kind: str, term_id: int) -> Any:
    """The category, industry, region or tag with this id. Raises :class:`NotFound`."""
    term = db.session.get(KINDS[kind], term_id)
    if term is None:
        raise NotFound()
    return term


def checked_name(*, kind: str, name: str, term_id: int | None = None) -> str:
    """``name`` trimmed, if it may name a term of ``kind`` (the term ``term_id`` when renaming one).
    Raises :class:`InvalidInput` (empty or too long) or :class:`AlreadyExists` (another term has it)."""
    model: Any = KINDS[kind]
    name = name.strip()
    if not name or len(name) > 60:
        raise InvalidInput(_l("A name of 1 to 60 characters is needed."), field="name")
    query = select(model).where(model.name == name)
    if term_id is not None:
        query = query.where(model.id != term_id)
    if db.session.exec(query).first():
        raise AlreadyExists(_l("This name is already in the classification."), field="name")
    return name


def add_term(*, kind: str, name: str, name_en: str = "", parent_id: int | None = None,
             actor_id: int | None = None) -> Any:
    """Add a category (top level, or under ``parent_id``), industry, region or tag.
    Raises :class:`InvalidInput` or :class:`AlreadyExists`."""
    import uuid

    model = KINDS[kind]
    name = checked_name(kind=kind, name=name)
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
