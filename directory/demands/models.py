"""Service needs (服务需求) posted by enterprises, or by staff on their behalf."""

from datetime import date, datetime
from enum import StrEnum
from typing import TYPE_CHECKING, Optional

from sqlalchemy import Index
from sqlmodel import Field, Relationship, SQLModel, Text

from directory.core.models import Timestamps
from directory.core.time import utcnow

if TYPE_CHECKING:
    from directory.enterprises.models import Enterprise
    from directory.experts.models import Expert
    from directory.institutions.models import Institution
    from directory.taxonomy.models import Category, Industry, Region


class DemandStatus(StrEnum):
    OPEN = "open"
    ANSWERED = "answered"
    CLOSED = "closed"


class Visibility(StrEnum):
    PUBLIC = "public"
    STAFF = "staff"


class Demand(Timestamps, table=True):
    # The monitoring dashboard's need figures read a period of needs: covered by this index.
    __table_args__ = (Index("ix_demand_monitoring", "created_at", "status", "answered_at", "region_id",
                            "enterprise_id"),)

    id: int | None = Field(default=None, primary_key=True)
    enterprise_id: int = Field(foreign_key="enterprise.id", index=True)
    title: str = Field(max_length=200)
    text: str = Field(default="", sa_type=Text)
    category_id: int | None = Field(default=None, foreign_key="category.id", index=True)
    industry_id: int | None = Field(default=None, foreign_key="industry.id")
    region_id: int | None = Field(default=None, foreign_key="region.id")
    budget_min: int | None = None
    budget_max: int | None = None
    deadline: date | None = None
    visibility: str = Field(default=Visibility.PUBLIC, max_length=10)
    status: str = Field(default=DemandStatus.OPEN, max_length=20, index=True)
    created_by_id: int | None = Field(default=None, foreign_key="user_account.id")
    # The first time a provider accepted a request made for this need: "time to first answer" for monitoring.
    answered_at: datetime | None = None
    closed_at: datetime | None = None

    enterprise: "Enterprise" = Relationship()
    category: Optional["Category"] = Relationship()
    industry: Optional["Industry"] = Relationship()
    region: Optional["Region"] = Relationship()


class DemandSuggestion(SQLModel, table=True):
    """A provider that staff pushed to the enterprise for one need (推荐给企业)."""

    id: int | None = Field(default=None, primary_key=True)
    demand_id: int = Field(foreign_key="demand.id", index=True, ondelete="CASCADE")
    institution_id: int | None = Field(default=None, foreign_key="institution.id")
    expert_id: int | None = Field(default=None, foreign_key="expert.id")
    note: str = Field(default="", sa_type=Text)
    pushed_by_id: int | None = Field(default=None, foreign_key="user_account.id")
    created_at: datetime = Field(default_factory=utcnow)

    institution: Optional["Institution"] = Relationship()
    expert: Optional["Expert"] = Relationship()
