"""The pages whose charts need data (issue 16, items 2 and 8), on the data tests/browser/data.py gives the live
server: the event report, a period's grade distribution and graded list, an institution's own trend. axe-core
finds no serious or critical violation at desktop width and on a phone, every chart is drawn, and its image
download is a button the keyboard reaches; ECharts' toolbox icon, inside the canvas, is not drawn beside it."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.browser import data
from tests.browser.axe import RUN_AXE
from tests.browser.test_journeys import _login

VIEWPORTS = [{"width": 1280, "height": 900}, {"width": 360, "height": 780}]


def _charts_drawn(page) -> int:
    figures = page.locator("figure[data-chart]")
    figures.first.locator("canvas").first.wait_for()
    count = figures.count()
    assert page.locator("figure[data-chart][data-chart-ready='1']").count() == count
    # every figure has its download button, so no chart draws the toolbox icon a keyboard cannot reach
    assert page.evaluate("""() => Array.from(document.querySelectorAll('figure[data-chart]')).map((f) =>
        (f.chart.getOption().toolbox || []).length)""") == [0] * count
    return count


@pytest.mark.browser
@pytest.mark.parametrize("viewport", VIEWPORTS, ids=lambda v: str(v["width"]))
def test_axe_on_the_event_report_and_the_evaluation_pages(live_server, axe_page, viewport):
    page = axe_page
    page.set_viewport_size(viewport)
    problems: list[str] = []

    def check(path: str) -> None:
        page.goto(live_server + path)
        page.wait_for_load_state("load")
        problems.extend(f"{path} [{viewport['width']}px]: {v}" for v in page.evaluate(RUN_AXE))
        assert page.locator("h1").count() == 1, path
        assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth + 1"), path

    _login(page, live_server, "reviewer@example.cn")
    check(f"/admin/events/{data.SEEDED['event']}/report")
    assert _charts_drawn(page) == 4
    report = page.locator("#report").inner_text()
    assert data.EVENT_TITLE in page.inner_text("main") and "签约" in report  # the seeded day, not empty charts
    assert page.locator("#no-show-rate").inner_text() != "—"
    held = page.locator("#chart-meetings table tbody tr").nth(3).locator("td").inner_text()
    assert int(held) > 0
    check(f"/admin/evaluation/{data.SEEDED['period']}")
    assert _charts_drawn(page) == 1
    grades = [int(n) for n in page.locator("#chart-grades table tbody td").all_inner_texts()]
    assert sum(grades) >= 2  # every admitted institution has its grade
    check(f"/evaluation/{data.SEEDED['period']}")  # the public graded list
    page.context.clear_cookies()  # signed out

    _login(page, live_server, "provider@example.cn")
    check("/my/evaluation")  # the institution's own breakdown and trend
    assert _charts_drawn(page) == 1
    assert [t.strip() for t in page.locator("#trend table tbody th").all_inner_texts()] == list(data.PERIODS)
    assert not problems, "\n".join(problems)


@pytest.mark.browser
def test_the_keyboard_reaches_a_charts_image_download(live_server, page):
    page.set_viewport_size({"width": 1280, "height": 900})
    _login(page, live_server, "reviewer@example.cn")
    page.goto(f"{live_server}/admin/events/{data.SEEDED['event']}/report")
    _charts_drawn(page)
    # from the top of the page, Tab alone gets to the first chart's download button
    reached = None
    for _ in range(60):
        page.keyboard.press("Tab")
        reached = page.evaluate("""() => { const a = document.activeElement;
            return a && a.matches('[data-chart-save]') ? a.closest('figure').id : null; }""")
        if reached:
            break
        assert page.evaluate("document.activeElement.closest('[data-chart-canvas]') === null")
    assert reached == "chart-registrations"
    with page.expect_download() as download:
        page.keyboard.press("Enter")
    saved = download.value
    assert saved.suggested_filename.endswith(".png")
    assert Path(saved.path()).read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
