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
