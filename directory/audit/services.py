"""Writing the audit log; every service that changes a record calls :func:`record`."""

from __future__ import annotations

from typing import Any

from directory.audit.models import AuditLog
from directory.extensions import db


def record(*, actor_id: int | None, action: str, entity_type: str, entity_id: int | None,
           changes: dict[str, Any] | None = None) -> AuditLog:
    """Add one audit entry to the current transaction (it commits or rolls back with the change itself)."""
    entry = AuditLog(actor_id=actor_id, action=action, entity_type=entity_type, entity_id=entity_id,
                     changes=changes or {})
    db.session.add(entry)
    return entry


def diff(before: dict[str, Any], after: dict[str, Any]) -> dict[str, list[Any]]:
    """Field-level changes as ``{field: [old, new]}``, only for fields whose value changed."""
    return {k: [before.get(k), v] for k, v in after.items() if before.get(k) != v}
