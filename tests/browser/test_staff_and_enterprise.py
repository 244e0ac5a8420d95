"""Issue 16, items 6 and 7 in a real browser, at desktop and phone width: the enterprise's profile round-trips
and computes its size; its notification preferences stick; staff find records of every status and download
the import template; axe-core finds no serious or critical violation on these pages or on the "my" page's
to-do list and the lists it links to."""

import pytest

from tests.browser.axe import inject, violations
from tests.browser.test_journeys import _login

VIEWPORTS = [{"width": 1280, "height": 900}, {"width": 360, "height": 780}]


def _no_sideways_scroll(page):
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth + 1")


@pytest.mark.browser
@pytest.mark.parametrize("viewport", VIEWPORTS, ids=lambda v: str(v["width"]))
def test_enterprise_profile_and_notification_preferences(live_server, page, viewport):
    page.set_viewport_size(viewport)
    inject(page)
    _login(page, live_server, "sme@meiye.example.cn")
    problems = violations(page, live_server)  # the my page and its to-do list
    page.goto(live_server + "/engagements?show=to_review")
    problems += violations(page, live_server)
    page.goto(live_server + "/my/enterprise")
    problems += violations(page, live_server)
    assert page.input_value("#name") == "营口浏览器镁业有限公司"
    _no_sideways_scroll(page)
    page.click("#enterprise-form button[type=submit]")
    page.wait_for_load_state()
    assert "未作任何修改" in page.inner_text(".alert")
    page.select_option("#sector", "工业")
    page.fill("#staff_count", "350")  # 工业: 300人及以上且2000万元及以上 → 中型
    page.fill("#revenue", "2500")
    page.click("#enterprise-form button[type=submit]")
    page.wait_for_load_state()
    assert page.inner_text("#enterprise-size") == "中型"
    page.goto(live_server + "/my/notifications")
    problems += violations(page, live_server)
    _no_sideways_scroll(page)
    box = page.locator("#event-mail")
    box.set_checked(not box.is_checked())
    wanted = box.is_checked()
    page.click("#preferences-form button[type=submit]")
    page.wait_for_load_state()
    assert page.locator("#event-mail").is_checked() == wanted
    assert not problems, "\n".join(problems)


@pytest.mark.browser
@pytest.mark.parametrize("viewport", VIEWPORTS, ids=lambda v: str(v["width"]))
def test_staff_list_every_record_and_download_the_template(live_server, page, viewport):
    page.set_viewport_size(viewport)
    inject(page)
    _login(page, live_server, "reviewer@example.cn")
    problems = violations(page, live_server)  # the my page and its to-do list
    page.goto(live_server + "/admin/records")
    problems += violations(page, live_server)
    assert page.locator("#records tbody tr").count() >= 2
    page.select_option("#f-status", "admitted")
    page.fill("#f-q", "检验检测")
    page.click("#record-filters button[type=submit]")
    page.wait_for_load_state()
    assert page.locator("#records tbody tr").count() == 1 and "鲅鱼圈检验检测" in page.inner_text("#records")
    page.goto(live_server + "/admin/import")
    problems += violations(page, live_server)
    with page.expect_download() as info:
        page.click("#templates a >> nth=0")
    assert info.value.suggested_filename.startswith("服务机构导入模板-") and info.value.suggested_filename.endswith(".xlsx")
    assert not problems, "\n".join(problems)
