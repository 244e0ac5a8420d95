"""Export → import changes nothing; a column the file does not carry leaves its data alone; --admit keeps a
suspended or removed record's status (issue 11, item 2)."""

import csv

import pytest
from openpyxl import load_workbook
from sqlmodel import func, select

from directory.audit.models import AuditLog
from directory.experts.models import Expert
from directory.imports.columns import COLUMNS
from directory.imports.exports import export_file
from directory.imports.services import import_file
from directory.institutions.models import FeeModel, Institution, Offering, RecordStatus
from directory.taxonomy.services import Vocabulary
from search.models import SearchOutbox
from tests import factories


def count(session, model):
    return session.exec(select(func.count()).select_from(model)).one()


def state(session):
    """Everything an import could write: audit entries, outbox rows, and every record's updated_at."""
    session.flush()
    stamps = {}
    for model in (Institution, Offering, Expert):
        stamps[model.__name__] = sorted(session.exec(select(model.id, model.updated_at)).all())
    return count(session, AuditLog), count(session, SearchOutbox), stamps


def details(session, inst_id):
    rows = session.exec(select(Offering).where(Offering.institution_id == inst_id).order_by(Offering.id)).all()
    return [(o.title, o.category_id, o.description, o.fee_model, o.price_min, o.price_max, o.delivery_days,
             o.public_interest, o.active) for o in rows]


def directory():
    """A small directory with every kind of data the import columns and the offering details hold."""
    vocab = Vocabulary()
    inst = factories.institution(
        name="营口往返测试知识产权有限公司", categories=("专利代理", "商标代理"), industries=("镁质材料", "钢铁"),
        offerings=("发明专利申请代理", "商标注册"), coverage=[vocab.region("全市"), vocab.region("鲅鱼圈区")],
        honors=["省级中小企业公共服务示范平台"], qualifications=["专利代理机构执业许可证", "ISO9001"],
        contact_name="王经理", contact_phone="0417-2800000", email="ip@example.cn", website="https://ip.example.cn",
        founded_year=2010, staff_count=35, address="站前区建设街1号", postal_code="115002")
    first = inst.offerings[0]
    first.description, first.fee_model, first.price_min, first.price_max = "代理撰写与递交。", FeeModel.FIXED, 3000, 8000
    first.delivery_days, first.public_interest, first.category = 30, True, vocab.category("知识产权保护与维权")
    # A long text holding quotes and every list separator: only list columns are split on re-import.
    long_text = "CMA 检测。承担“金小二”平台的线下窗口职能；检测、认证、计量, 覆盖站前区、西市区;鲅鱼圈区。" * 12
    factories.institution(name="营口往返测试检测有限公司", categories=("检验检测认证",), industries=(),
                          offerings=(), description=long_text)
    factories.institution(name="营口往返测试未公开有限公司", admit=False)
    factories.expert(name="往返专家甲", expertise=("发明专利撰写", "专利无效"), title="教授", organization="营口理工学院",
                     industries=[vocab.industry("镁质材料")], bio="从事专利工作二十年。")
    factories.expert(name="往返专家乙", categories=(), region="", phone="", email="")
    return inst


@pytest.mark.parametrize("fmt", ["csv", "xlsx"])
@pytest.mark.parametrize("kind", ["institutions", "experts"])
@pytest.mark.parametrize("admit", [False, True])
def test_export_then_import_reports_unchanged_and_writes_nothing(db_session, tmp_path, fmt, kind, admit):
    inst = directory()
    before_details = details(db_session, inst.id)
    out = tmp_path / f"{kind}.{fmt}"
    exported = export_file(kind, out)
    assert exported == 2
    before = state(db_session)
    report = import_file(kind, out, admit=admit)
    assert report.applied and not report.errors
    assert [r.action for r in report.rows] == ["unchanged"] * exported
    assert (report.count("created"), report.count("updated"), report.count("unchanged")) == (0, 0, exported)
    assert state(db_session) == before  # no audit entry, no outbox row, no updated_at bump
    assert details(db_session, inst.id) == before_details


def test_the_preview_says_unchanged_and_writes_nothing(db_session, tmp_path):
    inst = directory()
    out = tmp_path / "institutions.csv"
    exported = export_file("institutions", out)
    before = state(db_session)
    preview = import_file("institutions", out, admit=True, dry_run=True)
    assert [r.action for r in preview.rows] == ["unchanged"] * exported and not preview.applied
    changed = write(tmp_path / "c.csv", ["机构名称", "统一社会信用代码", "服务类别", "所在区域", "机构简介"],
                    [[inst.name, inst.credit_code, "专利代理；商标代理", "站前区", "预览里改过的简介。"],
                     ["营口预览新建有限公司", factories.credit_code(), "专利代理", "站前区", "新机构。"]])
    preview = import_file("institutions", changed, dry_run=True)
    assert [r.action for r in preview.rows] == ["would_update", "would_create"]
    db_session.expire_all()
    assert state(db_session) == before  # audit, outbox and the records as they were
    assert db_session.get(Institution, inst.id).description != "预览里改过的简介。"


