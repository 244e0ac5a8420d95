"""Service needs (服务需求) posted by enterprises, or by staff on their behalf."""

from datetime import date
from enum import StrEnum

from sqlmodel import Field, Text

from directory.core.models import Timestamps


class DemandStatus(StrEnum):
    OPEN = "open"
    ANSWERED = "answered"
    CLOSED = "closed"


class Visibility(StrEnum):
    PUBLIC = "public"
    STAFF = "staff"


class Demand(Timestamps, table=True):
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
