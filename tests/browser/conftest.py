"""Browser journeys: a live server on its own committed SQLite database and Meilisearch indexes, driven by
Playwright in Debian's headless Chromium (Playwright cannot download its own browser here)."""

from __future__ import annotations

import os
import shutil
import threading
import uuid
from collections.abc import Iterator
from typing import Any

import pytest
from werkzeug.serving import make_server

from directory.core.db import commit_or_rollback
from directory.extensions import db
from tests.conftest import make_test_app

CHROMIUM = os.environ.get("CHROMIUM_PATH") or shutil.which("chromium") or shutil.which("chromium-browser")


def pytest_collection_modifyitems(config: Any, items: list[Any]) -> None:
    if CHROMIUM:
        return
    if os.environ.get("REQUIRE_BROWSER"):
        raise pytest.UsageError("REQUIRE_BROWSER is set but Chromium was not found")
    marker = pytest.mark.skip(reason="!!! Chromium not installed: browser journeys SKIPPED")
    for item in items:
        if "browser" in item.nodeid:
            item.add_marker(marker)


@pytest.fixture(scope="session")
def live_server(tmp_path_factory: pytest.TempPathFactory, meili: dict[str, str]) -> Iterator[str]:
    from sqlmodel import select

    from directory.institutions.models import Institution
    from directory.taxonomy.services import Vocabulary
    from search.drain import run_drain
    from tests import factories

    app, _schema = make_test_app("sqlite", tmp_path_factory.mktemp("live"), meili, f"b{uuid.uuid4().hex[:8]}_")
    with app.app_context():
        with commit_or_rollback(db.session):
            vocab = Vocabulary()
            agency = factories.institution(
                name="营口智诚知识产权代理有限公司", categories=("专利代理", "商标代理"),
                industries=("镁质材料", "先进装备制造"), coverage=[vocab.region("站前区"), vocab.region("大石桥市")],
                qualifications=["专利代理机构执业许可证", "知识产权贯标认证"], contact_name="孙经理",
                contact_phone="0417-2811111", founded_year=2009,
                description="专注发明专利、实用新型和商标代理，服务镁质材料和装备制造企业。",
                offerings=("发明专利申请代理", "商标注册代理"))
            factories.user(role="institution", email="provider@example.cn", institution_id=agency.id)
            factories.user(role="enterprise", email="sme@meiye.example.cn",
                           enterprise_id=factories.enterprise(name="营口浏览器镁业有限公司").id)
            factories.institution(name="营口鲅鱼圈检验检测有限公司", categories=("产品检验检测",),
                                  region="鲅鱼圈区", description="CMA资质认定的第三方检测机构。")
            scholar = factories.expert(name="刘知远", expertise=("知识产权贯标", "专利布局"), phone="13911112222",
                                       categories=("知识产权", "政策咨询"), industries=[vocab.industry("镁质材料")],
                                       bio="从事知识产权管理咨询十五年，辅导企业通过贯标认证。")
            factories.user(role="expert", email="scholar@example.cn", expert_id=scholar.id)
            factories.user(role="institution", email="applicant@example.cn")
            reviewer = factories.user(role="staff", email="reviewer@example.cn")
            factories.user(role="admin", email="admin@example.cn")  # test_accessibility: the admin's pages
            # The event report and the evaluation pages draw from data (tests/browser/data.py); the providers
            # are colleagues of the records above, so the accounts the journeys use start with nothing to do.
            from tests.browser import data

            testing = db.session.exec(select(Institution).where(Institution.name == "营口鲅鱼圈检验检测有限公司")).one()
            data.SEEDED["event"] = data.seed_event(staff=reviewer, providers=[
                factories.user(role="institution", email="colleague@example.cn", institution_id=agency.id),
                factories.user(role="institution", email="tester@example.cn", institution_id=testing.id),
                factories.user(role="expert", email="scholar-desk@example.cn", expert_id=scholar.id)])
            data.SEEDED["period"] = data.seed_evaluation(staff=reviewer)
        run_drain(search=app.extensions["search"])
    jobs = app.extensions["jobs"]
    jobs.start_embedded()  # as in `make run`: changes reach the index by themselves
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}"
    server.shutdown()
    jobs.stop_embedded()
    app.extensions["database_engine"].dispose()


@pytest.fixture(scope="session")
def browser() -> Iterator[Any]:
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=[
            "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
            "--disable-background-networking", "--disable-component-update", "--disable-sync"])
        yield browser
        browser.close()


@pytest.fixture
def page(browser: Any) -> Iterator[Any]:
    context = browser.new_context(locale="en-US")  # a browser asking for English still gets Chinese first
    page = context.new_page()
    page.set_default_timeout(20_000)  # a loaded 2-core CI machine is slow to paint
    yield page
    context.close()


@pytest.fixture
def axe_page(page: Any) -> Any:
    """A page with axe-core in every document it opens (tests/browser/axe.py)."""
    from tests.browser.axe import inject

    inject(page)
    return page
