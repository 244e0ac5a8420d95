import pytest

from search.drain import run_drain
from tests import factories


def test_search_contract_shape(client, db_session, search_backend):
    inst = factories.institution(name="营口融资担保服务有限公司", categories=("融资担保",), offerings=("流动资金贷款担保",))
    factories.expert(name="孙会计", expertise=("融资方案设计",), categories=("融资服务",))
    run_drain(search=search_backend)
    body = client.get("/api/v1/search?q=融资").get_json()
    assert set(body) >= {"hits", "total", "facets", "degraded"}
    assert body["degraded"] is False
    assert {h["type"] for h in body["hits"]} == {"institution", "offering", "expert"}
    assert all({"type", "id", "name"} <= set(h) for h in body["hits"])
    assert body["facets"]["categories"]["融资服务"] >= 2
    only = client.get("/api/v1/search", query_string={"q": "融资", "type": "institution", "category": "融资服务"}).get_json()
    assert [h["id"] for h in only["hits"]] == [inst.id]


@pytest.mark.parametrize("query", ["page=-1", "type=users", "sort=drop", "per_page=abc", "grade=Z"])
def test_bad_parameters_are_json_400(client, db_session, query):
    response = client.get(f"/api/v1/search?{query}")
    assert response.status_code == 400
    assert set(response.get_json()["error"]) == {"code", "message"}


def test_institution_contract(client, db_session):
    inst = factories.institution(name="营口检测技术有限公司", categories=("产品检验检测",))
    body = client.get(f"/api/v1/institutions/{inst.id}").get_json()
    assert body["id"] == inst.id and body["name"] == "营口检测技术有限公司"
    assert body["rating"] == {"value": None, "count": 0}
    assert "evaluation" not in body  # never evaluated yet


def test_errors_are_json_in_the_users_language(client, db_session):
    body = client.get("/api/v1/institutions/424242").get_json()
    assert body["error"]["code"] == "not_found"
    client.get("/lang/en")
    assert "not found" in client.get("/api/v1/institutions/424242").get_json()["error"]["message"].lower()


def test_healthz(client, db_session, search_backend):
    body = client.get("/healthz").get_json()
    assert body == {"database": "ok", "search": "ok", "outbox_pending": body["outbox_pending"], "mail_pending": 0}
    assert isinstance(body["outbox_pending"], int)
    from directory.notifications.services import send_mail

    send_mail(to="someone@example.cn", subject="x", body="y")
    db_session.commit()
    assert client.get("/healthz").get_json()["mail_pending"] == 1  # written, not yet sent


def test_openapi_lists_the_contract_paths(client, db_session):
    doc = client.get("/api/v1/openapi.json").get_json()
    assert doc["openapi"].startswith("3.")
    assert {"/api/v1/search", "/api/v1/institutions/{id}", "/api/v1/experts/{id}", "/healthz"} <= set(doc["paths"])


def test_paging_is_exact_and_stable(client, db_session, search_backend):
    for n in range(5):
        factories.institution(name=f"营口分页测试{n}号服务有限公司", offerings=())
    run_drain(search=search_backend)
    seen = []
    for page in (1, 2, 3):
        body = client.get(f"/api/v1/search?q=分页测试&type=institution&per_page=2&page={page}").get_json()
        assert body["total"] == 5 and body["page"] == page
        seen += [h["id"] for h in body["hits"]]
    assert len(seen) == 5 and len(set(seen)) == 5


@pytest.fixture
def meili_down(app):
    from search.client import SearchBackend

    settings = app.config["SETTINGS"]
    saved = app.extensions["search"]
    app.extensions["search"] = SearchBackend(settings.__class__(**{**settings.__dict__, "meili_url": "http://127.0.0.1:9"}))
    yield
    app.extensions["search"] = saved


def test_api_degrades_instead_of_failing(client, db_session, meili_down):
    factories.institution(name="营口降级接口测试有限公司")
    response = client.get("/api/v1/search?q=降级接口")
    assert response.status_code == 200
    body = response.get_json()
    assert body["degraded"] is True and [h["name"] for h in body["hits"]] == ["营口降级接口测试有限公司"]
    page = client.get("/search?q=降级接口")
    assert page.status_code == 200 and 'id="degraded-notice"' in page.get_data(as_text=True)
    health = client.get("/healthz").get_json()
    assert health["search"] == "degraded" and health["outbox_pending"] >= 1


