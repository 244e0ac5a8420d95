"""One row per periodic job and tick that ran: the guard that makes a tick fire once across every worker."""

from datetime import datetime

from sqlalchemy import UniqueConstraint
from sqlmodel import Field, SQLModel, Text

from directory.core.time import utcnow


class JobRun(SQLModel, table=True):
    """Written in the job's own transaction before its body runs: a second worker's insert of the same
    (name, tick) fails on the unique key (on PostgreSQL it waits for the first to commit or roll back), so
    the body's effects commit exactly once, and a body that fails leaves the tick free for a retry."""

    __tablename__ = "job_runs"
    __table_args__ = (UniqueConstraint("name", "tick", name="uq_job_runs_name_tick"),)

    id: int | None = Field(default=None, primary_key=True)
    name: str = Field(max_length=60)
    tick: datetime  # the schedule's minute this run answers (UTC), not when a worker got to it
    started_at: datetime = Field(default_factory=utcnow)
    finished_at: datetime | None = None
    result: str = Field(default="", sa_type=Text)
