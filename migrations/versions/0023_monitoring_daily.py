"""monitoring_daily: the dashboard's pre-aggregated day × district × status summary, kept by triggers (issue 13)

Revision ID: 0023
Revises: 0022
Create Date: 2026-12-02

The table is described in directory/monitoring/models.py. Its rows are kept exact by row triggers, written here
for both dialects from the same per-row expressions: an insert adds the row's contribution to its summary row
(an upsert), a delete takes it back, an update does both (only when a column the dashboard reads changes). The
expressions are the raw queries' own (directory/monitoring/services.py: seconds between two timestamps, the UTC
weekday for the two-working-day allowance), so the summary equals the raw figures. The day is the day in
Asia/Shanghai (UTC+8 all year: no daylight saving time since 1991); the dashboard falls back to the raw queries
if the platform's time zone is ever set to another one.

The upgrade backfills the summary from the existing rows (one GROUP BY per table).

monitoring_duration mirrors each answered engagement's response time and each answered need's answer time
(with its day, district and bucket: hours, six hours, days), and monitoring_daily holds per month their
histogram of buckets (kinds engagement_h / demand_h): the dashboard finds the median's bucket from the histogram and reads
the one or two middle values from the bucket's rows of ix_monitoring_duration_bucket, instead of sorting a
year of durations. ix_institution_monitoring covers the institution figures (admitted ones by district: grade,
badge, confirmed_at) so they are index-only scans.

NOTE for later migrations: on SQLite ``op.batch_alter_table`` on engagement, demand, review or enterprise
recreates the table and drops its triggers; such a migration must call ``create_triggers()`` of this one again.
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op

revision: str = "0023"
down_revision: str | None = "0022"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

SHANGHAI_OFFSET = "+8 hours"  # SQLite: Asia/Shanghai has no daylight saving time
GOOD = ("very_satisfied", "satisfied")
BAD = ("dissatisfied", "very_dissatisfied")
COLUMNS = "kind, day, region_id, status, n, answered, seconds, within"
UPSERT = ("ON CONFLICT (kind, day, region_id, status) DO UPDATE SET n = monitoring_daily.n + excluded.n, "
          "answered = monitoring_daily.answered + excluded.answered, "
          "seconds = monitoring_daily.seconds + excluded.seconds, within = monitoring_daily.within + excluded.within")


def _day(pg: bool, column: str) -> str:
    if pg:
        return f"CAST(({column} AT TIME ZONE 'Asia/Shanghai') AS DATE)"
    # SQLite's date() rounds to the millisecond: 15:59:59.9999 UTC would fall on the next Shanghai day. Periods
    # start at whole seconds, so the seconds truncated ("YYYY-MM-DD HH:MM:SS", as SQLAlchemy stores them) tell.
    return f"date(substr({column}, 1, 19), '{SHANGHAI_OFFSET}')"


def _seconds(pg: bool, later: str, earlier: str) -> str:
    # Exactly services._seconds_between (SQLite: the bound 86400.0 there is the same double as here).
    if pg:
        return f"CAST(EXTRACT(epoch FROM {later} - {earlier}) AS FLOAT)"
    return f"((julianday({later}) - julianday({earlier})) * 86400.0)"


def _weekday(pg: bool, column: str) -> str:
    return (f"CAST(EXTRACT(dow FROM timezone('UTC', {column})) AS INTEGER)" if pg
            else f"CAST(strftime('%w', {column}) AS INTEGER)")


def _quote(values: tuple[str, ...]) -> str:
    return ", ".join(f"'{v}'" for v in values)


def _enterprise_region(p: str) -> str:
    return f"(SELECT region_id FROM enterprise WHERE id = {p}enterprise_id)"


def _month(pg: bool, column: str) -> str:
    """The first day of the Shanghai month: the histograms' rows are per month (periods are whole months)."""
    if pg:
        return f"CAST(date_trunc('month', {column} AT TIME ZONE 'Asia/Shanghai') AS DATE)"
    return f"date(substr({column}, 1, 19), '{SHANGHAI_OFFSET}', 'start of month')"


