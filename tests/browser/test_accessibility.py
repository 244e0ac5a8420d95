"""Accessibility in a real Chromium (issue 16, item 8): axe-core (from npm, injected by Playwright, never served by
the app) finds no serious or critical violation on the main pages of every role, at desktop width and on a phone;
the skip link reaches the main content; focus is visible; 长者模式 is remembered; and the charts (item 2) are
drawn from their data blocks, with their table for screen readers and an image download."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from tests.browser.axe import RUN_AXE
from tests.browser.test_journeys import _login


@pytest.mark.browser
def test_axe_finds_no_serious_violation_on_the_main_pages_of_every_role(live_server, axe_page):
    page = axe_page
    problems: list[str] = []

    def check(path: str | None = None) -> None:
        if path is not None:
            page.goto(live_server + path)
        page.wait_for_load_state("load")
        where = page.url.replace(live_server, "")
        problems.extend(f"{where} [{page.viewport_size['width']}px]: {v}" for v in page.evaluate(RUN_AXE))
        assert page.locator("h1").count() == 1, where

    def logout() -> None:
        page.goto(live_server + "/")
        if page.viewport_size["width"] < 768:
            page.click("button.navbar-toggler")
        page.click("form[action='/logout'] button")

    # visitors: home, search, an institution, an expert; at desktop width and on a phone
    for width, height in ((1280, 900), (390, 844)):
        page.set_viewport_size({"width": width, "height": height})
        check("/")
        check("/search?q=知识产权&type=institution")
        page.locator("article.hit h3 a").first.click()
        page.wait_for_url("**/institutions/*")
        check()
    check("/search?type=expert&q=贯标")
    page.locator("article.hit h3 a").first.click()
    page.wait_for_url("**/experts/*")
    check()
    page.set_viewport_size({"width": 1280, "height": 900})
    check("/events")
    check("/login")

    for email, paths in (("sme@meiye.example.cn", ["/demands"]),
                         ("provider@example.cn", ["/my/evaluation"]),
                         ("scholar@example.cn", []),
                         ("reviewer@example.cn", ["/admin/monitoring", "/admin/applications", "/admin/audit"]),
                         ("admin@example.cn", ["/admin/users", "/admin/taxonomy"])):
        _login(page, live_server, email)
        check()  # their /my page
        for path in paths:
            check(path)
        if email.startswith("reviewer"):  # the charts on a phone: readable, and no sideways scrolling
            page.set_viewport_size({"width": 360, "height": 800})
            check("/admin/monitoring")
            assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")
            page.set_viewport_size({"width": 1280, "height": 900})
        logout()
    assert not problems, "\n".join(problems)


@pytest.mark.browser
def test_skip_link_focus_elder_mode_and_charts(live_server, axe_page):
    from tests.browser.test_csp import _check, _watch

    page = axe_page
    seen = _watch(page)
    page.set_viewport_size({"width": 1280, "height": 900})
    page.goto(live_server + "/")
    page.keyboard.press("Tab")
    skip = page.locator("a.skip-link")
    assert page.evaluate("document.activeElement.classList.contains('skip-link')")
    assert skip.inner_text() == "跳到主要内容" and skip.bounding_box()["width"] > 20  # shown when focused
    page.keyboard.press("Enter")
    assert page.evaluate("document.activeElement.id") == "main"
    page.keyboard.press("Tab")  # the first control inside the main content shows where the focus is
    focus = page.evaluate("""() => { const s = getComputedStyle(document.activeElement);
        return [document.activeElement.closest('main') !== null, s.outlineStyle, s.outlineWidth, s.boxShadow]; }""")
    assert focus[0] and focus[1] == "solid" and focus[2] == "3px" and focus[3] != "none", focus

    # 长者模式: larger type, remembered on the next page
    base_size = page.evaluate("parseFloat(getComputedStyle(document.documentElement).fontSize)")
    toggle = page.locator("#elder-toggle")
    assert toggle.get_attribute("aria-pressed") == "false" and "长者模式" in toggle.inner_text()
    toggle.click()
    assert page.evaluate("document.documentElement.classList.contains('elder')")
    page.goto(live_server + "/search?q=知识产权")
    assert page.locator("html").get_attribute("class") == "elder"  # drawn so by the server: no flash
    assert page.locator("#elder-toggle").get_attribute("aria-pressed") == "true"
    assert page.evaluate("parseFloat(getComputedStyle(document.documentElement).fontSize)") >= 1.2 * base_size
    assert page.evaluate(RUN_AXE) == []  # higher contrast, not lower
    page.locator("#elder-toggle").click()
    page.reload()
    assert page.locator("html").get_attribute("class") is None

    # charts: drawn by charts.js from the data block, the table kept for screen readers, saved as an image
    _login(page, live_server, "reviewer@example.cn")
    page.goto(live_server + "/admin/monitoring")
    figure = page.locator("#chart-districts")
    figure.locator("canvas").first.wait_for()
    assert page.locator("figure[data-chart]").count() >= 8
    _check(page, seen, "/admin/monitoring")  # ECharts and charts.js run under the CSP
    assert page.evaluate(RUN_AXE) == []
    assert page.locator("figure[data-chart][data-chart-ready='1']").count() == page.locator("figure[data-chart]").count()
    table = figure.locator("table")
    assert "visually-hidden" in (figure.locator(".chart-table").get_attribute("class") or "")
    assert "站前区" in table.text_content()  # still in the page for screen readers
    toggle = figure.locator("[data-chart-toggle]")
    toggle.click()
    assert toggle.get_attribute("aria-expanded") == "true" and table.is_visible()
    assert table.bounding_box()["height"] > 50
    with page.expect_download() as download:
        figure.locator("[data-chart-save]").click()
    saved = download.value
    assert re.search(r"\.png$", saved.suggested_filename)
    assert Path(saved.path()).read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
