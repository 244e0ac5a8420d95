"""Enterprise profiles (created at registration, by import or by the demo seed)."""

from __future__ import annotations

from dataclasses import dataclass, field

from sqlmodel import select

from directory.audit import services as audit
from directory.enterprises.models import Enterprise
from directory.extensions import db
from directory.taxonomy.models import Industry, Region, Tag


@dataclass
class EnterpriseInput:
    name: str
    credit_code: str | None = None
    region: Region | None = None
    industry: Industry | None = None
    tags: list[Tag] = field(default_factory=list)
    size: str = ""
    founded_year: int | None = None
    staff_count: int | None = None
    description: str = ""
    contact_name: str = ""
    contact_phone: str = ""
    email: str = ""


def upsert_enterprise(*, data: EnterpriseInput, actor_id: int | None = None) -> tuple[Enterprise, bool]:
    """Create or update the enterprise with this credit code (by name when it has none)."""
    query = select(Enterprise).where(
        Enterprise.credit_code == data.credit_code if data.credit_code else Enterprise.name == data.name)
    enterprise = db.session.exec(query).first()
    created = enterprise is None
    if enterprise is None:
        enterprise = Enterprise(name=data.name)
    for name in ("name", "credit_code", "size", "founded_year", "staff_count", "description", "contact_name",
                 "contact_phone", "email"):
        setattr(enterprise, name, getattr(data, name))
    enterprise.region = data.region
    enterprise.industry = data.industry
    enterprise.tags = list(data.tags)
    db.session.add(enterprise)
    db.session.flush()
    if created:
        audit.record(actor_id=actor_id, action="enterprise.create", entity_type="enterprise",
                     entity_id=enterprise.id)
    return enterprise, created
