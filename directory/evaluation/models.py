"""Periodic evaluation (考核评价) and dynamic screening (动态筛选) of admitted institutions."""

from datetime import date, datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import UniqueConstraint
from sqlmodel import JSON, Field, SQLModel, Text

from directory.core.time import utcnow

DIMENSIONS = ("strength", "coverage", "quality", "efficiency", "satisfaction")


class PeriodStatus(StrEnum):
    OPEN = "open"  # computed or not, nothing of it is public
    PUBLISHED = "published"  # its grades, scores, badges and ranking effects are public; the period is frozen


class EvaluationPeriod(SQLModel, table=True):
    id: int | None = Field(default=None, primary_key=True)
    code: str = Field(max_length=10, unique=True)  # "2026" or "2026Q3"
    starts_on: date
    ends_on: date
    weights: dict[str, float] = Field(default_factory=dict, sa_type=JSON)
    thresholds: dict[str, float] = Field(default_factory=dict, sa_type=JSON)
    status: str = Field(default=PeriodStatus.OPEN, max_length=20)
    computed_at: datetime | None = None
    published_at: datetime | None = None
    created_at: datetime = Field(default_factory=utcnow)


class Evaluation(SQLModel, table=True):
    __table_args__ = (UniqueConstraint("period_id", "institution_id", name="uq_evaluation_period_institution"),)

    id: int | None = Field(default=None, primary_key=True)
    period_id: int = Field(foreign_key="evaluationperiod.id", index=True)
    institution_id: int = Field(foreign_key="institution.id", index=True)
    strength: float = 0
    coverage: float = 0
    quality: float = 0
    efficiency: float = 0
    satisfaction: float = 0
    composite: float = 0
    rank_in_category: int | None = None
    grade: str = Field(default="", max_length=1)
    inputs: dict[str, Any] = Field(default_factory=dict, sa_type=JSON)
    created_at: datetime = Field(default_factory=utcnow)


class ScreeningKind(StrEnum):
    WARN = "warn"
    SUSPEND = "suspend"
    REMOVE = "remove"
    REINSTATE = "reinstate"
    COMMEND = "commend"
    WITHDRAW = "withdraw"  # the 示范服务机构 badge


class ScreeningAction(SQLModel, table=True):
    id: int | None = Field(default=None, primary_key=True)
    institution_id: int = Field(foreign_key="institution.id", index=True)
    period_id: int | None = Field(default=None, foreign_key="evaluationperiod.id")
    kind: str = Field(max_length=20)
    status: str = Field(default="proposed", max_length=20)  # proposed / confirmed / rejected
    reason: str = Field(default="", sa_type=Text)
    decision_reason: str = Field(default="", sa_type=Text)
    proposed_by_id: int | None = Field(default=None, foreign_key="user_account.id")
    decided_by_id: int | None = Field(default=None, foreign_key="user_account.id")
    created_at: datetime = Field(default_factory=utcnow)
    decided_at: datetime | None = None
