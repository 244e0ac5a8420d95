"""Staff write a policy, attach its document and publish it; a visitor finds it on the home page and in the
policy list, on a desktop and at 360 px wide without sideways scrolling."""

from __future__ import annotations

import pytest

from tests.browser.test_journeys import _login
from tests.notices.helpers import PDF


@pytest.mark.browser
def test_staff_publish_a_policy_and_visitors_find_it(live_server, page, browser, tmp_path):
    _login(page, live_server, "reviewer@example.cn")
    page.goto(live_server + "/admin/notices/new?kind=policy")
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
    page.click("text=发布")
    page.wait_for_selector("text=已发布，公众现在可以看到。")

    for width in (1280, 360):
        visitor = browser.new_context(viewport={"width": width, "height": 800})
        try:
            tab = visitor.new_page()
            tab.goto(live_server + "/")
            assert "营口市浏览器测试惠企政策" in tab.locator("#home-policies").inner_text()
            assert tab.locator("#post-need a").is_visible()
            assert tab.evaluate("document.documentElement.scrollWidth <= window.innerWidth"), width
            tab.click("#home-policies >> text=更多")
            tab.wait_for_url("**/policies")
            tab.fill("#q", "贴息")
            tab.keyboard.press("Enter")
            tab.wait_for_url("**/policies?**")
            tab.click("#notices >> text=营口市浏览器测试惠企政策")
            tab.wait_for_url("**/policies/*")
            assert tab.locator("h1").inner_text() == "营口市浏览器测试惠企政策"
            assert tab.locator("#notice-attachments a").inner_text() == "贴息办法.pdf"
            assert tab.evaluate("document.documentElement.scrollWidth <= window.innerWidth"), width
            tab.click("#frame-footer >> text=网站地图")
            tab.wait_for_url("**/sitemap")
        finally:
            visitor.close()
