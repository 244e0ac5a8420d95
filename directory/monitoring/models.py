"""The dashboard's daily summary (issue 13): engagements, needs and reviews counted per day, district and status.

One row per (kind, day, region_id, status), kept exact by database triggers on ``engagement``, ``demand``,
``review`` and ``enterprise`` (migration 0023): every insert, update and delete of a row adds its contribution
to its row here and takes back its old one, in the same statement and so in the same transaction — there is no
lag and no job, and rows written by any path (services, factories, bulk inserts, raw SQL) are counted. Triggers
rather than hooks in the services because an ORM hook would miss a Core ``insert()`` / ``update()`` and the
counts would drift without anyone noticing; the dashboard equals the raw queries only if nothing is missed.

- ``day``: the day in the platform's time zone (Asia/Shanghai, UTC+8, no daylight saving time), so that every
  period (a year or quarter in that zone, :mod:`.periods`) is a whole range of days.
- ``region_id``: the district as the raw queries count it — the enterprise's for engagements and reviews, the
  need's own else its enterprise's for needs; 0 for none. When an enterprise moves, its rows move with it
  (the trigger on ``enterprise``).
- ``status``: the engagement's or need's status; for reviews ``good`` / ``bad`` / ``other`` (好评 / 差评 / the
  rest), valid approved reviews only (the others count nowhere on the dashboard).
- ``answered`` / ``seconds``: how many have a response (answer) time and the sum of those times in seconds,
  computed with the same SQL expression as the raw query (so the mean is the raw mean up to the order of the
  floating-point additions); ``within``: answered within two working days (engagements).
"""

from __future__ import annotations

from datetime import date

from sqlalchemy import Index
from sqlmodel import Field, SQLModel


class MonitoringDaily(SQLModel, table=True):
    __tablename__ = "monitoring_daily"
    # SQLite: the primary key is the table (no rowid table beside its index), so a period is one contiguous
    # range read of (kind, day, …) rows, not an index range plus a table lookup per row.
    __table_args__ = {"sqlite_with_rowid": False}

    kind: str = Field(primary_key=True, max_length=12)  # engagement / demand / review
    day: date = Field(primary_key=True)
    region_id: int = Field(primary_key=True)  # 0: no district (no foreign key: 0 is not a region)
    status: str = Field(primary_key=True, max_length=24)
    n: int = 0
    answered: int = 0
    seconds: float = 0.0
    within: int = 0


class MonitoringDuration(SQLModel, table=True):
    """Each answered engagement's response time and each answered need's answer time (kept by the same
    triggers), so that the dashboard's medians read one or two rows instead of sorting a year of durations: the
    summary's per-month histogram of ``bucket`` (kinds ``engagement_h`` / ``demand_h``) names the bucket holding
    the middle rank, and the bucket's rows come sorted by ``seconds`` from the index. ``bucket``: whole hours up
    to two days, six hours up to a week, days up to a year (migration 0023), non-decreasing in ``seconds``: each
    bucket is a contiguous block of the sorted values, so the median read this way is exactly the raw one."""

    __tablename__ = "monitoring_duration"
    __table_args__ = (Index("ix_monitoring_duration_bucket", "kind", "bucket", "seconds", "day", "region_id"),
                      {"sqlite_with_rowid": False})

    kind: str = Field(primary_key=True, max_length=12)  # engagement / demand
    source_id: int = Field(primary_key=True)  # the engagement's or need's id (no foreign key: the trigger deletes)
    day: date  # the Shanghai day it was requested / posted
    region_id: int  # as in MonitoringDaily
    bucket: int
    seconds: float


class MonitoringServed(SQLModel, table=True):
    """The SMEs served (issue 13): per period the dashboard offers (a Shanghai year ``"2025"`` or quarter
    ``"2025Q3"``, :attr:`Period.code <directory.monitoring.periods.Period.code>`), district and enterprise, how many
    of the enterprise's engagements requested in it are accepted, in progress or completed — kept by the
    triggers of migration 0025 like the daily summary, a row deleted when its count falls to zero. A distinct
    count does not add up over days, but over these rows it is a plain count of a primary-key range: the
    period's (all districts) or the period's and district's rows, read from the index alone.

    ``region_id``: the enterprise's district (0 for none), moved with it when it moves (the trigger on
    ``enterprise``); an enterprise has one district, so the period's rows count each enterprise once."""

    __tablename__ = "monitoring_served"
    # The decrement finds its rows by enterprise (its district may be unknown by then), a move by enterprise.
    __table_args__ = (Index("ix_monitoring_served_enterprise", "enterprise_id", "period"),
                      {"sqlite_with_rowid": False})

    period: str = Field(primary_key=True, max_length=6)
    region_id: int = Field(primary_key=True)  # 0: no district
    enterprise_id: int = Field(primary_key=True)  # no foreign key: the summary follows, it does not constrain
    n: int = 0


class MonitoringServedCount(SQLModel, table=True):
    """How many rows :class:`MonitoringServed` holds per period and district — the SMEs served — kept by
    triggers on that table (migration 0025), so the dashboard sums at most one row per district instead of
    counting 10^5 index entries (40–100 ms on PostgreSQL)."""

    __tablename__ = "monitoring_served_count"
    __table_args__ = {"sqlite_with_rowid": False}

    period: str = Field(primary_key=True, max_length=6)
    region_id: int = Field(primary_key=True)
    n: int = 0
