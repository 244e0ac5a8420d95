"""Notices and policies found: the search page's 政策公告 tab and the few beside an "all" search, the lists, the
API (`/api/v1/policies`, `/api/v1/notices`), and the related policies of a need's recommendations; each
through Meilisearch and, while it is down, the database, which never shows what is not published."""

from __future__ import annotations

import pytest

from directory.notices import services as notices
from directory.notices.models import NoticePublic
from directory.taxonomy.services import Vocabulary
from search.client import SearchBackend
from search.drain import run_drain
from tests import factories
from tests.notices.helpers import notice, staff_user


@pytest.fixture
def published(db_session, search_backend):
    made = {
        "ip": notice(kind="policy", title="营口市知识产权质押融资补助办法", issuer="营口市市场监督管理局",
                     document_number="营市监发〔2026〕3号", summary="对知识产权质押贷款给予贴息",
                     categories=("知识产权",)),
        "loan": notice(kind="policy", title="首贷贴息办法", issuer="营口市金融发展局", categories=("融资服务",)),
        "call": notice(kind="notice", title="关于申报知识产权示范企业的通知"),
        "draft": notice(kind="policy", title="知识产权草稿政策", categories=("知识产权",), publish=False),
        "retired": notice(kind="policy", title="知识产权废止政策", categories=("知识产权",)),
    }
    notices.retire(user=staff_user(), notice=made["retired"])
    db_session.flush()
    assert run_drain(search=search_backend).failed == 0
    return made


@pytest.fixture
def down(app):
    saved = app.extensions["search"]
    app.extensions["search"] = SearchBackend(app.config["SETTINGS"].__class__(
        **{**app.config["SETTINGS"].__dict__, "meili_url": "http://127.0.0.1:9"}))
    yield
    app.extensions["search"] = saved


def _shown(page, made):
    """The notices a page links to (a title may be highlighted in parts)."""
    return {key for key, n in made.items() if f'href="/{n.kind.replace("notice", "notices").replace("policy", "policies")}/{n.id}"' in page}


@pytest.mark.parametrize("path", ["meilisearch", "database"])
def test_the_search_page_has_a_tab_of_notices_and_policies(client, published, request, path):
    if path == "database":
        request.getfixturevalue("down")
    page = client.get("/search?type=notice&q=知识产权").get_data(as_text=True)
    assert _shown(page, published) == {"ip", "call"}
    assert ('id="degraded-notice"' in page) == (path == "database")
    assert "营市监发〔2026〕3号" in page and f"/policies/{published['ip'].id}" in page
    assert f"/notices/{published['call'].id}" in page
    policies = client.get("/search?type=notice&q=知识产权&kind=policy").get_data(as_text=True)
    assert _shown(policies, published) == {"ip"}
    by_category = client.get("/search?type=notice&category=融资服务").get_data(as_text=True)
    assert _shown(by_category, published) == {"loan"}
    assert _shown(client.get("/search?type=notice&category=没有的类别").get_data(as_text=True), published) == set()


def test_the_tab_offers_its_own_filters_and_refuses_a_bad_one(client, published):
    page = client.get("/search?type=notice&q=知识产权").get_data(as_text=True)
    assert 'data-facet="kind"' in page and "惠企政策" in page  # the kinds as a facet, in Chinese
    assert 'name="sort"' not in page  # nothing to sort notices by but relevance and date
    bad = client.get("/search?type=notice&kind=bogus")
    assert bad.status_code == 400


def test_an_all_search_shows_the_matching_notices_beside_its_results(client, published):
    factories.institution(name="营口知识产权代理有限公司", categories=("专利代理",))
    page = client.get("/search?q=知识产权").get_data(as_text=True)
    assert 'id="related-notices"' in page and f'href="/policies/{published["ip"].id}"' in page
    assert "type=notice" in page
    assert 'id="related-notices"' not in client.get("/search?q=没有这样的政策词").get_data(as_text=True)
    assert 'id="related-notices"' not in client.get("/search?q=知识产权&type=institution").get_data(as_text=True)


def test_a_degraded_all_search_finds_the_notices_in_the_database(client, published, down):
    page = client.get("/search?q=知识产权").get_data(as_text=True)
    assert 'id="degraded-notice"' in page and 'id="related-notices"' in page
    assert f'href="/policies/{published["ip"].id}"' in page
    assert f'href="/policies/{published["draft"].id}"' not in page
    assert f'href="/policies/{published["retired"].id}"' not in page


def test_the_list_pages_search_the_index_and_degrade_to_the_database(client, published, app):
    assert _shown(client.get("/policies?q=識產").get_data(as_text=True), published) == {"ip"}  # traditional, a part
    saved = app.extensions["search"]
    app.extensions["search"] = SearchBackend(app.config["SETTINGS"].__class__(
        **{**app.config["SETTINGS"].__dict__, "meili_url": "http://127.0.0.1:9"}))
    try:
        page = client.get("/policies?q=知识产权").get_data(as_text=True)
    finally:
        app.extensions["search"] = saved
    assert 'id="degraded-notice"' in page and _shown(page, published) == {"ip"}


