"""The import template (导入模板): the header row the importer reads, dropdowns from the classification, an
example row and a sheet of instructions, so that staff fill in a file that loads the first time."""

from __future__ import annotations

from io import BytesIO
from typing import Any

from flask_babel import gettext as _

from directory.imports.columns import COLUMNS, LIST_SEPARATORS, Column
from directory.taxonomy import services as taxonomy

TEMPLATE_ROWS = 1000  # rows of the data sheet that carry the dropdowns

EXAMPLES: dict[str, dict[str, Any]] = {
    "institutions": {"name": "营口示例知识产权代理有限公司", "credit_code": "91210800MA0Y8K2L06",
                     "categories": "知识产权；法律服务", "industries": "镁质材料；钢铁", "region": "站前区",
                     "coverage": "全市", "address": "站前区建设街1号", "postal_code": "115002",
                     "description": "专利、商标代理与维权服务。", "offerings": "发明专利申请代理；商标注册",
                     "contact_name": "王经理", "contact_phone": "0417-2800000", "email": "ip@example.cn",
                     "website": "https://ip.example.cn", "founded_year": 2010, "staff_count": 35,
                     "qualifications": "专利代理机构执业许可证"},
    "experts": {"name": "张教授", "title": "教授", "organization": "营口理工学院", "expertise": "发明专利撰写；专利无效",
                "categories": "知识产权", "industries": "镁质材料", "region": "站前区",
                "bio": "从事知识产权工作二十年。", "phone": "13800000000", "email": "zhang@example.cn"},
}


def _choices() -> dict[str, list[str]]:
    """The names a column accepts, from the classification (categories with their sub-categories)."""
    categories: list[str] = []
    for top in taxonomy.top_categories():
        categories += [top.name, *(c.name for c in top.children)]
    return {"categories": categories, "industries": [i.name for i in taxonomy.industries()],
            "region": [r.name for r in taxonomy.regions(kind="district")],
            "coverage": [r.name for r in taxonomy.regions(kind=None)]}


def _example(kind: str) -> list[Any]:
    example: dict[str, Any] = dict(EXAMPLES[kind])
    # Only names the classification holds: a renamed or deleted term would make the example an invalid row.
    for key, names in _choices().items():
        if key in example:
            known = [n for n in str(example[key]).split("；") if n in names]
            example[key] = "；".join(known) or (names[0] if names else "")
    return [example.get(c.key, "") for c in COLUMNS[kind]]


def _instructions(kind: str) -> list[list[str]]:
    columns: tuple[Column, ...] = COLUMNS[kind]
    rows = [[_("How to fill in this template")], [],
            [_("1. Enter one record per row on the first sheet, below the header row; leave the title row and "
               "the header row as they are.")],
            [_("2. Required columns are marked * below; an empty required cell makes the row invalid.")],
            [_("3. Categories, industries and regions must be written exactly as in the classification: pick "
               "them from the dropdowns (the 'Lists' sheet holds every name).")],
            [_("4. A list cell holds several names separated by %(separators)s, e.g. 知识产权；法律服务.",
               separators=" ".join(LIST_SEPARATORS))],
            [_("5. A record with the same unified social credit code (institutions), or the same name, "
               "organisation and phone (experts), is updated, not duplicated; an empty cell clears that value.")],
            [_("6. Upload the file on the import page: you will see a report of every row before anything is "
               "written.")],
            [_("7. The 'Example' sheet shows one filled-in row.")], [],
            [_("Column"), _("Required"), _("List of names")]]
    rows += [[f"{c.zh}/{c.key}", "*" if c.required else "", _("yes") if c.is_list else ""] for c in columns]
    return rows


def template_xlsx(kind: str) -> bytes:
    """The import template of ``kind`` (``institutions`` or ``experts``) as .xlsx bytes: the data sheet
    (title row, the Chinese headers, dropdowns on the classified columns), an example, the instructions and
    the lists the dropdowns read."""
    from openpyxl import Workbook
    from openpyxl.utils import get_column_letter, quote_sheetname
    from openpyxl.worksheet.datavalidation import DataValidation

    from directory.core.spreadsheets import write_sheet

    columns = COLUMNS[kind]
    header = [c.zh for c in columns]
    title = _("Import template: service institutions") if kind == "institutions" else _("Import template: experts")
    wb = Workbook()
    data = wb.active
    data.title = _("Data to import")[:31]
    write_sheet(data, title=title, header=header, rows=[])
    # The data rows' widths follow the example, so the empty sheet is as readable as the filled one.
    example = _example(kind)
    from directory.core.spreadsheets import column_widths

    for n, width in enumerate(column_widths([header, example]), start=1):
        data.column_dimensions[get_column_letter(n)].width = width
    sample = wb.create_sheet(_("Example")[:31])
    write_sheet(sample, title=_("Example"), header=header, rows=[example])
    guide = wb.create_sheet(_("Instructions")[:31])
    write_sheet(guide, title=_("Instructions"), header=None, rows=_instructions(kind))
    guide.column_dimensions["A"].width = 60
    lists = wb.create_sheet(_("Lists")[:31])
    choices = _choices()
    used = [(c, choices[c.key]) for c in columns if c.key in choices]
    lists.append([c.zh for c, _names in used])
    for i in range(max((len(n) for _c, n in used), default=0)):
        lists.append([names[i] if i < len(names) else None for _c, names in used])
    for n, (column, names) in enumerate(used, start=1):
        letter = get_column_letter(n)
        source = f"{quote_sheetname(lists.title)}!${letter}$2:${letter}${len(names) + 1}"
        # A list column takes several names (知识产权；法律服务): the dropdown offers, it does not refuse.
        check = DataValidation(type="list", formula1=source, allow_blank=True,
                               showErrorMessage=not column.is_list, errorStyle="stop",
                               error=_("Pick a name from the list."), errorTitle=column.zh)
        target = get_column_letter(columns.index(column) + 1)
        check.add(f"{target}3:{target}{TEMPLATE_ROWS + 2}")
        data.add_data_validation(check)
    out = BytesIO()
    wb.save(out)
    return out.getvalue()
