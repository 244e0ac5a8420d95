"""Institution records: creating and updating them (imports, seeds, later the application forms),
admission, and reading what the public may see."""

from __future__ import annotations

from collections.abc import Callable, Collection, Sequence
from dataclasses import dataclass, field
from typing import Any, cast

from flask_babel import lazy_gettext as _l
from sqlalchemy.orm import selectinload
from sqlmodel import col, select

from directory.accounts import permissions
from directory.audit import services as audit
from directory.core.bulk import bulk_insert, insert_with_ids
from directory.core.errors import NotFound
from directory.core.time import utcnow
from directory.extensions import db
from directory.institutions.models import (
    FeeModel,
    Institution,
    InstitutionCategory,
    InstitutionCoverage,
    InstitutionIndustry,
    InstitutionPublic,
    Offering,
    OfferingPublic,
    RatingPublic,
    RecordBase,
    RecordStatus,
)
from directory.taxonomy.models import Category, Industry, Region


@dataclass
class OfferingInput:
    """One offering to add or update, matched by title. ``details=False`` means only the title is known (an
    import file's 服务产品 cell): an existing offering then keeps its category, description, fees and delivery
    time, and a new one gets the defaults below."""

    title: str
    category: Category | None = None
    description: str = ""
    fee_model: str = FeeModel.NEGOTIABLE
    price_min: int | None = None
    price_max: int | None = None
    delivery_days: int | None = None
    public_interest: bool = False
    details: bool = True


@dataclass
class InstitutionInput:
    """Validated institution data; names are already resolved to taxonomy records."""

    name: str
    credit_code: str
    categories: list[Category]
    region: Region
    industries: list[Industry] = field(default_factory=list)
    coverage: list[Region] = field(default_factory=list)
    description: str = ""
    contact_name: str = ""
    contact_phone: str = ""
    email: str = ""
    website: str = ""
    address: str = ""
    postal_code: str = ""
    founded_year: int | None = None
    staff_count: int | None = None
    qualifications: list[str] = field(default_factory=list)
    honors: list[str] = field(default_factory=list)
    offerings: list[OfferingInput] = field(default_factory=list)


SCALAR_FIELDS = ("name", "credit_code", "description", "contact_name", "contact_phone", "email", "website",
                 "address", "postal_code", "founded_year", "staff_count", "qualifications", "honors")
RELATED_FIELDS = ("region", "categories", "industries", "coverage", "offerings")
# An import's --admit never overrides a staff decision taken after admission (reinstating is a staff action).
KEEPS_STATUS = (RecordStatus.SUSPENDED, RecordStatus.REMOVED)
OFFERING_DETAILS = ("description", "fee_model", "price_min", "price_max", "delivery_days",
                    "public_interest", "active")


def snapshot(inst: Institution) -> dict[str, Any]:
    """The auditable state of an institution, with taxonomy as names."""
    data: dict[str, Any] = {f: getattr(inst, f) for f in SCALAR_FIELDS}
    data.update(region=inst.region.name if inst.region else None,
                categories=sorted(c.name for c in inst.categories),
                industries=sorted(i.name for i in inst.industries),
                coverage=sorted(r.name for r in inst.coverage),
                offerings=sorted(o.title for o in inst.offerings if o.active),
                status=inst.status)
    return data


def find_by_credit_code(code: str) -> Institution | None:
    return db.session.exec(select(Institution).where(Institution.credit_code == code)).first()


def upsert_institution(*, data: InstitutionInput, admit: bool = False, actor_id: int | None = None,
                       fields: Collection[str] | None = None) -> tuple[Institution, str]:
    """Create the institution with this credit code, or update it; returns ``(institution, action)`` where
    action is ``created``, ``updated`` or ``unchanged``.

    ``fields`` names the :class:`InstitutionInput` fields to write (default: all); the others keep their
    stored values (an import file without a 服务区域 column leaves coverage alone). ``credit_code`` is the key
    and a new record gets every field. Offerings are matched by title: listed ones are added or updated (an
    item with ``details=False`` only adds a missing title), others are left as they are.
    With ``admit`` the record is admitted (入库) and so published, unless it is suspended or removed
    (:data:`KEEPS_STATUS`). Every change is audited; an unchanged record is not written at all.
    """
    inst, action = upsert_institutions([(data, fields)], admit=admit, actor_id=actor_id)[0]
    return cast(Institution, inst), action  # loaded: load_created is on


