"""Reading an import file (.xlsx or .csv) into rows of cells keyed by column, within limits that keep a
damaged or hostile file from taking the server down. Whatever makes the whole file unreadable is an
:class:`ImportFileError`."""

from __future__ import annotations

import csv
import io
import zipfile
from collections.abc import Generator, Iterator
from pathlib import Path
from typing import Any

from flask_babel import gettext as _

from directory.core.spreadsheets import unquote_cell
from directory.imports.columns import Column, header_map

MAX_ROWS = 20_000  # data rows per file
MAX_XLSX_BYTES = 50 * 1024 * 1024  # the parts of an .xlsx, uncompressed
MAX_COMPRESSION_RATIO = 200  # a real sheet compresses 5-30 times; a zip bomb a thousand times


class ImportFileError(ValueError):
    """The file as a whole cannot be read (format, encoding, missing required columns)."""


class MissingColumns(ImportFileError):
    """A required column is not in the header row."""


class UnknownEncoding(ImportFileError):
    """A CSV file in neither UTF-8 nor GB18030."""


class TooManyRows(ImportFileError):
    """More than :data:`MAX_ROWS` data rows."""


class FileTooLarge(ImportFileError):
    """An .xlsx that would expand beyond :data:`MAX_XLSX_BYTES`, or suspiciously far (a zip bomb)."""


def read_table(path: Path, columns: tuple[Column, ...]) -> tuple[list[dict[str, Any]], dict[str, str], list[str]]:
    """Rows as ``{key: cell}`` (with the spreadsheet row number under ``__row__``), the header each key
    was found under, and warnings. Raises :class:`ImportFileError`.

    Only the known columns are kept (others are ignored, with a warning), at most :data:`MAX_ROWS` rows are
    read, and an .xlsx is refused before parsing when it would expand beyond :data:`MAX_XLSX_BYTES`. A cell
    exported with a protective leading ``'`` (:func:`directory.core.spreadsheets.safe_cell`) reads back as
    it was."""
    suffix = path.suffix.lower()
    if suffix == ".csv":
        raw_rows = _read_csv(path)
    elif suffix == ".xlsx":
        raw_rows = _read_xlsx(path)
    else:
        raise ImportFileError(_("Only .xlsx and .csv files can be imported."))
    try:
        return _table(raw_rows, columns)
    finally:
        raw_rows.close()  # a workbook left half read is closed at once


def _table(raw_rows: Iterator[list[Any]], columns: tuple[Column, ...]) -> tuple[list[dict[str, Any]], dict[str, str], list[str]]:
    header_row = next(raw_rows, None)
    if header_row is None:
        raise ImportFileError(_("The file is empty."))
    known = header_map(columns)
    first_data_row = 2
    if _is_title_row(header_row, known):
        # Our exports and the template carry a title row (unit, contents, date) above the header.
        header_row, first_data_row = next(raw_rows, None) or [], 3
    headers = [str(h or "").strip() for h in header_row]
    keys: list[str | None] = []
    found: dict[str, str] = {}
    warnings = []
    for header in headers:
        col = known.get(header) or known.get(header.lower())
        if col is None:
            keys.append(None)
            if header:
                warnings.append(_("Unknown column %(header)s is ignored.", header=header))
        elif col.key in found:
            raise ImportFileError(_("Column %(header)s appears twice.", header=header))
        else:
            keys.append(col.key)
            found[col.key] = header
    missing = [f"{c.zh}/{c.key}" for c in columns if c.required and c.key not in found]
    if missing:
        raise MissingColumns(_("Required columns are missing: %(columns)s", columns="、".join(missing)))
    width = max(n for n, key in enumerate(keys, start=1) if key is not None)  # cells right of it are not kept
    rows: list[dict[str, Any]] = []
    for number, values in enumerate(raw_rows, start=first_data_row):
        values = values[:width]
        if not any(str(v).strip() for v in values if v is not None):
            continue
        if len(rows) == MAX_ROWS:
            raise TooManyRows(_("A file may hold at most %(n)s rows.", n=MAX_ROWS))
        row: dict[str, Any] = {"__row__": number, **dict.fromkeys(found, "")}  # a short CSV row has empty cells
        for key, value in zip(keys, values, strict=False):
            if key is not None:
                row[key] = "" if value is None else unquote_cell(value)
        rows.append(row)
    return rows, found, warnings


def _is_title_row(row: list[Any], known: dict[str, Column]) -> bool:
    """A title row: one text cell at the left and no known header anywhere in the row."""
    cells = [str(v).strip() for v in row if v is not None and str(v).strip()]
    return len(cells) == 1 and str(row[0] or "").strip() == cells[0] and not any(
        c in known or c.lower() in known for c in cells)


def _read_csv(path: Path) -> Generator[list[Any]]:
    """The rows of a CSV file in UTF-8 (with or without BOM) or GB18030 (what Chinese Excel and WPS save)."""
    data = path.read_bytes()
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        try:
            text = data.decode("gb18030")
        except UnicodeDecodeError:
            raise UnknownEncoding(_("The CSV file is neither UTF-8 nor GB18030 encoded; save it as "
                                    "“CSV UTF-8”.")) from None
    return _csv_rows(text)


MAX_CSV_CELL = 131_072  # characters; far above any column's limit


def _csv_rows(text: str) -> Generator[list[Any]]:
    try:
        # The limit is checked here, not left to csv.field_size_limit(): that is process-wide, and other
        # libraries raise it when imported (frictionless sets it to the maximum).
        for row in csv.reader(io.StringIO(text)):
            if any(len(cell) > MAX_CSV_CELL for cell in row):
                raise csv.Error("cell too long")
            yield row
    except csv.Error:  # a cell beyond the limit, or an unclosed quote running to the end of the file
        raise ImportFileError(_("The CSV file cannot be read: a cell is far too long or a quotation mark is "
                                "not closed.")) from None


def check_xlsx_size(path: Path) -> None:
    """Refuse an .xlsx whose parts would expand beyond :data:`MAX_XLSX_BYTES`, or expand suspiciously far
    (a zip bomb), from the zip directory alone: nothing is decompressed. Raises :class:`ImportFileError`."""
    try:
        with zipfile.ZipFile(path) as archive:
            parts = archive.infolist()
    except (zipfile.BadZipFile, OSError) as exc:
        raise ImportFileError(_("The Excel file cannot be read.")) from exc
    total = sum(p.file_size for p in parts)
    bomb = any(p.file_size > 1024 * 1024 and p.file_size > MAX_COMPRESSION_RATIO * max(p.compress_size, 1)
               for p in parts)
    if total > MAX_XLSX_BYTES or bomb or len(parts) > 10_000:
        raise FileTooLarge(_("The Excel file expands to more than %(n)s MB; split it into smaller files.",
                                n=MAX_XLSX_BYTES // (1024 * 1024)))


def _read_xlsx(path: Path) -> Generator[list[Any]]:
    from openpyxl import load_workbook

    check_xlsx_size(path)
    try:
        workbook = load_workbook(path, read_only=True, data_only=True)
    except Exception as exc:  # openpyxl raises many kinds for a damaged or mislabelled file
        raise ImportFileError(_("The Excel file cannot be read.")) from exc
    return _xlsx_rows(workbook)


def _xlsx_rows(workbook: Any) -> Generator[list[Any]]:
    try:
        sheet = workbook.worksheets[0]
        for row in sheet.iter_rows(values_only=True):
            yield list(row)
    except Exception as exc:  # a damaged sheet is found only while reading it
        raise ImportFileError(_("The Excel file cannot be read.")) from exc
    finally:
        workbook.close()


