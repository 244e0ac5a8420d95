"""Enterprises (企业): the SMEs the platform serves."""


from datetime import datetime
from enum import StrEnum

from sqlmodel import Field, Relationship, SQLModel, Text

from directory.core.models import Timestamps
from directory.taxonomy.models import Industry, Region, Tag


class Verification(StrEnum):
    STAFF = "staff"  # a staff member checked the enterprise on /admin/enterprises
    MATCHED = "matched"  # the record came from a list staff brought in (import, demo seed): see services.py


class EnterpriseTag(SQLModel, table=True):
    enterprise_id: int = Field(foreign_key="enterprise.id", primary_key=True, ondelete="CASCADE")
    tag_id: int = Field(foreign_key="tag.id", primary_key=True)


class Enterprise(Timestamps, table=True):
    id: int | None = Field(default=None, primary_key=True)
    name: str = Field(max_length=200, index=True)
    credit_code: str | None = Field(default=None, max_length=18, unique=True)
    region_id: int | None = Field(default=None, foreign_key="region.id", index=True)
    industry_id: int | None = Field(default=None, foreign_key="industry.id", index=True)
    # 企业规模 by the 中小企业划型标准 (工信部联企业〔2011〕300号): computed from the sector and the figures below
    # when they are complete (directory/enterprises/sizing.py), "" otherwise.
    size: str = Field(default="", max_length=10)
    sector: str = Field(default="", max_length=30)  # the standard's industry (工业, 批发业…), a sizing.SECTORS key
    revenue: int | None = None  # 营业收入, 万元, last year
    total_assets: int | None = None  # 资产总额, 万元 (the standard uses it for 建筑业, 房地产开发经营, 租赁和商务服务业)
    founded_year: int | None = None
    staff_count: int | None = None  # 从业人员
    description: str = Field(default="", sa_type=Text)
    contact_name: str = Field(default="", max_length=60)
    contact_phone: str = Field(default="", max_length=30)
    email: str = Field(default="", max_length=254)
    verified_at: datetime | None = Field(default=None, index=True)
    # Account ids kept without a foreign key: user_account already points here, and a cycle between the two
    # tables would make every create/drop order ambiguous.
    verified_by_id: int | None = None
    verification: str = Field(default="", max_length=10)  # a Verification, "" while unverified
    # The account that created the record (registration) or brought it in (import): a conflict check looks at it.
    created_by_id: int | None = None

    region: Region | None = Relationship()
    industry: Industry | None = Relationship()
    tags: list[Tag] = Relationship(link_model=EnterpriseTag)
