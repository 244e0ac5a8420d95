"""Reading import files: encodings, headers, and the limits that refuse a damaged or hostile file."""

import csv
import zipfile

import pytest
from sqlmodel import select

from directory.imports.columns import INSTITUTION_COLUMNS, split_list
from directory.imports.reading import FileTooLarge, MissingColumns, TooManyRows, UnknownEncoding
from directory.imports.services import import_file
from directory.institutions.models import Institution
from tests.imports.files import (
    CODE_A,
    ROW_A,
    ZH_HEADER,
    write_csv,
    write_xlsx,
)


def test_missing_required_column_is_a_file_error(db_session, tmp_path):
    with pytest.raises(MissingColumns, match="服务类别|categories"):  # the message names the column
        import_file("institutions", write_csv(tmp_path / "m.csv", ["机构名称", "统一社会信用代码", "所在区域"], [["a", CODE_A, "站前区"]]))


def test_gb18030_csv_from_chinese_excel_is_read(db_session, tmp_path):
    path = tmp_path / "gb.csv"  # what Chinese Excel and WPS save as "CSV (逗号分隔)"
    with path.open("w", encoding="gb18030", newline="") as fh:
        writer = csv.writer(fh)
        writer.writerow(ZH_HEADER)
        row = list(ROW_A)
        row[5] = "专利商标代理，㐀䶵。"  # beyond GBK: four-byte sequences in GB18030
        writer.writerow(row)
    assert path.read_bytes().startswith("机构名称".encode("gb18030"))
    report = import_file("institutions", path, admit=True)
    assert report.applied and report.count("created") == 1, report.errors
    inst = db_session.exec(select(Institution)).one()
    assert inst.name == ROW_A[0] and inst.description == "专利商标代理，㐀䶵。"


def test_csv_in_another_encoding_is_rejected_clearly(db_session, tmp_path):
    path = tmp_path / "utf16.csv"
    path.write_bytes(",".join(ZH_HEADER).encode("utf-16"))
    with pytest.raises(UnknownEncoding):
        import_file("institutions", path)


@pytest.mark.parametrize("fmt", ["csv", "xlsx"])
def test_at_most_20000_rows_are_read(db_session, tmp_path, fmt):
    writer = write_csv if fmt == "csv" else write_xlsx
    path = writer(tmp_path / f"many.{fmt}", ZH_HEADER[:5], [ROW_A[:5]] * 20_001)
    with pytest.raises(TooManyRows):
        import_file("institutions", path)


def test_unknown_columns_are_ignored_with_a_warning(db_session, tmp_path):
    header = [*ZH_HEADER, "备注", "", *[f"x{n}" for n in range(200)]]
    row = [*ROW_A, "=cmd|' /C calc'!A0", "junk", *["y"] * 200]
    report = import_file("institutions", write_csv(tmp_path / "extra.csv", header, [row]), admit=True)
    assert report.applied and report.count("created") == 1
    assert any("备注" in w for w in report.warnings)


