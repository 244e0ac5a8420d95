import csv
import zipfile

import pytest
from openpyxl import Workbook
from sqlmodel import func, select

from directory.core.creditcode import make_credit_code
from directory.experts.models import Expert
from directory.imports.columns import split_list
from directory.imports.services import ImportFileError, export_file, import_file
from directory.institutions.models import Institution, RecordStatus
from tests import factories

CODE_A = make_credit_code("91", "210802", "MA0A1B2C")
CODE_B = make_credit_code("91", "210804", "MA0D3E4F")
ZH_HEADER = ["机构名称", "统一社会信用代码", "服务类别", "服务行业", "所在区域", "机构简介", "服务产品", "联系电话", "电子邮箱", "成立年份"]
EN_HEADER = ["name", "credit_code", "categories", "industries", "region", "description", "offerings", "contact_phone", "email", "founded_year"]


def write_csv(path, header, rows, bom=True):
    with path.open("w", encoding="utf-8-sig" if bom else "utf-8", newline="") as fh:
        writer = csv.writer(fh)
        writer.writerow(header)
        writer.writerows(rows)
    return path


def write_xlsx(path, header, rows):
    wb = Workbook()
    ws = wb.active
    ws.append(header)
    for row in rows:
        ws.append(row)
    wb.save(path)
    return path


ROW_A = ["营口恒信知识产权代理有限公司", CODE_A, "专利代理；商标代理", "镁质材料、钢铁", "站前区", "专利商标代理。", "发明专利申请；商标注册", "0417-2800001", "a@example.cn", 2012]
ROW_B = ["辽宁鲅鱼圈检测技术有限公司", CODE_B, "检验检测认证", "石油化工", "营口经济技术开发区", "CMA检测。", "", "13800000000", "", "2018"]


def count(session, model):
    return session.exec(select(func.count()).select_from(model)).one()


@pytest.mark.parametrize("header", [ZH_HEADER, EN_HEADER, [f"{z}/{e}" for z, e in zip(ZH_HEADER, EN_HEADER, strict=True)]])
@pytest.mark.parametrize("fmt", ["csv", "xlsx"])
def test_import_with_chinese_or_english_headers(db_session, tmp_path, header, fmt):
    writer = write_csv if fmt == "csv" else write_xlsx
    path = writer(tmp_path / f"i.{fmt}", header, [ROW_A, ROW_B])
    report = import_file("institutions", path, admit=True)
    assert report.applied and not report.errors
    assert report.count("created") == 2
    inst = db_session.exec(select(Institution).where(Institution.credit_code == CODE_A)).one()
    assert {c.name for c in inst.categories} == {"专利代理", "商标代理"}
    assert {i.name for i in inst.industries} == {"镁质材料", "钢铁"}
    assert [o.title for o in inst.offerings] == ["发明专利申请", "商标注册"]
    assert inst.status == RecordStatus.ADMITTED and inst.founded_year == 2012
    other = db_session.exec(select(Institution).where(Institution.credit_code == CODE_B)).one()
    assert other.region.name == "鲅鱼圈区"  # the alias 营口经济技术开发区


def test_reimport_updates_instead_of_duplicating(db_session, tmp_path):
    import_file("institutions", write_csv(tmp_path / "a.csv", ZH_HEADER, [ROW_A]), admit=True)
    changed = list(ROW_A)
    changed[5] = "新的简介"
    report = import_file("institutions", write_csv(tmp_path / "b.csv", ZH_HEADER, [changed]))
    assert report.count("updated") == 1
    assert count(db_session, Institution) == 1
    assert db_session.exec(select(Institution)).one().description == "新的简介"


def test_any_invalid_row_writes_nothing_and_names_row_and_column(db_session, tmp_path):
    bad = list(ROW_B)
    bad[1] = CODE_B[:-1] + ("0" if CODE_B[-1] != "0" else "1")
    bad[2] = "算命服务"
    bad[4] = "火星"
    path = write_csv(tmp_path / "bad.csv", ZH_HEADER, [ROW_A, bad])
    report = import_file("institutions", path, admit=True)
    assert not report.applied
    assert count(db_session, Institution) == 0
    messages = {(e.row, e.column) for e in report.errors}
    assert messages == {(3, "统一社会信用代码"), (3, "服务类别"), (3, "所在区域")}
    assert any("算命服务" in e.message for e in report.errors)


def test_skip_invalid_imports_the_valid_rows(db_session, tmp_path):
    bad = list(ROW_B)
    bad[2] = "算命服务"
    report = import_file("institutions", write_csv(tmp_path / "x.csv", ZH_HEADER, [ROW_A, bad]), skip_invalid=True)
    assert report.applied and report.count("created") == 1 and report.count("skipped") == 1
    assert count(db_session, Institution) == 1


def test_duplicate_key_within_file_is_an_error(db_session, tmp_path):
    report = import_file("institutions", write_csv(tmp_path / "d.csv", ZH_HEADER, [ROW_A, ROW_A]))
    assert [(e.row, e.column) for e in report.errors] == [(3, "统一社会信用代码")]


def test_missing_required_column_is_a_file_error(db_session, tmp_path):
    with pytest.raises(ImportFileError, match="服务类别|categories"):
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
    with pytest.raises(ImportFileError, match="GB18030"):
        import_file("institutions", path)


