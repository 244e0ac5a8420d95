"""The scores and reasons of a recommendation (directory/recommendations/scoring.py): pure functions, tested on
records built in memory, without a database or Meilisearch."""

from datetime import datetime, timedelta
from types import SimpleNamespace

import pytest

from directory.recommendations import scoring
from directory.recommendations.need import Need, Recommendation
from directory.recommendations.scoring import Context, ProviderStats
from directory.taxonomy.models import Category, Industry, Region

NOW = datetime(2026, 11, 1, 12, 0)


@pytest.fixture(scope="module")
def t():
    """Terms built in memory (after collection: building a model configures every mapper)."""
    ip = Category(id=1, code="ip", name="知识产权")
    return SimpleNamespace(
        ip=ip, patent=Category(id=2, code="patent", name="专利代理", parent_id=1),
        trademark=Category(id=3, code="trademark", name="商标代理", parent_id=1),
        finance=Category(id=4, code="finance", name="融资服务"),
        zhanqian=Region(id=1, code="zhanqian", name="站前区"), xishi=Region(id=2, code="xishi", name="西市区"),
        city=Region(id=3, code="city", name="全市", kind="coverage"))


def _get(t, names):
    if names is None:
        return None
    if isinstance(names, list):
        return [getattr(t, n) for n in names]
    return getattr(t, names)

def test_the_weights_sum_to_one():
    assert sum(scoring.WEIGHTS.values()) == pytest.approx(1.0)


def test_matched_terms_count_parts_of_words_synonyms_and_either_script():
    synonyms = {"知识产权": {"知识产权", "专利"}}
    assert scoring.matched_terms(["知识产权", "商标"], "發明專利申請代理", synonyms) == ["知识产权"]
    assert scoring.matched_terms(["ISO"], "iso9001 认证", {}) == ["ISO"]
    assert scoring.matched_terms(["镁砂"], "耐火材料", {}) == []


def test_term_share_weighs_rare_terms_more():
    idf = {"镁砂": 3.0, "专利": 1.0}
    assert scoring.term_share(["镁砂"], idf) == pytest.approx(0.75)
    assert scoring.term_share(["镁砂", "专利"], idf) == pytest.approx(1.0)
    assert scoring.term_share(["专利"], {}) == 0.0


def test_blend_is_relative_to_the_best_candidate_and_the_engine_only_breaks_ties():
    relevance = scoring.blend({1: 0.5, 2: 0.25, 3: 0.0}, {1: 0.4, 2: 0.8, 3: 0.8})
    assert relevance[1] == pytest.approx(0.85 + 0.15 * 0.5)
    assert relevance[2] == pytest.approx(0.85 * 0.5 + 0.15)
    assert relevance[3] == pytest.approx(0.15)  # no key term: the tie-breaker's share at most
    assert scoring.blend({1: 0.0}, {}) == {1: 0.0}


@pytest.mark.parametrize(("categories", "wanted", "fit"), [
    (["patent"], "patent", 1.0),
    (["patent"], "ip", 1.0),  # a sub-category offers its parent
    (["trademark"], "patent", 0.6),  # a sibling
    (["finance"], "patent", 0.0),
    (["patent"], None, 0.0),
])
def test_category_fit(t, categories, wanted, fit):
    assert scoring.category_fit(_get(t, categories), _get(t, wanted)) == fit


@pytest.mark.parametrize(("region", "coverage", "wanted", "fit"), [
    ("zhanqian", [], "zhanqian", 1.0),
    ("xishi", ["zhanqian"], "zhanqian", 0.8),
    ("xishi", ["city"], "zhanqian", 0.6),
    ("xishi", [], "zhanqian", 0.2),
    (None, [], "zhanqian", 0.2),
    ("xishi", [], None, 0.5),
])
def test_region_fit(t, region, coverage, wanted, fit):
    assert scoring.region_fit(_get(t, region), _get(t, coverage), _get(t, wanted)) == fit


