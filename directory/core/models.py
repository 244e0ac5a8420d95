"""Shared model pieces: the metadata naming convention and timestamp columns."""

from __future__ import annotations

from datetime import datetime

from sqlmodel import Field, SQLModel

from directory.core.time import utcnow

# Stable constraint names so Alembic can alter them on SQLite (batch mode) and PostgreSQL alike.
SQLModel.metadata.naming_convention = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class Timestamps(SQLModel):
    created_at: datetime = Field(default_factory=utcnow, nullable=False)
    updated_at: datetime = Field(default_factory=utcnow, nullable=False, sa_column_kwargs={"onupdate": utcnow})


class StoredFile(SQLModel):
    """The columns of an uploaded file kept by :mod:`directory.core.uploads` (a certificate, a notice's
    attachment): the name it came with, the random name it is stored under, what its content is."""

    filename: str = Field(max_length=200)
    stored_name: str = Field(max_length=80, unique=True)
    content_type: str = Field(max_length=60)
    size: int
    uploaded_by_id: int = Field(foreign_key="user_account.id")
    created_at: datetime = Field(default_factory=utcnow)
