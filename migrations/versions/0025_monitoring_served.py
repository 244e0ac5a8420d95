"""monitoring_served: the SMEs served per period, district and enterprise, kept by triggers (issue 13)

Revision ID: 0025
Revises: 0024
Create Date: 2026-12-02

The table is described in directory/monitoring/models.py (MonitoringServed). The dashboard's "SMEs served" is a
distinct count of enterprises over a year's engagements (a few hundred thousand index entries read and
de-duplicated per request, 130–230 ms on PostgreSQL at 10^6 engagements); with one row per (period, district,
enterprise) — for both the Shanghai year and quarter of the engagement's request, the two kinds of period the
dashboard offers — it is a count of a primary-key range.

Row triggers as in 0023, separate from 0023's (so neither migration has to rewrite the other's): an engagement
counts while its status is accepted, in progress or completed; inserting one adds 1 to its year's and its
quarter's row (an upsert), deleting it takes 1 back and deletes the rows that reach 0 (so a count of rows is a
count of enterprises), an update of its status, request time or enterprise does both. The take-back finds its
rows by enterprise and period, not district (ix_monitoring_served_enterprise), so it does not depend on the
enterprise's district at that moment. When an enterprise changes district its rows move with it.

The period codes are Period.code's ("2025", "2025Q3") of the request time in Asia/Shanghai, computed as 0023
computes days (SQLite: seconds truncated, +8 hours; PostgreSQL: AT TIME ZONE), so a row's period is exactly
the one whose UTC bounds hold the request time.

The upgrade backfills the table from the existing engagements (two GROUP BYs).

NOTE for later migrations: on SQLite ``op.batch_alter_table`` on engagement or enterprise recreates the table and
drops its triggers; such a migration must call ``create_triggers()`` of this one (and of 0023) again.
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op

revision: str = "0025"
down_revision: str | None = "0024"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

SERVED = "('accepted', 'in_progress', 'completed')"  # services.SERVED
TRIGGER_COLUMNS = "enterprise_id, requested_at, status"


def _periods(pg: bool, column: str) -> tuple[str, str]:
    """The Shanghai year and quarter of ``column`` as Period.code spells them."""
    if pg:
        local = f"({column} AT TIME ZONE 'Asia/Shanghai')"
        return f"to_char({local}, 'YYYY')", f"to_char({local}, 'YYYY\"Q\"Q')"
    local = f"substr({column}, 1, 19), '+8 hours'"  # as 0023's _day: 15:59:59.9999 UTC is still the same day
    year = f"strftime('%Y', {local})"
    return year, f"{year} || 'Q' || ((CAST(strftime('%m', {local}) AS INTEGER) + 2) / 3)"


def _add(pg: bool) -> list[str]:
    region = "COALESCE((SELECT region_id FROM enterprise WHERE id = NEW.enterprise_id), 0)"
    return [f"INSERT INTO monitoring_served (period, region_id, enterprise_id, n) "
            f"SELECT {period}, {region}, NEW.enterprise_id, 1 WHERE NEW.status IN {SERVED} "
            f"ON CONFLICT (period, region_id, enterprise_id) DO UPDATE SET n = monitoring_served.n + 1"
            for period in _periods(pg, "NEW.requested_at")]


def _take_back(pg: bool) -> list[str]:
    year, quarter = _periods(pg, "OLD.requested_at")
    rows = f"enterprise_id = OLD.enterprise_id AND period IN ({year}, {quarter})"
    return [f"UPDATE monitoring_served SET n = n - 1 WHERE {rows} AND OLD.status IN {SERVED}",
            f"DELETE FROM monitoring_served WHERE {rows} AND n <= 0"]


MOVE = "UPDATE monitoring_served SET region_id = COALESCE(NEW.region_id, 0) WHERE enterprise_id = NEW.id"


def create_triggers() -> None:
    pg = op.get_bind().dialect.name == "postgresql"
    add, take_back = _add(pg), _take_back(pg)
    if pg:
        op.execute(f"""CREATE FUNCTION monitoring_served_sync() RETURNS trigger LANGUAGE plpgsql AS $fn$
