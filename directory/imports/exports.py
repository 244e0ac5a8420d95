"""Exporting the published records with the import columns, so that an export imported again changes nothing."""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path
from typing import Any

from flask_babel import gettext as _
from sqlalchemy.orm import selectinload

from directory.core.spreadsheets import SafeWriter, write_sheet
from directory.experts import services as experts
from directory.experts.models import Expert
from directory.extensions import db
from directory.imports.columns import COLUMNS
from directory.imports.reading import ImportFileError
from directory.institutions import services as institutions
from directory.institutions.models import Institution


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


def sheet_title(kind: str) -> str:
    """What an export of ``kind`` holds, for its title row, its sheet and its file name."""
    return _("Service institutions") if kind == "institutions" else _("Experts")


def download_title(kind: str) -> str:
    """The name of a download of ``kind``, before its date."""
    return _("Directory of service institutions") if kind == "institutions" else _("Directory of experts")


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
        sheet = workbook.create_sheet(sheet_title(kind))
        # Text, never a formula: it reads back as written and runs nothing; the importer skips the title row.
        write_sheet(sheet, title=sheet_title(kind), header=header, rows=table)
        workbook.save(path)
    else:
        raise ImportFileError(_("Only .xlsx and .csv files can be exported."))
    return len(table)