def test_export_carries_every_import_column_including_coverage(db_session, tmp_path):
    directory()
    for kind in ("institutions", "experts"):
        export_file(kind, tmp_path / f"{kind}.xlsx")
        header = next(load_workbook(tmp_path / f"{kind}.xlsx").active.iter_rows(min_row=2, values_only=True))
        assert list(header) == [c.zh for c in COLUMNS[kind]]
    export_file("institutions", tmp_path / "i.csv")
    with (tmp_path / "i.csv").open(encoding="utf-8-sig") as fh:
        rows = list(csv.DictReader(fh))
    row = next(r for r in rows if r["机构名称"] == "营口往返测试知识产权有限公司")
    assert row["服务区域"] == "鲅鱼圈区；全市"  # in the classification's order and row["邮政编码"] == "115002"


def write(path, header, rows):
    with path.open("w", encoding="utf-8-sig", newline="") as fh:
        writer = csv.writer(fh)
        writer.writerow(header)
        writer.writerows(rows)
    return path


def test_columns_the_file_does_not_carry_are_left_alone(db_session, tmp_path):
    inst = directory()
    before_details = details(db_session, inst.id)
    path = write(tmp_path / "few.csv", ["机构名称", "统一社会信用代码", "服务类别", "所在区域", "机构简介"],
                 [[inst.name, inst.credit_code, "专利代理；商标代理", "站前区", "新的简介。"]])
    report = import_file("institutions", path)
    assert [r.action for r in report.rows] == ["updated"]
    db_session.expire_all()
    inst = db_session.get(Institution, inst.id)
    assert inst.description == "新的简介。"
    assert sorted(r.name for r in inst.coverage) == ["全市", "鲅鱼圈区"]
    assert inst.honors == ["省级中小企业公共服务示范平台"]
    assert inst.qualifications == ["专利代理机构执业许可证", "ISO9001"]
    assert (inst.website, inst.contact_phone, inst.staff_count, inst.address) == (
        "https://ip.example.cn", "0417-2800000", 35, "站前区建设街1号")
    assert sorted(i.name for i in inst.industries) == ["钢铁", "镁质材料"]
    assert details(db_session, inst.id) == before_details
    entry = db_session.exec(select(AuditLog).where(AuditLog.entity_id == inst.id, AuditLog.action == "institution.update")).one()
    assert set(entry.changes) == {"description"}


def test_expert_columns_the_file_does_not_carry_are_left_alone(db_session, tmp_path):
    directory()
    path = write(tmp_path / "e.csv", ["姓名", "工作单位", "联系电话", "专业领域", "职称"],
                 [["往返专家甲", "营口理工学院", "13900000000", "发明专利撰写；专利无效", "研究员"]])
    assert [r.action for r in import_file("experts", path).rows] == ["updated"]
    db_session.expire_all()
    expert = db_session.exec(select(Expert).where(Expert.name == "往返专家甲")).one()
    assert expert.title == "研究员"
    assert (expert.bio, expert.email, expert.region.name) == ("从事专利工作二十年。", "expert@example.cn", "西市区")
    assert [c.name for c in expert.categories] == ["知识产权"] and [i.name for i in expert.industries] == ["镁质材料"]


def test_an_empty_cell_in_a_carried_column_clears_the_value(db_session, tmp_path):
    inst = directory()
    path = write(tmp_path / "clear.csv", ["机构名称", "统一社会信用代码", "服务类别", "所在区域", "服务区域", "网址"],
                 [[inst.name, inst.credit_code, "专利代理；商标代理", "站前区", "", ""]])
    assert [r.action for r in import_file("institutions", path).rows] == ["updated"]
    db_session.expire_all()
    inst = db_session.get(Institution, inst.id)
    assert inst.coverage == [] and inst.website == ""
    assert inst.honors == ["省级中小企业公共服务示范平台"]  # not a column of the file


def test_offering_titles_add_new_ones_and_keep_details_of_listed_ones(db_session, tmp_path):
    inst = directory()
    first_before = details(db_session, inst.id)[0]
    path = write(tmp_path / "o.csv", ["机构名称", "统一社会信用代码", "服务类别", "所在区域", "服务产品"],
                 [[inst.name, inst.credit_code, "专利代理；商标代理", "站前区", "发明专利申请代理；专利检索分析"]])
    assert [r.action for r in import_file("institutions", path).rows] == ["updated"]
    after = details(db_session, inst.id)
    assert after[0] == first_before  # price, description, delivery time, category kept
    assert [o[0] for o in after] == ["发明专利申请代理", "商标注册", "专利检索分析"]  # 商标注册 not withdrawn
    assert all(o[-1] for o in after)


