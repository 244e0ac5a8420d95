"""What a need is about, who may take a top slot, stated preferences and bad input: recommend() and the API
against the real Meilisearch, on a small directory built for each test."""

from datetime import timedelta

import pytest

from directory.core.time import utcnow
from directory.extensions import db
from directory.institutions.models import Institution
from directory.recommendations.need import Need
from directory.recommendations.services import recommend
from directory.taxonomy.services import Vocabulary
from search.drain import run_drain
from tests import factories


def category_names(rec):
    """The recommended institution's category names, from the database (a recommendation carries the
    profile it was scored by, read from the search document)."""
    return [c.name for c in db.session.get(Institution, rec.id).categories]


@pytest.fixture(autouse=True)
def _fresh_model(app):
    """The category model is kept a while per app: train it on this test's records."""
    app.extensions.pop("recommendation_cache", None)
    yield
    app.extensions.pop("recommendation_cache", None)


@pytest.fixture
def dashiqiao(db_session, search_backend):
    """The issue's example: patent agencies, and firms of other trades that share the need's place and trade
    words (大石桥, 镁砂, 耐火材料) and its phrasing (熟悉, 行业, 专家, 指导)."""
    made = {
        "local_patent": factories.institution(
            name="大石桥市镁科专利代理有限公司", categories=("专利代理",), region="大石桥市",
            description="发明专利、实用新型专利申请代理，代理师熟悉耐火材料。", offerings=("发明专利申请代理",)),
        "city_patent": factories.institution(
            name="营口恒信知识产权代理有限公司", categories=("专利代理",), region="站前区",
            description="专利申请撰写、专利检索与审查意见答复。", offerings=("专利申请代理", "专利检索")),
    }
    others = [("大石桥市汇企融资担保有限公司", "融资担保", "为大石桥镁砂企业提供融资担保，熟悉耐火材料行业，专家指导。", "融资担保"),
              ("大石桥市矿业安全咨询有限公司", "安全生产咨询", "大石桥镁砂矿山安全生产咨询，专家现场指导。", "矿山安全评估"),
              ("大石桥市企管咨询有限公司", "战略与组织咨询", "为镁砂耐火材料行业企业提供研发管理咨询与专家指导。", "管理咨询"),
              ("大石桥市金算盘会计服务有限公司", "代理记账", "大石桥镁砂企业代理记账，熟悉行业。", "代理记账"),
              ("大石桥市顺达物流有限公司", "货运代理", "大石桥镁砂耐火材料运输、出口货运代理。", "货运代理")]
    for name, category, description, offering in others:
        made[name] = factories.institution(name=name, categories=(category,), region="大石桥市",
                                           description=description, offerings=(offering,))
    for n in range(3):  # more of each kind, so the model has something to learn from
        factories.institution(name=f"营口专利事务所{n}有限公司", categories=("专利代理",),
                              description="发明专利申请、专利复审与无效。", offerings=("发明专利申请代理",))
        factories.institution(name=f"营口融资担保{n}有限公司", categories=("融资担保",),
                              description="中小企业银行贷款担保。", offerings=("贷款担保",))
    run_drain(search=search_backend)
    return made


NEED = "我们是大石桥的镁砂企业，熟悉耐火材料行业，研发了新的提纯工艺，想申请发明专利，时间太短，需要专家指导"


def test_a_patent_filing_need_puts_patent_agencies_first_and_no_unrelated_firm_in_the_top_slots(dashiqiao):
    vocab = Vocabulary()
    result = recommend(Need(text=NEED, region=vocab.region("大石桥市"), industry=vocab.industry("镁质材料")))
    assert result.understood is not None and result.understood.inferred
    assert result.understood.category is not None and result.understood.category.name == "专利代理"
    for phrasing in ("申请", "熟悉", "行业", "研发", "太短", "专家", "指导", "需要"):
        assert phrasing not in result.terms
    names = [r.name for r in result.institutions]
    assert names[0] == "大石桥市镁科专利代理有限公司"  # the agency in the stated region first
    patent_ids = {r.id for r in result.institutions if "专利代理" in category_names(r)}
    assert {dashiqiao["local_patent"].id, dashiqiao["city_patent"].id} <= patent_ids
    assert len(patent_ids) == len(result.institutions), names  # nothing else takes a top slot
    weak = {r.name for r in result.see_also["institutions"]}
    assert weak and not weak & set(names)
    for r in result.institutions + result.see_also["institutions"]:
        assert r.reasons, r.name
        assert round(sum(r.points.values()), 1) == r.score


def test_picking_another_category_re_ranks(dashiqiao):
    vocab = Vocabulary()
    result = recommend(Need(text=NEED, category=vocab.category("融资担保")))
    assert result.understood is not None and not result.understood.inferred
    assert category_names(result.institutions[0])[0] == "融资担保"
    assert "专利代理" in [c.name for c in result.understood.alternatives]


