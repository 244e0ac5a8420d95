"""Long staff jobs: started from the back office, a progress page that polls, the result linked when done, a
notification to the one who started it, result files for that user alone; the open-data package built by a job."""

from __future__ import annotations

import io
import json
import re
import uuid
import zipfile

from openpyxl import load_workbook
from sqlmodel import select

from directory.core.db import commit_or_rollback
from directory.evaluation.models import EvaluationPeriod
from directory.extensions import db
from directory.imports.services import LARGE_IMPORT_ROWS
from directory.institutions.models import Institution
from directory.jobs import progress, staff
from directory.notifications.models import Notification
from directory.opendata.services import package_path
from tests import factories
from tests.imports.files import ZH_HEADER, count, write_csv

JOB_PAGE = re.compile(r"/admin/jobs/([0-9a-f-]{36})$")


def _job_id(response) -> str:
    assert response.status_code in (302, 303), response.get_data(as_text=True)[:500]
    match = JOB_PAGE.search(response.location)
    assert match, response.location
    return match.group(1)


def _inbox(user) -> list[Notification]:
    return list(db.session.exec(select(Notification).where(Notification.user_id == user.id)).all())


def test_an_export_job_shows_its_page_links_its_file_and_tells_its_owner(app, client, auth, db_session, make_engine):
    make_engine(app, "immediate")
    factories.institution(name="营口导出测试有限公司")
    owner = auth.login("staff")
    job = _job_id(client.post("/admin/export/institutions.xlsx"))
    page = client.get(f"/admin/jobs/{job}").get_data(as_text=True)
    assert 'data-state="finished"' in page and "hx-get" not in page  # done: the page stops polling
    assert f"/admin/jobs/{job}/file" in page
    with client.get(f"/admin/jobs/{job}/file") as download:
        assert download.status_code == 200 and "institutions.xlsx" in download.headers["Content-Disposition"]
        workbook = load_workbook(io.BytesIO(download.data), read_only=True)
    assert "营口导出测试有限公司" in [row[0] for row in workbook.worksheets[0].iter_rows(values_only=True)]
    workbook.close()
    [notice] = _inbox(owner)
    assert notice.link == f"/admin/jobs/{job}" and notice.kind == "job"
    # Another staff user sees neither the page nor the file (as if there were no such job).
    auth.logout()
    auth.login("staff")
    for url in (f"/admin/jobs/{job}", f"/admin/jobs/{job}/status", f"/admin/jobs/{job}/file"):
        assert client.get(url).status_code == 404
    assert client.get(f"/admin/jobs/{uuid.uuid4()}").status_code == 404


def test_a_waiting_job_polls_its_status_without_inline_script(app, client, auth, db_session, make_engine):
    engine = make_engine(app, "sqlite")  # no consumer runs: the job waits
    auth.login("staff")
    job = _job_id(client.post("/admin/export/experts.csv"))
    page = client.get(f"/admin/jobs/{job}").get_data(as_text=True)
    assert 'data-state="waiting"' in page and f'hx-get="/admin/jobs/{job}/status"' in page
    assert "<script>" not in page and "hx-on" not in page  # the CSP allows no inline script
    progress.write(engine.huey, progress.Progress(job, done=3, total=4, message="写入"))
    fragment = client.get(f"/admin/jobs/{job}/status").get_data(as_text=True)
    assert 'value="75"' in fragment and "hx-trigger" in fragment and "<html" not in fragment