@pytest.mark.parametrize("fmt", ["csv", "xlsx"])
def test_at_most_20000_rows_are_read(db_session, tmp_path, fmt):
    writer = write_csv if fmt == "csv" else write_xlsx
    path = writer(tmp_path / f"many.{fmt}", ZH_HEADER[:5], [ROW_A[:5]] * 20_001)
    with pytest.raises(ImportFileError, match="20000"):
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
    with pytest.raises(ImportFileError, match="MB"):
        import_file("institutions", path)
    assert time.monotonic() - started < 1


def test_a_website_that_is_not_http_is_a_row_error(db_session, tmp_path):
    header, ok, bad = [*ZH_HEADER, "网址"], [*ROW_A, "https://hengxin.example.cn"], [*ROW_B, "javascript:alert(1)"]
    report = import_file("institutions", write_csv(tmp_path / "w.csv", header, [ok, bad]), admit=True)
    assert not report.applied and count(db_session, Institution) == 0
    [error] = report.errors
    assert (error.row, error.column) == (3, "网址") and "http://" in error.message and "网址" in str(error)
    assert "须以" in error.message  # in Chinese, the admission form's message


def test_experts_import_matches_name_organization_phone(db_session, tmp_path):
    header = ["姓名", "职称", "工作单位", "专业领域", "服务类别", "所在区域", "联系电话", "电子邮箱"]
    row = ["李明", "教授", "营口理工学院", "镁质耐火材料、菱镁矿深加工", "技术转移与科技成果转化", "西市区", "13700000001", "li@example.cn"]
    path = write_csv(tmp_path / "e.csv", header, [row])
    assert import_file("experts", path, admit=True).count("created") == 1
    assert import_file("experts", path, admit=True).count("unchanged") == 1
    expert = db_session.exec(select(Expert)).one()
    assert expert.expertise == ["镁质耐火材料", "菱镁矿深加工"]


@pytest.mark.parametrize("fmt", ["csv", "xlsx"])
def test_export_roundtrip(db_session, tmp_path, fmt):
    evil = '=HYPERLINK("http://x","y")'
    factories.institution(name="营口导出测试有限公司", categories=("专利代理",), description=evil,
                          contact_phone="+86 417 2800001", address="-")
    factories.institution(name="未入库机构", admit=False)
    out = tmp_path / f"out.{fmt}"
    assert export_file("institutions", out) == 1
    report = import_file("institutions", out)
    assert report.applied and report.count("unchanged") == 1 and not report.errors
    inst = db_session.exec(select(Institution).where(Institution.name == "营口导出测试有限公司")).one()
    assert (inst.description, inst.contact_phone, inst.address) == (evil, "+86 417 2800001", "-")


def test_split_list_separators():
    assert split_list("专利；商标;版权、软著,专利，标准") == ["专利", "商标", "版权", "软著", "标准"]


def test_back_office_upload_previews_then_imports(client, auth, db_session, tmp_path):
    import io
    import re

    auth.login("staff")
    bad = list(ROW_B)
    bad[2] = "算命服务"
    data = write_csv(tmp_path / "u.csv", ZH_HEADER, [ROW_A, bad]).read_bytes()
    preview = client.post("/admin/import", data={"kind": "institutions", "admit": "y",
                                                 "file": (io.BytesIO(data), "机构.csv")},
                          content_type="multipart/form-data")
    assert preview.status_code == 200
    page = preview.get_data(as_text=True)
    assert "算命服务" in page and 'id="import-report"' in page
    assert count(db_session, Institution) == 0  # nothing written by the preview
    token = re.search(r'/admin/import/([A-Za-z0-9_-]+)"', page).group(1)
    refused = client.post(f"/admin/import/{token}", data={"kind": "institutions", "admit": "1"})
    assert refused.status_code == 422 and count(db_session, Institution) == 0
    done = client.post(f"/admin/import/{token}", data={"kind": "institutions", "admit": "1", "skip_invalid": "y"})
    assert done.status_code == 302
    inst = db_session.exec(select(Institution)).one()
    assert inst.credit_code == CODE_A and inst.status == RecordStatus.ADMITTED
    again = client.post(f"/admin/import/{token}", data={"kind": "institutions", "admit": "1"})
    assert again.status_code == 302 and again.location.endswith("/admin/import")  # the upload is gone


def test_back_office_upload_rejects_other_files(client, auth, db_session):
    import io

    auth.login("staff")
    response = client.post("/admin/import", data={"kind": "institutions", "file": (io.BytesIO(b"x"), "a.exe")},
                           content_type="multipart/form-data")
    assert response.status_code == 422
    assert client.post("/admin/import/../../etc", data={}).status_code in (302, 404)


def test_back_office_export_roundtrips(client, auth, db_session, tmp_path):
    factories.institution(name="营口后台导出有限公司")
    auth.login("staff")
    response = client.get("/admin/export/institutions.xlsx")
    assert response.status_code == 200 and response.headers["Content-Disposition"].endswith("institutions.xlsx")
    path = tmp_path / "back.xlsx"
    path.write_bytes(response.data)
    report = import_file("institutions", path)
    assert report.applied and report.count("unchanged") == 1
    assert client.get("/admin/export/experts.csv").data.decode("utf-8-sig").startswith("姓名,")


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


def test_the_detail_page_links_a_website_only_when_it_is_http(client, db_session):
    bad = factories.institution(website="javascript:alert(1)")  # stored before the rule, or by another path
    good = factories.institution(website="https://hengxin.example.cn")
    page = client.get(f"/institutions/{bad.id}").get_data(as_text=True)
    assert "javascript:alert(1)" in page and 'href="javascript:' not in page
    page = client.get(f"/institutions/{good.id}").get_data(as_text=True)
    assert 'href="https://hengxin.example.cn"' in page
