"""Degraded search never widens, and a sort orders by the value shown: the database fallback against the real
Meilisearch, on the same records and the same filtered queries. The directory below is built so that each way
of widening shows: a code instead of a name, an offering filed under another of its institution's categories,
a tag the fallback ignored, an unpublished, suspended or inactive record, an expert asked for a grade."""

from __future__ import annotations

from typing import Any

import pytest

from directory.extensions import db
from directory.institutions.models import RecordStatus
from directory.taxonomy.services import Vocabulary
from search import fallback
from search.documents import BUILDERS, MODELS
from search.drain import run_drain
from search.queries import FILTER_ATTRIBUTE, SearchParams
from search.service import search
from tests import factories


@pytest.fixture
def directory(db_session, search_backend):
    vocab = Vocabulary()
    both = factories.institution(name="营口专利与信贷服务有限公司", categories=("专利代理", "银行信贷对接"),
                                 region="站前区", industries=("镁质材料",), offerings=("发明专利申请代理", "贷款咨询"))
    both.grade, both.honors, both.rating_value, both.rating_count, both.evaluation_score = "A", ["专精特新"], 4.6, 8, 91.0
    both.offerings[1].category = vocab.category("银行信贷对接")
    trademark = factories.institution(name="营口商标事务所有限公司", categories=("商标代理",), region="西市区",
                                      industries=("新材料",), offerings=("商标注册",))
    trademark.grade, trademark.rating_value, trademark.rating_count, trademark.evaluation_score = "B", 3.9, 2, 74.5
    trademark.offerings[0].category = None  # filed under its institution's first category
    hidden = factories.institution(name="营口待审专利有限公司", categories=("专利代理",), region="站前区",
                                   admit=False)
    hidden.honors = ["专精特新"]
    suspended = factories.institution(name="营口停业专利有限公司", categories=("专利代理",), region="站前区")
    suspended.status, suspended.grade, suspended.honors = RecordStatus.SUSPENDED, "A", ["专精特新"]
    inactive = factories.institution(name="营口停售专利有限公司", categories=("专利代理",), offerings=("停售的专利服务",))
    inactive.offerings[0].active = False
    expert = factories.expert(name="王专利", categories=("知识产权",), region="西市区",
                              industries=[vocab.industry("镁质材料")])
    expert.rating_value, expert.rating_count = 4.2, 3
    factories.expert(name="李信贷", categories=("融资服务",), region="站前区", admit=False)
    db_session.flush()
    assert run_drain(search=search_backend).failed == 0
    # Collections keep the factories' order until reloaded (in id order); whether a record is still in the
    # identity map then depends on the garbage collector, so reload them all now, not some between two searches.
    db_session.expire_all()
    return search_backend


FILTERS: list[dict[str, str]] = [
    {}, {"category": "知识产权"}, {"category": "专利代理"}, {"category": "融资服务"}, {"category": "银行信贷对接"},
    {"category": "ip"},  # a code, not a name: Meilisearch filters names
    {"industry": "镁质材料"}, {"region": "站前区"}, {"region": "西市区"}, {"grade": "A"}, {"grade": "B"},
    {"tag": "专精特新"}, {"tag": "没有的称号"}, {"category": "知识产权", "region": "西市区"},
    {"category": "知识产权", "tag": "专精特新"}, {"industry": "镁质材料", "grade": "A"},
]
TYPES = ["all", "institution", "offering", "expert"]


def _ids(hits: list[dict[str, Any]]) -> set[tuple[str, int]]:
    return {(h["type"], h["id"]) for h in hits}


def _satisfies(kind: str, record_id: int, filters: dict[str, str]) -> bool:
    """The record is published and its search document holds every filter value (the index's own test)."""
    document = BUILDERS[kind](db.session.get(MODELS[kind], record_id))
    if document is None:
        return False
    for name, value in filters.items():
        held = document.get(FILTER_ATTRIBUTE[name])
        if held is None or (value not in held if isinstance(held, list) else held != value):
            return False
    return True


def test_the_fallback_finds_what_meilisearch_finds_under_every_filter(directory):
    for kind, filters in ((k, f) for k in TYPES for f in FILTERS):
        params = SearchParams(type=kind, filters=filters, per_page=50)
        real = search(params)
        assert not real.degraded
        hits, total = fallback.search(params)
        assert total == len(hits)
        found = _ids(hits)
        assert found <= _ids(real.hits), (kind, filters, found - _ids(real.hits))  # never wider
        assert all(_satisfies(k, i, filters) for k, i in found), (kind, filters)
        assert found == _ids(real.hits), (kind, filters)  # and, without free text, not narrower either