@pytest.mark.parametrize("evil", [
    '融资服务" OR categories = "财税服务',
    "融资服务' OR '1'='1",
    '融资服务\\" OR categories EXISTS OR "',
    "(融资服务) OR (财税服务)",
    "NOT 融资服务",
    "融资服务 OR 财税服务",
])
def test_filter_injection_matches_literally(client, db_session, search_backend, evil):
    factories.institution(name="营口融资甲有限公司", categories=("融资担保",))
    factories.institution(name="营口财税乙有限公司", categories=("代理记账",))
    run_drain(search=search_backend)
    for kind in ("institution", "all"):
        response = client.get("/api/v1/search", query_string={"type": kind, "category": evil})
        assert response.status_code == 200
        assert response.get_json()["hits"] == []  # a literal category of that name does not exist
    control = client.get("/api/v1/search", query_string={"type": "institution", "category": "融资服务"}).get_json()
    assert [h["name"] for h in control["hits"]] == ["营口融资甲有限公司"]


@pytest.mark.parametrize("kind", ["expert", "all"])
def test_a_filter_a_record_type_lacks_finds_nothing_of_it(client, db_session, search_backend, kind):
    factories.expert(name="孙会计", expertise=("融资方案设计",))
    run_drain(search=search_backend)
    for query in ({"type": kind, "tag": "科技型中小企业"}, {"type": kind, "grade": "A"}):
        response = client.get("/api/v1/search", query_string=query)
        assert response.status_code == 200  # was a 500 for type=expert&tag=…
        assert [h for h in response.get_json()["hits"] if h["type"] == "expert"] == []


def test_an_undeclared_method_is_405_with_allow(client, db_session):
    response = client.open("/api/v1/search", method="TRACE")
    assert response.status_code == 405
    assert set(response.headers["Allow"].replace(" ", "").split(",")) >= {"GET"}
    assert response.get_json()["error"]["code"] == "method_not_allowed"


def test_openapi_states_the_limits_the_api_enforces(client, db_session):
    from search.queries import MAX_PAGE

    doc = client.get("/api/v1/openapi.json").get_json()
    params = {p["name"]: p["schema"] for p in doc["paths"]["/api/v1/search"]["get"]["parameters"]}
    assert params["page"]["anyOf"][0]["maximum"] == MAX_PAGE
    assert client.get(f"/api/v1/search?page={MAX_PAGE + 1}").status_code == 400
    need = doc["paths"]["/api/v1/recommendations"]["post"]["requestBody"]["content"]["application/json"]["schema"]
    assert "专利代理" in need["properties"]["category"]["enum"]  # the classification, as accepted
    assert None in need["properties"]["category"]["enum"]


def test_records_answer_in_their_public_classes_as_described(client, db_session):
    from directory.experts.models import ExpertPublic
    from directory.institutions.models import InstitutionPublic

    inst = factories.institution(name="营口形状测试有限公司", offerings=("形状测试服务",))
    expert = factories.expert(name="形状专家", organization="营口形状测试有限公司")
    doc = client.get("/api/v1/openapi.json").get_json()
    schemas = doc["components"]["schemas"]
    for model, url, name in ((InstitutionPublic, f"/api/v1/institutions/{inst.id}", "Institution"),
                             (ExpertPublic, f"/api/v1/experts/{expert.id}", "Expert")):
        body = client.get(url).get_json()
        assert model.model_validate(body).model_dump(mode="json") == body  # the answer is the class, exactly
        assert list(schemas[name]["properties"]) == list(model.model_fields)
        assert schemas[name]["required"] == [f for f in model.model_fields if f != "evaluation"]
        assert list(body) == schemas[name]["required"]  # never evaluated: every field but the evaluation
    assert schemas["Institution"]["properties"]["offerings"]["items"] == {"$ref": "#/components/schemas/Offering"}
    assert schemas["Institution"]["properties"]["evaluation"] == {"$ref": "#/components/schemas/Evaluation"}
