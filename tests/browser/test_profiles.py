"""The two profile forms in a real browser: they open with the record's values, saving them unchanged changes
nothing, one edited field changes that field alone, and an error is shown beside its field in Chinese; axe-core
finds no serious or critical violation on them, the error shown included."""

import pytest

from tests.browser.axe import inject, violations
from tests.browser.test_journeys import _login


def _checked(page, selector):
    return page.eval_on_selector_all(f"{selector} option:checked", "els => els.map(e => e.textContent.trim())")


@pytest.mark.browser
def test_institution_profile_round_trips(live_server, page):
    inject(page)
    _login(page, live_server, "provider@example.cn")
    page.goto(live_server + "/my/institution")
    problems = violations(page, live_server)
    assert sorted(_checked(page, "#categories")) == ["专利代理", "商标代理"]
    assert sorted(_checked(page, "#industries")) == ["先进装备制造", "镁质材料"]
    assert sorted(_checked(page, "#coverage")) == ["大石桥市", "站前区"]
    assert page.input_value("#qualifications").splitlines() == ["专利代理机构执业许可证", "知识产权贯标认证"]
    assert page.input_value("#founded_year") == "2009"

    page.click("main form:not([action]) button[type=submit]")
    page.wait_for_load_state()
    assert "未作任何修改" in page.inner_text(".alert")
    assert page.locator("#pending-change").count() == 0  # no change request filed

    page.fill("#description", "专注发明专利、实用新型和商标代理，服务镁质材料、装备制造和新材料企业。")
    page.click("main form:not([action]) button[type=submit]")
    page.wait_for_load_state()
    assert "已保存并发布" in page.inner_text(".alert")
    assert page.locator("#pending-change").count() == 0
    assert sorted(_checked(page, "#coverage")) == ["大石桥市", "站前区"]  # untouched fields kept
    assert sorted(_checked(page, "#industries")) == ["先进装备制造", "镁质材料"]

    removes = page.locator("#categories + .ts-wrapper .item .remove")  # the picker's × on each chosen category
    while removes.count():
        removes.first.click()
    assert _checked(page, "#categories") == []  # nothing chosen: refused beside the field, nothing saved
    page.click("main form:not([action]) button[type=submit]")
    page.wait_for_load_state()
    assert page.locator("#categories ~ .invalid-feedback").inner_text() == "请至少选择一个服务类别。"
    problems += violations(page, live_server)
    assert not problems, "\n".join(problems)
    page.goto(live_server + "/my/institution")
    assert sorted(_checked(page, "#categories")) == ["专利代理", "商标代理"]


@pytest.mark.browser
def test_expert_profile_round_trips(live_server, page):
    inject(page)
    _login(page, live_server, "scholar@example.cn")
    page.goto(live_server + "/apply/expert")
    assert not violations(page, live_server)
    assert page.input_value("#expertise") == "知识产权贯标、专利布局"
    assert sorted(_checked(page, "#categories")) == ["政策咨询", "知识产权"]
    assert _checked(page, "#industries") == ["镁质材料"]

    page.click("main form:not([action]) button[type=submit]")
    page.wait_for_load_state()
    assert "未作任何修改" in page.inner_text(".alert")
    public = page.context.new_page()
    public.goto(live_server + "/search?type=expert&q=刘知远")
    public.locator("article.hit h3 a").first.click()
    public.wait_for_url("**/experts/*")
    tags = public.locator(".badge").all_inner_texts()
    assert "知识产权贯标" in tags and "专利布局" in tags and not any("[" in t for t in tags)

    page.fill("#title", "研究员")
    page.click("main form:not([action]) button[type=submit]")
    page.wait_for_load_state()
    assert page.input_value("#title") == "研究员"
    assert page.input_value("#expertise") == "知识产权贯标、专利布局"
    assert sorted(_checked(page, "#categories")) == ["政策咨询", "知识产权"]