UPSERT_BATCH = 1000  # records per flush in a bulk upsert


def upsert_institutions(items: Sequence[tuple[InstitutionInput, Collection[str] | None]], *, admit: bool = False,
                        actor_id: int | None = None,
                        load_created: bool = True) -> list[tuple[Institution | None, str]]:
    """:func:`upsert_institution` for many ``(data, fields)`` at once (an import file), with the same result
    per item, in batches: the records of a batch's credit codes are loaded in one query, updated through the
    session and flushed once; the new ones are inserted set-based (:func:`_create_many`); all the batch's
    changes are audited in one statement. The credit codes of ``items`` must be distinct.

    Without ``load_created`` a created record comes back as ``None`` instead of loaded: an import only
    reports its action, and loading 10,000 new records just to drop them took a quarter of the import's
    CPU time on PostgreSQL."""
    out: list[tuple[Institution | None, str]] = []
    for start in range(0, len(items), UPSERT_BATCH):
        batch = items[start:start + UPSERT_BATCH]
        existing = _by_credit_code([data.credit_code for data, _fields in batch])
        updates = [(n, existing[data.credit_code], data, fields) for n, (data, fields) in enumerate(batch)
                   if data.credit_code in existing]
        with db.session.no_autoflush:
            pending = [_upsert_one(inst, data, fields, admit=admit) for _n, inst, data, fields in updates]
        actions = save_upserted_many(pending, entity_type="institution", actor_id=actor_id)
        results: dict[int, tuple[Institution | None, str]] = {
            n: (cast(Institution, p.record), action)
            for (n, *_rest), p, action in zip(updates, pending, actions, strict=True)}
        new = [(n, data) for n, (data, _fields) in enumerate(batch) if data.credit_code not in existing]
        created = _create_many([data for _n, data in new], admit=admit, actor_id=actor_id, load=load_created)
        results.update({n: (inst, "created") for (n, _data), inst in zip(new, created, strict=True)})
        out.extend(results[n] for n in range(len(batch)))
    return out


def _create_many(items: Sequence[InstitutionInput], *, admit: bool, actor_id: int | None,
                 load: bool = True) -> list[Institution | None]:
    """Create new institutions with set-based inserts (rows, links, offerings, audit entries, outbox rows): what
    :func:`_upsert_one` and a flush would write for a record not yet stored, without building ORM objects
    (the slow part of a large import). Returns the records, loaded (with ``load``; else None for each)."""
    from search.outbox import enqueue  # the flush that captures indexed records does not see core inserts

    if not items:
        return []
    now = utcnow()
    status = RecordStatus.ADMITTED if admit else RecordStatus.DRAFT
    rows = [{**{name: getattr(data, name) for name in SCALAR_FIELDS}, "region_id": data.region.id,
             "status": status, "admitted_at": now if admit else None, "confirmed_at": now,
             "created_at": now, "updated_at": now} for data in items]
    conn = db.session.connection()
    codes = [r["credit_code"] for r in rows]
    ids = insert_with_ids(conn, Institution, rows, lambda: _ids_by_credit_code(conn, codes))
    links: dict[Any, list[dict[str, Any]]] = {InstitutionCategory: [], InstitutionIndustry: [],
                                              InstitutionCoverage: []}
    offerings: list[dict[str, Any]] = []
    entries: list[tuple[str, str, int | None, dict[str, Any]]] = []
    for inst_id, data in zip(ids, items, strict=True):
        links[InstitutionCategory] += [{"institution_id": inst_id, "category_id": c.id} for c in _distinct(data.categories)]
        links[InstitutionIndustry] += [{"institution_id": inst_id, "industry_id": i.id} for i in _distinct(data.industries)]
        links[InstitutionCoverage] += [{"institution_id": inst_id, "region_id": r.id} for r in _distinct(data.coverage)]
        titles = _new_offerings(inst_id, data, now)
        offerings += titles.values()
        after = {**{name: getattr(data, name) for name in SCALAR_FIELDS}, "region": data.region.name,
                 "categories": sorted(c.name for c in _distinct(data.categories)),
                 "industries": sorted(i.name for i in _distinct(data.industries)),
                 "coverage": sorted(r.name for r in _distinct(data.coverage)), "offerings": sorted(titles), "status": status}
        entries.append(("institution.create", "institution", inst_id, audit.diff({}, after)))
    for model, link_rows in links.items():
        bulk_insert(conn, model, link_rows)
    # A new institution has no other offerings than these.
    offering_ids = insert_with_ids(conn, Offering, offerings, lambda: [int(i) for i in conn.execute(
        select(col(Offering.id)).where(col(Offering.institution_id).in_(ids))).scalars() if i is not None])
    audit.record_many(actor_id=actor_id, entries=entries)
    enqueue(db.session(), [("institution", i) for i in ids] + [("offering", i) for i in offering_ids])
    if not load:
        return [None] * len(ids)
    loaded: dict[int | None, Institution | None] = {
        inst.id: inst for inst in db.session.exec(select(Institution).where(col(Institution.id).in_(ids))).all()}
    return [loaded[i] for i in ids]


