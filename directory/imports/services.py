"""Bulk import of institutions and experts (CONTRACTS.md).

An import reads the whole file (:mod:`directory.imports.reading`), validates every row
(:mod:`directory.imports.checking`), and writes only when no row is invalid (or when the caller chose to skip
invalid rows). Re-importing updates the matched records instead of duplicating them, and writes only the
columns the file carries (see :mod:`directory.imports.columns`): an export (:mod:`directory.imports.exports`)
imported again reports every row ``unchanged`` and writes nothing.
"""

from __future__ import annotations

import gc
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from flask_babel import gettext as _

from directory.experts import services as experts
from directory.extensions import db
from directory.imports.checking import RowError, check_expert, check_institution
from directory.imports.columns import COLUMNS
from directory.imports.reading import ImportFileError, read_table
from directory.institutions import services as institutions
from directory.institutions.models import RecordStatus
from directory.taxonomy.services import Vocabulary


@dataclass
class RowResult:
    row: int
    name: str
    errors: list[RowError] = field(default_factory=list)
    action: str = ""  # created / updated / unchanged / skipped (would_create / would_update in a dry run)
    notes: list[str] = field(default_factory=list)  # what the row did not do, and why


@dataclass
class ImportReport:
    kind: str
    rows: list[RowResult] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    applied: bool = False

    @property
    def errors(self) -> list[RowError]:
        return [e for r in self.rows for e in r.errors]

    def count(self, action: str) -> int:
        return sum(1 for r in self.rows if r.action == action)



PROGRESS_EVERY = 500
LARGE_IMPORT_ROWS = 1000  # more rows than this are imported by a job (the back office), fewer in the request


@contextmanager
def _collector_paused() -> Iterator[None]:
    """Cyclic garbage collection off while a file is imported: the rows, inputs and insert parameters are
    hundreds of thousands of young objects, none of them garbage until the end, and the collector's passes
    over them took 40 % of a 10,000-row import's CPU time. Reference counting still frees what it can; the
    collector runs again as usual afterwards."""
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()


def import_rows(kind: str, rows: Iterable[dict[str, Any]], headers: dict[str, str] | None = None, *,
                admit: bool = False, skip_invalid: bool = False, actor_id: int | None = None,
                dry_run: bool = False, progress: Callable[..., None] | None = None) -> ImportReport:
    """Validate all rows, then write them (only when none is invalid, unless ``skip_invalid``).

    ``headers`` maps the keys of the columns the file carries to their headers; only those columns are written
    to matched records. Without it (rows built in code, as the demo seed does) each row's own keys are the
    columns it carries. With ``admit`` new and unpublished records are published; a suspended or removed one
    keeps its status and its row says so. Each row reports ``created``, ``updated`` or ``unchanged``.

    With ``dry_run`` nothing is written: each valid row says whether it would be created, would update an
    existing record or would leave it unchanged (the preview of the back-office upload). Flushes; the caller commits. Duplicate keys
    inside one file are errors on the later row. ``progress(done, total, message)`` (a queued import) hears
    of the checking every :data:`PROGRESS_EVERY` rows and of the writing.
    """
    if kind not in COLUMNS:
        raise ImportFileError(_("Unknown import kind."))
    with _collector_paused():
        return _import_rows(kind, rows, headers, admit=admit, skip_invalid=skip_invalid, actor_id=actor_id,
                            dry_run=dry_run, progress=progress)


