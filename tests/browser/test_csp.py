"""The Content-Security-Policy in a real Chromium (issue 14, item 4): pages of every kind load without a single
violation, and what inline handlers used to do (the search page's sort, the agenda) still works from app.js."""

from __future__ import annotations

import pytest

from tests.browser.test_journeys import _login

COLLECT = """
window.__csp = [];
document.addEventListener("securitypolicyviolation",
    (e) => window.__csp.push(`${e.violatedDirective} ${e.blockedURI} ${e.sourceFile}:${e.lineNumber}`));
"""


def _watch(page):
    """Violations as the page reports them (event) and as Chromium logs them (console)."""
    seen: list[str] = []
    page.add_init_script(COLLECT)
    page.on("console", lambda m: seen.append(m.text) if "Content Security Policy" in m.text else None)
    return seen


def _check(page, seen, url):
    reported = page.evaluate("window.__csp || []")
    assert not seen and not reported, f"{url}: {seen + reported}"


@pytest.mark.browser
def test_no_page_violates_the_content_security_policy(live_server, page):
    seen = _watch(page)
    visited = []

    def visit(path):
        page.goto(live_server + path)
        page.wait_for_load_state("load")
        visited.append(page.url)
        _check(page, seen, path)

    visit("/")
    visit("/password/forgot")
    for path in ("/sitemap", "/accessibility", "/notices", "/policies?q=贴息"):  # the service frame (issue 16)
        visit(path)
    visit("/search?q=知识产权&type=institution")
    page.select_option("#sort", "newest")  # app.js submits the form (an inline onchange would be refused)
    page.wait_for_url("**sort=newest**")
    _check(page, seen, "sort")
    page.locator("article.hit h3 a").first.click()
    page.wait_for_url("**/institutions/*")
    _check(page, seen, page.url)

    # staff open an event; an SME registers and opens its agenda (the QR code is inline SVG)
    _login(page, live_server, "reviewer@example.cn")
    _check(page, seen, "/my (staff)")
    visit("/admin/audit")
    visit("/admin/notices")
    visit("/admin/notices/new?kind=policy")
    visit("/admin/events/new")
    page.fill("#title", "安全策略测试对接会")
    page.fill("#starts_on", "2027-06-01")
    page.click("#event-form button[type=submit]")
    page.wait_for_url("**/admin/events/*")
    manage_url = page.url
    event_id = manage_url.rstrip("/").split("/")[-1]
    page.fill("#first_start", "2027-06-01T09:00")
    page.fill("#count", "2")
    page.click("#slots-form button[type=submit]")
    page.wait_for_url(manage_url)
    page.click("#action-open_registration button")
    page.wait_for_url(manage_url)
    _check(page, seen, manage_url)
    page.click("form[action='/logout'] button")

    _login(page, live_server, "sme@meiye.example.cn")
    _check(page, seen, "/my (enterprise)")
    visit("/my/password")
    visit(f"/events/{event_id}")
    page.fill("#seeks", "想申请发明专利")
    page.check("#listed")
    page.click("#register-form button[type=submit]")
    page.wait_for_url(f"**/events/{event_id}")
    visit(f"/events/{event_id}/agenda")
    assert page.locator("#checkin-qr svg").count() == 1
    page.evaluate("window.print = () => { window.__printed = true; }")
    page.click("[data-print]")
    assert page.evaluate("window.__printed === true")  # the print button works without onclick=
    _check(page, seen, "print")
    assert len(visited) >= 5