def _ids_by_credit_code(conn: Any, codes: list[str]) -> list[int]:
    """The ids of the institutions just inserted with these (unique, new) credit codes, in their order."""
    by_code: dict[str, int] = {code: cast(int, inst_id) for code, inst_id in conn.execute(
        select(col(Institution.credit_code), col(Institution.id)).where(col(Institution.credit_code).in_(codes)))}
    return [by_code[code] for code in codes]


def _distinct(records: Sequence[Any]) -> list[Any]:
    """The records once each, in order (a relationship collection holds each record once)."""
    return list({r.id: r for r in records}.values())


def _new_offerings(inst_id: int, data: InstitutionInput, now: Any) -> dict[str, dict[str, Any]]:
    """The offering rows of a new institution by title, as :func:`_apply_offerings` would make them."""
    default_category = data.categories[0] if data.categories else None
    by_title: dict[str, dict[str, Any]] = {}
    for item in data.offerings:
        if item.title in by_title and not item.details:
            continue
        category = item.category or default_category
        by_title[item.title] = {
            "institution_id": inst_id, "title": item.title, "category_id": category.id if category else None,
            "description": item.description, "fee_model": item.fee_model, "price_min": item.price_min,
            "price_max": item.price_max, "delivery_days": item.delivery_days,
            "public_interest": item.public_interest, "active": True, "created_at": now, "updated_at": now}
    return by_title


def _by_credit_code(codes: list[str]) -> dict[str, Institution]:
    """The institutions with these credit codes, with what :func:`snapshot` reads loaded."""
    if not codes:
        return {}
    found = db.session.exec(select(Institution).where(col(Institution.credit_code).in_(codes)).options(
        selectinload(Institution.categories), selectinload(Institution.industries),  # type: ignore[arg-type]
        selectinload(Institution.coverage), selectinload(Institution.offerings))).all()  # type: ignore[arg-type]
    return {inst.credit_code: inst for inst in found}


def _upsert_one(inst: Institution | None, data: InstitutionInput, fields: Collection[str] | None, *,
                admit: bool) -> Upserted:
    created = inst is None
    before = {} if inst is None else snapshot(inst)
    if inst is None:
        now = utcnow()  # given, not left to the default factories: constructing is then several times faster
        inst = Institution(name=data.name, credit_code=data.credit_code, region_id=data.region.id,  # type: ignore[arg-type]
                           qualifications=[], honors=[], created_at=now, updated_at=now)
    write = set(SCALAR_FIELDS + RELATED_FIELDS) if created or fields is None else set(fields)
    for name in SCALAR_FIELDS:
        if name in write:
            setattr(inst, name, getattr(data, name))
    if "region" in write:
        inst.region = data.region
    for name in ("categories", "industries", "coverage"):
        if name in write:
            setattr(inst, name, list(getattr(data, name)))
    details_before = {o.title: _offering_details(o) for o in inst.offerings}
    if "offerings" in write:
        _apply_offerings(inst, data)
    offering_changes = {}  # the snapshot lists offering titles; their details are compared here
    for offering in inst.offerings:
        old, new = details_before.get(offering.title), _offering_details(offering)
        if old is not None and old != new:
            offering_changes[f"offering:{offering.title}"] = [old, new]
    return settle_upserted(inst, created=created, before=before, snapshot=snapshot, also_changed=offering_changes,
                           admit=admit)


