"""Keeping admitted records current: an institution nobody confirmed for a year is stale, its users are
reminded (at most once a month) until they confirm it or change it."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from flask_babel import gettext as _
from sqlalchemy import or_
from sqlmodel import col, select

from directory.accounts import permissions
from directory.accounts.models import User
from directory.audit import services as audit
from directory.core.errors import NotAllowed
from directory.core.paging import Page, paginate
from directory.core.time import utcnow
from directory.extensions import db
from directory.institutions.models import Institution, RecordStatus
from directory.notifications import services as notifications
from directory.notifications.models import Notification

STALE_AFTER = timedelta(days=365)


def _stale_query(now: Any = None) -> Any:
    cutoff = (now or utcnow()) - STALE_AFTER
    return (select(Institution).where(Institution.status == RecordStatus.ADMITTED,
                                      or_(col(Institution.confirmed_at) < cutoff, col(Institution.confirmed_at).is_(None)))
            .order_by(col(Institution.confirmed_at).is_not(None), col(Institution.confirmed_at), col(Institution.id)))


def stale_institutions(*, now: Any = None, page: int = 1, per_page: int | None = None) -> Page[Institution]:
    """Admitted institutions whose data nobody confirmed for twelve months (or ever), oldest first; one page
    of them with the total."""
    return paginate(_stale_query(now), page=page, per_page=per_page)


def is_stale(institution_id: int, *, now: Any = None) -> bool:
    """Whether this institution is on the stale list (the same rule, in SQL)."""
    return db.session.exec(_stale_query(now).where(Institution.id == institution_id)).first() is not None


def remind_stale(*, now: Any = None) -> int:
    """Remind the users of every stale institution to confirm or update it (at most once a month each);
    returns how many institutions were reminded."""
    now = now or utcnow()
    reminded = 0
    for inst in db.session.exec(_stale_query(now)).all():
        users = list(db.session.exec(select(User).where(User.institution_id == inst.id)).all())
        if not users:
            continue
        recent = db.session.exec(select(Notification).where(
            col(Notification.user_id).in_([u.id for u in users]), Notification.kind == "institution.stale",
            col(Notification.created_at) > now - timedelta(days=30))).first()
        if recent is not None:
            continue
        notifications.notify(users=users, kind="institution.stale",
                             title=_("Please confirm that your institution's information is still current."),
                             link=f"/institutions/{inst.id}")
        reminded += 1
    return reminded


def confirm_current(*, institution: Institution, user: Any) -> None:
    """The owner (or staff) confirms the record is current: it is no longer stale."""
    if not permissions.can_edit_institution(user, institution):
        raise NotAllowed()
    institution.confirmed_at = utcnow()
    db.session.add(institution)
    db.session.flush()
    audit.record(actor_id=user.id, action="institution.confirm", entity_type="institution", entity_id=institution.id)


