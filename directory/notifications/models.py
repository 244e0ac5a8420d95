"""The in-app inbox; e-mail goes out through SMTP when configured."""

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