@pytest.mark.parametrize("status", [RecordStatus.SUSPENDED, RecordStatus.REMOVED])
def test_admit_never_republishes_a_suspended_or_removed_record(runner, db_session, tmp_path, status):
    inst = directory()
    staff = factories.user(role="staff")
    from directory.admission.status_changes import change_status

    change_status(institution=inst, action="suspend", reason="投诉核实", actor=staff)
    if status == RecordStatus.REMOVED:
        change_status(institution=inst, action="remove", reason="不再经营", actor=staff)
    expert = db_session.exec(select(Expert).where(Expert.name == "往返专家甲")).one()
    expert.status = status
    db_session.flush()
    institutions = write(tmp_path / "i.csv", ["机构名称", "统一社会信用代码", "服务类别", "所在区域", "机构简介"],
                         [[inst.name, inst.credit_code, "专利代理；商标代理", "站前区", "改过的简介。"]])
    result = runner.invoke(args=["import", "institutions", str(institutions), "--admit"])
    assert result.exit_code == 0, result.output
    assert "row 2: updated" in result.output and "note:" in result.output
    label = "已暂停" if status == RecordStatus.SUSPENDED else "已移出"  # the command speaks the default locale, zh
    assert label in result.output.split("note:")[1]
    experts = write(tmp_path / "e.csv", ["姓名", "工作单位", "联系电话", "专业领域"],
                    [["往返专家甲", "营口理工学院", "13900000000", "发明专利撰写；专利无效"]])
    report = import_file("experts", experts, admit=True)
    assert [r.action for r in report.rows] == ["unchanged"] and report.rows[0].notes
    preview = import_file("institutions", institutions, admit=True, dry_run=True)
    assert preview.rows[0].notes
    db_session.expire_all()
    assert db_session.get(Institution, inst.id).status == status
    assert db_session.get(Expert, expert.id).status == status


def test_admit_still_publishes_new_and_unpublished_records(db_session, tmp_path):
    hidden = factories.institution(name="营口待入库有限公司", admit=False)
    path = write(tmp_path / "a.csv", ["机构名称", "统一社会信用代码", "服务类别", "所在区域"],
                 [[hidden.name, hidden.credit_code, "专利代理", "站前区"]])
    report = import_file("institutions", path, admit=True)
    assert [r.action for r in report.rows] == ["updated"] and not report.rows[0].notes
    assert db_session.get(Institution, hidden.id).status == RecordStatus.ADMITTED


def test_export_command_then_import_command_reports_unchanged(runner, db_session, tmp_path):
    directory()
    out = tmp_path / "experts.csv"
    assert runner.invoke(args=["export", "experts", str(out)]).exit_code == 0
    result = runner.invoke(args=["import", "experts", str(out), "--admit"])
    assert result.exit_code == 0, result.output
    assert "experts: 0 created, 0 updated, 2 unchanged, 0 skipped" in result.output


def test_postal_code_is_checked(db_session, tmp_path):
    path = write(tmp_path / "p.csv", ["机构名称", "统一社会信用代码", "服务类别", "所在区域", "邮政编码"],
                 [["营口邮编有限公司", factories.credit_code(), "专利代理", "站前区", "1150"]])
    report = import_file("institutions", path)
    assert not report.applied and [(e.row, e.column) for e in report.errors] == [(2, "邮政编码")]


def test_a_text_that_looks_like_a_formula_stays_text(db_session, tmp_path):
    inst = factories.institution(name="营口公式测试有限公司", description="=HYPERLINK(\"http://x\")")
    export_file("institutions", tmp_path / "f.xlsx")
    cell = load_workbook(tmp_path / "f.xlsx").active.cell(row=3, column=[c.key for c in COLUMNS["institutions"]].index("description") + 1)
    assert cell.data_type == "s" and cell.value == "'" + inst.description  # text, quoted (OWASP): it runs nothing
    assert [r.action for r in import_file("institutions", tmp_path / "f.xlsx").rows] == ["unchanged"]


def test_back_office_preview_and_import_say_a_suspended_record_stays_suspended(client, auth, db_session, tmp_path):
    import io
    import re

    from directory.admission.status_changes import change_status

    inst = directory()
    staff = auth.login("staff")
    change_status(institution=inst, action="suspend", reason="投诉核实", actor=staff)
    data = write(tmp_path / "s.csv", ["机构名称", "统一社会信用代码", "服务类别", "所在区域"],
                 [[inst.name, inst.credit_code, "专利代理；商标代理", "站前区"]]).read_bytes()
    preview = client.post("/admin/import", data={"kind": "institutions", "admit": "y",
                                                 "file": (io.BytesIO(data), "s.csv")}, content_type="multipart/form-data")
    page = preview.get_data(as_text=True)
    assert preview.status_code == 200 and "未发布：该记录已暂停" in page
    token = re.search(r'/admin/import/([A-Za-z0-9_-]+)"', page).group(1)
    done = client.post(f"/admin/import/{token}", data={"kind": "institutions", "admit": "1"}, follow_redirects=True)
    assert "未发布：该记录已暂停" in done.get_data(as_text=True)
    db_session.expire_all()
    assert db_session.get(Institution, inst.id).status == RecordStatus.SUSPENDED
