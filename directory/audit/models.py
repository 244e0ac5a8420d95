"""The audit log: who changed what, when, with the field-level changes."""

from datetime import datetime
from typing import Any

from sqlalchemy import Index
from sqlmodel import JSON, Field, SQLModel

from directory.core.time import utcnow


class AuditLog(SQLModel, table=True):
    __table_args__ = (Index("ix_auditlog_entity", "entity_type", "entity_id"),)

    id: int | None = Field(default=None, primary_key=True)
    actor_id: int | None = Field(default=None, foreign_key="user_account.id", index=True)
    action: str = Field(max_length=60)
    entity_type: str = Field(max_length=40)
    entity_id: int | None = None
    changes: dict[str, Any] = Field(default_factory=dict, sa_type=JSON)
    created_at: datetime = Field(default_factory=utcnow, index=True)
    # Where the request came from (behind TRUSTED_PROXIES, the forwarded address); None for commands and jobs.
    client_address: str | None = Field(default=None, max_length=45)
