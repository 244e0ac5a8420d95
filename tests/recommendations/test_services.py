"""recommend() against the real Meilisearch: ranking with reasons, the newcomer slot, the database fallback,
the API contract and a need's page."""

import pytest

from directory.recommendations.need import Need
from directory.recommendations.services import recommend
from directory.taxonomy.services import Vocabulary
from search.client import SearchBackend
from search.drain import run_drain
from tests import factories


@pytest.fixture
def directory_(db_session, search_backend):
    vocab = Vocabulary()
    patent = factories.institution(name="营口镁城专利代理有限公司", categories=("专利代理",),
                                   description="专注镁质材料行业发明专利申请。", offerings=("发明专利申请代理",))
    patent.rating_value, patent.rating_count = 4.6, 12
    other = factories.institution(name="营口诚信会计师事务所", categories=("代理记账",), industries=("钢铁",),
                                  description="代理记账与纳税申报。", offerings=("代理记账",))
    run_drain(search=search_backend)
    return {"patent": patent, "other": other, "vocab": vocab}


def test_the_relevant_institution_ranks_first_with_its_reasons(db_session, directory_):
    result = recommend(Need(text="我们是镁砂企业，想申请发明专利", industry=directory_["vocab"].industry("镁质材料")))
    assert not result.degraded
    top = result.institutions[0]
    assert top.id == directory_["patent"].id
    assert any("发明专利" in r for r in top.reasons)
    assert any("4.6" in r and "12" in r for r in top.reasons)
    assert directory_["other"].id not in [r.id for r in result.institutions[:1]]
    assert 0 < top.score <= 100


def test_a_newcomer_gets_the_last_slot(db_session, search_backend):
    rated = []
    for n in range(3):
        inst = factories.institution(name=f"营口老牌专利代理{n}有限公司", offerings=("发明专利申请代理",))
        inst.rating_value, inst.rating_count, inst.grade = 4.9, 30, "A"
        rated.append(inst)
    newcomer = factories.institution(name="营口新锐专利代理有限公司", offerings=("发明专利申请代理",))
    run_drain(search=search_backend)
    result = recommend(Need(text="发明专利申请代理"), limit=3)
    assert result.institutions[-1].id == newcomer.id and result.institutions[-1].new


def test_recommendations_fall_back_to_the_database(app, db_session):
    inst = factories.institution(name="营口降级推荐专利有限公司", description="发明专利申请代理服务。")
    app.extensions["search"], saved = SearchBackend(app.config["SETTINGS"].__class__(
        **{**app.config["SETTINGS"].__dict__, "meili_url": "http://127.0.0.1:9"})), app.extensions["search"]
    try:
        result = recommend(Need(text="发明专利"))
    finally:
        app.extensions["search"] = saved
    assert result.degraded and inst.id in [r.id for r in result.institutions]


def test_without_search_every_record_the_database_found_is_scored(app, db_session, monkeypatch):
    """The database finds candidates in no order of relevance: none of them is cut by the cap that keeps
    Meilisearch's best (services.MAX_CANDIDATES), so the best fit found last still comes first."""
    from directory.recommendations import services

    monkeypatch.setattr(services, "MAX_CANDIDATES", 2)
    for n in range(3):
        factories.institution(name=f"营口降级候选{n}咨询有限公司", categories=("代理记账",),
                              description="发明专利相关咨询。", offerings=("代理记账",))
    best = factories.institution(name="营口降级候选专利代理有限公司", description="发明专利申请代理服务。")
    app.extensions["search"], saved = SearchBackend(app.config["SETTINGS"].__class__(
        **{**app.config["SETTINGS"].__dict__, "meili_url": "http://127.0.0.1:9"})), app.extensions["search"]
    try:
        result = recommend(Need(text="发明专利申请代理"))
    finally:
        app.extensions["search"] = saved
    assert result.degraded and result.institutions[0].id == best.id


def test_api_contract(client, db_session, directory_):
    response = client.post("/api/v1/recommendations", json={"text": "申请发明专利", "category": "知识产权",
                                                            "limit": 3})
    assert response.status_code == 200
    body = response.get_json()
    assert set(body) >= {"institutions", "experts"}
    first = body["institutions"][0]
    assert set(first) >= {"id", "name", "score", "reasons"} and first["id"] == directory_["patent"].id