def test_a_large_import_is_previewed_and_run_as_jobs_and_their_pages_are_the_reports(app, client, auth, db_session,
                                                                                     make_engine, tmp_path):
    from directory.core.creditcode import make_credit_code

    make_engine(app, "immediate")
    owner = auth.login("staff")
    n = LARGE_IMPORT_ROWS + 1
    rows = [[f"营口批量导入{i}有限公司", make_credit_code("91", "210802", f"MA{i:06d}"), "专利代理", "", "站前区", "",
             "", "", f"x{i}@example.cn", 2012] for i in range(n)]
    rows[5][8] = "不是邮箱"
    data = write_csv(tmp_path / "big.csv", ZH_HEADER, rows).read_bytes()
    factories.institution(name="营口批量导入3有限公司", credit_code=rows[3][1])  # one row updates a record
    db_session.commit()
    # The preview of a large file is a job too; its page shows the report and the confirmation.
    preview_job = _job_id(client.post("/admin/import", data={"kind": "institutions", "admit": "y",
                                                             "file": (io.BytesIO(data), "big.csv")},
                                      content_type="multipart/form-data"))
    preview = client.get(f"/admin/jobs/{preview_job}").get_data(as_text=True)
    assert 'data-state="finished"' in preview
    assert f"共 {n} 行，其中 1 行有错误" in preview and f"新增 {n - 2}" in preview and "更新已有记录 1" in preview
    assert re.search(r'<ul id="import-errors"><li>[^<]*7[^<]*</li></ul>', preview)
    assert 'name="skip_invalid"' in preview and 'name="csrf_token"' in preview
    assert count(db_session, Institution) == 1  # the preview wrote nothing
    assert [n.link for n in _inbox(owner)] == [f"/admin/jobs/{preview_job}"]
    token = re.search(r'/admin/import/([A-Za-z0-9_-]+)"', preview).group(1)
    job = _job_id(client.post(f"/admin/import/{token}", data={"kind": "institutions", "admit": "1"}))
    page = client.get(f"/admin/jobs/{job}").get_data(as_text=True)
    assert "未导入任何数据" in page  # the import's own report: nothing written while a row is invalid
    assert re.search(r'<ul id="import-errors"><li>[^<]*7[^<]*</li></ul>', page)  # row 7: the bad address
    assert count(db_session, Institution) == 1
    job = _job_id(client.post(f"/admin/import/{token}", data={"kind": "institutions", "admit": "1",
                                                               "skip_invalid": "y"}))
    page = client.get(f"/admin/jobs/{job}").get_data(as_text=True)
    assert 'data-state="finished"' in page and str(n - 2) in page
    assert count(db_session, Institution) == n - 1  # the row that existed was updated
    assert [n.link for n in _inbox(owner)][-1] == f"/admin/jobs/{job}"


def test_an_evaluation_run_is_a_job_that_links_the_period(app, client, auth, db_session, make_engine):
    from directory.evaluation import services

    make_engine(app, "immediate")
    factories.institution()
    owner = auth.login("staff")
    services.open_period(code="2026Q1", user=owner)
    job = _job_id(client.post("/admin/evaluation/2026Q1/run"))
    period = db_session.exec(select(EvaluationPeriod).where(EvaluationPeriod.code == "2026Q1")).one()
    db_session.refresh(period)
    assert period.computed_at is not None
    page = client.get(f"/admin/jobs/{job}").get_data(as_text=True)
    assert 'href="/admin/evaluation/2026Q1"' in page
    assert _inbox(owner)[-1].link == f"/admin/jobs/{job}"


def test_a_run_that_cannot_happen_is_refused_before_it_is_queued(app, client, auth, db_session, make_engine):
    from directory.evaluation import services

    engine = make_engine(app, "sqlite")
    services.open_period(code="2099Q1", user=auth.login("staff"))
    response = client.post("/admin/evaluation/2099Q1/run")  # not started yet
    assert response.status_code == 302 and not JOB_PAGE.search(response.location)
    assert len(engine.huey.pending()) == 0


def _names_in(package: bytes) -> str:
    with zipfile.ZipFile(io.BytesIO(package)) as archive:
        return archive.read("organizations.csv").decode("utf-8")


def test_the_open_data_package_is_served_as_built_and_rebuilt_by_a_job_after_a_change(app, client, db_session,
                                                                                       make_engine):
    engine = make_engine(app, "sqlite")
    path = package_path()
    path.unlink(missing_ok=True)
    factories.institution(name="营口开放数据甲有限公司")
    db_session.commit()
    first = client.get("/opendata/hsds.zip")  # nothing built yet: this request builds it once
    assert first.status_code == 200 and path.is_file() and "营口开放数据甲有限公司" in _names_in(first.data)
    engine.huey.flush()
    with commit_or_rollback(db.session):
        factories.institution(name="营口开放数据乙有限公司")  # a published change: one build is asked for
    assert "营口开放数据乙有限公司" not in _names_in(client.get("/opendata/hsds.zip").data)  # served as built
    waiting = [t for t in engine.huey.pending() + engine.huey.scheduled() if t.name == staff.OPENDATA]
    assert len(waiting) == 1 and waiting[0].eta is not None  # a few seconds later, coalesced
    with commit_or_rollback(db.session):
        factories.institution(name="营口开放数据丙有限公司")
    assert len([t for t in engine.huey.pending() + engine.huey.scheduled() if t.name == staff.OPENDATA]) == 1
    engine.tasks[staff.OPENDATA].call_local()
    names = _names_in(client.get("/opendata/hsds.zip").data)
    assert "营口开放数据乙有限公司" in names and "营口开放数据丙有限公司" in names


