"""Notices (通知公告) and policies (惠企政策): one table, told apart by ``kind``."""

from datetime import date, datetime
from enum import StrEnum

from sqlmodel import Field, Relationship, SQLModel, Text

from directory.core.models import StoredFile, Timestamps
from directory.taxonomy.models import Category


class NoticeKind(StrEnum):
    NOTICE = "notice"
    POLICY = "policy"


class NoticeStatus(StrEnum):
    DRAFT = "draft"
    PUBLISHED = "published"
    RETIRED = "retired"


class NoticeBase(SQLModel):
    """The columns staff write (the form, :class:`directory.notices.services.NoticeInput`)."""

    title: str = Field(max_length=200)
    summary: str = Field(default="", max_length=500)
    body: str = Field(default="", sa_type=Text)
    issuer: str = Field(default="", max_length=200)  # 发文单位 of a policy
    document_number: str = Field(default="", max_length=100)  # 文号, e.g. 营政办发〔2026〕12号
    issued_on: date | None = None  # 成文日期 of a policy
    expires_on: date | None = None  # 有效期至: a policy past it shows as expired, not removed


class NoticeCategory(SQLModel, table=True):
    """A policy's service categories: where it fits, so a need of that category shows it."""

    notice_id: int = Field(foreign_key="notice.id", primary_key=True, ondelete="CASCADE")
    category_id: int = Field(foreign_key="category.id", primary_key=True)


class Notice(Timestamps, NoticeBase, table=True):
    id: int | None = Field(default=None, primary_key=True)
    kind: str = Field(default=NoticeKind.NOTICE, max_length=12, index=True)
    status: str = Field(default=NoticeStatus.DRAFT, max_length=12, index=True)
    published_at: datetime | None = Field(default=None, index=True)
    retired_at: datetime | None = None
    created_by_id: int | None = Field(default=None, foreign_key="user_account.id")

    # Read only (the services write the link rows, directory.notices.services._set_categories): the search
    # document (search.documents) loads it with its notices in one query. In a fixed order, as an institution's.
    categories: list[Category] = Relationship(
        link_model=NoticeCategory, sa_relationship_kwargs={"viewonly": True, "order_by": "Category.id"})

    @property
    def expired(self) -> bool:
        """A policy past its 有效期 (it stays readable, marked so)."""
        return self.expires_on is not None and self.expires_on < date.today()


class NoticeAttachment(StoredFile, table=True):
    """A file attached to a notice or a policy (the document itself, a form to fill in); public once the
    notice is published, stored like a certificate (:mod:`directory.core.uploads`)."""

    id: int | None = Field(default=None, primary_key=True)
    notice_id: int = Field(foreign_key="notice.id", index=True, ondelete="CASCADE")


class NoticeAttachmentPublic(SQLModel):
    """A published notice's file, as the API lists it."""

    id: int
    filename: str
    content_type: str
    size: int
    url: str


class NoticePublic(SQLModel):
    """A published 通知公告 or 惠企政策 as the API answers it (``GET /api/v1/policies/<id>``)."""

    id: int
    kind: str
    title: str
    summary: str
    body: str
    issuer: str = Field(description="发文单位")
    document_number: str = Field(description="文号")
    issued_on: date | None = Field(description="成文日期")
    expires_on: date | None = Field(description="有效期至")
    expired: bool = Field(description="Past its 有效期: still published, marked so")
    published_at: str | None = Field(description="When it was first published (UTC, ISO 8601 without offset)")
    categories: list[str] = Field(description="The service categories it fits (names)")
    attachments: list[NoticeAttachmentPublic]
    url: str = Field(description="Its public page")
