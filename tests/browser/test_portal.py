"""Staff write a policy, attach its document and publish it; a visitor finds it on the home page and in the
policy list, on a desktop and at 360 px wide without sideways scrolling; axe-core finds no serious or critical
violation on any of these pages."""

from __future__ import annotations

import pytest

from tests.browser.axe import inject, violations
from tests.browser.test_journeys import _login
from tests.notices.helpers import PDF


@pytest.mark.browser
def test_staff_publish_a_policy_and_visitors_find_it(live_server, page, browser, tmp_path):
    problems: list[str] = []
    inject(page)
    _login(page, live_server, "reviewer@example.cn")
    page.goto(live_server + "/admin/notices/new?kind=policy")
    problems += violations(page, live_server)
    page.fill("#title", "营口市浏览器测试惠企政策")
    page.fill("#summary", "对首次贷款的小微企业给予贴息。")
    page.fill("#issuer", "营口市金融局")
    page.fill("#document_number", "营金发〔2026〕9号")
    page.select_option("#categories", label="融资服务")
    page.click("#notice-form button[type=submit]")
    page.wait_for_url("**/admin/notices/*")
    document = tmp_path / "贴息办法.pdf"
    document.write_bytes(PDF)
    page.set_input_files("#attachments input[type=file]", str(document))
    page.click("#attachments button[type=submit]")
    page.wait_for_selector("text=贴息办法.pdf")
    problems += violations(page, live_server)
    page.click("text=发布")
    page.wait_for_selector("text=已发布，公众现在可以看到。")

    for width in (1280, 360):
        visitor = browser.new_context(viewport={"width": width, "height": 800})
        inject(visitor)
        try:
            tab = visitor.new_page()
            tab.goto(live_server + "/")
            problems += violations(tab, live_server)
            assert "营口市浏览器测试惠企政策" in tab.locator("#home-policies").inner_text()
            assert tab.locator("#post-need a").is_visible()
            assert tab.evaluate("document.documentElement.scrollWidth <= window.innerWidth"), width
            tab.click("#home-policies >> text=更多")
            tab.wait_for_url("**/policies")
            tab.fill("#q", "贴息")
            tab.keyboard.press("Enter")
            tab.wait_for_url("**/policies?**")
            # the list searches the index, which the web app's sync worker updates by itself a moment after
            # the publication: a search made before that finds nothing, so look again (as a visitor would)
            for _ in range(100):
                if tab.locator("#notices >> text=营口市浏览器测试惠企政策").count():
                    break
                tab.wait_for_timeout(200)
                tab.reload()
            problems += violations(tab, live_server)
            tab.click("#notices >> text=营口市浏览器测试惠企政策")
            tab.wait_for_url("**/policies/*")
            assert tab.locator("h1").inner_text() == "营口市浏览器测试惠企政策"
            assert tab.locator("#notice-attachments a").inner_text() == "贴息办法.pdf"
            assert tab.evaluate("document.documentElement.scrollWidth <= window.innerWidth"), width
            problems += violations(tab, live_server)
            tab.click("#frame-footer >> text=网站地图")
            tab.wait_for_url("**/sitemap")
            problems += violations(tab, live_server)
            for path in ("/notices", "/accessibility"):
                tab.goto(live_server + path)
                problems += violations(tab, live_server)
        finally:
            visitor.close()
    assert not problems, "\n".join(problems)
