"""A visitor searches in Chinese, opens a result, and switches the language; on a desktop and a phone."""

from pathlib import Path

import pytest

ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts"


@pytest.mark.browser
@pytest.mark.parametrize("viewport", [{"width": 1280, "height": 900}, {"width": 390, "height": 844}],
                         ids=["desktop", "phone"])
def test_search_open_result_switch_language(live_server, page, viewport):
    page.set_viewport_size(viewport)
    page.goto(live_server + "/")
    assert page.locator("html").get_attribute("lang") == "zh-CN"  # Chinese first, whatever the browser asks
    page.fill("#q", "知识产权")
    page.keyboard.press("Enter")
    page.wait_for_url("**/search?**")
    first = page.locator("article.hit").first
    assert "营口智诚知识产权代理有限公司" in first.inner_text()
    assert first.locator("mark").count() >= 1  # highlighted by Meilisearch
    assert page.locator("#degraded-notice").count() == 0
    assert page.locator('[data-facet="categories"]').count() == 1 or viewport["width"] < 500

    first.locator("h3 a").click()
    page.wait_for_url("**/institutions/*")
    assert page.locator("h1").inner_text().startswith("营口智诚知识产权代理有限公司")
    assert "服务产品" in page.content()

    if viewport["width"] < 768:
        page.click("button.navbar-toggler")
    page.click("#lang-menu")
    page.click("a.dropdown-item[lang=en]")
    page.wait_for_load_state()
    assert page.locator("html").get_attribute("lang") == "en"
    assert "Services offered" in page.content()
    assert "Patent agency" in page.content()
    # remembered: a fresh page load stays in English
    page.goto(live_server + "/")
    assert page.locator("html").get_attribute("lang") == "en"
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / f"home-en-{viewport['width']}.png"), full_page=True)


@pytest.mark.browser
def test_expert_contact_is_not_on_the_public_page(live_server, page):
    page.goto(live_server + "/search?type=expert&q=贯标")
    page.locator("article.hit h3 a").first.click()
    page.wait_for_url("**/experts/*")
    assert "刘知远" in page.content()
    assert "13911112222" not in page.content()
