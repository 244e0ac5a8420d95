"""Notifications: the in-app inbox always; e-mail through SMTP when MAIL_SERVER is configured, otherwise the
message is written to the log (so a deployment without mail still has a record of what was sent)."""

from __future__ import annotations

import logging
import smtplib
from collections.abc import Sequence
from email.message import EmailMessage
from typing import Any, Protocol

from flask import current_app
from sqlmodel import col, func, select

from directory.core.errors import NotFound
from directory.core.paging import Page, paginate
from directory.core.time import utcnow
from directory.extensions import db
from directory.notifications.models import Notification

log = logging.getLogger(__name__)


class Recipient(Protocol):
    """Whom a notification is for: an account (``directory.accounts.models.User``), known here by its id and
    e-mail only, so that the inbox sits below the accounts that use it."""

    id: int | None
    email: str | None


def notify(*, users: Sequence[Recipient], kind: str, title: str, body: str = "", link: str = "") -> list[Notification]:
    """Put a message in each user's inbox (same transaction) and send it by e-mail where possible."""
    items = []
    for user in users:
        # Titles quote names of up to 200 characters; the column holds 200 (PostgreSQL refuses more: a 500).
        item = Notification(user_id=user.id, kind=kind, title=title[:200], body=body, link=link[:300])  # type: ignore[arg-type]
        db.session.add(item)
        items.append(item)
        if user.email:
            send_mail(to=user.email, subject=title, body=f"{body}\n\n{link}".strip())
    db.session.flush()
    return items


def header_text(value: str) -> str:
    """``value`` on one line, fit for a mail header: CR, LF and the other line breaks become spaces. Subjects are
    built from names users typed (an institution, an event), and a line break there would either start a new
    header (``Bcc:``) or make :class:`EmailMessage` refuse the message."""
    return " ".join(str(value).splitlines()).strip()


def send_mail(*, to: str, subject: str, body: str, secret: bool = False) -> None:
    """Send one e-mail, or log it when no SMTP server is configured. Mail failures never undo the change;
    a recipient holding a line break (or no ``@``) is not written into a header at all. A ``secret`` body (a
    password-reset link is the key to the account) is never written to the log: without MAIL_SERVER such a mail
    is not delivered at all, and the log says only that it was withheld."""
    if not to or "@" not in to or header_text(to) != to.strip():
        log.warning("mail not sent: the recipient %r is not one address", to)
        return
    to, subject = to.strip(), header_text(subject)
    server = current_app.config.get("MAIL_SERVER")
    if not server:
        if secret:
            log.warning("mail (no MAIL_SERVER configured) to=%s subject=%s: not delivered, and its body is not "
                        "logged because it holds a one-time link", to, subject)
        else:
            log.info("mail (no MAIL_SERVER configured) to=%s subject=%s\n%s", to, subject, body)
        return
    message = EmailMessage()
    message["From"] = header_text(current_app.config.get("MAIL_FROM", "noreply@localhost"))
    message["To"] = to
    message["Subject"] = subject
    message.set_content(body)
    try:
        with smtplib.SMTP(server, int(current_app.config.get("MAIL_PORT", 25)), timeout=10) as smtp:
            smtp.send_message(message)
    except (OSError, smtplib.SMTPException):
        log.exception("mail to %s failed; the inbox still has it", to)


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


