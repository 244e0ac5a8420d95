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
    assert response.status_code == 200 and response.headers["Content-Disposition"].endswith("institutions.xlsx")
    path = tmp_path / "back.xlsx"
    path.write_bytes(response.data)
    report = import_file("institutions", path)
    assert report.applied and report.count("unchanged") == 1
    assert client.get("/admin/export/experts.csv").data.decode("utf-8-sig").startswith("姓名,")