def _import_rows(kind: str, rows: Iterable[dict[str, Any]], headers: dict[str, str] | None, *, admit: bool,
                 skip_invalid: bool, actor_id: int | None, dry_run: bool,
                 progress: Callable[..., None] | None) -> ImportReport:
    carried = set(headers) if headers else None
    headers = headers or {c.key: f"{c.zh}/{c.key}" for c in COLUMNS[kind]}
    vocab = Vocabulary()
    report = ImportReport(kind=kind)
    checked: list[tuple[RowResult, Any, set[str]]] = []
    seen: dict[Any, int] = {}
    rows = rows if isinstance(rows, list) else list(rows)
    for number, row in enumerate(rows):
        if progress is not None and number % PROGRESS_EVERY == 0:
            progress(number, len(rows), _("Checking the rows"))
        fields = carried if carried is not None else {k for k in row if not k.startswith("__")}
        data: Any
        if kind == "institutions":
            data, errors = check_institution(row, headers, vocab)
            key: Any = data.credit_code if data else None
        else:
            data, errors = check_expert(row, headers, vocab)
            key = (data.name, data.organization, data.phone) if data else None
        result = RowResult(row=int(row.get("__row__", len(checked) + 2)), name=str(row.get("name", "")), errors=errors)
        if key is not None and key in seen:
            column = "credit_code" if kind == "institutions" else "name"
            result.errors.append(RowError(result.row, headers.get(column, column),
                                          _("The same record is already in row %(row)s.", row=seen[key])))
            data = None
        elif key is not None:
            seen[key] = result.row
        report.rows.append(result)
        checked.append((result, data, fields))
    if dry_run:
        # The preview runs the real import inside a savepoint and rolls it back, so that it says exactly what
        # confirming would do, "unchanged" included, with nothing written (audit and outbox rows go too).
        savepoint = db.session.begin_nested()
        try:
            _apply(kind, checked, admit=admit, actor_id=actor_id)
        finally:
            savepoint.rollback()
        for result, _data, _fields in checked:
            result.action = {"created": "would_create", "updated": "would_update"}.get(result.action, result.action)
        return report
    if report.errors and not skip_invalid:
        return report
    if progress is not None:
        progress(len(rows), len(rows), _("Writing the records"))
    _apply(kind, checked, admit=admit, actor_id=actor_id)
    report.applied = True
    db.session.flush()
    return report


def _apply(kind: str, checked: list[tuple[RowResult, Any, set[str]]], *, admit: bool, actor_id: int | None) -> None:
    valid = [(result, data, fields) for result, data, fields in checked if data is not None]
    for result, data, _fields in checked:
        if data is None:
            result.action = "skipped"
    records: list[tuple[Any, str]]
    if kind == "institutions":  # in batches: one query for the matched records, one flush, one audit statement
        # The created records are not loaded back: a new record is never suspended or removed (no note).
        records = institutions.upsert_institutions([(data, fields) for _result, data, fields in valid], admit=admit,
                                                   actor_id=actor_id, load_created=False)
    else:
        records = [experts.upsert_expert(data=data, admit=admit, actor_id=actor_id, fields=fields)
                   for _result, data, fields in valid]
    for (result, _data, _fields), (record, action) in zip(valid, records, strict=True):
        result.action = action
        if admit and record is not None:
            _note_kept_status(result, record.status)
    db.session.flush()


def _note_kept_status(result: RowResult, status: str) -> None:
    if status in institutions.KEEPS_STATUS:
        label = _("suspended") if status == RecordStatus.SUSPENDED else _("removed")
        result.notes.append(_("Not published: the record is %(status)s, and an import does not reinstate it "
                              "(reinstate it in the back office).", status=label))


def import_file(kind: str, path: Path, *, admit: bool = False, skip_invalid: bool = False,
                actor_id: int | None = None, dry_run: bool = False,
                progress: Callable[..., None] | None = None) -> ImportReport:
    """Read ``path`` (.xlsx or .csv) and import it; see :func:`import_rows`."""
    with _collector_paused():
        rows, headers, warnings = read_table(path, COLUMNS[kind])
        report = import_rows(kind, rows, headers, admit=admit, skip_invalid=skip_invalid, actor_id=actor_id,
                             dry_run=dry_run, progress=progress)
    report.warnings = warnings + report.warnings
    return report




def count_rows(kind: str, path: Path, *, limit: int | None = None) -> int:
    """The data rows of an import file, at most ``limit`` (0 when it cannot be read: the import itself says why)."""
    try:
        rows, _headers, _warnings = read_table(path, COLUMNS[kind], limit=limit)
    except ImportFileError:
        return 0
    return len(rows)


def is_large(kind: str, path: Path) -> bool:
    """More than :data:`LARGE_IMPORT_ROWS` rows: a job, not the request. Reads only that far."""
    return count_rows(kind, path, limit=LARGE_IMPORT_ROWS + 1) > LARGE_IMPORT_ROWS
