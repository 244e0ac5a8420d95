"""Writing and reading the audit log; every service that changes a record calls :func:`record`."""

from __future__ import annotations

import getpass
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from flask import has_request_context, request
from sqlmodel import col, select

from directory.audit.models import AuditLog
from directory.core.bulk import bulk_insert
from directory.core.paging import Page, paginate
from directory.core.time import utcnow
from directory.extensions import db

# The dates staff type on the audit page are Yingkou's calendar days (the app's display time zone).
LOCAL_TZ = ZoneInfo("Asia/Shanghai")
PER_PAGE = 50


def client_address() -> str | None:
    """The address of the client of the current request (after ProxyFix), or None outside a request."""
    if not has_request_context():
        return None
    return (request.remote_addr or "")[:45] or None


def record(*, actor_id: int | None, action: str, entity_type: str, entity_id: int | None,
           changes: dict[str, Any] | None = None) -> AuditLog:
    """Add one audit entry to the current transaction (it commits or rolls back with the change itself).
    Inside a request the entry carries the client's address."""
    entry = AuditLog(actor_id=actor_id, action=action, entity_type=entity_type, entity_id=entity_id,
                     changes=changes or {}, client_address=client_address())
    db.session.add(entry)
    return entry


def record_many(*, actor_id: int | None, entries: list[tuple[str, str, int | None, dict[str, Any]]]) -> None:
    """Add many audit entries, ``(action, entity_type, entity_id, changes)`` each, to the current transaction
    in one statement (a bulk import's thousands of rows); the same entries as :func:`record` would write."""
    if not entries:
        return
    now, address = utcnow(), client_address()
    bulk_insert(db.session.connection(), AuditLog, [
        {"actor_id": actor_id, "action": action, "entity_type": entity_type, "entity_id": entity_id,
         "changes": changes, "created_at": now, "client_address": address}
        for action, entity_type, entity_id, changes in entries])


def diff(before: dict[str, Any], after: dict[str, Any]) -> dict[str, list[Any]]:
    """Field-level changes as ``{field: [old, new]}``, only for fields whose value changed."""
    return {k: [before.get(k), v] for k, v in after.items() if before.get(k) != v}


def record_export(*, kind: str, rows: int, target: str, actor_id: int | None = None) -> AuditLog:
    """Audit an export of personal data (``kind`` "institutions" or "experts": records with contact details):
    who, how many rows, where to. A command line export has no account; it names the operating-system user."""
    changes: dict[str, Any] = {"rows": rows, "target": target}
    if actor_id is None:
        changes["os_user"] = os_user()
    entity = kind.removesuffix("s")
    return record(actor_id=actor_id, action=f"{entity}.export", entity_type=entity, entity_id=None, changes=changes)


def os_user() -> str:
    """Who runs a command line command (its audit entries have no account)."""
    try:
        return getpass.getuser()
    except (KeyError, OSError):  # no passwd entry (some containers)
        return "unknown"


@dataclass(frozen=True)
class AuditFilter:
    """What the audit page asks for; every part optional. Dates are inclusive local calendar days."""

    actor_id: int | None = None
    entity_type: str | None = None
    entity_id: int | None = None
    since: date | None = None
    until: date | None = None


def _local_midnight(day: date) -> datetime:
    return datetime.combine(day, time.min, tzinfo=LOCAL_TZ)


def search(*, where: AuditFilter, page: int = 1, per_page: int = PER_PAGE) -> Page[AuditLog]:
    """Audit entries matching ``where``, newest first: one page of them with the total."""
    statement = select(AuditLog)
    if where.actor_id is not None:
        statement = statement.where(AuditLog.actor_id == where.actor_id)
    if where.entity_type:
        statement = statement.where(AuditLog.entity_type == where.entity_type)
    if where.entity_id is not None:
        statement = statement.where(AuditLog.entity_id == where.entity_id)
    if where.since:
        statement = statement.where(col(AuditLog.created_at) >= _local_midnight(where.since))
    if where.until:
        statement = statement.where(col(AuditLog.created_at) < _local_midnight(where.until + timedelta(days=1)))
    return paginate(statement.order_by(col(AuditLog.created_at).desc(), col(AuditLog.id).desc()), page=page,
                    per_page=per_page)


# The kinds of record the services write entries for, offered by the page's filter (a DISTINCT over a log of
# millions of rows on every page view would cost more than the page); any other kind can still be typed.
ENTITY_TYPES = ("user", "institution", "expert", "enterprise", "offering", "demand", "engagement",
                "review", "event", "meeting", "evaluation_period", "category", "industry", "region", "tag")
