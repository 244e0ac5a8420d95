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
from xml.etree import ElementTree

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


def read_table(path: Path, columns: tuple[Column, ...], *,
               limit: int | None = None) -> tuple[list[dict[str, Any]], dict[str, str], list[str]]:
    """Rows as ``{key: cell}`` (with the spreadsheet row number under ``__row__``), the header each key
    was found under, and warnings. Raises :class:`ImportFileError`.

    Only the known columns are kept (others are ignored, with a warning), at most :data:`MAX_ROWS` rows are
    read, and an .xlsx is refused before parsing when it would expand beyond :data:`MAX_XLSX_BYTES`. A cell
    exported with a protective leading ``'`` (:func:`directory.core.spreadsheets.safe_cell`) reads back as
    it was. With ``limit`` the reading stops after that many rows (a count that only needs to know "more than")."""
    suffix = path.suffix.lower()
    if suffix == ".csv":
        raw_rows = _read_csv(path)
    elif suffix == ".xlsx":
        raw_rows = _read_xlsx(path)
    else:
        raise ImportFileError(_("Only .xlsx and .csv files can be imported."))
    try:
        return _table(raw_rows, columns, limit)
    finally:
        raw_rows.close()  # a workbook left half read is closed at once


def _table(raw_rows: Iterator[list[Any]], columns: tuple[Column, ...],
           limit: int | None = None) -> tuple[list[dict[str, Any]], dict[str, str], list[str]]:
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
        if len(rows) == limit:
            break
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
    check_xlsx_size(path)
    try:
        return sheet_rows(path)
    except _NotPlain:
        pass
    except (KeyError, IndexError, ValueError, zipfile.BadZipFile, ElementTree.ParseError) as exc:
        raise ImportFileError(_("The Excel file cannot be read.")) from exc
    from openpyxl import load_workbook

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


# -- the first sheet's values, read straight from its XML -----------------------------------------------
#
# openpyxl (even read-only) builds an object per cell: 10,000 rows of 17 columns took 14 s to read, more than
# the rest of the import. The values of a sheet are plain XML, read here with the standard library's streaming
# parser the way openpyxl reads them with ``data_only=True``: shared and inline strings as their text, numbers
# as int or float, booleans, errors as their text, a formula's cached value, missing rows as empty rows. A
# workbook that formats cells as dates or times (values openpyxl would convert) is left to openpyxl.
# tests/imports/test_reading.py checks both readers give the same rows.

MAIN = "{http://schemas.openxmlformats.org/spreadsheetml/2006/main}"
RELS = "{http://schemas.openxmlformats.org/package/2006/relationships}"
DOC_RELS = "{http://schemas.openxmlformats.org/officeDocument/2006/relationships}"


class _NotPlain(Exception):
    """The workbook needs openpyxl (date formats, an unusual layout)."""


def _part(archive: zipfile.ZipFile, base: str, target: str) -> str:
    if target.startswith("/"):
        return target.lstrip("/")
    parts = [p for p in f"{base}/{target}".split("/") if p and p != "."]
    out: list[str] = []
    for p in parts:
        if p == "..":
            if out:
                out.pop()
        else:
            out.append(p)
    return "/".join(out)


def _text(element: Any) -> str:
    """The text of a string item: its <t>, or its runs' <t> (phonetic guides left out, as openpyxl does)."""
    t = element.find(f"{MAIN}t")
    if t is not None:
        return t.text or ""
    return "".join(r.findtext(f"{MAIN}t") or "" for r in element.iterfind(f"{MAIN}r"))


def _first_sheet(archive: zipfile.ZipFile) -> str:
    workbook = ElementTree.fromstring(archive.read("xl/workbook.xml"))
    rels = ElementTree.fromstring(archive.read("xl/_rels/workbook.xml.rels"))
    targets = {r.get("Id"): (r.get("Type", ""), r.get("Target", "")) for r in rels.iter(f"{RELS}Relationship")}
    for sheet in workbook.iter(f"{MAIN}sheet"):
        kind, target = targets[sheet.get(f"{DOC_RELS}id")]
        if kind.endswith("/worksheet"):
            return _part(archive, "xl", target)
    raise _NotPlain


