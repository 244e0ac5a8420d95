"""Importing institutions and experts: every row validated, nothing written while a row is invalid, re-imports update."""


import pytest
from sqlmodel import select

from directory.experts.models import Expert
from directory.imports.services import import_file
from directory.institutions.models import Institution, RecordStatus
from tests import factories
from tests.imports.files import (
    CODE_A,
    CODE_B,
    EN_HEADER,
    ROW_A,
    ROW_B,
    ZH_HEADER,
    count,
    write_csv,
    write_xlsx,
)


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


def test_the_detail_page_links_a_website_only_when_it_is_http(client, db_session):
    bad = factories.institution(website="javascript:alert(1)")  # stored before the rule, or by another path
    good = factories.institution(website="https://hengxin.example.cn")
    page = client.get(f"/institutions/{bad.id}").get_data(as_text=True)
    assert "javascript:alert(1)" in page and 'href="javascript:' not in page
    page = client.get(f"/institutions/{good.id}").get_data(as_text=True)
    assert 'href="https://hengxin.example.cn"' in page


def test_created_records_are_audited_and_queued_as_their_stored_state(db_session, tmp_path):
    """New records are inserted set-based (no ORM objects): the audit entry must still be the stored
    record's full snapshot, and the search outbox must hold the record and each of its offerings."""
    from directory.audit.models import AuditLog
    from directory.audit.services import diff
    from directory.institutions.services import snapshot
    from search.models import SearchOutbox

    report = import_file("institutions", write_csv(tmp_path / "a.csv", ZH_HEADER, [ROW_A, ROW_B]), admit=True)
    assert report.count("created") == 2
    db_session.expire_all()
    for inst in db_session.exec(select(Institution)).all():
        entry = db_session.exec(select(AuditLog).where(AuditLog.entity_id == inst.id,
                                                       AuditLog.action == "institution.create")).one()
        assert entry.changes == diff({}, snapshot(inst))
        assert inst.confirmed_at is not None and inst.admitted_at is not None
    queued = set(db_session.exec(select(SearchOutbox.entity_type, SearchOutbox.entity_id)).all())
    inst_a = db_session.exec(select(Institution).where(Institution.credit_code == CODE_A)).one()
    assert {("institution", inst_a.id)} | {("offering", o.id) for o in inst_a.offerings} <= queued
    assert [o.category.name for o in inst_a.offerings] == ["专利代理", "专利代理"]  # the first category by default
