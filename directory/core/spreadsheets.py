"""Safe spreadsheet output: every .xlsx and .csv export writes its cells through here.

A text cell beginning with ``= + - @``, a tab or a carriage return is read as a formula by Excel, WPS and
LibreOffice (``=HYPERLINK(...)``, ``=cmd|...`` DDE). Following the OWASP CSV-injection guidance such text is
written with a leading single quote, so it shows as text and runs nothing; numbers (negative ones included)
stay numbers. In .xlsx the cell is also typed as a string: openpyxl otherwise stores a ``str`` beginning with
``=`` as a formula (and ``#N/A`` and the like as error values).

The importer undoes the quote (:func:`unquote_cell`), so that an export imported again reads back unchanged.
"""

from __future__ import annotations

import csv
from collections.abc import Iterable, Mapping
from datetime import date
from typing import IO, Any

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
QUOTE = "'"


def safe_cell(value: Any) -> Any:
    """``value`` ready for a spreadsheet cell: text that a spreadsheet would run as a formula gets a leading
    ``'``; everything else (numbers, dates, None, other text) is returned as it is."""
    if isinstance(value, str) and value.startswith(FORMULA_STARTS):
        return QUOTE + value
    return value


def unquote_cell(value: Any) -> Any:
    """The inverse of :func:`safe_cell` for an imported cell: one leading ``'`` before a formula character is
    dropped (``'=1+1`` reads as ``=1+1``); any other value is returned as it is."""
    if isinstance(value, str) and value.startswith(QUOTE) and value[1:].startswith(FORMULA_STARTS):
        return value[1:]
    return value


def xlsx_row(sheet: Any, values: Iterable[Any]) -> list[Any]:
    """openpyxl cells for ``sheet.append`` (normal and write-only sheets): text neutralised and typed as a
    string, so that no cell of an export is ever a formula or an error value."""
    from openpyxl.cell import WriteOnlyCell

    cells = []
    for value in values:
        cell = WriteOnlyCell(sheet, safe_cell(value))
        if isinstance(cell.value, str):
            cell.data_type = "s"
        cells.append(cell)
    return cells


def append_row(sheet: Any, values: Iterable[Any]) -> None:
    """Append one row of values to an openpyxl sheet through :func:`xlsx_row`."""
    sheet.append(xlsx_row(sheet, values))


class SafeWriter:
    """``csv.writer`` whose every cell goes through :func:`safe_cell`."""

    def __init__(self, fh: IO[str], **kwargs: Any) -> None:
        self._writer = csv.writer(fh, **kwargs)

    def writerow(self, row: Iterable[Any]) -> Any:
        return self._writer.writerow([safe_cell(v) for v in row])

    def writerows(self, rows: Iterable[Iterable[Any]]) -> None:
        for row in rows:
            self.writerow(row)


class SafeDictWriter(csv.DictWriter):  # type: ignore[type-arg]
    """``csv.DictWriter`` whose every value goes through :func:`safe_cell` (the header row is the field names)."""

    def writerow(self, rowdict: Mapping[str, Any]) -> Any:
        return super().writerow({k: safe_cell(v) for k, v in rowdict.items()})

    def writerows(self, rowdicts: Iterable[Mapping[str, Any]]) -> None:
        for rowdict in rowdicts:
            self.writerow(rowdict)


# -- presentation of an .xlsx sheet: a title row with the unit and date, a frozen header, fitting widths ----

DEFAULT_UNIT = "营口市中小企业服务中心"
MIN_WIDTH, MAX_WIDTH = 6, 60  # in character widths; a long text wraps past the widest column, not the screen


def report_unit() -> str:
    """The unit named on every export: the sponsoring-body setting when the deployment has one
    (``SITE_SPONSOR``, 主办单位), the city's SME service centre otherwise."""
    from flask import current_app, has_app_context

    settings = current_app.config.get("SETTINGS") if has_app_context() else None
    name = getattr(settings, "site_sponsor", None)
    return str(name).strip() if name and str(name).strip() else DEFAULT_UNIT


def report_day() -> Any:
    """Today in the platform's time zone (the app's BABEL_DEFAULT_TIMEZONE, Asia/Shanghai): the date an
    export is stamped and named with."""
    from zoneinfo import ZoneInfo

    from flask import current_app, has_app_context

    from directory.core.time import utcnow

    zone = current_app.config.get("BABEL_DEFAULT_TIMEZONE") if has_app_context() else None
    return utcnow().astimezone(ZoneInfo(zone or "Asia/Shanghai")).date()


def title_text(title: str) -> str:
    """The title row's text: unit, what the sheet holds, and the day it was made."""
    return f"{report_unit()} · {title} · {report_day().isoformat()}"


def download_name(title: str, suffix: str, *, day: date | None = None) -> str:
    """A download's file name: what it holds and the day, ``服务机构名录-2026-12-02.xlsx``; the day it was made
    unless it is about a day of its own (an event's report is named by the event's date)."""
    return f"{title}-{(day or report_day()).isoformat()}.{suffix}"


def display_width(value: Any) -> int:
    """How many character widths a cell's text takes: CJK and full-width characters count two."""
    import unicodedata

    text = "" if value is None else str(value)
    longest = max((line for line in text.splitlines() or [""]), key=len)
    return sum(2 if unicodedata.east_asian_width(ch) in ("W", "F") else 1 for ch in longest)


def column_widths(rows: Iterable[Iterable[Any]]) -> list[int]:
    """A width per column that fits its widest cell, within :data:`MIN_WIDTH`..:data:`MAX_WIDTH`."""
    widths: list[int] = []
    for row in rows:
        for n, value in enumerate(row):
            width = display_width(safe_cell(value)) + 2
            if n == len(widths):
                widths.append(MIN_WIDTH)
            widths[n] = max(widths[n], min(width, MAX_WIDTH))
    return widths


def write_sheet(sheet: Any, *, title: str, header: Iterable[Any] | None, rows: Iterable[Iterable[Any]]) -> None:
    """Fill an empty openpyxl sheet (normal or write-only): a title row (:func:`title_text`), the header row
    in bold, frozen under the title so it stays in view, then ``rows`` through :func:`xlsx_row`, every column as
    wide as its content. The importer skips the title row (:mod:`directory.imports.reading`)."""
    from openpyxl.cell import WriteOnlyCell
    from openpyxl.styles import Font, PatternFill
    from openpyxl.utils import get_column_letter

    head = list(header) if header is not None else None
    body = [list(r) for r in rows]
    widths = column_widths(([head] if head else []) + body)
    for n, width in enumerate(widths, start=1):
        sheet.column_dimensions[get_column_letter(n)].width = width
    sheet.freeze_panes = "A3" if head else "A2"
    top = WriteOnlyCell(sheet, safe_cell(title_text(title)))
    top.data_type, top.font = "s", Font(bold=True, size=13)
    sheet.append([top])
    if head:
        cells = xlsx_row(sheet, head)
        for cell in cells:
            cell.font = Font(bold=True)
            cell.fill = PatternFill("solid", fgColor="DDEBF7")
        sheet.append(cells)
    for row in body:
        sheet.append(xlsx_row(sheet, row))
