"""A phone 360 px wide (issue 16, item 3): no page scrolls sideways, the search shows its first result on the
first screen with the facets in an off-canvas panel, and an active filter is a chip that removes it."""

from __future__ import annotations

from urllib.parse import parse_qs, urlparse

import pytest

from tests.browser.test_journeys import ARTIFACTS, _login

PHONE = {"width": 360, "height": 740}
WIDTH = "document.scrollingElement.scrollWidth"


def _fits(page, base, path):
    page.goto(base + path)
    page.wait_for_load_state("load")
    width = page.evaluate(WIDTH)
    assert width <= PHONE["width"], f"{path} is {width} px wide on a {PHONE['width']} px phone"
    return page.url


@pytest.mark.browser
def test_every_main_page_fits_a_phone_and_search_shows_results_first(live_server, page):
    page.set_viewport_size(PHONE)
    for path in ("/", "/search?q=知识产权", "/search?type=expert", "/events", "/login", "/register", "/password/forgot",
                 "/ratings"):
        _fits(page, live_server, path)

    page.goto(live_server + "/search?q=知识产权")
    first = page.locator("article.hit").first
    assert first.bounding_box()["y"] < PHONE["height"]  # the first result is on the first screen
    assert not page.locator('[data-facet="categories"]').is_visible()  # the facets wait in the panel

    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / "search-360.png"))
    page.click("#open-filters")
    facet = page.locator('[data-facet="categories"] a').first
    facet.wait_for(state="visible")
    page.locator("#filters.show:not(.showing)").wait_for()  # slid in
    page.screenshot(path=str(ARTIFACTS / "search-360-filters.png"))
    facet.click()
    page.wait_for_url("**category=**")
    assert page.evaluate(WIDTH) <= PHONE["width"]
    chip = page.locator(".filter-chip[data-filter=category]")
    assert chip.is_visible() and page.locator("#open-filters .badge").inner_text() == "1"
    chip.click()
    page.wait_for_url(lambda url: "category" not in parse_qs(urlparse(url).query))
    assert page.locator(".filter-chip").count() == 0 and page.locator("article.hit").count() >= 1

    first = page.locator("article.hit").first
    first.locator("h3 a").click()
    page.wait_for_url("**/institutions/*")
    institution = _fits(page, live_server, urlparse(page.url).path)
    assert page.locator("#login-to-request").is_visible()  # a visitor's next step

    page.goto(live_server + "/search?type=expert&q=贯标")
    page.locator("article.hit h3 a").first.click()
    page.wait_for_url("**/experts/*")
    _fits(page, live_server, urlparse(page.url).path)
    assert page.locator("#consult-via-center").is_visible()

    # an institution's own pages: the "my" page leads to its public page; the profile form's pickers fit too
    _login(page, live_server, "provider@example.cn")
    _fits(page, live_server, "/my")
    assert page.locator("#my-public-page").get_attribute("href") == urlparse(institution).path
    _fits(page, live_server, "/my/institution")
    assert page.locator("#categories + .ts-wrapper").is_visible()
    page.locator("#categories + .ts-wrapper").screenshot(path=str(ARTIFACTS / "picker-360.png"))
    for path in ("/engagements", "/needs"):
        _fits(page, live_server, path)

    # the staff's daily pages: wide tables scroll inside themselves, not the page
    page.context.clear_cookies()
    _login(page, live_server, "reviewer@example.cn")
    for path in ("/my", "/admin/applications", "/admin/changes", "/admin/reviews", "/admin/engagements",
                 "/admin/needs", "/admin/events", "/admin/events/new", "/admin/audit", "/admin/users"):
        _fits(page, live_server, path)