@dataclass
class Upserted:
    """A created or updated record, settled but not yet flushed, and the changes to audit."""

    record: RecordBase
    created: bool
    changes: dict[str, list[Any]]


def settle_upserted(record: RecordBase, *, created: bool, before: dict[str, Any],
                    snapshot: Callable[[Any], dict[str, Any]], also_changed: dict[str, list[Any]],
                    admit: bool) -> Upserted:
    """Admit the record if asked (unless :data:`KEEPS_STATUS`), compare ``snapshot(record)`` with ``before``
    in memory, add ``also_changed`` (what the snapshot does not show) to an update's changes, confirm a changed
    record current and add it to the session (an unchanged one is not written: it has no changes to flush)."""
    if admit and record.status != RecordStatus.ADMITTED and record.status not in KEEPS_STATUS:
        record.status = RecordStatus.ADMITTED
        record.admitted_at = record.admitted_at or utcnow()
    changes = audit.diff(before, snapshot(record))
    if not created:
        changes.update(also_changed)
    if changes:
        record.confirmed_at = utcnow()
    db.session.add(record)
    return Upserted(record=record, created=created, changes=changes)


def save_upserted_many(pending: Sequence[Upserted], *, entity_type: str, actor_id: int | None) -> list[str]:
    """Flush settled records once and audit every change in one statement; ``created``, ``updated`` or
    ``unchanged`` per record."""
    db.session.flush()
    audit.record_many(actor_id=actor_id, entries=[
        (f"{entity_type}.create" if p.created else f"{entity_type}.update", entity_type, p.record.id, p.changes)
        for p in pending if p.changes])
    return ["created" if p.created else ("updated" if p.changes else "unchanged") for p in pending]


def save_upserted(record: RecordBase, *, entity_type: str, created: bool, before: dict[str, Any],
                  snapshot: Callable[[Any], dict[str, Any]], also_changed: dict[str, list[Any]], admit: bool,
                  actor_id: int | None) -> str:
    """The end of every create-or-update of an institution or expert record (imports, seeds): admit it if
    asked (unless :data:`KEEPS_STATUS`), compare ``snapshot(record)`` with ``before`` in memory (one flush per
    record, not two), add ``also_changed`` (what the snapshot does not show) to an update's changes, and
    write and audit the record only when something changed; a changed record is confirmed current.

    Returns ``created``, ``updated`` or ``unchanged``."""
    settled = settle_upserted(record, created=created, before=before, snapshot=snapshot, also_changed=also_changed,
                              admit=admit)
    return save_upserted_many([settled], entity_type=entity_type, actor_id=actor_id)[0]


def _offering_details(offering: Offering) -> dict[str, Any]:
    # the category through the relationship: category_id lags behind an assignment until the flush
    return {"category": offering.category.name if offering.category else None,
            **{name: getattr(offering, name) for name in OFFERING_DETAILS}}


def _apply_offerings(inst: Institution, data: InstitutionInput) -> None:
    by_title = {o.title: o for o in inst.offerings}
    default_category = data.categories[0] if data.categories else None
    for item in data.offerings:
        offering = by_title.get(item.title)
        if offering is None:
            now = utcnow()
            offering = Offering(title=item.title, institution_id=inst.id, created_at=now, updated_at=now)  # type: ignore[arg-type]
            inst.offerings.append(offering)
            by_title[item.title] = offering
        elif not item.details:
            offering.active = True  # a listed title is offered; what it costs and takes is kept
            continue
        offering.category = item.category or default_category
        offering.description = item.description
        offering.fee_model = item.fee_model
        offering.price_min, offering.price_max = item.price_min, item.price_max
        offering.delivery_days = item.delivery_days
        offering.public_interest = item.public_interest
        offering.active = True


