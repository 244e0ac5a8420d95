"""Bulk import and export of institutions and experts (CONTRACTS.md).

An import reads the whole file, validates every row, and writes only when no row is invalid (or when the
caller chose to skip invalid rows). Re-importing updates the matched records instead of duplicating them, and
writes only the columns the file carries (see :mod:`directory.imports.columns`): an export imported again
reports every row ``unchanged`` and writes nothing.
"""

from __future__ import annotations

import csv
import io
import re
import zipfile
from collections.abc import Generator, Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from email_validator import EmailNotValidError, validate_email
from flask_babel import gettext as _
from sqlalchemy.orm import selectinload

from directory.core.creditcode import InvalidCreditCode, validate_credit_code
from directory.core.spreadsheets import SafeWriter, append_row, unquote_cell
from directory.core.time import utcnow
from directory.experts import services as experts
from directory.experts.models import Expert
from directory.extensions import db
from directory.imports.columns import COLUMNS, Column, header_map, split_list
from directory.institutions import services as institutions
from directory.institutions.models import FeeModel, Institution, RecordStatus
from directory.taxonomy.services import Vocabulary

MAX_ROWS = 20_000  # data rows per file
MAX_XLSX_BYTES = 50 * 1024 * 1024  # the parts of an .xlsx, uncompressed
MAX_COMPRESSION_RATIO = 200  # a real sheet compresses 5-30 times; a zip bomb a thousand times


class ImportFileError(ValueError):
    """The file as a whole cannot be read (format, encoding, missing required columns)."""


@dataclass
class RowError:
    row: int
    column: str
    message: str

    def __str__(self) -> str:
        return _("Row %(row)s, column %(column)s: %(message)s", row=self.row, column=self.column,
                 message=self.message)


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


# -- reading ------------------------------------------------------------------------------------------

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
    headers = [str(h or "").strip() for h in header_row]
    known = header_map(columns)
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
        raise ImportFileError(_("Required columns are missing: %(columns)s", columns="、".join(missing)))
    width = max(n for n, key in enumerate(keys, start=1) if key is not None)  # cells right of it are not kept
    rows: list[dict[str, Any]] = []
    for number, values in enumerate(raw_rows, start=2):
        values = values[:width]
        if not any(str(v).strip() for v in values if v is not None):
            continue
        if len(rows) == MAX_ROWS:
            raise ImportFileError(_("A file may hold at most %(n)s rows.", n=MAX_ROWS))
        row: dict[str, Any] = {"__row__": number, **dict.fromkeys(found, "")}  # a short CSV row has empty cells
        for key, value in zip(keys, values, strict=False):
            if key is not None:
                row[key] = "" if value is None else unquote_cell(value)
        rows.append(row)
    return rows, found, warnings


