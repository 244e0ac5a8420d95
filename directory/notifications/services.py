"""Notifications: the in-app inbox always, and an e-mail to every recipient with an address. The mail is written
to the outbox in the same transaction (:mod:`directory.notifications.mail`) and sent by a job after the commit:
through SMTP when MAIL_SERVER is configured, to the log otherwise (so a deployment without mail still has a
record of what was sent). Nothing here talks to a mail server."""

from __future__ import annotations

import logging
from collections.abc import Sequence
from typing import Any, Protocol

from flask_babel import lazy_gettext as _l
from sqlmodel import col, func, select

from directory.core.errors import NotFound
from directory.core.paging import Page, paginate
from directory.core.time import utcnow
from directory.core.urls import site_url
from directory.extensions import db
from directory.notifications import mail
from directory.notifications.models import Notification, NotificationPreference
from directory.notifications.topics import TOPICS, topic_of

log = logging.getLogger(__name__)


class Recipient(Protocol):
    """Whom a notification is for: an account (``directory.accounts.models.User``), known here by its id and
    e-mail only, so that the inbox sits below the accounts that use it."""

    id: int | None
    email: str | None


def notify(*, users: Sequence[Recipient], kind: str, title: str, body: str = "", link: str = "") -> list[Notification]:
    """Put a message in each user's inbox and a mail in the outbox (same transaction), each unless the user
    turned that off for the kind's topic (:func:`preferences`). The inbox keeps ``link`` as the site path it
    is; the mail carries it absolute on SITE_URL."""
    items = []
    choices = _choices(users, kind)
    for user in users:
        inbox_wanted, mail_wanted = choices.get(user.id, (True, True))  # type: ignore[arg-type]
        if inbox_wanted:
            # Titles quote names of up to 200 characters; the column holds 200 (PostgreSQL refuses more: a 500).
            item = Notification(user_id=user.id, kind=kind, title=title[:200], body=body, link=link[:300])  # type: ignore[arg-type]
            db.session.add(item)
            items.append(item)
        if user.email and mail_wanted:
            send_mail(to=user.email, subject=title, body=f"{body}\n\n{site_url(link) if link else ''}".strip())
    db.session.flush()
    return items


def _choices(users: Sequence[Recipient], kind: str) -> dict[int, tuple[bool, bool]]:
    """``{user id: (inbox, mail)}`` for the users who chose otherwise than the default for ``kind``'s topic."""
    topic = topic_of(kind)
    ids = [u.id for u in users if u.id is not None]
    if topic is None or not ids:
        return {}
    rows = db.session.exec(select(NotificationPreference).where(
        col(NotificationPreference.user_id).in_(ids), NotificationPreference.topic == topic)).all()
    return {p.user_id: (p.inbox, p.mail) for p in rows}


def preferences(user: Any) -> dict[str, tuple[bool, bool]]:
    """Every topic with the user's ``(inbox, mail)`` choice; both on unless they turned one off."""
    chosen = {p.topic: (p.inbox, p.mail) for p in db.session.exec(select(NotificationPreference).where(
        NotificationPreference.user_id == user.id)).all()}
    return {topic: chosen.get(topic, (True, True)) for topic in TOPICS}


def set_preferences(*, user: Any, choices: dict[str, tuple[bool, bool]]) -> bool:
    """Save the user's choices (topics not named keep theirs); returns whether anything changed. A choice of
    both channels is the default and keeps no row. Raises :class:`InvalidInput` for an unknown topic."""
    from directory.core.errors import InvalidInput

    unknown = set(choices) - set(TOPICS)
    if unknown:
        raise InvalidInput(_l("Unknown kind of notification."))
    current = preferences(user)
    changed = False
    for topic, (inbox_on, mail_on) in choices.items():
        if current[topic] == (inbox_on, mail_on):
            continue
        changed = True
        row = db.session.get(NotificationPreference, (user.id, topic))
        if inbox_on and mail_on:
            if row is not None:
                db.session.delete(row)
            continue
        row = row or NotificationPreference(user_id=user.id, topic=topic)
        row.inbox, row.mail = inbox_on, mail_on
        db.session.add(row)
    db.session.flush()
    return changed


def send_mail(*, to: str, subject: str, body: str, secret: bool = False) -> None:
    """Write one e-mail to the outbox, in the current transaction: it is sent after the commit, and a rolled-back
    change sends nothing. A recipient that is not one address (a line break, a second address, no ``@``) is not
    written into a header at all: the mail is refused with a warning. A ``secret`` body (a password-reset link is
    the key to the account) is never written to the log: without MAIL_SERVER such a mail is not delivered at
    all, and the log says only that it was withheld. Links in ``body`` must be absolute on SITE_URL
    (:func:`directory.core.urls.site_url`)."""
    if not mail.one_address(to):
        log.warning("mail not sent: the recipient %r is not one address", to)
        return
    mail.write(db.session, to=to.strip(), subject=mail.header_text(subject), body=body, secret=secret)


INBOX_PER_PAGE = 10  # on the "my" page


def inbox(user: Any, *, page: int = 1, per_page: int | None = None) -> Page[Notification]:
    """A user's messages, newest first: one page of them with the total."""
    return paginate(select(Notification).where(Notification.user_id == user.id)
                    .order_by(col(Notification.id).desc()), page=page, per_page=per_page or INBOX_PER_PAGE)


def unread_count(user: Any) -> int:
    """How many of a user's messages nobody opened yet."""
    return int(db.session.exec(select(func.count()).select_from(Notification).where(
        Notification.user_id == user.id, col(Notification.read_at).is_(None))).one())


def open_message(*, user: Any, message_id: int) -> Notification:
    """A user opens one of their messages: it is marked read (the first time). Raises :class:`NotFound` for
    a message that is not theirs, so nobody learns which messages exist."""
    item = db.session.get(Notification, message_id)
    if item is None or item.user_id != getattr(user, "id", None):
        raise NotFound()
    if item.read_at is None:
        item.read_at = utcnow()
        db.session.add(item)
        db.session.flush()
    return item


def mark_read(user: Any) -> int:
    """Mark every unread message of a user read; returns how many were."""
    items = db.session.exec(select(Notification).where(
        Notification.user_id == user.id, col(Notification.read_at).is_(None))).all()
    for item in items:
        item.read_at = utcnow()
        db.session.add(item)
    db.session.flush()
    return len(items)


