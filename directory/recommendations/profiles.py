"""What scoring reads about a candidate, as one shape whatever answered: a :class:`Profile`.

With Meilisearch up, profiles are built from the indexed documents (search.documents puts the ranking facts
and a provider's request figures on them, kept fresh by the outbox): the candidate searches' own hits carry
them (:func:`from_document`), and :func:`from_search` fetches in one multi-search those of the candidates no
search returned (an institution found through its offering). A recommendation queries no record and no
engagement in the database (it cost two thirds of a recommendation's time at 250,000 records). While search is away, or for the records it does
not hold, the same facts are built from the database by the same functions (search.documents), so both
paths score alike.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy.orm import selectinload
from sqlmodel import col, select

from directory.engagements.stats import provider_stats
from directory.experts.models import Expert
from directory.extensions import db
from directory.institutions.models import Institution, Offering, RecordStatus
from directory.recommendations.scoring import ProviderStats
from directory.taxonomy.models import Category
from search.documents import expert_facts, institution_facts, offering_facts
from search.queries import id_query
from search.settings import INDEX_TYPES, RANKING_FACTS


@dataclass(frozen=True)
class Ref:
    """A category (``id``, ``parent_id``), an industry (``id``) or a region (``id``, ``kind``) as scoring
    compares them."""

    id: int
    parent_id: int | None = None
    kind: str = ""


@dataclass
class OfferingFacts:
    """An offering as scoring compares it (scoring.offering_prices, budget_fit, deadline_fit)."""

    category_id: int | None
    category: Ref | None
    price_min: int | None
    price_max: int | None
    delivery_days: int | None
    active: bool = True


@dataclass
class Profile:
    """A candidate record as scoring reads it; templates read ``rating_value``, ``rating_count``, ``title``."""

    id: int
    name: str
    text: str = ""
    categories: list[Ref] = field(default_factory=list)
    industries: list[Ref] = field(default_factory=list)
    region: Ref | None = None
    coverage: list[Ref] = field(default_factory=list)
    offerings: list[OfferingFacts] = field(default_factory=list)
    rating_value: float | None = None
    rating_count: int = 0
    grade: str | None = None
    badge: str | None = None
    admitted_at: datetime | None = None
    title: str = ""
    institution_id: int | None = None
    stats: ProviderStats = field(default_factory=ProviderStats)
    # an offering's own (its category and delivery are compared on their own)
    offering: OfferingFacts | None = None


def _cat(pair: list[Any] | None) -> Ref | None:
    return Ref(id=pair[0], parent_id=pair[1]) if pair else None


def _place(pair: list[Any] | None) -> Ref | None:
    return Ref(id=pair[0], kind=pair[1]) if pair else None


def _offering(facts: dict[str, Any]) -> OfferingFacts:
    category = _cat(facts.get("category"))
    return OfferingFacts(category_id=category.id if category else None, category=category,
                         price_min=facts.get("price_min"), price_max=facts.get("price_max"),
                         delivery_days=facts.get("delivery_days"))


def from_document(kind: str, doc: dict[str, Any]) -> Profile:
    """A profile from a document (a hit, or one built from the database by search.documents)."""
    facts = doc.get("facts") or {}
    admitted = facts.get("admitted_at")
    profile = Profile(
        id=doc["id"], name=doc.get("name") or doc.get("title") or "", text=facts.get("text", ""),
        categories=[c for c in map(_cat, facts.get("categories", [])) if c],
        industries=[Ref(id=i) for i in facts.get("industries", [])], region=_place(facts.get("region")),
        coverage=[r for r in map(_place, facts.get("coverage", [])) if r],
        offerings=[_offering(o) for o in facts.get("offerings", [])], rating_value=doc.get("rating"),
        rating_count=doc.get("rating_count") or 0, grade=doc.get("grade"), badge=doc.get("badge"),
        admitted_at=datetime.fromisoformat(admitted) if admitted else None, title=doc.get("title") or "",
        institution_id=doc.get("institution_id"),
        stats=ProviderStats(response_hours=doc.get("response_hours"), open_requests=doc.get("open_requests") or 0))
    if kind == "offering":
        category = _cat(facts.get("category"))
        profile.offering = OfferingFacts(category_id=category.id if category else None, category=category,
                                         price_min=doc.get("price_min"), price_max=doc.get("price_max"),
                                         delivery_days=doc.get("delivery_days"))
    return profile


Wanted = Mapping[str, Iterable[int]]  # kind -> ids


def from_search(client: Any, uids: dict[str, str], wanted: Wanted) -> dict[str, dict[int, Profile]]:
    """The profiles of ``wanted`` from their documents, in one multi-search (records search does not hold,
    such as unpublished ones, are simply absent). Raises what the search client raises."""
    asked = [(kind, sorted(set(wanted.get(kind, ())))) for kind in INDEX_TYPES]
    asked = [(kind, ids) for kind, ids in asked if ids]
    out: dict[str, dict[int, Profile]] = {kind: {} for kind in INDEX_TYPES}
    if not asked:
        return out
    results = client.multi_search([id_query(uids[kind], ids, RANKING_FACTS[kind]) for kind, ids in asked])["results"]
    for (kind, _ids), result in zip(asked, results, strict=True):
        out[kind] = {hit["id"]: from_document(kind, hit) for hit in result["hits"]}
    return out


def from_database(wanted: Wanted) -> dict[str, dict[int, Profile]]:
    """The same profiles from the database (search away, or records it lacks): admitted records only."""
    out: dict[str, dict[int, Profile]] = {kind: {} for kind in INDEX_TYPES}
    if ids := set(wanted.get("institution", ())):
        rows = db.session.exec(select(Institution).where(
            col(Institution.id).in_(ids), Institution.status == RecordStatus.ADMITTED).options(
            selectinload(Institution.categories),  # type: ignore[arg-type]
            selectinload(Institution.industries), selectinload(Institution.coverage),  # type: ignore[arg-type]
            selectinload(Institution.region),  # type: ignore[arg-type]
            selectinload(Institution.offerings).selectinload(Offering.category))).all()  # type: ignore[arg-type]
        stats = provider_stats("institution", [r.id for r in rows if r.id is not None])
        for inst in rows:
            hours, load = stats[inst.id]  # type: ignore[index]
            out["institution"][inst.id] = from_document("institution", {  # type: ignore[index]
                "id": inst.id, "name": inst.name, "rating": inst.rating_value, "rating_count": inst.rating_count,
                "grade": inst.grade, "badge": inst.badge, "response_hours": hours, "open_requests": load,
                "facts": institution_facts(inst)})
    if ids := set(wanted.get("offering", ())):
        for off in db.session.exec(select(Offering).join(Institution).where(
                col(Offering.id).in_(ids), Offering.active, Institution.status == RecordStatus.ADMITTED)
                .options(selectinload(Offering.category))).all():  # type: ignore[arg-type]
            out["offering"][off.id] = from_document("offering", {  # type: ignore[index]
                "id": off.id, "title": off.title, "institution_id": off.institution_id, "price_min": off.price_min,
                "price_max": off.price_max, "delivery_days": off.delivery_days, "facts": offering_facts(off)})
    if ids := set(wanted.get("expert", ())):
        rows_e = db.session.exec(select(Expert).where(
            col(Expert.id).in_(ids), Expert.status == RecordStatus.ADMITTED).options(
            selectinload(Expert.categories).selectinload(Category.parent),  # type: ignore[arg-type]
            selectinload(Expert.industries), selectinload(Expert.region))).all()  # type: ignore[arg-type]
        stats = provider_stats("expert", [r.id for r in rows_e if r.id is not None])
        for expert in rows_e:
            hours, load = stats[expert.id]  # type: ignore[index]
            out["expert"][expert.id] = from_document("expert", {  # type: ignore[index]
                "id": expert.id, "name": expert.name, "title": expert.title, "rating": expert.rating_value,
                "rating_count": expert.rating_count, "response_hours": hours, "open_requests": load,
                "facts": expert_facts(expert)})
    return out


def merge(found: dict[str, dict[int, Profile]], more: dict[str, dict[int, Profile]]) -> None:
    for kind, profiles in more.items():
        found.setdefault(kind, {}).update(profiles)