def test_industry_fit(t):
    steel, magnesia = Industry(id=1, code="steel", name="钢铁"), Industry(id=2, code="mg", name="镁质材料")
    assert scoring.industry_fit([steel, magnesia], magnesia) == 1.0
    assert scoring.industry_fit([steel], magnesia) == 0.0
    assert scoring.industry_fit([steel], None) == 0.5


def test_common_parts_give_an_unreviewed_provider_the_prior_and_unknowns_the_middle():
    unreviewed = SimpleNamespace(rating_value=None, rating_count=0)
    parts = scoring.common_parts(unreviewed, ProviderStats(), None)
    assert parts == {"rating": pytest.approx((3.5 - 1) / 4), "grade": 0.5, "speed": 0.5, "load": 1.0}
    busy = scoring.common_parts(SimpleNamespace(rating_value=4.6, rating_count=12),
                                ProviderStats(response_hours=48, open_requests=5), "A")
    assert busy == {"rating": pytest.approx(0.9), "grade": 1.0, "speed": 0.5, "load": 0.5}


def test_total_is_the_weighted_sum_on_a_hundred():
    assert scoring.total(dict.fromkeys(scoring.WEIGHTS, 1.0)) == 100.0
    assert scoring.total({"relevance": 0.5, "rating": 0.5}) == 23.0


def _rec(id_, score, relevance, *, reviews=5, admitted_days_ago=800):
    record = SimpleNamespace(rating_count=reviews, admitted_at=NOW - timedelta(days=admitted_days_ago))
    return Recommendation(type="institution", id=id_, name=f"#{id_}", score=score, reasons=[],
                          parts={"relevance": relevance}, record=record)


def test_the_last_slot_goes_to_the_most_relevant_newcomer(app):
    ranked = [_rec(1, 90, 0.9), _rec(2, 80, 0.8), _rec(3, 70, 0.7),
              _rec(4, 60, 0.6, reviews=0, admitted_days_ago=30), _rec(5, 50, 0.9, reviews=0, admitted_days_ago=30),
              _rec(6, 40, 0.95, reviews=0, admitted_days_ago=400)]  # admitted too long ago to count as new
    top = ranked[:3]
    with app.test_request_context():
        scoring.keep_a_newcomer_slot(top, ranked, 3, now=NOW)
    assert [r.id for r in top] == [1, 2, 5] and top[-1].new and top[-1].reasons


def test_no_slot_is_taken_when_a_newcomer_made_the_list_or_none_is_relevant(app):
    ranked = [_rec(1, 90, 0.9), _rec(2, 80, 0.8, reviews=0, admitted_days_ago=30), _rec(3, 70, 0.7),
              _rec(4, 60, 0.6, reviews=0, admitted_days_ago=30)]
    top = ranked[:3]
    with app.test_request_context():
        scoring.keep_a_newcomer_slot(top, ranked, 3, now=NOW)
    assert [r.id for r in top] == [1, 2, 3] and [r.new for r in top] == [False, True, False]
    ranked = [_rec(1, 90, 0.9), _rec(2, 80, 0.8), _rec(3, 70, 0.7), _rec(4, 60, 0.4, reviews=0, admitted_days_ago=30)]
    top = ranked[:3]
    with app.test_request_context():
        scoring.keep_a_newcomer_slot(top, ranked, 3, now=NOW)
    assert [r.id for r in top] == [1, 2, 3]


def test_reasons_name_what_fits_strongest_first(app, t):
    need = Need(text="申请发明专利", category=t.patent, region=t.zhanqian)
    ctx = Context(need=need, terms=["发明专利"], idf={"发明专利": 1.0}, synonyms={}, category=t.patent)
    record = SimpleNamespace(rating_value=4.6, rating_count=12)
    parts = {"category": 1.0, "industry": 0.5, "region": 0.8}
    with app.test_request_context():
        reasons = scoring.reasons(ctx, record=record, parts=parts, matched=["发明专利"],
                                  stats=ProviderStats(response_hours=30), grade="A", badge="示范服务机构")
    assert len(reasons) == 7
    assert "发明专利" in reasons[0] and "专利代理" in reasons[1] and "站前区" in reasons[2]
    assert "4.6" in reasons[3] and "12" in reasons[3] and "A" in reasons[5] and "2" in reasons[6]