def _zip_bomb(path, sheet_bytes):
    """A valid .xlsx whose sheet XML carries ``sheet_bytes`` of zeros: a few KB on disk."""
    write_xlsx(path, ZH_HEADER, [ROW_A])
    parts = {}
    with zipfile.ZipFile(path) as archive:
        for name in archive.namelist():
            parts[name] = archive.read(name)
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED, compresslevel=9) as archive:
        for name, data in parts.items():
            if name == "xl/worksheets/sheet1.xml":
                with archive.open(name, "w", force_zip64=True) as fh:
                    head, tail = data.split(b"<sheetData>")
                    fh.write(head + b"<!--")
                    chunk = b"0" * (1024 * 1024)
                    for _n in range(sheet_bytes // len(chunk)):
                        fh.write(chunk)
                    fh.write(b"-->" + b"<sheetData>" + tail)
            else:
                archive.writestr(name, data)
    return path


@pytest.mark.parametrize("megabytes", [8, 200])  # far compressed (a zip bomb), and beyond the size limit
def test_a_zip_bomb_is_refused_before_parsing(db_session, tmp_path, megabytes):
    import time

    path = _zip_bomb(tmp_path / "bomb.xlsx", megabytes * 1024 * 1024)
    assert path.stat().st_size < 1024 * 1024
    started = time.monotonic()
    with pytest.raises(FileTooLarge):
        import_file("institutions", path)
    assert time.monotonic() - started < 1


def test_split_list_separators():
    assert split_list("专利；商标;版权、软著,专利，标准") == ["专利", "商标", "版权", "软著", "标准"]


def test_an_oversized_csv_cell_is_a_file_error_not_a_500(client, auth, db_session):
    import csv
    import io

    auth.login("staff")
    data = (",".join(ZH_HEADER) + "\n" + "x" * 200_000 + "\n").encode()
    old = csv.field_size_limit(2**31 - 1)  # as a library may leave it (frictionless does): the importer's own limit holds
    try:
        response = client.post("/admin/import", data={"kind": "institutions", "file": (io.BytesIO(data), "big.csv")},
                               content_type="multipart/form-data")
    finally:
        csv.field_size_limit(old)
    assert response.status_code == 422
    assert "引号" in response.get_data(as_text=True)  # the reason, in the user's language


def _openpyxl_rows(path):
    from openpyxl import load_workbook

    workbook = load_workbook(path, read_only=True, data_only=True)
    try:
        rows = [list(r) for r in workbook.worksheets[0].iter_rows(values_only=True)]
    finally:
        workbook.close()
    while rows and not any(v is not None for v in rows[-1]):
        rows.pop()
    return rows


def _trimmed(rows):
    out = []
    for row in rows:
        row = list(row)
        while row and row[-1] is None:
            row.pop()
        out.append(row)
    return out


@pytest.mark.parametrize("write_only", [False, True])
def test_the_sheet_reader_gives_openpyxls_values(tmp_path, write_only):
    """Shared and inline strings, rich text, numbers, booleans, a formula's cached value, gaps between rows and
    cells, a second sheet ignored: the standard-library reader reads what openpyxl reads."""
    from openpyxl import Workbook
    from openpyxl.cell.rich_text import CellRichText, TextBlock
    from openpyxl.cell.text import InlineFont

    from directory.imports.reading import sheet_rows

    workbook = Workbook(write_only=write_only)
    sheet = workbook.create_sheet("机构") if write_only else workbook.active
    lines = [["机构名称", "统一社会信用代码", "成立年份", None, "备注"],
             ["营口甲有限公司", "91210802MA0A1B2C3D", 2012, None, True],
             [" 前后空格 ", "x", 3.5, 1e20, False],
             [], [],
             ["=1+1", CellRichText([TextBlock(InlineFont(b=True), "粗体"), "普通"]), -7, "0417-2800001", None]]
    for line in lines:
        sheet.append(line)
    if not write_only:
        sheet["H9"] = "远处的单元格"
        workbook.create_sheet("第二页").append(["不读"])
    path = tmp_path / "t.xlsx"
    workbook.save(path)
    ours = _trimmed(sheet_rows(path))
    assert ours == _trimmed(_openpyxl_rows(path))
    assert ours[1] == ["营口甲有限公司", "91210802MA0A1B2C3D", 2012, None, True]


def test_a_workbook_with_date_formats_is_read_by_openpyxl(tmp_path):
    import datetime

    from openpyxl import Workbook

    from directory.imports.reading import read_table

    workbook = Workbook()
    workbook.active.append(["name", "credit_code", "categories", "region", "founded_year"])
    workbook.active.append(["甲", "x", "专利代理", "站前区", datetime.date(2015, 1, 1)])
    path = tmp_path / "d.xlsx"
    workbook.save(path)
    rows, _headers, _warnings = read_table(path, INSTITUTION_COLUMNS)
    assert isinstance(rows[0]["founded_year"], datetime.datetime)  # as openpyxl reads it


@pytest.mark.parametrize("fmt", ["csv", "xlsx"])
def test_a_large_file_is_told_from_a_small_one_by_reading_only_past_the_limit(db_session, tmp_path, fmt):
    """The back office runs the preview and the import of a file over LARGE_IMPORT_ROWS rows as a job; deciding
    that reads only as far as the limit (blank rows do not count), not the whole file in the request."""
    from directory.imports.services import LARGE_IMPORT_ROWS, count_rows, is_large

    def rows(n):
        out = [[f"营口计数{i}有限公司", "", "专利代理", "", "站前区", "", "", "", "", ""] for i in range(n)]
        return out[:10] + [[""] * 10] * 5 + out[10:]  # blank rows in the middle are not rows
    write = write_csv if fmt == "csv" else write_xlsx
    exact = write(tmp_path / f"exact.{fmt}", ZH_HEADER, rows(LARGE_IMPORT_ROWS))
    over = write(tmp_path / f"over.{fmt}", ZH_HEADER, rows(LARGE_IMPORT_ROWS + 500))
    assert not is_large("institutions", exact) and is_large("institutions", over)
    assert count_rows("institutions", over) == LARGE_IMPORT_ROWS + 500
    assert count_rows("institutions", over, limit=LARGE_IMPORT_ROWS + 1) == LARGE_IMPORT_ROWS + 1
