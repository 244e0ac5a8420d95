"""The search outbox: one row per change to an indexed record, written in the same transaction."""

from datetime import datetime

from sqlmodel import JSON, Field, SQLModel, Text

from directory.core.time import utcnow


class SearchOutbox(SQLModel, table=True):
    __tablename__ = "search_outbox"

    id: int | None = Field(default=None, primary_key=True)
    entity_type: str = Field(max_length=20)  # institution / expert / offering / dictionary
    entity_id: int
    created_at: datetime = Field(default_factory=utcnow, index=True)
    attempts: int = 0
    available_at: datetime = Field(default_factory=utcnow, index=True)
    last_error: str = Field(default="", sa_type=Text)
    # Set once Meilisearch confirmed the change. Processed rows are kept for a day as the change log a
    # reindex replays after its swap (changes drained into the old index during the build).
    processed_at: datetime | None = Field(default=None, index=True)
    # The drainer working on the row (a random token) and until when; a claim that ran out belongs to a drainer
    # that crashed or hung, and the row is due again (search.sync).
    claimed_by: str | None = Field(default=None, max_length=32)
    claimed_until: datetime | None = Field(default=None)


class SearchSyncLock(SQLModel, table=True):
    """The one drainer at a time (search.sync): who holds the lock and until when. A holder renews it before
    each call that changes an index, so one whose lease ran out notices it lost the lock before it pushes."""

    __tablename__ = "search_sync_lock"

    name: str = Field(primary_key=True, max_length=40)
    holder: str | None = Field(default=None, max_length=32)
    expires_at: datetime | None = Field(default=None)


class SearchSynonym(SQLModel, table=True):
    """A group of terms that mean the same to a searcher (专利, 知识产权); staff maintain them."""

    __tablename__ = "search_synonym"

    id: int | None = Field(default=None, primary_key=True)
    terms: list[str] = Field(default_factory=list, sa_type=JSON)
    created_at: datetime = Field(default_factory=utcnow)


class SearchStopWord(SQLModel, table=True):
    """A word that carries no meaning in a search (我们, 需要, 有限公司); ignored in records and queries."""

    __tablename__ = "search_stop_word"

    id: int | None = Field(default=None, primary_key=True)
    word: str = Field(max_length=40, unique=True)
    created_at: datetime = Field(default_factory=utcnow)