@pytest.mark.parametrize("path", ["meilisearch", "database"])
def test_the_api_lists_and_finds_published_policies(client, published, request, path):
    if path == "database":
        request.getfixturevalue("down")
    body = client.get("/api/v1/policies?q=知识产权").get_json()
    assert body["degraded"] is (path == "database")
    assert [h["id"] for h in body["hits"]] == [published["ip"].id] and body["total"] == 1
    hit = body["hits"][0]
    assert (hit["kind"], hit["document_number"], hit["issuer"]) == ("policy", "营市监发〔2026〕3号", "营口市市场监督管理局")
    assert hit["url"] == f"/policies/{published['ip'].id}"
    assert {h["id"] for h in client.get("/api/v1/policies").get_json()["hits"]} == {published["ip"].id,
                                                                                 published["loan"].id}
    assert [h["id"] for h in client.get("/api/v1/policies?category=融资服务").get_json()["hits"]] == [
        published["loan"].id]
    code = Vocabulary().category("融资服务").code
    assert [h["id"] for h in client.get(f"/api/v1/policies?category={code}").get_json()["hits"]] == [
        published["loan"].id]
    paged = client.get("/api/v1/policies?per_page=1&page=2").get_json()
    assert (paged["total"], paged["page"], len(paged["hits"])) == (2, 2, 1)
    assert [h["id"] for h in client.get("/api/v1/notices?q=知识产权").get_json()["hits"]] == [published["call"].id]


def test_the_api_shows_one_published_policy_in_its_public_class(client, published, auth):
    body = client.get(f"/api/v1/policies/{published['ip'].id}").get_json()
    assert NoticePublic.model_validate(body).model_dump(mode="json") == body
    assert body["categories"] == ["知识产权"] and body["attachments"] == [] and body["expired"] is False
    assert client.get(f"/api/v1/notices/{published['call'].id}").status_code == 200
    auth.login("staff")  # the API shows only published ones, whoever asks
    for url in (f"/api/v1/policies/{published['draft'].id}", f"/api/v1/policies/{published['retired'].id}",
                f"/api/v1/policies/{published['call'].id}", f"/api/v1/notices/{published['ip'].id}"):
        response = client.get(url)
        assert response.status_code == 404 and response.get_json()["error"]["code"], url


@pytest.mark.parametrize("query", ["per_page=51", "page=0", "page=x", "q=" + "长" * 201, "category=" + "长" * 101])
def test_bad_parameters_are_json_400(client, db_session, query):
    response = client.get(f"/api/v1/policies?{query}")
    assert response.status_code == 400 and response.get_json()["error"]["code"] == "invalid_parameter"


def test_the_openapi_document_describes_the_new_paths(client, db_session):
    doc = client.get("/api/v1/openapi.json").get_json()
    assert {"/api/v1/policies", "/api/v1/policies/{id}", "/api/v1/notices", "/api/v1/notices/{id}"} <= set(doc["paths"])
    schemas = doc["components"]["schemas"]
    assert list(schemas["Notice"]["properties"]) == list(NoticePublic.model_fields)
    assert "policies" in schemas["Recommendations"]["required"]


def test_recommendations_carry_the_policies_of_the_category_they_used(client, published, auth):
    factories.institution(name="营口融资担保服务有限公司", categories=("融资服务",), offerings=("贷款担保",))
    body = client.post("/api/v1/recommendations", json={"text": "需要贷款担保", "category": "融资服务"}).get_json()
    assert body["policies"] == [{"id": published["loan"].id, "title": "首贷贴息办法", "issuer": "营口市金融发展局",
                                 "document_number": "", "url": f"/policies/{published['loan'].id}"}]
    other = client.post("/api/v1/recommendations", json={"text": "需要贷款担保", "category": "知识产权"}).get_json()
    assert [p["id"] for p in other["policies"]] == [published["ip"].id]  # not the draft, not the retired one

    enterprise = factories.enterprise()
    need = factories.demand(enterprise_obj=enterprise, category_id=Vocabulary().category("融资服务").id)
    auth.login("enterprise", enterprise_id=enterprise.id)
    page = client.get(f"/needs/{need.id}").get_data(as_text=True)
    assert 'id="related-policies"' in page and "首贷贴息办法" in page
    # the enterprise corrects the category: the policies follow the recommendations' category
    corrected = client.get(f"/needs/{need.id}?category={Vocabulary().category('知识产权').code}").get_data(as_text=True)
    assert published["ip"].title in corrected and "首贷贴息办法" not in corrected
