"""Notifications: the in-app inbox always; e-mail through SMTP when MAIL_SERVER is configured, otherwise the
message is written to the log (so a deployment without mail still has a record of what was sent)."""

from __future__ import annotations

import logging
import smtplib
from email.message import EmailMessage
from typing import Any

from flask import current_app
from sqlmodel import col, select

from directory.accounts.models import User
from directory.core.time import utcnow
from directory.extensions import db
from directory.notifications.models import Notification

log = logging.getLogger(__name__)


def notify(*, users: list[User], kind: str, title: str, body: str = "", link: str = "") -> list[Notification]:
    """Put a message in each user's inbox (same transaction) and send it by e-mail where possible."""
    items = []
    for user in users:
        item = Notification(user_id=user.id, kind=kind, title=title, body=body, link=link)  # type: ignore[arg-type]
        db.session.add(item)
        items.append(item)
        if user.email:
            send_mail(to=user.email, subject=title, body=f"{body}\n\n{link}".strip())
    db.session.flush()
    return items


def send_mail(*, to: str, subject: str, body: str, secret: bool = False) -> None:
    """Send one e-mail, or log it when no SMTP server is configured. Mail failures never undo the change.
    A ``secret`` body (a password-reset link is the key to the account) is never written to the log: without
    MAIL_SERVER such a mail is not delivered at all, and the log says only that it was withheld."""
    server = current_app.config.get("MAIL_SERVER")
    if not server:
        if secret:
            log.warning("mail (no MAIL_SERVER configured) to=%s subject=%s: not delivered, and its body is not "
                        "logged because it holds a one-time link", to, subject)
        else:
            log.info("mail (no MAIL_SERVER configured) to=%s subject=%s\n%s", to, subject, body)
        return
    message = EmailMessage()
    message["From"] = current_app.config.get("MAIL_FROM", "noreply@localhost")
    message["To"] = to
    message["Subject"] = subject
    message.set_content(body)
    try:
        with smtplib.SMTP(server, int(current_app.config.get("MAIL_PORT", 25)), timeout=10) as smtp:
            smtp.send_message(message)
    except (OSError, smtplib.SMTPException):
        log.exception("mail to %s failed; the inbox still has it", to)


def inbox(user: Any, *, limit: int = 50) -> list[Notification]:
    return list(db.session.exec(select(Notification).where(Notification.user_id == user.id)
                                .order_by(col(Notification.id).desc()).limit(limit)).all())


def mark_read(user: Any) -> None:
    for item in db.session.exec(select(Notification).where(
            Notification.user_id == user.id, col(Notification.read_at).is_(None))).all():
        item.read_at = utcnow()
        db.session.add(item)


def staff_users() -> list[User]:
    from directory.accounts.models import STAFF_ROLES

    return list(db.session.exec(select(User).where(col(User.role).in_(STAFF_ROLES), User.active)).all())
