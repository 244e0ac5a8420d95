"""Set-based writes of many rows in the current transaction (a bulk import's records, links, offerings, audit
entries and outbox rows): what ``connection.execute(insert(model), rows)`` writes, only faster on PostgreSQL.

Why PostgreSQL is different: psycopg 3's ``executemany`` (what SQLAlchemy uses for a plain multi-row INSERT on
this driver) sends one INSERT per row in pipeline mode, so a 10,000-row import made the server run ~130,000
INSERT statements and the client build as many parameter sets; most of the import's time went there. There, the
rows go through ``COPY … FROM STDIN`` on the same connection instead: one statement per table, the same
transaction (a rollback or a rolled-back savepoint undoes them as it would the INSERTs), each value passed
through the column type's own SQLAlchemy bind processor and adapted by psycopg as it would be for the INSERT,
so the stored rows are the same. Column defaults the rows leave out are applied as the INSERT would apply
them; ids come from the table's own sequence, so they are taken from it up front when the caller needs them
(:func:`insert_with_ids`). On SQLite (and any other database) these are the plain executemany INSERTs.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

from sqlalchemy import Connection, Table, insert, text

# Turned off by the tests that hold the COPY path equal to the generic one (tests/imports).
COPY_ON_POSTGRESQL = True
# Fewer rows go as INSERTs: a COPY takes two round trips to the server where one INSERT takes one, and the
# outbox rows of an ordinary flush are one or two.
COPY_MIN_ROWS = 20


def _table(model: Any) -> Table:
    return model if isinstance(model, Table) else model.__table__


def _uses_copy(conn: Connection, rows: Sequence[Any]) -> bool:
    return COPY_ON_POSTGRESQL and len(rows) >= COPY_MIN_ROWS and conn.dialect.name == "postgresql"


def bulk_insert(conn: Connection, model: Any, rows: Sequence[dict[str, Any]]) -> None:
    """Insert ``rows`` (dicts with the same keys, column keys of ``model``'s table) on ``conn``."""
    if not rows:
        return
    table = _table(model)
    keys = set(rows[0])
    unknown = keys - {c.key for c in table.columns}
    if unknown:  # a mistake, refused on both paths (an executemany INSERT and COPY would both drop it silently)
        raise ValueError(f"no column(s) {sorted(unknown)} in {table.name}")
    if not _uses_copy(conn, rows):
        conn.execute(insert(table), rows)
        return
    given = [c for c in table.columns if c.key in keys]
    # Columns the rows leave out but that have a client-side default: the INSERT would apply it (per row, so a
    # callable default gives each row its own value); those without one get the table's own DEFAULT (a serial
    # id, a server default) from COPY as from the INSERT.
    defaulted = [c for c in table.columns if c.key not in keys and c.default is not None
                 and (c.default.is_scalar or c.default.is_callable)]
    columns = given + defaulted
    processors = [c.type._cached_bind_processor(conn.dialect) for c in columns]  # noqa: SLF001 (SQLAlchemy's own)
    preparer = conn.dialect.identifier_preparer
    statement = (f"COPY {preparer.format_table(table)} ({', '.join(preparer.quote(c.name) for c in columns)}) "
                 "FROM STDIN")
    given_keys = [c.key for c in given]
    defaults = [_default_maker(c.default) for c in defaulted]
    converted = [(i, p) for i, p in enumerate(processors) if p is not None]
    raw = conn.connection.driver_connection
    with raw.cursor() as cursor, cursor.copy(statement) as copy:  # type: ignore[union-attr]
        for row in rows:
            values = [row[k] for k in given_keys] + [make() for make in defaults]
            for i, process in converted:
                if values[i] is not None:
                    values[i] = process(values[i])
            copy.write_row(values)


def _default_maker(default: Any) -> Callable[[], Any]:
    """A column's client-side default as the INSERT computes it: the value, or the callable called (SQLAlchemy
    wraps a no-argument callable into one taking the execution context, which none of ours reads)."""
    if default.is_scalar:
        value = default.arg
        return lambda: value
    function = default.arg
    return lambda: function(None)


def insert_with_ids(conn: Connection, model: Any, rows: Sequence[dict[str, Any]],
                    find_ids: Callable[[], list[int]]) -> list[int]:
    """:func:`bulk_insert`, and the new rows' ids in the order of ``rows``. On PostgreSQL they are taken from
    the id column's sequence first (in one statement, ascending like the INSERTs would have had them) and
    written with the rows; elsewhere ``find_ids()`` reads them back after the INSERT (a RETURNING in the
    parameters' order made SQLite insert row by row)."""
    if not rows:
        return []
    if not _uses_copy(conn, rows):
        conn.execute(insert(_table(model)), rows)
        return find_ids()
    table = _table(model)
    ids = list(conn.execute(text("SELECT nextval(pg_get_serial_sequence(:table, 'id')) FROM generate_series(1, :n) "
                                 "ORDER BY 1"), {"table": table.name, "n": len(rows)}).scalars())
    bulk_insert(conn, table, [{**row, "id": new_id} for row, new_id in zip(rows, ids, strict=True)])
    return [int(i) for i in ids]