def test_with_free_text_every_fallback_hit_satisfies_every_filter(directory):
    for q, kind, filters in ((q, k, f) for q in ("专利", "商标", "信贷") for k in TYPES for f in FILTERS):
        hits, _total = fallback.search(SearchParams(q=q, type=kind, filters=filters, per_page=50))
        assert all(_satisfies(h["type"], h["id"], filters) for h in hits), (q, kind, filters)


def test_the_fallback_pages_a_sorted_list_across_record_types(directory):
    params = SearchParams(sort="rating", per_page=50)
    everything, total = fallback.search(params)
    pages = [fallback.search(SearchParams(sort="rating", page=p, per_page=2))[0] for p in range(1, -(-total // 2) + 1)]
    assert [h for page in pages for h in page] == everything and len(everything) == total
    assert {h["type"] for h in everything} == {"institution", "offering", "expert"}
    _descending([_rating(h) for h in everything])


def _descending(values: list[Any]) -> list[Any]:
    """The values, checked to run highest first with the records that have none last."""
    known = [v for v in values if v is not None]
    assert values == known + [None] * (len(values) - len(known)), f"records without a value come last: {values}"
    assert known == sorted(known, reverse=True), values
    return known


def _rating(hit: dict[str, Any]) -> Any:
    return hit["rating"]["value"]


def _score(hit: dict[str, Any]) -> Any:
    return hit.get("evaluation_score")


def test_sort_by_rating_orders_by_the_rating_each_hit_shows(directory):
    """With free text too (relevance only orders records of equal rating), on both paths, for every type."""
    for kind, q in ((k, q) for k in TYPES for q in ("", "专利", "营口")):
        params = SearchParams(q=q, type=kind, sort="rating", per_page=50)
        for hits in (search(params).hits, fallback.search(params)[0]):
            _descending([_rating(h) for h in hits])


def test_sort_works_with_type_all_in_the_api(client, directory):
    hits = client.get("/api/v1/search?type=all&sort=rating&per_page=50").get_json()["hits"]
    assert {h["type"] for h in hits} == {"institution", "offering", "expert"}
    assert len(set(_descending([_rating(h) for h in hits]))) > 2
    hits = client.get("/api/v1/search?type=all&sort=score&per_page=50").get_json()["hits"]
    assert _descending([_score(h) for h in hits])[:1] == [91.0] and hits[-1]["evaluation_score"] is None
    for sort, key in (("rating", _rating), ("score", _score)):  # the degraded path sorts the same way
        _descending([key(h) for h in fallback.search(SearchParams(sort=sort, per_page=50))[0]])


def test_a_filter_a_type_cannot_have_finds_nothing_instead_of_failing(client, directory):
    for url in ("/api/v1/search?type=offering&tag=专精特新", "/api/v1/search?type=expert&grade=A",
                "/search?type=expert&grade=A"):
        response = client.get(url)
        assert response.status_code == 200, url
    assert client.get("/api/v1/search?type=offering&tag=专精特新").get_json()["total"] == 0


def test_the_search_page_offers_sorts_for_every_type_and_shows_the_value_it_sorts_by(client, directory):
    page = client.get("/search?type=all&sort=score").get_data(as_text=True)
    assert 'name="sort"' in page  # the sort menu is there for the mixed list too
    assert page.count('class="hit-score"') == page.count('class="hit py-3"') > 0
    assert "91.0" in page and "74.5" in page
    experts = client.get("/search?type=expert&sort=rating").get_data(as_text=True)
    assert "4.2" in experts  # an expert's rating is shown when the list is sorted by it
    assert 'value="score"' not in experts  # experts have no evaluation score to sort by


def test_openapi_describes_the_tag_filter_and_the_sorted_values(client, db_session):
    doc = client.get("/api/v1/openapi.json").get_json()
    names = {p["name"] for p in doc["paths"]["/api/v1/search"]["get"]["parameters"]}
    from search.queries import FILTER_PARAMS

    assert set(FILTER_PARAMS) <= names  # every filter the API applies is described
    assert {"rating", "evaluation_score"} <= set(doc["components"]["schemas"]["Hit"]["properties"])