def _hour_bucket(pg: bool, value: str) -> str:
    """The duration's bucket: whole hours up to two days, six hours up to a week, days up to a year (-1 below
    zero, 426 beyond): few buckets per month and district (the histogram is summed per dashboard), each small
    enough to read up to a rank. Non-decreasing in the value (a piece's last bucket is at most the next one's
    first even where a division rounds up), which is all the exact median needs: a bucket is a contiguous
    block of the sorted values."""
    def whole(x: str) -> str:
        return f"CAST(floor({x}) AS INTEGER)" if pg else f"CAST({x} AS INTEGER)"

    return (f"(CASE WHEN {value} < 0 THEN -1 WHEN {value} < 172800 THEN {whole(f'{value} / 3600.0')} "
            f"WHEN {value} < 604800 THEN 48 + {whole(f'({value} - 172800) / 21600.0')} "
            f"WHEN {value} < 31536000 THEN 68 + {whole(f'({value} - 604800) / 86400.0')} ELSE 426 END)")


# Per source table, a function of (dialect, row prefix, region expression) giving its contributions to the
# summary — values (kind, day, region, status, n, answered, seconds, within) and a condition — and its duration
# (the value the median is of, with the column it is NULL without), or None.
Contribution = tuple[list[str], str]


def _engagement(pg: bool, p: str, region: str) -> list[Contribution]:
    response = _seconds(pg, f"{p}responded_at", f"{p}requested_at")
    weekday = _weekday(pg, f"{p}requested_at")
    allowance = f"CASE WHEN {weekday} IN (4, 5) THEN 345600 WHEN {weekday} = 6 THEN 259200 ELSE 172800 END"
    return [(["'engagement'", _day(pg, f"{p}requested_at"), region, f"{p}status", "1",
              f"CASE WHEN {p}responded_at IS NOT NULL THEN 1 ELSE 0 END", f"COALESCE({response}, 0.0)",
              f"CASE WHEN {p}responded_at IS NOT NULL AND {response} < {allowance} THEN 1 ELSE 0 END"], "1 = 1"),
            (["'engagement_h'", _month(pg, f"{p}requested_at"), region,
              f"CAST({_hour_bucket(pg, response)} AS TEXT)", "1", "0", "0.0", "0"],
             f"{p}responded_at IS NOT NULL")]


def _demand(pg: bool, p: str, region: str) -> list[Contribution]:
    answer = _seconds(pg, f"{p}answered_at", f"{p}created_at")
    return [(["'demand'", _day(pg, f"{p}created_at"), region, f"{p}status", "1",
              f"CASE WHEN {p}answered_at IS NOT NULL THEN 1 ELSE 0 END", f"COALESCE({answer}, 0.0)", "0"], "1 = 1"),
            (["'demand_h'", _month(pg, f"{p}created_at"), region, f"CAST({_hour_bucket(pg, answer)} AS TEXT)",
              "1", "0", "0.0", "0"], f"{p}answered_at IS NOT NULL")]


def _review(pg: bool, p: str, region: str) -> list[Contribution]:
    status = (f"CASE WHEN {p}verdict IN ({_quote(GOOD)}) THEN 'good' WHEN {p}verdict IN ({_quote(BAD)}) "
              f"THEN 'bad' ELSE 'other' END")
    return [(["'review'", _day(pg, f"{p}created_at"), region, status, "1", "0", "0.0", "0"],
             f"NOT {p}invalid AND {p}approval = 'approved'")]


SOURCES = {
    "engagement": (_engagement, ["status", "requested_at", "responded_at", "enterprise_id"]),
    "demand": (_demand, ["status", "created_at", "answered_at", "region_id", "enterprise_id"]),
    "review": (_review, ["verdict", "invalid", "approval", "created_at", "enterprise_id"]),
}
# The durations whose median the dashboard shows: (start, end) columns, mirrored in monitoring_duration.
DURATIONS = {"engagement": ("requested_at", "responded_at"), "demand": ("created_at", "answered_at")}


def _row_region(table: str, p: str) -> str:
    if table == "demand":
        return f"COALESCE({p}region_id, {_enterprise_region(p)}, 0)"
    return f"COALESCE({_enterprise_region(p)}, 0)"


