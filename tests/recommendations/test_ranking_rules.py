"""Who takes a top slot, in what order, and what the score is made of (directory/recommendations/scoring.py):
pure functions on records built in memory."""

from datetime import date
from types import SimpleNamespace

import pytest

from directory.recommendations import scoring
from directory.recommendations.need import Need, Recommendation
from directory.recommendations.scoring import Context, ProviderStats
from directory.taxonomy.models import Category, Industry, Region


def _offering(price_min=None, price_max=None, days=None, category=None, active=True):
    return SimpleNamespace(price_min=price_min, price_max=price_max, delivery_days=days, active=active,
                           category_id=category.id if category else None, category=category)


def test_budget_is_compared_with_the_lowest_price():
    offers = [_offering(price_min=8000), _offering(price_min=3000, price_max=5000)]
    assert scoring.budget_fit(offers, 4000) == 1.0
    assert scoring.budget_fit(offers, 2000) == 0.0
    assert scoring.budget_fit([_offering(price_max=1500)], 2000) == 1.0  # only a ceiling: it is the price
    assert scoring.budget_fit([_offering()], 2000) == 0.5  # no price known
    assert scoring.budget_fit(offers, None) == 0.5  # no budget stated


def test_deadline_is_compared_with_delivery_times():
    today = date(2026, 12, 1)
    offers = [_offering(days=30), _offering(days=10)]
    assert scoring.deadline_fit(offers, date(2026, 12, 15), today) == 1.0
    assert scoring.deadline_fit(offers, date(2026, 12, 5), today) == 0.0
    assert scoring.deadline_fit([_offering()], date(2026, 12, 5), today) == 0.5
    assert scoring.deadline_fit(offers, None, today) == 0.5


def test_the_offerings_of_the_need_s_category_are_the_ones_compared():
    patent = Category(id=2, code="patent", name="专利代理", parent_id=1)
    ip = Category(id=1, code="ip", name="知识产权")
    offers = [_offering(price_min=500), _offering(price_min=9000, category=patent), _offering(active=False)]
    assert scoring.offering_prices(offers, patent) == [offers[1]]
    assert scoring.offering_prices(offers, ip) == [offers[1]]  # a sub-category of the wanted one
    assert scoring.offering_prices(offers, None) == offers[:2]
    assert scoring.offering_prices(offers[:1], patent) == offers[:1]  # none of the category: all of them


def test_budget_and_deadline_appear_in_the_reasons(app):
    need = Need(text="申请发明专利", budget=5000, deadline=date(2026, 12, 31))
    ctx = Context(need=need, terms=["发明专利"], idf={"发明专利": 1.0}, synonyms={})
    record = SimpleNamespace(rating_count=0, rating_value=None)
    parts = {"category": 0.0, "industry": 0.5, "region": 0.5, "budget": 1.0, "deadline": 1.0}
    with app.test_request_context(headers={"Accept-Language": "zh"}):
        reasons = scoring.reasons(ctx, record=record, parts=parts, matched=["发明专利"], stats=ProviderStats())
        assert "报价在预算内" in reasons and "可在截止日期前交付" in reasons
        late = scoring.reasons(ctx, record=record, parts={**parts, "budget": 0.0, "deadline": 0.0}, matched=[],
                               stats=ProviderStats())
        assert "报价在预算内" not in late and "可在截止日期前交付" not in late


@pytest.mark.parametrize("values", [
    {"relevance": 0.7333, "category": 0.5, "industry": 0.5, "region": 0.2, "rating": 0.625, "grade": 0.5,
     "speed": 0.3333, "load": 0.8333, "budget": 0.5, "deadline": 1.0},
    {k: 1 / 3 for k in scoring.WEIGHTS},
    {k: 0.0 for k in scoring.WEIGHTS},
    {k: 1.0 for k in scoring.WEIGHTS},
])
def test_the_points_add_up_to_the_score(values):
    points = scoring.points(values)
    assert set(points) == set(values)
    assert round(sum(points.values()), 1) == scoring.total(values)
    assert 0 <= scoring.total(values) <= 100


def test_a_candidate_matching_neither_category_nor_a_key_term_is_not_strong():
    parts = {"category": 0.0}
    assert not scoring.is_strong(parts, [], 1.0)
    assert scoring.is_strong(parts, ["发明专利"], 1.0)
    assert scoring.is_strong({"category": 0.7}, [], 0.7)  # offers the inferred category
    assert not scoring.is_strong({"category": 0.42}, [], 0.7)  # a sibling of it only
    assert not scoring.is_strong({"category": 0.0}, [], 0.0)  # no category at all
    places = frozenset({"大石桥", "镁质材料"})
    assert not scoring.is_strong(parts, ["大石桥", "镁质材料"], 1.0, places)  # place and trade words only
    assert scoring.is_strong(parts, ["大石桥", "专利"], 1.0, places)


def _rec(id_, score, region, industry=0.5):
    return Recommendation(type="institution", id=id_, name=str(id_), score=score, reasons=[],
                          parts={"region": region, "industry": industry})


def test_a_stated_region_outranks_providers_elsewhere_then_score():
    dashiqiao = Region(id=1, code="dsq", name="大石桥市")
    recs = [_rec(1, 80.0, 0.2), _rec(2, 60.0, 1.0), _rec(3, 70.0, 0.8), _rec(4, 90.0, 0.6)]
    ordered = sorted(recs, key=lambda r: scoring.order_key(r, Need(text="x", region=dashiqiao)))
    assert [r.id for r in ordered] == [3, 2, 4, 1]  # located there or covering it; then by score
    assert [r.id for r in sorted(recs, key=lambda r: scoring.order_key(r, Need(text="x")))] == [4, 1, 3, 2]


def test_a_stated_industry_outranks_providers_of_other_industries():
    steel = Industry(id=1, code="steel", name="钢铁")
    recs = [_rec(1, 80.0, 0.5, industry=0.0), _rec(2, 60.0, 0.5, industry=1.0)]
    assert [r.id for r in sorted(recs, key=lambda r: scoring.order_key(r, Need(text="x", industry=steel)))] == [2, 1]
