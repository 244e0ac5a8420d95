"""Expert records: create/update (imports, seeds), admission, and the public view (no contact details)."""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass, field
from typing import Any

from flask_babel import lazy_gettext as _l
from sqlalchemy.orm import selectinload
from sqlmodel import select

from directory.accounts import permissions
from directory.core.errors import NotFound
from directory.experts.models import Expert, ExpertPublic
from directory.extensions import db
from directory.institutions.models import Institution, RatingPublic, RecordStatus
from directory.institutions.services import save_upserted
from directory.taxonomy.models import Category, Industry, Region


@dataclass
class ExpertInput:
    name: str
    expertise: list[str]
    title: str = ""
    organization: str = ""
    categories: list[Category] = field(default_factory=list)
    industries: list[Industry] = field(default_factory=list)
    region: Region | None = None
    bio: str = ""
    phone: str = ""
    email: str = ""


SCALAR_FIELDS = ("name", "title", "organization", "expertise", "bio", "phone", "email")
RELATED_FIELDS = ("region", "categories", "industries")


def snapshot(expert: Expert) -> dict[str, Any]:
    data: dict[str, Any] = {f: getattr(expert, f) for f in SCALAR_FIELDS}
    data.update(region=expert.region.name if expert.region else None,
                categories=sorted(c.name for c in expert.categories),
                industries=sorted(i.name for i in expert.industries), status=expert.status)
    return data


def find_match(*, name: str, organization: str, phone: str) -> Expert | None:
    """The same person on re-import: matched by name + organization + phone (CONTRACTS.md)."""
    return db.session.exec(select(Expert).where(
        Expert.name == name, Expert.organization == organization, Expert.phone == phone)).first()


def upsert_expert(*, data: ExpertInput, admit: bool = False, actor_id: int | None = None,
                  fields: Collection[str] | None = None) -> tuple[Expert, str]:
    """Create or update the expert matched by name, organization and phone; returns ``(expert, action)``:
    ``created``, ``updated`` or ``unchanged``.

    ``fields`` names the :class:`ExpertInput` fields to write (default: all; a new record gets every field);
    the others keep their stored values. An expert whose organization is the exact name of an institution is
    linked to it. ``admit`` publishes the record unless it is suspended or removed. An unchanged record is
    not written at all.
    """
    expert = find_match(name=data.name, organization=data.organization, phone=data.phone)
    created = expert is None
    before = {} if expert is None else snapshot(expert)
    if expert is None:
        expert = Expert(name=data.name)
    write = set(SCALAR_FIELDS + RELATED_FIELDS) if created or fields is None else set(fields)
    for name in SCALAR_FIELDS:
        if name in write:
            setattr(expert, name, getattr(data, name))
    if "region" in write:
        expert.region = data.region
    for name in ("categories", "industries"):
        if name in write:
            setattr(expert, name, list(getattr(data, name)))
    linked = expert.institution_id
    if data.organization:
        inst = db.session.exec(select(Institution).where(Institution.name == data.organization)).first()
        expert.institution_id = inst.id if inst else None
    relinked = {"institution_id": [linked, expert.institution_id]} if expert.institution_id != linked else {}
    return expert, save_upserted(expert, entity_type="expert", created=created, before=before, snapshot=snapshot,
                                 also_changed=relinked, admit=admit, actor_id=actor_id)


def get_expert(expert_id: int, *, user: Any = None) -> Expert:
    """The expert if ``user`` may see it (published, or themself / staff). Raises :class:`NotFound`."""
    expert = db.session.exec(select(Expert).where(Expert.id == expert_id).options(
        selectinload(Expert.categories), selectinload(Expert.industries))).first()  # type: ignore[arg-type]
    if expert is None or not (expert.is_published or permissions.can_see_unpublished(user, expert)):
        raise NotFound(_l("This expert was not found or is not published."))
    return expert


def published_experts() -> Any:
    return select(Expert).where(Expert.status == RecordStatus.ADMITTED).order_by(Expert.id)  # type: ignore[arg-type]


def public_expert(expert: Expert) -> ExpertPublic:
    """The API representation: never the expert's phone or e-mail."""
    return ExpertPublic(
        id=expert.id, name=expert.name, title=expert.title, organization=expert.organization,  # type: ignore[arg-type]
        institution_id=expert.institution_id, expertise=expert.expertise, bio=expert.bio,
        categories=[c.name for c in expert.categories], industries=[i.name for i in expert.industries],
        region=expert.region.name if expert.region else None,
        rating=RatingPublic(value=expert.rating_value, count=expert.rating_count),
    )