@pytest.mark.parametrize("body, field", [
    (None, "text"), ({"text": ""}, "text"), ({"text": "x" * 3000}, "text"), ({"text": "专利", "limit": 0}, "limit"),
    ({"text": "专利", "limit": "5"}, "limit"), ({"text": "专利", "category": "不存在的类别"}, "category"),
    ({"text": "专利", "region": ["站前区"]}, "region"),
])
def test_api_rejects_bad_input_with_a_message(client, db_session, body, field):
    response = client.post("/api/v1/recommendations", json=body) if body is not None else \
        client.post("/api/v1/recommendations", data="not json")
    assert response.status_code == 422
    assert response.get_json()["error"]["message"]


def test_posting_a_need_shows_its_recommendations(client, auth, db_session, directory_):
    ent = factories.enterprise()
    auth.login("enterprise", enterprise_id=ent.id)
    response = client.post("/needs/new", data={"title": "发明专利申请", "text": "想为镁砂新工艺申请发明专利",
                                               "visibility": "public"})
    assert response.status_code == 302
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "营口镁城专利代理有限公司" in page and 'id="rec-institutions"' in page


def test_term_counts_are_kept_and_a_kept_count_changes_nothing(app, db_session, directory_, monkeypatch):
    """The second recommendation of the same terms asks Meilisearch nothing about how common they are (one
    round trip fewer), and ranks exactly as the first; after forget_counts the terms are counted again."""
    from directory.recommendations.retrieval import forget_counts
    from search.client import SearchReader

    sent: list[list[dict]] = []
    original = SearchReader.multi_search

    def spy(self, queries, *args, **kwargs):
        sent.append(queries)
        return original(self, queries, *args, **kwargs)

    monkeypatch.setattr(SearchReader, "multi_search", spy)

    def probes() -> int:  # the term counts: limit 0, totals only
        return sum(1 for batch in sent for q in batch if q.get("limit") == 0)

    def ask():
        result = recommend(Need(text="想申请发明专利，找专利代理"))
        return [(r.id, r.score, r.points, r.reasons) for r in result.institutions]

    forget_counts(app)
    first = ask()
    assert probes() > 0
    sent.clear()
    assert ask() == first and probes() == 0
    forget_counts(app)
    sent.clear()
    assert ask() == first and probes() > 0


def test_candidates_are_scored_from_their_own_hits_and_only_the_others_fetched(app, db_session, directory_,
                                                                              monkeypatch):
    """The candidate searches bring what scoring reads: the documents fetched by id afterwards are only those of
    records no candidate search returned (an institution found through its offering), never one again."""
    import re

    from search.client import SearchReader

    answered: list[tuple[dict, dict]] = []
    original = SearchReader.multi_search

    def spy(self, queries, *args, **kwargs):
        answer = original(self, queries, *args, **kwargs)
        answered.extend(zip(queries, answer["results"], strict=True))
        return answer

    monkeypatch.setattr(SearchReader, "multi_search", spy)
    result = recommend(Need(text="想申请发明专利，找专利代理"))
    assert result.institutions and result.institutions[0].id == directory_["patent"].id
    hit: set[tuple[str, int]] = set()
    fetched: set[tuple[str, int]] = set()
    for query, answer in answered:
        by_id = re.fullmatch(r"id IN \[(.*)\]", str(query.get("filter")))
        if by_id:
            fetched |= {(query["indexUid"], int(i)) for i in by_id.group(1).split(", ")}
        elif query.get("limit"):  # a candidate search (the term counts ask for totals only)
            assert all("facts" in h for h in answer["hits"])
            hit |= {(query["indexUid"], h["id"]) for h in answer["hits"]}
    assert hit and not fetched & hit


def test_a_word_first_used_by_a_newly_indexed_record_is_searched_for_at_once(app, db_session, directory_):
    """Counts are kept for minutes, zeros too (most needs have a word some index lacks); but once the index
    sync has pushed anything since, a kept zero is asked again: a provider whose profile is the first to use a
    need's word is a candidate at the next recommendation, not minutes later."""
    from directory.recommendations.retrieval import forget_counts

    def found_ids(result):
        return {r.id for r in [*result.institutions, *result.see_also["institutions"]]}

    forget_counts(app)
    need = Need(text="发明专利 浮选药剂")
    assert not recommend(need).degraded  # 浮选药剂 counted: in no record yet
    newcomer = factories.institution(name="营口矿业技术服务有限公司", categories=("代理记账",), industries=(),
                                     description="浮选药剂配方研发与检测。", offerings=("选矿工艺咨询",))
    db_session.commit()
    run_drain(search=app.extensions["search"])
    assert newcomer.id in found_ids(recommend(need))