def test_the_monitoring_workbook_by_a_job(app, client, auth, db_session, make_engine):
    make_engine(app, "immediate")
    owner = auth.login("staff")
    assert client.post("/admin/monitoring.xlsx?period=abc").status_code == 400  # refused before it is queued
    job = _job_id(client.post("/admin/monitoring.xlsx?period=2026"))
    with client.get(f"/admin/jobs/{job}/file") as download:
        assert download.status_code == 200 and "monitoring-2026.xlsx" in download.headers["Content-Disposition"]
        workbook = load_workbook(io.BytesIO(download.data), read_only=True)
    assert len(workbook.sheetnames) >= 2
    workbook.close()
    assert _inbox(owner)[-1].link == f"/admin/jobs/{job}"


def test_the_category_model_and_the_expansion_vocabulary_are_built_by_a_job_and_shared(app, db_session,
                                                                                         make_engine):
    from directory.recommendations.inference import current_model, infer
    from search import expansion

    engine = make_engine(app, "sqlite")
    model_file, vocabulary_file = expansion.artefact_path("categories"), expansion.artefact_path("expansion")
    assert not model_file.exists() and not vocabulary_file.exists()  # db_session's forget() removed them
    factories.institution(name="营口甲专利代理有限公司", categories=("专利代理",),
                          description="发明专利申请 实用新型 专利检索")
    db_session.commit()
    before = current_model()  # no file yet: this request trains once and writes it for every process
    assert model_file.is_file() and "检索" in expansion.expander().vocabulary.df and vocabulary_file.is_file()
    assert current_model() is before  # read again only when the file changes
    engine.huey.flush()
    with commit_or_rollback(db.session):
        factories.institution(name="营口乙商标事务所", categories=("商标代理",), description="驰名商标 鼹鼠商标维权")
    waiting = [t for t in engine.huey.pending() + engine.huey.scheduled() if t.name == staff.VOCABULARY]
    assert len(waiting) == 1 and waiting[0].eta is not None  # coalesced, a little later
    with commit_or_rollback(db.session):
        factories.institution(name="营口丙商标事务所", categories=("商标代理",))
    assert len([t for t in engine.huey.pending() + engine.huey.scheduled() if t.name == staff.VOCABULARY]) == 1
    assert "鼹鼠" not in expansion.expander().vocabulary.df  # requests serve what was built
    engine.tasks[staff.VOCABULARY].call_local()
    assert "鼹鼠" in expansion.expander().vocabulary.df
    after = current_model()
    assert after is not before and "鼹鼠" in after.vocabulary and "鼹鼠" not in before.vocabulary
    odds = after.posteriors("鼹鼠")  # learned from the new record: its category is the likeliest
    assert max(odds, key=odds.__getitem__) == infer(after, "商标代理").category_id
    assert json.loads(model_file.read_text(encoding="utf-8"))["version"] == expansion.ARTEFACT_VERSION  # JSON


def test_a_missing_or_older_vocabulary_file_is_not_current_so_a_starting_worker_rebuilds_it(app, db_session):
    from search import expansion

    path = expansion.artefact_path("categories")
    assert not expansion.artefact_is_current("categories")  # none yet
    expansion.write_artefact("categories", {"counts": {}})
    assert expansion.artefact_is_current("categories")
    path.write_text(json.dumps({"version": expansion.ARTEFACT_VERSION - 1, "counts": {}}, separators=(",", ":")),
                    encoding="utf-8")
    assert not expansion.artefact_is_current("categories")  # a release changed the format
