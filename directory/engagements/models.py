"""Engagements (服务对接记录): one service relation from request to completion (服务情况跟踪)."""

from datetime import date, datetime
from enum import StrEnum

from sqlalchemy import CheckConstraint
from sqlmodel import Field, SQLModel, Text

from directory.core.time import utcnow


class EngagementStatus(StrEnum):
    REQUESTED = "requested"
    ACCEPTED = "accepted"
    DECLINED = "declined"
    IN_PROGRESS = "in_progress"
    COMPLETED = "completed"
    CANCELLED = "cancelled"


class Engagement(SQLModel, table=True):
    __table_args__ = (
        # An engagement is with exactly one provider: an institution or an expert.
        CheckConstraint(
            "(institution_id IS NULL) <> (expert_id IS NULL)", name="one_provider"
        ),
    )

    id: int | None = Field(default=None, primary_key=True)
    enterprise_id: int = Field(foreign_key="enterprise.id", index=True)
    institution_id: int | None = Field(default=None, foreign_key="institution.id", index=True)
    expert_id: int | None = Field(default=None, foreign_key="expert.id", index=True)
    offering_id: int | None = Field(default=None, foreign_key="offering.id")
    demand_id: int | None = Field(default=None, foreign_key="demand.id", index=True)
    status: str = Field(default=EngagementStatus.REQUESTED, max_length=20, index=True)
    message: str = Field(default="", sa_type=Text)
    decline_reason: str = Field(default="", sa_type=Text)
    cancel_reason: str = Field(default="", sa_type=Text)
    # Agreed when accepting; "completed on time" in the evaluation compares completed_at with it.
    due_date: date | None = None
    created_by_id: int | None = Field(default=None, foreign_key="user_account.id")
    requested_at: datetime = Field(default_factory=utcnow)
    responded_at: datetime | None = None
    started_at: datetime | None = None
    completed_at: datetime | None = None
    cancelled_at: datetime | None = None
    reminded_at: datetime | None = None