def get_institution(institution_id: int, *, user: Any = None) -> Institution:
    """The institution if ``user`` may see it (published, or their own / staff). Raises :class:`NotFound`."""
    inst = db.session.exec(
        select(Institution).where(Institution.id == institution_id).options(
            selectinload(Institution.categories), selectinload(Institution.industries),  # type: ignore[arg-type]
            selectinload(Institution.coverage), selectinload(Institution.offerings))  # type: ignore[arg-type]
    ).first()
    if inst is None or not (inst.is_published or permissions.can_see_unpublished(user, inst)):
        raise NotFound(_l("This institution was not found or is not published."))
    return inst


def published_institutions() -> Any:
    """A query of every published institution, ordered by id (exports, open data)."""
    return select(Institution).where(Institution.status == RecordStatus.ADMITTED).order_by(Institution.id)  # type: ignore[arg-type]


def public_institution(inst: Institution) -> InstitutionPublic:
    """The API representation of a published institution (CONTRACTS.md)."""
    from directory.evaluation.services import latest_evaluation_json

    return InstitutionPublic(
        id=inst.id, name=inst.name, credit_code=inst.credit_code, description=inst.description,  # type: ignore[arg-type]
        categories=[c.name for c in inst.categories], industries=[i.name for i in inst.industries],
        region=inst.region.name, coverage=[r.name for r in inst.coverage],
        contact_name=inst.contact_name, contact_phone=inst.contact_phone, email=inst.email,
        website=inst.website, founded_year=inst.founded_year, staff_count=inst.staff_count,
        qualifications=inst.qualifications, honors=inst.honors, grade=inst.grade, badge=inst.badge,
        rating=RatingPublic(value=inst.rating_value, count=inst.rating_count),
        offerings=[OfferingPublic(id=o.id, title=o.title, category=o.category.name if o.category else None,  # type: ignore[arg-type]
                                  description=o.description, fee_model=o.fee_model, price_min=o.price_min,
                                  price_max=o.price_max, delivery_days=o.delivery_days,
                                  public_interest=o.public_interest) for o in inst.offerings if o.active],
        confirmed_at=inst.confirmed_at,
        evaluation=latest_evaluation_json(inst.id),  # type: ignore[arg-type]
    )


def linked_experts(inst: Institution) -> list[Any]:
    """Published experts who work at this institution."""
    from directory.experts.models import Expert

    return list(db.session.exec(select(Expert).where(
        Expert.institution_id == inst.id, Expert.status == RecordStatus.ADMITTED).order_by(Expert.id)).all())  # type: ignore[arg-type]


# The one definition of "institutions per category", shown on the home page and the monitoring dashboard.
CATEGORY_COUNT_RULE = _l("Published institutions only; an institution counts once under each top-level category it "
                         "is classified in, directly or through any of its sub-categories.")


def published_by_top_category(*, region_id: int | None = None, summary: bool = True) -> dict[int, int]:
    """How many published institutions each top-level category holds (:data:`CATEGORY_COUNT_RULE`): one in
    two sub-categories of the same top-level category counts once there, one in two top-level categories
    counts in each. That is the number a search for the category finds. Optionally one region only.

    Read from :class:`InstitutionTopCategoryCount` (the rows of :class:`InstitutionTopCategory`, one per
    admitted institution and top-level category, counted per district; both kept by triggers): a sum over at
    most one row per district. ``summary=False`` counts from the raw rows (the reference the tests hold it
    equal to)."""
    from sqlmodel import func

    from directory.institutions.models import InstitutionCategory, InstitutionTopCategoryCount

    if summary:
        t = InstitutionTopCategoryCount
        counted = select(col(t.top_id), func.sum(col(t.n))).group_by(col(t.top_id)).having(func.sum(col(t.n)) > 0)
        if region_id is not None:
            counted = counted.where(col(t.region_id) == region_id)
        return {int(category_id): int(n) for category_id, n in db.session.execute(counted).all()}

    top = func.coalesce(col(Category.parent_id), col(Category.id))
    query = (select(top, func.count(col(InstitutionCategory.institution_id).distinct()))
             .select_from(InstitutionCategory)
             .join(Category, col(Category.id) == col(InstitutionCategory.category_id))
             .join(Institution, col(Institution.id) == col(InstitutionCategory.institution_id))
             .where(col(Institution.status) == RecordStatus.ADMITTED))
    if region_id is not None:
        query = query.where(col(Institution.region_id) == region_id)
    return {int(category_id): int(n) for category_id, n in db.session.execute(query.group_by(top)).all()}
