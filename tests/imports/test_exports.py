"""Exports carry the import columns: imported again, they change nothing."""


import pytest
from sqlmodel import select

from directory.imports.exports import export_file
from directory.imports.services import import_file
from directory.institutions.models import Institution
from tests import factories


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


def test_back_office_export_roundtrips(client, auth, db_session, tmp_path):
    factories.institution(name="营口后台导出有限公司")
    auth.login("staff")
    response = client.get("/admin/export/institutions.xlsx")
    disposition = response.headers["Content-Disposition"]
    # A Chinese name for browsers (RFC 5987), an ASCII one for the rest.
    assert response.status_code == 200 and 'filename="institutions.xlsx"' in disposition
    assert "filename*=UTF-8''%E6%9C%8D%E5%8A%A1%E6%9C%BA%E6%9E%84%E5%90%8D%E5%BD%95-" in disposition  # 服务机构名录-
    path = tmp_path / "back.xlsx"
    path.write_bytes(response.data)
    report = import_file("institutions", path)
    assert report.applied and report.count("unchanged") == 1
    assert client.get("/admin/export/experts.csv").data.decode("utf-8-sig").startswith("姓名,")


def test_xlsx_export_has_a_title_row_a_frozen_header_and_fitting_widths(db_session, tmp_path):
    from openpyxl import load_workbook

    factories.institution(name="营口导出版式测试有限公司" * 2, categories=("专利代理",))
    out = tmp_path / "out.xlsx"
    export_file("institutions", out)
    sheet = load_workbook(out).worksheets[0]
    title = sheet["A1"].value
    assert title.startswith("营口市中小企业服务中心 · ") and title[-10:].count("-") == 2
    assert sheet["A2"].value == "机构名称" and sheet["A2"].font.b and sheet.freeze_panes == "A3"
    assert sheet["A3"].value == "营口导出版式测试有限公司" * 2
    widths = {c: sheet.column_dimensions[c].width for c in "ABC"}
    assert widths["A"] >= 2 * len("营口导出版式测试有限公司" * 2) > widths["C"] >= 2 * len("服务类别")


def test_the_sponsoring_body_names_the_unit(app, db_session, tmp_path, monkeypatch):
    import dataclasses

    from openpyxl import load_workbook

    monkeypatch.setitem(app.config, "SETTINGS", dataclasses.replace(app.config["SETTINGS"], site_sponsor="营口市工业和信息化局"))
    out = tmp_path / "out.xlsx"
    export_file("experts", out)
    assert load_workbook(out).worksheets[0]["A1"].value.startswith("营口市工业和信息化局 · ")
