"""Timestamps are timezone-aware UTC: SQLModel's datetime columns store UTC and hand it back aware on both
SQLite and PostgreSQL, so comparisons never mix naive and aware values."""

from __future__ import annotations

from datetime import UTC, datetime


def utcnow() -> datetime:
    return datetime.now(UTC)
