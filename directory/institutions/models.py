"""Service institutions (服务机构) and their offerings (服务产品)."""

from datetime import datetime
from enum import StrEnum
from typing import Annotated

import pydantic
from pydantic import field_serializer
from pydantic.json_schema import SkipJsonSchema
from sqlalchemy import Index
from sqlmodel import JSON, Field, Relationship, SQLModel, Text

from directory.core.models import Timestamps
from directory.core.time import utcnow
from directory.taxonomy.models import Category, Industry, Region


class RecordStatus(StrEnum):
    """Life cycle of an institution or expert record; only ``ADMITTED`` records are public (入库)."""

    DRAFT = "draft"
    PENDING = "pending"
    CHANGES_REQUESTED = "changes_requested"
    REJECTED = "rejected"
    ADMITTED = "admitted"
    SUSPENDED = "suspended"
    REMOVED = "removed"


class RecordBase(Timestamps):
    """The columns every directory record has, institution or expert: its life cycle through admission (入库),
    the dynamic rating denormalised from its reviews, and when it was admitted and last confirmed current."""

    id: int | None = Field(default=None, primary_key=True)
    status: str = Field(default=RecordStatus.DRAFT, max_length=20, index=True)
    # Denormalised for listing and ranking; the source of truth is the reviews.
    rating_value: float | None = None
    rating_count: int = 0
    admitted_at: datetime | None = None
    confirmed_at: datetime | None = None

    @property
    def is_published(self) -> bool:
        return self.status == RecordStatus.ADMITTED


class InstitutionCategory(SQLModel, table=True):
    institution_id: int = Field(foreign_key="institution.id", primary_key=True, ondelete="CASCADE")
    category_id: int = Field(foreign_key="category.id", primary_key=True)


class InstitutionTopCategory(SQLModel, table=True):
    """Per admitted institution and top-level category it is in, how many of its categories lie under that
    top-level category (issue 13) — kept by the triggers of migration 0025 on ``institutioncategory``,
    ``institution`` and ``category``, a row deleted when it falls to zero or the institution stops being
    admitted. The home page's and the dashboard's counts per top-level category (an institution once under each,
    :func:`directory.institutions.services.published_by_top_category`) are then a count of rows per
    ``top_id`` read from this primary key alone, instead of a distinct count over a join of three tables.
    ``region_id``: the institution's district (0 for none), moved with it."""

    __tablename__ = "institution_top_category"
    # The take-back finds its row by institution (the trigger of a removed category), a change rewrites them.
    __table_args__ = (Index("ix_institution_top_category_institution", "institution_id", "top_id"),
                      {"sqlite_with_rowid": False})

    top_id: int = Field(primary_key=True)  # no foreign keys: a summary follows the rows, it does not constrain
    region_id: int = Field(primary_key=True)
    institution_id: int = Field(primary_key=True)
    n: int = 0


class InstitutionTopCategoryCount(SQLModel, table=True):
    """How many rows :class:`InstitutionTopCategory` holds per top-level category and district — the
    published institutions under it — kept by triggers on that table (migration 0025): the counts are a sum
    of at most one row per district."""

    __tablename__ = "institution_top_category_count"
    __table_args__ = {"sqlite_with_rowid": False}

    top_id: int = Field(primary_key=True)
    region_id: int = Field(primary_key=True)
    n: int = 0


class InstitutionIndustry(SQLModel, table=True):
    institution_id: int = Field(foreign_key="institution.id", primary_key=True, ondelete="CASCADE")
    industry_id: int = Field(foreign_key="industry.id", primary_key=True)


class InstitutionCoverage(SQLModel, table=True):
    """Regions an institution serves, beyond the one it sits in."""

    institution_id: int = Field(foreign_key="institution.id", primary_key=True, ondelete="CASCADE")
    region_id: int = Field(foreign_key="region.id", primary_key=True)