def _read_csv(path: Path) -> Generator[list[Any]]:
    """The rows of a CSV file in UTF-8 (with or without BOM) or GB18030 (what Chinese Excel and WPS save)."""
    data = path.read_bytes()
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        try:
            text = data.decode("gb18030")
        except UnicodeDecodeError:
            raise ImportFileError(_("The CSV file is neither UTF-8 nor GB18030 encoded; save it as "
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
        raise ImportFileError(_("The Excel file expands to more than %(n)s MB; split it into smaller files.",
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


# -- validating ---------------------------------------------------------------------------------------

PHONE_RE = re.compile(r"^[\d\s\-+()（）转]{5,30}$")
POSTAL_CODE_RE = re.compile(r"^\d{6}$")
WEBSITE_RE = re.compile(r"^https?://")


class _RowChecker:
    def __init__(self, row: dict[str, Any], headers: dict[str, str], vocab: Vocabulary):
        self.row = row
        self.headers = headers
        self.vocab = vocab
        self.errors: list[RowError] = []
        self.number = int(row.get("__row__", 0))

    def error(self, key: str, message: str) -> None:
        self.errors.append(RowError(self.number, self.headers.get(key, key), message))

    def text(self, key: str, *, required: bool = False, max_length: int = 200) -> str:
        value = self.row.get(key, "")
        value = "" if value is None else str(value).strip()
        if isinstance(self.row.get(key), float) and value.endswith(".0"):
            value = value[:-2]  # Excel turns 2015 into 2015.0
        if required and not value:
            self.error(key, _("This value is required."))
        elif len(value) > max_length:
            self.error(key, _("At most %(n)s characters.", n=max_length))
        return value

    def items(self, key: str, *, required: bool = False) -> list[str]:
        value = self.row.get(key, "")
        items = [str(v).strip() for v in value if str(v).strip()] if isinstance(value, list) else split_list(str(value or ""))
        if required and not items:
            self.error(key, _("This value is required."))
        return items

    def integer(self, key: str, *, low: int, high: int) -> int | None:
        raw = self.text(key)
        if not raw:
            return None
        try:
            value = int(float(raw))
        except ValueError:
            self.error(key, _("Enter a whole number."))
            return None
        if not low <= value <= high:
            self.error(key, _("Enter a number from %(low)s to %(high)s.", low=low, high=high))
            return None
        return value

    def website(self, key: str) -> str:
        value = self.text(key, max_length=300)
        if value and not WEBSITE_RE.match(value):  # the rule of the admission form: no javascript: links
            self.error(key, _("Start the address with http:// or https://."))
        return value

    def email(self, key: str) -> str:
        value = self.text(key, max_length=254)
        if value:
            try:
                validate_email(value, check_deliverability=False)
            except EmailNotValidError:
                self.error(key, _("This is not a valid e-mail address."))
        return value.lower()

    def phone(self, key: str) -> str:
        value = self.text(key, max_length=30)
        if value and not PHONE_RE.match(value):
            self.error(key, _("This is not a valid phone number."))
        return value

    def postal_code(self, key: str) -> str:
        value = self.text(key, max_length=6)
        if value and not POSTAL_CODE_RE.match(value):
            self.error(key, _("A postal code has six digits."))
        return value

    def names(self, key: str, lookup: Any, message: str, *, required: bool = False) -> list[Any]:
        out = []
        for name in self.items(key, required=required):
            record = lookup(name)
            if record is None:
                self.error(key, message % {"name": name})
            elif record not in out:
                out.append(record)
        return out


def _offerings(check: _RowChecker, categories: list[Any]) -> list[institutions.OfferingInput]:
    raw = check.row.get("offerings", "")
    out = []
    if isinstance(raw, list) and raw and isinstance(raw[0], dict):
        for item in raw:
            category = check.vocab.category(item["category"]) if item.get("category") else None
            if item.get("category") and category is None:
                check.error("offerings", _("Unknown service category: %(name)s") % {"name": item["category"]})
            fee = item.get("fee_model") or FeeModel.NEGOTIABLE
            if fee not in set(FeeModel):
                check.error("offerings", _("Unknown fee model: %(name)s") % {"name": fee})
            out.append(institutions.OfferingInput(
                title=str(item["title"])[:200], category=category, description=item.get("description", ""),
                fee_model=fee, price_min=item.get("price_min"), price_max=item.get("price_max"),
                delivery_days=item.get("delivery_days"), public_interest=bool(item.get("public_interest"))))
        return out
    for title in check.items("offerings"):
        if len(title) > 200:
            check.error("offerings", _("At most %(n)s characters.", n=200))
        out.append(institutions.OfferingInput(title=title[:200], category=categories[0] if categories else None,
                                              details=False))
    return out


def check_institution(row: dict[str, Any], headers: dict[str, str], vocab: Vocabulary) -> tuple[institutions.InstitutionInput | None, list[RowError]]:
    """Validate one institution row; returns the input or the errors naming row and column."""
    c = _RowChecker(row, headers, vocab)
    name = c.text("name", required=True)
    code_text = c.text("credit_code", required=True, max_length=40)
    code = ""
    if code_text:
        try:
            code = validate_credit_code(code_text)
        except InvalidCreditCode:
            c.error("credit_code", _("%(code)s is not a valid unified social credit code (统一社会信用代码).",
                                     code=code_text))
    categories = c.names("categories", vocab.category, _("Unknown service category: %(name)s"), required=True)
    industries = c.names("industries", vocab.industry, _("Unknown industry: %(name)s"))
    region_name = c.text("region", required=True)
    region = vocab.region(region_name) if region_name else None
    if region_name and region is None:
        c.error("region", _("Unknown region: %(name)s") % {"name": region_name})
    coverage = c.names("coverage", vocab.region, _("Unknown region: %(name)s"))
    data = institutions.InstitutionInput(
        name=name, credit_code=code, categories=categories, region=region,  # type: ignore[arg-type]
        industries=industries, coverage=coverage, description=c.text("description", max_length=5000),
        contact_name=c.text("contact_name", max_length=60), contact_phone=c.phone("contact_phone"),
        email=c.email("email"), website=c.website("website"),
        address=c.text("address", max_length=200), postal_code=c.postal_code("postal_code"),
        founded_year=c.integer("founded_year", low=1900, high=utcnow().year),
        staff_count=c.integer("staff_count", low=0, high=1_000_000),
        qualifications=c.items("qualifications"), honors=c.items("honors"),
        offerings=_offerings(c, categories),
    )
    return (None if c.errors else data), c.errors


def check_expert(row: dict[str, Any], headers: dict[str, str], vocab: Vocabulary) -> tuple[experts.ExpertInput | None, list[RowError]]:
    """Validate one expert row; returns the input or the errors naming row and column."""
    c = _RowChecker(row, headers, vocab)
    region_name = c.text("region")
    region = vocab.region(region_name) if region_name else None
    if region_name and region is None:
        c.error("region", _("Unknown region: %(name)s") % {"name": region_name})
    data = experts.ExpertInput(
        name=c.text("name", required=True, max_length=60), title=c.text("title", max_length=60),
        organization=c.text("organization"), expertise=c.items("expertise", required=True),
        categories=c.names("categories", vocab.category, _("Unknown service category: %(name)s")),
        industries=c.names("industries", vocab.industry, _("Unknown industry: %(name)s")),
        region=region, bio=c.text("bio", max_length=5000), phone=c.phone("phone"), email=c.email("email"),
    )
    return (None if c.errors else data), c.errors


# -- applying -----------------------------------------------------------------------------------------

def import_rows(kind: str, rows: Iterable[dict[str, Any]], headers: dict[str, str] | None = None, *,
                admit: bool = False, skip_invalid: bool = False, actor_id: int | None = None,
                dry_run: bool = False) -> ImportReport:
    """Validate all rows, then write them (only when none is invalid, unless ``skip_invalid``).

    ``headers`` maps the keys of the columns the file carries to their headers; only those columns are written
    to matched records. Without it (rows built in code, as the demo seed does) each row's own keys are the
    columns it carries. With ``admit`` new and unpublished records are published; a suspended or removed one
    keeps its status and its row says so. Each row reports ``created``, ``updated`` or ``unchanged``.

    With ``dry_run`` nothing is written: each valid row says whether it would be created, would update an
    existing record or would leave it unchanged (the preview of the back-office upload). Flushes; the caller commits. Duplicate keys
    inside one file are errors on the later row.
    """
    if kind not in COLUMNS:
        raise ImportFileError(_("Unknown import kind."))
    carried = set(headers) if headers else None
    headers = headers or {c.key: f"{c.zh}/{c.key}" for c in COLUMNS[kind]}
    vocab = Vocabulary()
    report = ImportReport(kind=kind)
    checked: list[tuple[RowResult, Any, set[str]]] = []
    seen: dict[Any, int] = {}
    for row in rows:
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
    _apply(kind, checked, admit=admit, actor_id=actor_id)
    report.applied = True
    db.session.flush()
    return report


def _apply(kind: str, checked: list[tuple[RowResult, Any, set[str]]], *, admit: bool, actor_id: int | None) -> None:
    for result, data, fields in checked:
        if data is None:
            result.action = "skipped"
            continue
        record: Any
        if kind == "institutions":
            record, result.action = institutions.upsert_institution(data=data, admit=admit, actor_id=actor_id,
                                                                    fields=fields)
        else:
            record, result.action = experts.upsert_expert(data=data, admit=admit, actor_id=actor_id, fields=fields)
        if admit:
            _note_kept_status(result, record.status)
    db.session.flush()


def _note_kept_status(result: RowResult, status: str) -> None:
    if status in institutions.KEEPS_STATUS:
        label = _("suspended") if status == RecordStatus.SUSPENDED else _("removed")
        result.notes.append(_("Not published: the record is %(status)s, and an import does not reinstate it "
                              "(reinstate it in the back office).", status=label))


def import_file(kind: str, path: Path, *, admit: bool = False, skip_invalid: bool = False,
                actor_id: int | None = None, dry_run: bool = False) -> ImportReport:
    """Read ``path`` (.xlsx or .csv) and import it; see :func:`import_rows`."""
    rows, headers, warnings = read_table(path, COLUMNS[kind])
    report = import_rows(kind, rows, headers, admit=admit, skip_invalid=skip_invalid, actor_id=actor_id,
                         dry_run=dry_run)
    report.warnings = warnings + report.warnings
    return report


# -- exporting ----------------------------------------------------------------------------------------

def _names(terms: Iterable[Any]) -> list[str]:
    """Taxonomy names in the classification's order (link tables keep none), so exports are stable."""
    return [t.name for t in sorted(terms, key=lambda t: t.id)]


def _export_values(kind: str, obj: Any) -> dict[str, Any]:
    if kind == "institutions":
        return {"name": obj.name, "credit_code": obj.credit_code,
                "categories": _names(obj.categories), "industries": _names(obj.industries),
                "region": obj.region.name, "coverage": _names(obj.coverage),
                "address": obj.address, "postal_code": obj.postal_code, "description": obj.description,
                "offerings": [o.title for o in obj.offerings if o.active], "contact_name": obj.contact_name,
                "contact_phone": obj.contact_phone, "email": obj.email, "website": obj.website,
                "founded_year": obj.founded_year, "staff_count": obj.staff_count,
                "qualifications": obj.qualifications}
    return {"name": obj.name, "title": obj.title, "organization": obj.organization, "expertise": obj.expertise,
            "categories": _names(obj.categories), "industries": _names(obj.industries),
            "region": obj.region.name if obj.region else "", "bio": obj.bio, "phone": obj.phone,
            "email": obj.email}


def export_file(kind: str, path: Path) -> int:
    """Write the published records to ``path`` (.xlsx or .csv) with the import columns; returns the count."""
    columns = COLUMNS[kind]
    if kind == "institutions":
        query = institutions.published_institutions().options(
            selectinload(Institution.categories), selectinload(Institution.industries),  # type: ignore[arg-type]
            selectinload(Institution.coverage), selectinload(Institution.offerings),  # type: ignore[arg-type]
            selectinload(Institution.region))  # type: ignore[arg-type]
    else:
        query = experts.published_experts().options(
            selectinload(Expert.categories), selectinload(Expert.industries),  # type: ignore[arg-type]
            selectinload(Expert.region))  # type: ignore[arg-type]
    header = [c.zh for c in columns]
    table = []
    for obj in db.session.exec(query).all():
        values = _export_values(kind, obj)
        table.append(["；".join(values[c.key]) if c.is_list else ("" if values[c.key] is None else values[c.key])
                      for c in columns])
    if path.suffix.lower() == ".csv":
        with path.open("w", encoding="utf-8-sig", newline="") as fh:
            writer = SafeWriter(fh)
            writer.writerow(header)
            writer.writerows(table)
    elif path.suffix.lower() == ".xlsx":
        from openpyxl import Workbook

        workbook = Workbook(write_only=True)
        sheet = workbook.create_sheet(kind)
        sheet.append(header)
        for line in table:
            append_row(sheet, line)  # text, never a formula: it reads back as written and runs nothing
        workbook.save(path)
    else:
        raise ImportFileError(_("Only .xlsx and .csv files can be exported."))
    return len(table)
