"""monitoring_served and institution_top_category: the SMEs served per period, district and enterprise, and the admitted institutions per top-level category, kept by triggers (issue 13)

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

institution_top_category (directory/institutions/models.py, InstitutionTopCategory) does the same for the
counts per top-level category of the home page and the dashboard (an admitted institution once under each
top-level category it is in: a distinct count over institutioncategory × category × institution, 180–260 ms on
SQLite at 10^5 institutions): one row per (top-level category, district, admitted institution) with how many of
its categories lie under it; triggers on institutioncategory (a category added, removed, changed), institution
(admitted or not any more, another district, deleted) and category (moved under another parent) keep it.

monitoring_served_count and institution_top_category_count hold the two tables' row counts per (period or
top-level category, district), kept by triggers on them, so a request sums at most a row per district.

ix_institution_stale (status, confirmed_at, id, region_id) gives the dashboard's list of the longest
unconfirmed institutions in index order, read up to its limit of 20 instead of sorting the stale half, and
their count as two range counts (never confirmed; confirmed before the cut-off). ix_institution_grade (status,
grade, badge) gives all districts' grades and badges in grade order (0023's ix_institution_monitoring leads with
region_id, which a GROUP BY grade over every district must sort away: 40 ms of CPU on SQLite at 10^5).

NOTE for later migrations: on SQLite ``op.batch_alter_table`` on engagement, enterprise, institution,
institutioncategory or category recreates the table and drops its triggers; such a migration must call
``create_triggers()`` of this one (and 0023's) again.
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

# A trigger: name -> (event, table, condition in SQLite's WHEN syntax (IS NOT; PostgreSQL's IS DISTINCT FROM is
# derived), its statements). Every trigger here is an AFTER … FOR EACH ROW one, a plpgsql function of the same
# name on PostgreSQL, except the bulk INSERT ones there (:func:`_statement_triggers`).
Trigger = tuple[str, str, str | None, list[str]]


def _served_triggers(pg: bool) -> dict[str, Trigger]:
    add, take_back = _add(pg), _take_back(pg)
    return {"monitoring_served_add": ("INSERT", "engagement", None, add),
            "monitoring_served_remove": ("DELETE", "engagement", None, take_back),
            "monitoring_served_change": (f"UPDATE OF {TRIGGER_COLUMNS}", "engagement", None, take_back + add),
            "monitoring_served_move": ("UPDATE OF region_id", "enterprise", "OLD.region_id IS NOT NEW.region_id",
                                       [MOVE])}


# institution_top_category (directory/institutions/models.py): per admitted institution and top-level category,
# how many of its categories lie under it. The take-back and the rewrites find rows by institution
# (ix_institution_top_category_institution), so a cascade from a deleted institution, whatever the order in
# which the database runs it, only ever removes that institution's rows.
TOP = "COALESCE(c.parent_id, c.id)"
TOP_UPSERT = ("ON CONFLICT (top_id, region_id, institution_id) DO UPDATE SET n = institution_top_category.n + "
              "excluded.n")


def _top_rows(where: str) -> str:
    """The rows of the admitted institutions matching ``where`` (over ic, c, i), grouped."""
    return (f"INSERT INTO institution_top_category (top_id, region_id, institution_id, n) "
            f"SELECT {TOP}, COALESCE(i.region_id, 0), ic.institution_id, COUNT(*) FROM institutioncategory ic "
            f"JOIN category c ON c.id = ic.category_id JOIN institution i ON i.id = ic.institution_id "
            f"WHERE i.status = 'admitted' AND {where} GROUP BY 1, 2, 3 {TOP_UPSERT}")


TOP_TRIGGERS: dict[str, Trigger] = {
    "institution_top_category_add": ("INSERT", "institutioncategory", None, [
        f"INSERT INTO institution_top_category (top_id, region_id, institution_id, n) "
        f"SELECT {TOP}, COALESCE(i.region_id, 0), NEW.institution_id, 1 FROM institution i, category c "
        f"WHERE i.id = NEW.institution_id AND i.status = 'admitted' AND c.id = NEW.category_id {TOP_UPSERT}"]),
    "institution_top_category_remove": ("DELETE", "institutioncategory", None, [
        "UPDATE institution_top_category SET n = n - 1 WHERE institution_id = OLD.institution_id "
        "AND top_id = (SELECT COALESCE(c.parent_id, c.id) FROM category c WHERE c.id = OLD.category_id)",
        "DELETE FROM institution_top_category WHERE institution_id = OLD.institution_id AND n <= 0"]),
    "institution_top_category_change": ("UPDATE OF category_id, institution_id", "institutioncategory", None, [
        "DELETE FROM institution_top_category WHERE institution_id IN (OLD.institution_id, NEW.institution_id)",
        _top_rows("ic.institution_id IN (OLD.institution_id, NEW.institution_id)")]),
    "institution_top_category_institution": ("UPDATE OF status, region_id", "institution",
                                             "OLD.status IS NOT NEW.status OR OLD.region_id IS NOT NEW.region_id", [
        "DELETE FROM institution_top_category WHERE institution_id = NEW.id",
        _top_rows("ic.institution_id = NEW.id")]),
    "institution_top_category_gone": ("DELETE", "institution", None, [
        "DELETE FROM institution_top_category WHERE institution_id = OLD.id"]),
    "institution_top_category_parent": ("UPDATE OF parent_id", "category", "OLD.parent_id IS NOT NEW.parent_id", [
        "DELETE FROM institution_top_category WHERE institution_id IN "
        "(SELECT institution_id FROM institutioncategory WHERE category_id = NEW.id)",
        _top_rows("ic.institution_id IN (SELECT x.institution_id FROM institutioncategory x "
                  "WHERE x.category_id = NEW.id)")]),
}


# On PostgreSQL the triggers that fire once per row of a bulk write are statement triggers reading the
# statement's transition table instead: an import links thousands of institutions to their categories in one
# statement (COPY or a multi-row INSERT), and a plpgsql call per row cost ~55 µs each (20,000 links: 1,368 ms
# with row triggers, 267 ms without any). Same statements over ``new_rows``, grouped, so each upsert touches a
# key once. An upsert's INSERT transition table holds only the rows it inserted, as the row triggers saw.
def _statement_triggers() -> dict[str, tuple[str, list[str]]]:
    out = {"institution_top_category_add": ("institutioncategory", [
        f"INSERT INTO institution_top_category (top_id, region_id, institution_id, n) "
        f"SELECT {TOP}, COALESCE(i.region_id, 0), nr.institution_id, COUNT(*) FROM new_rows nr "
        f"JOIN institution i ON i.id = nr.institution_id JOIN category c ON c.id = nr.category_id "
        f"WHERE i.status = 'admitted' GROUP BY 1, 2, 3 {TOP_UPSERT}"])}
    for table, (source, key) in COUNTS.items():
        out[f"{table}_add"] = (source, [
            f"INSERT INTO {table} ({key}, region_id, n) SELECT {key}, region_id, COUNT(*) FROM new_rows "
            f"GROUP BY 1, 2 ON CONFLICT ({key}, region_id) DO UPDATE SET n = {table}.n + excluded.n"])
    return out


def triggers(pg: bool) -> dict[str, Trigger]:
    """Every trigger of this migration (created after the backfills, dropped first)."""
    return {**_served_triggers(pg), **TOP_TRIGGERS, **_count_triggers()}


def create_triggers() -> None:
    pg = op.get_bind().dialect.name == "postgresql"
    statement_level = _statement_triggers() if pg else {}
    for name, (event, table, condition, statements) in triggers(pg).items():
        if pg:
            if name in statement_level:
                table, statements = statement_level[name]
            op.execute(f"CREATE FUNCTION {name}() RETURNS trigger LANGUAGE plpgsql AS $fn$\nBEGIN\n"
                       + "".join(f"    {statement};\n" for statement in statements) + "    RETURN NULL;\nEND $fn$")
            when = f" WHEN ({condition.replace(' IS NOT ', ' IS DISTINCT FROM ')})" if condition else ""
            level = (" REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT" if name in statement_level
                     else f" FOR EACH ROW{when}")
            op.execute(f"CREATE TRIGGER {name} AFTER {event} ON {table}{level} EXECUTE FUNCTION {name}()")
        else:
            when = f" WHEN {condition}" if condition else ""
            op.execute(f"CREATE TRIGGER {name} AFTER {event} ON {table}{when} BEGIN {'; '.join(statements)}; END")


def drop_triggers() -> None:
    pg = op.get_bind().dialect.name == "postgresql"
    for name, (_event, table, _condition, _statements) in triggers(pg).items():
        op.execute(f"DROP TRIGGER IF EXISTS {name}" + (f" ON {table}" if pg else ""))
        if pg:
            op.execute(f"DROP FUNCTION IF EXISTS {name}()")


def backfill() -> None:
    pg = op.get_bind().dialect.name == "postgresql"
    op.execute("DELETE FROM monitoring_served")
    for period in _periods(pg, "src.requested_at"):
        op.execute(f"INSERT INTO monitoring_served (period, region_id, enterprise_id, n) "
                   f"SELECT {period}, COALESCE(ent.region_id, 0), src.enterprise_id, COUNT(*) "
                   f"FROM engagement src LEFT JOIN enterprise ent ON ent.id = src.enterprise_id "
                   f"WHERE src.status IN {SERVED} GROUP BY 1, 2, 3")


# The row counts of the two tables above per (period or top-level category, district), kept by triggers on
# them (a row inserted, deleted, or moved to another district): the dashboard and the home page sum at most a
# row per district instead of counting 10^5 index entries per request. An upsert that updates an existing row
# fires its UPDATE triggers, not its INSERT ones, on both databases, so only new rows are counted.
COUNTS = {"monitoring_served_count": ("monitoring_served", "period"),
          "institution_top_category_count": ("institution_top_category", "top_id")}


def _count_triggers() -> dict[str, Trigger]:
    out: dict[str, Trigger] = {}
    for table, (source, key) in COUNTS.items():
        def add(p: str, sign: int, table: str = table, key: str = key) -> str:
            return (f"INSERT INTO {table} ({key}, region_id, n) VALUES ({p}{key}, {p}region_id, {sign}) "
                    f"ON CONFLICT ({key}, region_id) DO UPDATE SET n = {table}.n + excluded.n")
        out[f"{table}_add"] = ("INSERT", source, None, [add("NEW.", 1)])
        out[f"{table}_remove"] = ("DELETE", source, None, [add("OLD.", -1)])
        out[f"{table}_move"] = (f"UPDATE OF {key}, region_id", source,
                                f"OLD.{key} IS NOT NEW.{key} OR OLD.region_id IS NOT NEW.region_id",
                                [add("OLD.", -1), add("NEW.", 1)])
    return out


def backfill_counts() -> None:
    for table, (source, key) in COUNTS.items():
        op.execute(f"DELETE FROM {table}")
        op.execute(f"INSERT INTO {table} ({key}, region_id, n) SELECT {key}, region_id, COUNT(*) FROM {source} "
                   f"GROUP BY 1, 2")


def backfill_top() -> None:
    op.execute("DELETE FROM institution_top_category")
    op.execute(_top_rows("1 = 1"))


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
    op.create_table(
        "institution_top_category",
        sa.Column("top_id", sa.Integer(), nullable=False),
        sa.Column("region_id", sa.Integer(), nullable=False),
        sa.Column("institution_id", sa.Integer(), nullable=False),
        sa.Column("n", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("top_id", "region_id", "institution_id"),
        sqlite_with_rowid=False,
    )
    op.create_index("ix_institution_top_category_institution", "institution_top_category",
                    ["institution_id", "top_id"], unique=False)
    backfill_top()
    op.create_index("ix_institution_stale", "institution", ["status", "confirmed_at", "id", "region_id"],
                    unique=False)
    op.create_index("ix_institution_grade", "institution", ["status", "grade", "badge"], unique=False)
    for table, (_source, key) in COUNTS.items():
        op.create_table(
            table,
            sa.Column(key, sqlmodel.sql.sqltypes.AutoString(length=6) if key == "period" else sa.Integer(),
                      nullable=False),
            sa.Column("region_id", sa.Integer(), nullable=False),
            sa.Column("n", sa.Integer(), nullable=False),
            sa.PrimaryKeyConstraint(key, "region_id"),
            sqlite_with_rowid=False,
        )
    backfill_counts()
    create_triggers()


def downgrade() -> None:
    drop_triggers()
    for table in COUNTS:
        op.drop_table(table)
    op.drop_index("ix_institution_grade", table_name="institution")
    op.drop_index("ix_institution_stale", table_name="institution")
    op.drop_index("ix_institution_top_category_institution", table_name="institution_top_category")
    op.drop_table("institution_top_category")
    op.drop_index("ix_monitoring_served_enterprise", table_name="monitoring_served")
    op.drop_table("monitoring_served")