class Institution(RecordBase, table=True):
    # The monitoring dashboard's institution figures (admitted ones, by district: grade, badge, stale) as
    # index-only scans (migration 0023, issue 13); its list of the longest unconfirmed read in index order up
    # to its limit and its stale count as two range counts (ix_institution_stale, migration 0025; region_id in
    # it to filter by district from the index); all districts' grades and badges in grade order, without the
    # sort that ix_institution_monitoring's region_id column would need (ix_institution_grade, 0025).
    __table_args__ = (Index("ix_institution_monitoring", "status", "region_id", "grade", "badge", "confirmed_at"),
                      Index("ix_institution_stale", "status", "confirmed_at", "id", "region_id"),
                      Index("ix_institution_grade", "status", "grade", "badge"))

    name: str = Field(max_length=200, index=True)
    credit_code: str = Field(max_length=18, unique=True)
    region_id: int = Field(foreign_key="region.id", index=True)
    description: str = Field(default="", sa_type=Text)
    contact_name: str = Field(default="", max_length=60)
    contact_phone: str = Field(default="", max_length=30)
    email: str = Field(default="", max_length=254)
    website: str = Field(default="", max_length=300)
    # Street address and postal code (详细地址, 邮政编码); the district is ``region``. Open data publishes an
    # address only when both are known (HSDS requires the postal code).
    address: str = Field(default="", max_length=200)
    postal_code: str = Field(default="", max_length=6)
    founded_year: int | None = None
    staff_count: int | None = None
    qualifications: list[str] = Field(default_factory=list, sa_type=JSON)
    honors: list[str] = Field(default_factory=list, sa_type=JSON)
    # Denormalised for listing and ranking; the source of truth is the evaluations.
    grade: str | None = Field(default=None, max_length=1)
    evaluation_score: float | None = None
    badge: str | None = Field(default=None, max_length=40)

    region: Region = Relationship()
    # Read in a fixed order: PostgreSQL returns link rows in any order, and a document, a page and an export
    # of the same record must agree.
    categories: list[Category] = Relationship(
        link_model=InstitutionCategory, sa_relationship_kwargs={"order_by": "Category.id"}
    )
    industries: list[Industry] = Relationship(
        link_model=InstitutionIndustry, sa_relationship_kwargs={"order_by": "Industry.id"}
    )
    coverage: list[Region] = Relationship(
        link_model=InstitutionCoverage, sa_relationship_kwargs={"order_by": "Region.id"}
    )
    offerings: list["Offering"] = Relationship(
        back_populates="institution", sa_relationship_kwargs={"order_by": "Offering.id"}
    )


class FeeModel(StrEnum):
    FREE = "free"
    FIXED = "fixed"
    NEGOTIABLE = "negotiable"


class Offering(Timestamps, table=True):
    """One concrete service an institution gives (服务产品); public while active and its institution is."""

    id: int | None = Field(default=None, primary_key=True)
    institution_id: int = Field(foreign_key="institution.id", index=True, ondelete="CASCADE")
    title: str = Field(max_length=200)
    category_id: int | None = Field(default=None, foreign_key="category.id", index=True)
    description: str = Field(default="", sa_type=Text)
    fee_model: str = Field(default=FeeModel.NEGOTIABLE, max_length=20)
    price_min: int | None = None
    price_max: int | None = None
    delivery_days: int | None = None
    public_interest: bool = False
    active: bool = True

    institution: Institution = Relationship(back_populates="offerings")
    category: Category | None = Relationship()

    @property
    def is_published(self) -> bool:
        return self.active and self.institution is not None and self.institution.is_published


class Invitation(SQLModel, table=True):
    """An invitation for a colleague to join an institution's accounts (several users per institution)."""

    id: int | None = Field(default=None, primary_key=True)
    institution_id: int = Field(foreign_key="institution.id", index=True)
    email: str = Field(max_length=254)
    token: str = Field(max_length=64, unique=True)
    invited_by_id: int = Field(foreign_key="user_account.id")
    created_at: datetime = Field(default_factory=utcnow)
    expires_at: datetime
    accepted_at: datetime | None = None
    accepted_by_id: int | None = Field(default=None, foreign_key="user_account.id")


# -- the public JSON shapes (the API of CONTRACTS.md and its OpenAPI description) ---------------------------

class RatingPublic(SQLModel):
    """The dynamic rating: the damped mean of the verified reviews (null before the first) and their count."""

    value: float | None
    count: int


class EvaluationDimensions(SQLModel):
    """The five dimensions of the evaluation, each 0-100."""

    strength: float
    coverage: float
    quality: float
    efficiency: float
    satisfaction: float


class EvaluationPublic(SQLModel):
    """The institution's newest published evaluation."""

    period: str
    composite: float
    grade: str
    dimensions: EvaluationDimensions


class OfferingPublic(SQLModel):
    """A published service product (服务产品) of an institution."""

    id: int
    title: str
    category: str | None
    description: str
    fee_model: str
    price_min: int | None
    price_max: int | None
    delivery_days: int | None
    public_interest: bool


class InstitutionPublic(SQLModel):
    """A published institution (服务机构), its classification as names."""

    id: int
    name: str
    credit_code: str
    description: str
    categories: list[str]
    industries: list[str]
    region: str
    coverage: list[str]
    contact_name: str
    contact_phone: str
    email: str
    website: str
    founded_year: int | None
    staff_count: int | None
    qualifications: list[str]
    honors: list[str]
    grade: str | None
    badge: str | None
    rating: RatingPublic
    offerings: list[OfferingPublic]
    confirmed_at: datetime | None
    # Sent only once a period the institution was evaluated in is published: absent, never null.
    evaluation: Annotated[EvaluationPublic | SkipJsonSchema[None],
                          pydantic.Field(exclude_if=lambda value: value is None)] = None

    # Written as Python writes it (``+00:00``, not pydantic's ``Z``). No return annotation: the schema stays
    # the field's, a date-time.
    @field_serializer("confirmed_at")
    def _isoformat(self, value: datetime | None):
        return value.isoformat() if value else None