def test_a_stated_region_outranks_a_better_firm_elsewhere(db_session, search_backend):
    elsewhere = factories.institution(name="营口金诚律师事务所", categories=("合同与合规",), region="站前区",
                                      description="常年法律顾问、合同审查。", offerings=("常年法律顾问",))
    elsewhere.rating_value, elsewhere.rating_count, elsewhere.grade = 4.9, 40, "A"
    local = factories.institution(name="大石桥市正言律师事务所", categories=("合同与合规",), region="大石桥市",
                                  description="常年法律顾问。", offerings=("常年法律顾问",))
    run_drain(search=search_backend)
    result = recommend(Need(text="需要一位常年法律顾问", region=Vocabulary().region("大石桥市")))
    ids = [r.id for r in result.institutions]
    assert ids.index(local.id) < ids.index(elsewhere.id)
    assert any("大石桥市" in reason for reason in result.institutions[0].reasons)
    # without a region the better-rated firm is first again
    assert recommend(Need(text="需要一位常年法律顾问")).institutions[0].id == elsewhere.id


def test_budget_and_deadline_are_compared_and_given_as_reasons(app, db_session, search_backend):
    from directory.extensions import db

    cheap = factories.institution(name="营口快捷商标代理有限公司", categories=("商标代理",),
                                  description="商标注册申请。", offerings=("商标注册申请",))
    dear = factories.institution(name="营口高端商标代理有限公司", categories=("商标代理",),
                                 description="商标注册申请。", offerings=("商标注册申请",))
    for inst, price, days in ((cheap, 800, 5), (dear, 20000, 60)):
        for off in inst.offerings:
            off.price_min, off.delivery_days = price, days
    db.session.flush()
    run_drain(search=search_backend)
    need = Need(text="注册商标", budget=3000, deadline=(utcnow() + timedelta(days=20)).date())
    with app.test_request_context(headers={"Accept-Language": "zh"}):
        result = recommend(need)
    by_id = {r.id: r for r in result.institutions}
    assert result.institutions[0].id == cheap.id
    assert "报价在预算内" in by_id[cheap.id].reasons and "可在截止日期前交付" in by_id[cheap.id].reasons
    assert "报价在预算内" not in by_id[dear.id].reasons and "可在截止日期前交付" not in by_id[dear.id].reasons
    assert by_id[cheap.id].parts["budget"] == 1.0 and by_id[dear.id].parts["deadline"] == 0.0


@pytest.mark.parametrize("text", ["🙂🙂🙂", "？？？！！！……", "...,,,!!!", "👍 🎉 ❤️"])
def test_a_need_of_no_words_is_refused_with_a_message(client, db_session, dashiqiao, text):
    response = client.post("/api/v1/recommendations", json={"text": text}, headers={"Accept-Language": "zh"})
    assert response.status_code == 422
    assert response.get_json()["error"]["message"]


@pytest.mark.parametrize("body, field", [
    ({"text": "专利", "budget": -1}, "budget"), ({"text": "专利", "budget": "多少"}, "budget"),
    ({"text": "专利", "budget": True}, "budget"), ({"text": "专利", "deadline": "明天"}, "deadline"),
    ({"text": "专利", "deadline": "2026-02-30"}, "deadline"), ({"text": "专利", "deadline": 20261231}, "deadline"),
    ({"text": "专" * 2001}, "text"), ({"text": "   "}, "text"),
])
def test_bad_need_fields_are_refused(client, db_session, body, field):
    response = client.post("/api/v1/recommendations", json=body)
    assert response.status_code == 422
    assert response.get_json()["error"]["message"]


def test_a_need_with_no_words_to_search_gets_an_empty_explained_result(db_session, dashiqiao):
    result = recommend(Need(text="我们想找一下"))  # phrasing only
    assert result.institutions == [] and result.see_also["institutions"] == [] and result.empty_reason


def test_the_api_answers_the_understanding_the_see_also_list_and_the_points(client, db_session, dashiqiao):
    response = client.post("/api/v1/recommendations", json={"text": NEED, "region": "大石桥市", "budget": 5000,
                                                            "deadline": "2030-01-01"})
    assert response.status_code == 200
    body = response.get_json()
    assert body["understood"]["category"]["name"] == "专利代理" and body["understood"]["inferred"]
    assert body["institutions"][0]["name"] == "大石桥市镁科专利代理有限公司"
    assert {r["id"] for r in body["institutions"]}.isdisjoint(r["id"] for r in body["see_also"]["institutions"])
    for r in body["institutions"] + body["see_also"]["institutions"]:
        assert round(sum(r["points"].values()), 1) == r["score"]


def test_the_need_page_shows_the_understanding_its_corrections_and_the_formula(client, auth, db_session, dashiqiao):
    ent = factories.enterprise(region="大石桥市")
    auth.login("enterprise", enterprise_id=ent.id)
    response = client.post("/needs/new", data={"title": "发明专利申请", "text": NEED, "visibility": "public"},
                           headers={"Accept-Language": "zh"})
    assert response.status_code == 302
    page = client.get(response.headers["Location"], headers={"Accept-Language": "zh"}).get_data(as_text=True)
    assert "系统理解为：" in page and "<strong>专利代理</strong>" in page
    assert "也可以看看" in page and 'href="/recommendations/how"' in page
    corrected = client.get(response.headers["Location"] + "?category=finance.guarantee",
                           headers={"Accept-Language": "zh"}).get_data(as_text=True)
    assert "<strong>融资担保</strong>" in corrected
    how = client.get("/recommendations/how", headers={"Accept-Language": "zh"}).get_data(as_text=True)
    assert "推荐" in how and 'id="recommendation-weights"' in how
