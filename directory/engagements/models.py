"""Engagements (服务对接记录): one service relation from request to completion (服务情况跟踪)."""

from datetime import date, datetime
from enum import StrEnum
from typing import TYPE_CHECKING, Optional

from sqlalchemy import CheckConstraint, Index
from sqlmodel import Field, Relationship, SQLModel, Text

from directory.core.time import utcnow

if TYPE_CHECKING:
    from directory.demands.models import Demand
    from directory.enterprises.models import Enterprise
    from directory.experts.models import Expert
    from directory.institutions.models import Institution, Offering


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
        # The monitoring dashboard's engagement figures read a period of requests: this index covers them (and
        # the median response time), so a year of a million engagements is a range scan of the index alone.
        Index("ix_engagement_monitoring", "requested_at", "status", "responded_at", "enterprise_id"),
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
    # What the provider wrote when accepting (optional), shown on the engagement to both sides: a reply told
    # only in a notification is lost once the notification is read or deleted.
    accept_reply: str = Field(default="", sa_type=Text)
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

    enterprise: "Enterprise" = Relationship()
    institution: Optional["Institution"] = Relationship()
    expert: Optional["Expert"] = Relationship()
    offering: Optional["Offering"] = Relationship()
    demand: Optional["Demand"] = Relationship()

    @property
    def provider(self) -> "Institution | Expert":
        return self.institution or self.expert  # type: ignore[return-value]
