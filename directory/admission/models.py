"""Admission (入库): an application to the institution or expert database and the staff decision on it."""

from datetime import datetime
from enum import StrEnum
from typing import Any

from sqlmodel import JSON, Field, Relationship, Text

from directory.core.models import StoredFile, Timestamps
from directory.experts.models import Expert
from directory.institutions.models import Institution


class ApplicationStatus(StrEnum):
    DRAFT = "draft"
    SUBMITTED = "submitted"
    CHANGES_REQUESTED = "changes_requested"
    APPROVED = "approved"
    REJECTED = "rejected"


class Application(Timestamps, table=True):
    """One application; the data itself lives on the (not yet published) institution or expert record."""

    id: int | None = Field(default=None, primary_key=True)
    kind: str = Field(max_length=20)  # institution / expert
    institution_id: int | None = Field(default=None, foreign_key="institution.id", index=True)
    expert_id: int | None = Field(default=None, foreign_key="expert.id", index=True)
    applicant_id: int = Field(foreign_key="user_account.id", index=True)
    status: str = Field(default=ApplicationStatus.DRAFT, max_length=20, index=True)
    submitted_at: datetime | None = None
    decided_at: datetime | None = None
    decided_by_id: int | None = Field(default=None, foreign_key="user_account.id")
    decision_reason: str = Field(default="", sa_type=Text)

    institution: Institution | None = Relationship()
    expert: Expert | None = Relationship()


class ChangeRequest(Timestamps, table=True):
    """Edits to the key fields of an admitted institution (name, credit code, categories, qualifications),
    waiting for staff review; the public keeps seeing the approved values meanwhile."""

    id: int | None = Field(default=None, primary_key=True)
    institution_id: int = Field(foreign_key="institution.id", index=True)
    requested_by_id: int = Field(foreign_key="user_account.id")
    status: str = Field(default="pending", max_length=20, index=True)  # pending / approved / rejected
    before: dict[str, Any] = Field(default_factory=dict, sa_type=JSON)
    proposed: dict[str, Any] = Field(default_factory=dict, sa_type=JSON)
    decided_by_id: int | None = Field(default=None, foreign_key="user_account.id")
    decided_at: datetime | None = None
    reason: str = Field(default="", sa_type=Text)

    institution: Institution | None = Relationship()


class Attachment(StoredFile, table=True):
    """A qualification certificate (资质证书) uploaded with an application; stored outside the web root and
    served only to staff and the institution's own users."""

    id: int | None = Field(default=None, primary_key=True)
    institution_id: int = Field(foreign_key="institution.id", index=True)
    kind: str = Field(default="qualification", max_length=20)
