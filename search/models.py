"""The search outbox: one row per change to an indexed record, written in the same transaction."""

from datetime import datetime

from sqlmodel import Field, SQLModel, Text

from directory.core.time import utcnow


class SearchOutbox(SQLModel, table=True):
    __tablename__ = "search_outbox"

    id: int | None = Field(default=None, primary_key=True)
    entity_type: str = Field(max_length=20)  # institution / expert / offering
    entity_id: int
    created_at: datetime = Field(default_factory=utcnow, index=True)
    attempts: int = 0
    available_at: datetime = Field(default_factory=utcnow, index=True)
    last_error: str = Field(default="", sa_type=Text)