def _row_upserts(pg: bool, table: str, p: str, sign: int) -> list[str]:
    """The contribution of one row (``NEW.`` / ``OLD.``), added (sign 1) or taken back (sign -1)."""
    out = []
    for values, condition in SOURCES[table][0](pg, p, _row_region(table, p)):
        kind, day, region, status, n, answered, seconds, within = values
        out.append(f"INSERT INTO monitoring_daily ({COLUMNS}) SELECT {kind}, {day}, {region}, {status}, "
                   f"{sign} * {n}, {sign} * {answered}, {sign} * {seconds}, {sign} * {within} "
                   f"WHERE {condition} {UPSERT}")
    if table in DURATIONS:
        start, end = DURATIONS[table]
        if sign < 0:
            out.append(f"DELETE FROM monitoring_duration WHERE kind = '{table}' AND source_id = OLD.id")
        else:
            value = _seconds(pg, f"{p}{end}", f"{p}{start}")
            out.append(f"INSERT INTO monitoring_duration (kind, source_id, day, region_id, bucket, seconds) "
                       f"SELECT '{table}', {p}id, {_day(pg, f'{p}{start}')}, {_row_region(table, p)}, "
                       f"{_hour_bucket(pg, value)}, {value} WHERE {p}{end} IS NOT NULL")
    return out


def _group_upserts(pg: bool, table: str, *, region: str | None = None, where: str = "1 = 1",
                   sign: int = 1) -> list[str]:
    """The contribution of many rows of ``table`` (alias src, its enterprise ent), grouped: the backfill and an
    enterprise's move. ``region`` overrides the district (the enterprise's old or new one)."""
    default = "COALESCE(src.region_id, ent.region_id, 0)" if table == "demand" else "COALESCE(ent.region_id, 0)"
    out = []
    for values, condition in SOURCES[table][0](pg, "src.", region or default):
        kind, day, region_sql, status, _n, answered, seconds, within = values
        out.append(f"INSERT INTO monitoring_daily ({COLUMNS}) SELECT {kind}, {day}, {region_sql}, {status}, "
                   f"{sign} * COUNT(*), {sign} * SUM({answered}), {sign} * SUM({seconds}), {sign} * SUM({within}) "
                   f"FROM {table} src LEFT JOIN enterprise ent ON ent.id = src.enterprise_id "
                   f"WHERE {condition} AND {where} GROUP BY 1, 2, 3, 4 {UPSERT}")
    return out


def _duration_backfill(pg: bool, table: str) -> str:
    start, end = DURATIONS[table]
    region = "COALESCE(src.region_id, ent.region_id, 0)" if table == "demand" else "COALESCE(ent.region_id, 0)"
    value = _seconds(pg, f"src.{end}", f"src.{start}")
    return (f"INSERT INTO monitoring_duration (kind, source_id, day, region_id, bucket, seconds) "
            f"SELECT '{table}', src.id, {_day(pg, f'src.{start}')}, {region}, {_hour_bucket(pg, value)}, {value} "
            f"FROM {table} src LEFT JOIN enterprise ent ON ent.id = src.enterprise_id WHERE src.{end} IS NOT NULL")


def _enterprise_moves(pg: bool) -> list[str]:
    """When an enterprise changes district its engagements, reviews and needs without a region of their own
    leave the old district's rows for the new one's."""
    out = []
    for table in SOURCES:
        where = "src.enterprise_id = NEW.id" + (" AND src.region_id IS NULL" if table == "demand" else "")
        out += _group_upserts(pg, table, region="COALESCE(OLD.region_id, 0)", where=where, sign=-1)
        out += _group_upserts(pg, table, region="COALESCE(NEW.region_id, 0)", where=where, sign=1)
        if table in DURATIONS:
            out.append(f"UPDATE monitoring_duration SET region_id = COALESCE(NEW.region_id, 0) "
                       f"WHERE kind = '{table}' AND source_id IN (SELECT src.id FROM {table} src WHERE {where})")
    return out


