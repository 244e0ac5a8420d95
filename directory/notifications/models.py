"""The in-app inbox, and the mail outbox that a job delivers after the commit."""

from datetime import datetime

from sqlmodel import Field, SQLModel, Text

from directory.core.time import utcnow


class Notification(SQLModel, table=True):
    id: int | None = Field(default=None, primary_key=True)
    user_id: int = Field(foreign_key="user_account.id", index=True)
    kind: str = Field(max_length=40)
    title: str = Field(max_length=200)
    body: str = Field(default="", sa_type=Text)
    link: str = Field(default="", max_length=300)
    read_at: datetime | None = None
    created_at: datetime = Field(default_factory=utcnow)


class NotificationPreference(SQLModel, table=True):
    """One user's choice for one topic of notifications (directory/notifications/topics.py): whether it reaches
    the inbox and whether it is mailed. No row: both, the default."""

    __tablename__ = "notification_preference"

    user_id: int = Field(foreign_key="user_account.id", primary_key=True, ondelete="CASCADE")
    topic: str = Field(max_length=30, primary_key=True)
    inbox: bool = True
    mail: bool = True


class OutgoingMail(SQLModel, table=True):
    """One mail to send, written in the transaction of the change it tells about (a rolled-back request sends
    nothing) and delivered by :func:`directory.notifications.mail.deliver_due` after the commit, never inside
    the request. Pending: neither ``sent_at`` nor ``failed_at``; a worker holds it while ``claimed_until`` is
    in the future."""

    __tablename__ = "outgoing_mail"

    id: int | None = Field(default=None, primary_key=True)
    to_address: str = Field(max_length=320)
    subject: str = Field(sa_type=Text)
    # Emptied once a `secret` mail (a password-reset link) is sent or given up: the key is not kept.
    body: str = Field(default="", sa_type=Text)
    secret: bool = False
    created_at: datetime = Field(default_factory=utcnow)
    available_at: datetime = Field(default_factory=utcnow, index=True)
    attempts: int = 0
    last_error: str = Field(default="", sa_type=Text)
    claimed_until: datetime | None = None
    sent_at: datetime | None = Field(default=None, index=True)
    failed_at: datetime | None = None  # given up: too many attempts, or the server refused it for good
