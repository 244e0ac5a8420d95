"""The import template: the header row the importer reads, dropdowns from the classification, an example row
that imports as it is, and the instructions."""

import pytest
from openpyxl import Workbook, load_workbook

from directory.imports.columns import COLUMNS
from directory.imports.services import import_file


@pytest.mark.parametrize("kind", ["institutions", "experts"])
def test_template_is_read_by_the_importer_and_its_example_imports(client, auth, db_session, tmp_path, kind):
    auth.login("staff")
    response = client.get(f"/admin/import/template/{kind}.xlsx")
    assert response.status_code == 200 and f'filename="{kind}-template.xlsx"' in response.headers["Content-Disposition"]
    path = tmp_path / "template.xlsx"
    path.write_bytes(response.data)
    book = load_workbook(path)
    data, example, guide, lists = book.worksheets
    assert [c.value for c in data[2]] == [c.zh for c in COLUMNS[kind]]
    assert data.freeze_panes == "A3" and data.max_row == 2
    # The empty template reads: the title row is skipped, the header found, there is nothing to import.
    report = import_file(kind, path, dry_run=True)
    assert not report.errors and report.rows == []
    # Dropdowns on the classified columns, fed by the lists sheet, which holds the classification's names.
    validations = {str(v.sqref).split(":")[0]: v for v in data.data_validations.dataValidation}
    region_col = next(n for n, c in enumerate(COLUMNS[kind]) if c.key == "region")
    region = validations[f"{chr(65 + region_col)}3"]
    assert region.type == "list" and lists.title in region.formula1
    assert "站前区" in [c.value for c in next(lists.iter_cols(min_col=1 + [c.value for c in lists[1]].index("所在区域")))]
    assert "服务类别" in [c.value for c in lists[1]]
    assert any("*" == row[1] for row in guide.iter_rows(values_only=True) if row and len(row) > 1)
    # The example row, copied under the header, is a valid row.
    filled = Workbook()
    sheet = filled.active
    for row in example.iter_rows(values_only=True):
        sheet.append(list(row))
    filled_path = tmp_path / "filled.xlsx"
    filled.save(filled_path)
    report = import_file(kind, filled_path, dry_run=True)
    assert not report.errors and [r.action for r in report.rows] == ["would_create"], report.errors


def test_import_page_links_the_templates(client, auth, db_session):
    auth.login("staff")
    page = client.get("/admin/import").get_data(as_text=True)
    assert "/admin/import/template/institutions.xlsx" in page and "/admin/import/template/experts.xlsx" in page