def create_triggers() -> None:
    pg = op.get_bind().dialect.name == "postgresql"
    for table, (_fn, columns) in SOURCES.items():
        name = f"monitoring_{table}_sync"
        columns = [*columns, *DURATIONS.get(table, ())]
        old, new = _row_upserts(pg, table, "OLD.", -1), _row_upserts(pg, table, "NEW.", 1)
        if pg:
            op.execute(f"""CREATE FUNCTION {name}() RETURNS trigger LANGUAGE plpgsql AS $fn$
BEGIN
    IF TG_OP <> 'INSERT' THEN {"; ".join(old)}; END IF;
    IF TG_OP <> 'DELETE' THEN {"; ".join(new)}; END IF;
    RETURN NULL;
END $fn$""")
            op.execute(f"CREATE TRIGGER {name} AFTER INSERT OR DELETE OR UPDATE OF {', '.join(sorted(set(columns)))} "
                       f"ON {table} FOR EACH ROW EXECUTE FUNCTION {name}()")
            continue
        op.execute(f"CREATE TRIGGER {name}_insert AFTER INSERT ON {table} BEGIN {'; '.join(new)}; END")
        op.execute(f"CREATE TRIGGER {name}_delete AFTER DELETE ON {table} BEGIN {'; '.join(old)}; END")
        op.execute(f"CREATE TRIGGER {name}_update AFTER UPDATE OF {', '.join(sorted(set(columns)))} ON {table} "
                   f"BEGIN {'; '.join(old + new)}; END")
    moves = _enterprise_moves(pg)
    if pg:
        op.execute("CREATE FUNCTION monitoring_enterprise_sync() RETURNS trigger LANGUAGE plpgsql AS $fn$\nBEGIN\n"
                   + "".join(f"    {statement};\n" for statement in moves) + "    RETURN NULL;\nEND $fn$")
        op.execute("CREATE TRIGGER monitoring_enterprise_sync AFTER UPDATE OF region_id ON enterprise FOR EACH ROW "
                   "WHEN (OLD.region_id IS DISTINCT FROM NEW.region_id) EXECUTE FUNCTION monitoring_enterprise_sync()")
    else:
        op.execute("CREATE TRIGGER monitoring_enterprise_sync AFTER UPDATE OF region_id ON enterprise "
                   "WHEN OLD.region_id IS NOT NEW.region_id BEGIN " + "; ".join(moves) + "; END")


def drop_triggers() -> None:
    pg = op.get_bind().dialect.name == "postgresql"
    for table in [*SOURCES, "enterprise"]:
        name = f"monitoring_{table}_sync"
        if pg:
            op.execute(f"DROP TRIGGER IF EXISTS {name} ON {table}")
            op.execute(f"DROP FUNCTION IF EXISTS {name}()")
        else:
            for suffix in ("", "_insert", "_delete", "_update"):
                op.execute(f"DROP TRIGGER IF EXISTS {name}{suffix}")


def backfill() -> None:
    pg = op.get_bind().dialect.name == "postgresql"
    op.execute("DELETE FROM monitoring_daily")
    op.execute("DELETE FROM monitoring_duration")
    for table in SOURCES:
        for statement in _group_upserts(pg, table):
            op.execute(statement)
        if table in DURATIONS:
            op.execute(_duration_backfill(pg, table))


def upgrade() -> None:
    op.create_table(
        "monitoring_daily",
        sa.Column("kind", sqlmodel.sql.sqltypes.AutoString(length=12), nullable=False),
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("region_id", sa.Integer(), nullable=False),
        sa.Column("status", sqlmodel.sql.sqltypes.AutoString(length=24), nullable=False),
        sa.Column("n", sa.Integer(), nullable=False),
        sa.Column("answered", sa.Integer(), nullable=False),
        sa.Column("seconds", sa.Float(), nullable=False),
        sa.Column("within", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("kind", "day", "region_id", "status"),
        sqlite_with_rowid=False,  # the primary key is the table: a period is one contiguous range read
    )
    op.create_table(
        "monitoring_duration",
        sa.Column("kind", sqlmodel.sql.sqltypes.AutoString(length=12), nullable=False),
        sa.Column("source_id", sa.Integer(), nullable=False),
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("region_id", sa.Integer(), nullable=False),
        sa.Column("bucket", sa.Integer(), nullable=False),
        sa.Column("seconds", sa.Float(), nullable=False),
        sa.PrimaryKeyConstraint("kind", "source_id"),
        sqlite_with_rowid=False,
    )
    op.create_index("ix_monitoring_duration_bucket", "monitoring_duration",
                    ["kind", "bucket", "seconds", "day", "region_id"], unique=False)
    op.create_index("ix_institution_monitoring", "institution",
                    ["status", "region_id", "grade", "badge", "confirmed_at"], unique=False)
    backfill()
    create_triggers()


def downgrade() -> None:
    drop_triggers()
    op.drop_index("ix_institution_monitoring", table_name="institution")
    op.drop_index("ix_monitoring_duration_bucket", table_name="monitoring_duration")
    op.drop_table("monitoring_duration")
    op.drop_table("monitoring_daily")