BEGIN
    IF TG_OP <> 'INSERT' THEN {"; ".join(take_back)}; END IF;
    IF TG_OP <> 'DELETE' THEN {"; ".join(add)}; END IF;
    RETURN NULL;
END $fn$""")
        op.execute(f"CREATE TRIGGER monitoring_served_sync AFTER INSERT OR DELETE OR UPDATE OF {TRIGGER_COLUMNS} "
                   f"ON engagement FOR EACH ROW EXECUTE FUNCTION monitoring_served_sync()")
        op.execute(f"""CREATE FUNCTION monitoring_served_move() RETURNS trigger LANGUAGE plpgsql AS $fn$
BEGIN
    {MOVE};
    RETURN NULL;
END $fn$""")
        op.execute("CREATE TRIGGER monitoring_served_move AFTER UPDATE OF region_id ON enterprise FOR EACH ROW "
                   "WHEN (OLD.region_id IS DISTINCT FROM NEW.region_id) EXECUTE FUNCTION monitoring_served_move()")
        return
    op.execute(f"CREATE TRIGGER monitoring_served_sync_insert AFTER INSERT ON engagement BEGIN {'; '.join(add)}; END")
    op.execute(f"CREATE TRIGGER monitoring_served_sync_delete AFTER DELETE ON engagement "
               f"BEGIN {'; '.join(take_back)}; END")
    op.execute(f"CREATE TRIGGER monitoring_served_sync_update AFTER UPDATE OF {TRIGGER_COLUMNS} ON engagement "
               f"BEGIN {'; '.join(take_back + add)}; END")
    op.execute(f"CREATE TRIGGER monitoring_served_move AFTER UPDATE OF region_id ON enterprise "
               f"WHEN OLD.region_id IS NOT NEW.region_id BEGIN {MOVE}; END")


def drop_triggers() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute("DROP TRIGGER IF EXISTS monitoring_served_sync ON engagement")
        op.execute("DROP TRIGGER IF EXISTS monitoring_served_move ON enterprise")
        op.execute("DROP FUNCTION IF EXISTS monitoring_served_sync()")
        op.execute("DROP FUNCTION IF EXISTS monitoring_served_move()")
        return
    for name in ("sync_insert", "sync_delete", "sync_update", "move"):
        op.execute(f"DROP TRIGGER IF EXISTS monitoring_served_{name}")


def backfill() -> None:
    pg = op.get_bind().dialect.name == "postgresql"
    op.execute("DELETE FROM monitoring_served")
    for period in _periods(pg, "src.requested_at"):
        op.execute(f"INSERT INTO monitoring_served (period, region_id, enterprise_id, n) "
                   f"SELECT {period}, COALESCE(ent.region_id, 0), src.enterprise_id, COUNT(*) "
                   f"FROM engagement src LEFT JOIN enterprise ent ON ent.id = src.enterprise_id "
                   f"WHERE src.status IN {SERVED} GROUP BY 1, 2, 3")


def upgrade() -> None:
    op.create_table(
        "monitoring_served",
        sa.Column("period", sqlmodel.sql.sqltypes.AutoString(length=6), nullable=False),
        sa.Column("region_id", sa.Integer(), nullable=False),
        sa.Column("enterprise_id", sa.Integer(), nullable=False),
        sa.Column("n", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("period", "region_id", "enterprise_id"),
        sqlite_with_rowid=False,  # the primary key is the table: a period's count is one range of it
    )
    op.create_index("ix_monitoring_served_enterprise", "monitoring_served", ["enterprise_id", "period"],
                    unique=False)
    backfill()
    create_triggers()


def downgrade() -> None:
    drop_triggers()
    op.drop_index("ix_monitoring_served_enterprise", table_name="monitoring_served")
    op.drop_table("monitoring_served")
