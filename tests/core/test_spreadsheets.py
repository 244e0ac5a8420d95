"""Formula injection in every .xlsx and .csv export (issue 14, item 5): a text cell that a spreadsheet would run
(``=HYPERLINK(...)``, ``+``, ``-``, ``@``, tab, CR) is written with a leading quote and, in .xlsx, typed as text."""

import csv
import io
import zipfile
from datetime import timedelta

from openpyxl import load_workbook

from directory.core.spreadsheets import safe_cell, unquote_cell
from tests import factories
from tests.opendata import download_fresh

EVIL = '=HYPERLINK("http://x","y")'


def xlsx_cells(data: bytes) -> list:
    book = load_workbook(io.BytesIO(data))
    return [cell for sheet in book.worksheets for row in sheet.iter_rows() for cell in row]


def assert_xlsx_safe(data: bytes) -> None:
    cells = xlsx_cells(data)
    evil = [c for c in cells if isinstance(c.value, str) and "HYPERLINK" in c.value]
    assert evil, "the test value is not in the export"
    for cell in evil:
        assert cell.data_type == "s" and cell.value == "'" + EVIL, (cell.coordinate, cell.data_type, cell.value)
    assert not [c for c in cells if c.data_type == "f"]


def assert_csv_safe(text: str) -> None:
    cells = [cell for row in csv.reader(io.StringIO(text)) for cell in row]
    assert "'" + EVIL in cells
    assert not [c for c in cells if c.startswith(("=", "+", "-", "@", "\t", "\r"))]


def test_safe_cell_quotes_only_text_that_would_run():
    for text in (EVIL, "+1", "-1", "@SUM(A1)", "\tx", "\rx", "-某某"):
        assert safe_cell(text) == "'" + text and unquote_cell(safe_cell(text)) == text
    for value in (-5, -1.5, 0, 3, None, "", "营口", "'quoted", "a=b", "0417-2800001"):
        assert safe_cell(value) == value
    assert unquote_cell("'quoted") == "'quoted"  # a quote before anything else is the user's own


def test_back_office_exports_of_institutions_and_experts(client, auth, db_session):
    factories.institution(name="营口公式测试有限公司", description=EVIL)
    expert = factories.expert(name="公式专家")
    expert.bio = EVIL
    db_session.add(expert)
    db_session.flush()
    auth.login("staff")
    for kind in ("institutions", "experts"):
        assert_xlsx_safe(client.get(f"/admin/export/{kind}.xlsx").data)
        assert_csv_safe(client.get(f"/admin/export/{kind}.csv").data.decode("utf-8-sig"))


def test_evaluation_graded_list_and_bad_review_ranking(client, auth, db_session):
    from directory.evaluation import services
    from tests.evaluation.test_services import Q1, _review

    inst = factories.institution(name=EVIL)
    for n in range(3):  # the ranking lists institutions with three reviews or more
        engagement = factories.engagement(institution_obj=inst, status="completed", requested_at=Q1 + timedelta(days=n))
        _review(engagement, verdict="dissatisfied", score=2, recommend=False)
    services.run(code="2026Q1")
    auth.login("staff")
    data = client.get("/admin/evaluation/2026Q1.xlsx").data
    assert_xlsx_safe(data)
    book = load_workbook(io.BytesIO(data))
    assert [c for c in xlsx_cells(data) if c.parent.title == book.worksheets[1].title and c.value == "'" + EVIL]


def test_monitoring_export(client, auth, db_session):
    inst = factories.institution(name=EVIL)
    inst.confirmed_at = None  # listed among the stale records
    db_session.add(inst)
    db_session.flush()
    auth.login("staff")
    response = client.get("/admin/monitoring.xlsx")
    assert response.status_code == 200
    assert_xlsx_safe(response.data)


def test_event_report_export(client, auth, db_session):
    from tests.events.helpers import make_event, register

    event = make_event(factories.user(role="staff"))
    register(event, seeks=EVIL)  # what an enterprise types when it registers
    auth.login("staff")
    response = client.get(f"/admin/events/{event.id}/report.xlsx")
    assert response.status_code == 200
    assert_xlsx_safe(response.data)


def test_open_data_csv(client, db_session):
    factories.institution(name="营口开放数据有限公司", description=EVIL)
    archive = zipfile.ZipFile(io.BytesIO(download_fresh(client).data))
    text = "".join(archive.read(n).decode("utf-8") for n in archive.namelist() if n.endswith(".csv"))
    assert_csv_safe(text)


def test_a_download_carries_its_chinese_name_and_an_ascii_fallback():
    from urllib.parse import unquote

    from directory.core.downloads import content_disposition

    header = content_disposition("服务机构名录-2026-12-02.xlsx", 'institutions"\r\n.xlsx')
    fallback, encoded = header.split("; filename*=UTF-8''")
    assert fallback == 'attachment; filename="institutions___.xlsx"'  # no quote or line break can break out
    assert unquote(encoded) == "服务机构名录-2026-12-02.xlsx" and encoded.isascii() and " " not in encoded
    # a name from a typed title keeps no character a file system refuses, nor a control character
    _fallback, encoded = content_disposition('对接会: 镁/铝\\专场?*<>|"\x01.xlsx', "x.xlsx").split("''")
    assert unquote(encoded) == "对接会_ 镁_铝_专场_______.xlsx"


def test_column_widths_count_chinese_characters_double_within_bounds():
    from directory.core.spreadsheets import MAX_WIDTH, MIN_WIDTH, column_widths

    assert column_widths([["机构名称", "ab", "x" * 500]]) == [10, MIN_WIDTH, MAX_WIDTH]
