"""Verified reviews (服务评价) of a completed engagement or a held event meeting."""

from datetime import datetime
from enum import StrEnum

from sqlalchemy import CheckConstraint, Index, UniqueConstraint
from sqlmodel import Field, SQLModel, Text

from directory.core.time import utcnow


class Verdict(StrEnum):
    """The government-standard five-level 好差评."""

    VERY_SATISFIED = "very_satisfied"  # 非常满意
    SATISFIED = "satisfied"  # 满意
    BASICALLY_SATISFIED = "basically_satisfied"  # 基本满意
    DISSATISFIED = "dissatisfied"  # 不满意
    VERY_DISSATISFIED = "very_dissatisfied"  # 非常不满意


BAD_VERDICTS = (Verdict.DISSATISFIED, Verdict.VERY_DISSATISFIED)


class ReviewKind(StrEnum):
    INITIAL = "initial"
    FOLLOWUP = "followup"  # the enterprise's second say after a bad review was followed up


class FollowUpStatus(StrEnum):
    """The 差评整改 loop a bad review opens: the provider must respond, staff close it."""

    NONE = "none"
    OPEN = "open"
    RESPONDED = "responded"
    CLOSED = "closed"


class Approval(StrEnum):
    """Whether a review counts: held ones (unverified enterprise, or a conflict of interest) wait for staff."""

    APPROVED = "approved"
    PENDING = "pending"
    REJECTED = "rejected"


class Review(SQLModel, table=True):
    __table_args__ = (
        # One initial review and at most one follow-up per engagement / meeting, enforced by the database.
        UniqueConstraint("engagement_id", "kind", name="uq_review_engagement_kind"),
        UniqueConstraint("meeting_id", "kind", name="uq_review_meeting_kind"),
        # The monitoring dashboard's satisfaction trend reads a period of reviews: covered by this index.
        Index("ix_review_monitoring", "created_at", "verdict", "invalid", "approval", "enterprise_id"),
        CheckConstraint("(engagement_id IS NULL) <> (meeting_id IS NULL)", name="one_subject"),
        *(
            CheckConstraint(f"{dim} BETWEEN 1 AND 5", name=f"{dim}_range")
            for dim in ("quality", "efficiency", "expertise", "attitude", "price")
        ),
    )

    id: int | None = Field(default=None, primary_key=True)
    engagement_id: int | None = Field(default=None, foreign_key="engagement.id")
    meeting_id: int | None = Field(default=None, foreign_key="meeting.id")
    kind: str = Field(default=ReviewKind.INITIAL, max_length=10)
    enterprise_id: int = Field(foreign_key="enterprise.id", index=True)
    institution_id: int | None = Field(default=None, foreign_key="institution.id", index=True)
    expert_id: int | None = Field(default=None, foreign_key="expert.id", index=True)
    quality: int
    efficiency: int
    expertise: int
    attitude: int
    price: int
    verdict: str = Field(max_length=24)
    comment: str = Field(default="", sa_type=Text)
    recommend: bool | None = None  # would the enterprise recommend this provider (企业评价)
    hidden: bool = False
    hidden_reason: str = Field(default="", sa_type=Text)
    # A hidden comment still counts in the rating; only a review proven invalid (e.g. not a real client) stops counting.
    invalid: bool = False
    invalid_reason: str = Field(default="", sa_type=Text)
    approval: str = Field(default=Approval.APPROVED, max_length=10, index=True)
    approval_reason: str = Field(default="", sa_type=Text)  # staff's reason for rejecting (or approving)
    approved_by_id: int | None = Field(default=None, foreign_key="user_account.id")
    # Why the review was held: one line per conflict found between the enterprise and the provider.
    conflict: str = Field(default="", sa_type=Text)
    moderated_by_id: int | None = Field(default=None, foreign_key="user_account.id")
    followup_status: str = Field(default=FollowUpStatus.NONE, max_length=10, index=True)
    provider_response: str = Field(default="", sa_type=Text)
    provider_responded_at: datetime | None = None
    followup_note: str = Field(default="", sa_type=Text)
    followup_closed_at: datetime | None = None
    followup_closed_by_id: int | None = Field(default=None, foreign_key="user_account.id")
    reply: str = Field(default="", sa_type=Text)
    replied_at: datetime | None = None
    created_at: datetime = Field(default_factory=utcnow)