def _check_no_dates(archive: zipfile.ZipFile) -> None:
    from openpyxl.styles.numbers import BUILTIN_FORMATS, is_date_format, is_timedelta_format

    if "xl/styles.xml" not in archive.namelist():
        return
    styles = ElementTree.fromstring(archive.read("xl/styles.xml"))
    formats = {int(k): v for k, v in BUILTIN_FORMATS.items()}
    for fmt in styles.iter(f"{MAIN}numFmt"):
        formats[int(fmt.get("numFmtId", "0"))] = fmt.get("formatCode", "")
    xfs = styles.find(f"{MAIN}cellXfs")
    for xf in (xfs if xfs is not None else []):
        code = formats.get(int(xf.get("numFmtId", "0")), "General")
        if is_date_format(code) or is_timedelta_format(code):
            raise _NotPlain


def _column(ref: str) -> int:
    n = 0
    for ch in ref:
        if "A" <= ch <= "Z":
            n = n * 26 + ord(ch) - 64
        else:
            break
    return n


def sheet_rows(path: Path) -> Generator[list[Any]]:
    """The rows of the first worksheet of ``path`` as openpyxl's ``iter_rows(values_only=True)`` gives them
    (trailing empty cells aside). Raises :class:`_NotPlain` before the first row when openpyxl must read it."""
    archive = zipfile.ZipFile(path)
    try:
        sheet = _first_sheet(archive)
        _check_no_dates(archive)
        shared: list[str] = []
        if "xl/sharedStrings.xml" in archive.namelist():
            with archive.open("xl/sharedStrings.xml") as fh:
                for _event, element in ElementTree.iterparse(fh):
                    if element.tag == f"{MAIN}si":
                        shared.append(_text(element))
                        element.clear()
        handle = archive.open(sheet)
    except BaseException:
        archive.close()
        raise
    return _stream(archive, handle, shared)


def _stream(archive: zipfile.ZipFile, handle: Any, shared: list[str]) -> Generator[list[Any]]:
    row_tag, cell_tag, value_tag, inline_tag = f"{MAIN}row", f"{MAIN}c", f"{MAIN}v", f"{MAIN}is"
    last_row = 0
    try:
        for _event, element in ElementTree.iterparse(handle):
            if element.tag != row_tag:
                continue
            number = int(element.get("r") or last_row + 1)
            for _gap in range(last_row + 1, number):
                yield []
            last_row = number
            values: list[Any] = []
            for cell in element.iter(cell_tag):
                ref = cell.get("r")
                column = _column(ref) if ref else len(values) + 1
                if column > len(values) + 1:
                    values.extend([None] * (column - len(values) - 1))
                kind = cell.get("t", "n")
                raw = cell.findtext(value_tag) or None  # an empty <v> is no value, as in openpyxl
                value: Any
                if kind == "inlineStr":
                    inline = cell.find(inline_tag)
                    value = _text(inline) if inline is not None else None
                elif raw is None:
                    value = None
                elif kind == "s":
                    value = shared[int(raw)]
                elif kind in ("str", "e"):
                    value = raw
                elif kind == "b":
                    value = bool(int(raw))
                elif kind == "n":
                    value = float(raw) if ("." in raw or "E" in raw or "e" in raw) else int(raw)
                else:  # "d" (an ISO date) and anything else: openpyxl's business
                    raise ImportFileError(_("The Excel file cannot be read."))
                values.append(value)
            element.clear()
            yield values
    except (ElementTree.ParseError, KeyError, IndexError, ValueError, zipfile.BadZipFile, EOFError) as exc:
        raise ImportFileError(_("The Excel file cannot be read.")) from exc
    finally:
        handle.close()
        archive.close()
