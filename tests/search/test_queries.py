import pytest
from werkzeug.datastructures import MultiDict

from search.queries import (
    InvalidSearch,
    SearchParams,
    build_filter,
    candidate_queries,
    federated_query,
    parse_params,
    quote,
    similar_query,
    single_index_query,
    term_count_queries,
)
from search.settings import RANKING_FACTS

UIDS = {"institution": "p_institutions", "offering": "p_offerings", "expert": "p_experts"}


def test_parse_defaults():
    assert parse_params(MultiDict()) == SearchParams()


@pytest.mark.parametrize(("args", "param"), [
    ({"type": "user"}, "type"),
    ({"sort": "password"}, "sort"),
    ({"page": "0"}, "page"),
    ({"page": "x"}, "page"),
    ({"per_page": "51"}, "per_page"),
    ({"grade": "E"}, "grade"),
    ({"q": "知" * 201}, "q"),
    ({"page": "9999", "per_page": "50"}, "page"),
    ({"page": "201"}, "page"),  # 200 pages of 50 are Meilisearch's 10 000 hits
    ({"page": "１２"}, "page"),  # full-width digits are not a page number
    ({"per_page": "٢٠"}, "per_page"),
    ({"grade": " A"}, "grade"),
    ({"q": "知" + " " * 200}, "q"),  # as sent, like the OpenAPI maxLength
])
def test_parse_rejects(args, param):
    with pytest.raises(InvalidSearch) as exc:
        parse_params(MultiDict(args))
    assert exc.value.param == param


def test_quote_escapes_quotes_and_backslashes():
    assert quote('a"b\\c') == '"a\\"b\\\\c"'


@pytest.mark.parametrize("evil", ['x" OR region = "站前区', "x') OR (1=1", 'x\\" OR 1=1 OR "', "NOT x", "a = b"])
def test_injection_strings_stay_inside_one_literal(evil):
    [expr] = build_filter("institution", {"category": evil})
    assert expr.startswith('categories = "') and expr.endswith('"')
    inner = expr[len('categories = "'):-1]
    # every quote inside is escaped, so the literal cannot end early
    unescaped = inner.replace("\\\\", "").replace('\\"', "")
    assert '"' not in unescaped


def test_single_index_query_body():
    params = SearchParams(q="专利", type="institution", filters={"region": "站前区", "category": "知识产权"},
                          sort="rating", page=2, per_page=10)
    body = single_index_query("institution", UIDS["institution"], params)
    assert body["indexUid"] == "p_institutions"
    assert body["q"] == "专利"
    assert body["filter"] == ['categories = "知识产权"', 'region = "站前区"']
    assert body["sort"] == ["rating:desc"]
    assert body["page"] == 2 and body["hitsPerPage"] == 10
    assert "categories" in body["facets"] and "grade" in body["facets"]


def test_federated_query_skips_indexes_that_cannot_match_a_filter():
    queries, federation = federated_query(UIDS, SearchParams(q="检测", filters={"grade": "A"}))
    assert [q["indexUid"] for q in queries] == ["p_institutions", "p_offerings"]
    assert set(federation["facetsByIndex"]) == {"p_institutions", "p_offerings"}
    assert federation["offset"] == 0 and federation["limit"] == 20
    assert all("sort" not in q for q in queries)  # relevance: no sort


def test_a_chosen_sort_reaches_every_index_of_a_federated_list():
    queries, _federation = federated_query(UIDS, SearchParams(sort="rating"))
    assert [q["sort"] for q in queries] == [["rating:desc"]] * 3
    queries, _federation = federated_query(UIDS, SearchParams(sort="score"))
    assert {q["indexUid"] for q in queries} == set(UIDS.values())  # experts too: unscored, they sort last
    assert all(q["sort"] == ["evaluation_score:desc"] for q in queries)


def test_every_sort_is_sortable_on_every_index_and_comes_first():
    from search.queries import SORTS
    from search.settings import INDEX_SETTINGS, INDEX_TYPES

    for kind, settings in INDEX_SETTINGS.items():
        assert settings["rankingRules"][0] == "sort", kind  # a chosen sort decides before relevance
        if kind not in INDEX_TYPES:
            continue  # the notices' index: not searched with the providers' sorts (search.notices)
        for sort in filter(None, SORTS.values()):
            assert all(s.split(":")[0] in settings["sortableAttributes"] for s in sort), (kind, sort)


def test_sentences_are_also_searched_clause_by_clause():
    params = SearchParams(q="生产线想引入机器人焊接，替代人工提高效率", type="institution")
    queries, federation = federated_query(UIDS, params)
    assert [q["q"] for q in queries] == ["生产线想引入机器人焊接 替代人工提高效率", "生产线想引入机器人焊接", "替代人工提高效率",
                                         "生产线想引入机器人焊接 替代人工提高效率"]
    assert [q["matchingStrategy"] for q in queries] == ["frequency", "frequency", "frequency", "last"]
    assert [q["federationOptions"]["weight"] for q in queries] == [1.0, 0.9, 0.9, 0.5]
    assert {q["indexUid"] for q in queries} == {"p_institutions"}


def test_keywords_stay_a_single_index_query():
    from search.queries import needs_federation

    assert not needs_federation(SearchParams(q="知识产权", type="institution"))
    assert needs_federation(SearchParams(q="知识产权"))
    assert not needs_federation(SearchParams(q="我们想申请发明专利，需要代理", type="expert", sort="rating"))


def test_traditional_script_is_converted():
    body = single_index_query("institution", "x", SearchParams(q="知識產權", type="institution"))
    assert body["q"] == "知识产权" and body["matchingStrategy"] == "last"


# -- recommendations and "similar" ---------------------------------------------------------------------

def test_term_counts_ask_every_index_for_totals_only():
    queries = term_count_queries(UIDS, ["镁砂", "专利"])
    assert [key for key, _body in queries] == [(k, t) for k in ("institution", "offering", "expert")
                                               for t in ("", "镁砂", "专利")]
    assert queries[1][1] == {"indexUid": "p_institutions", "q": "镁砂", "limit": 0}


def test_candidates_are_searched_with_the_known_terms_rarest_first_and_the_others_each_alone():
    counts = {("institution", "专利"): 10, ("institution", "镁砂"): 3, ("institution", "检测"): 40,
              ("offering", "专利"): 5}
    queries = candidate_queries(UIDS, ["专利", "镁砂", "检测", "没有的词"], counts, text="镁砂专利检测",
                                category_code=None, limit=60)
    # the rarest term alone is the end of the combined query ("last" drops the others); one known term: no
    # query of it alone; experts know none
    assert [(kind, body["q"], body["limit"]) for kind, body in queries] == [
        ("institution", "镁砂 专利 检测", 60), ("institution", "专利", 30), ("institution", "检测", 30),
        ("offering", "专利", 60)]
    kind, body = queries[0]
    assert body == {"indexUid": "p_institutions", "showRankingScore": True,
                    "attributesToRetrieve": RANKING_FACTS["institution"], "q": "镁砂 专利 检测",
                    "matchingStrategy": "last", "limit": 60}
    # the hits bring what scoring reads; an offering's its institution (it is as relevant as its best offering)
    assert "facts" in body["attributesToRetrieve"]
    assert "institution_id" in queries[3][1]["attributesToRetrieve"]
    assert "matchingStrategy" not in queries[1][1]


def test_a_stated_category_fetches_its_providers_in_every_index_with_the_code_quoted():
    counts = {("institution", "专利"): 10}
    queries = candidate_queries(UIDS, ["专利"], counts, text="专利", category_code='ip" OR id > 0', limit=60)
    filtered = [(kind, body) for kind, body in queries if "filter" in body]
    assert [kind for kind, _body in filtered] == ["institution", "institution", "offering", "expert"]
    # the terms within the category, and the category alone (its providers come even when no text shares a term)
    assert filtered[0][1]["q"] == "专利" and filtered[1][1]["q"] == ""
    assert filtered[2][1]["q"] == ""  # offerings know no term: the category alone
    assert filtered[0][1]["filter"] == ['category_codes = "ip\\" OR id > 0"']


def test_a_need_whose_terms_no_record_holds_is_searched_as_written():
    queries = candidate_queries(UIDS, ["没有的词"], {}, text="想找個没有的词", category_code="ip", limit=60)
    unfiltered = [(kind, body) for kind, body in queries if "filter" not in body]
    assert [kind for kind, _body in unfiltered] == ["institution", "offering", "expert"]
    assert all(body["q"] == "想找个没有的词" and body["matchingStrategy"] == "last" and body["limit"] == 30
               for _kind, body in unfiltered)
    assert candidate_queries(UIDS, [], {}, text="的", category_code=None, limit=60) == []


def test_similar_records_share_any_of_the_categories_and_leave_the_record_out():
    body = similar_query("p_experts", q="专" * 300, category_codes=["patent", 'trade"mark'], exclude_id=7,
                         limit=4)
    assert body == {"indexUid": "p_experts", "q": "专" * 200, "matchingStrategy": "last",
                    "filter": [['category_codes = "patent"', 'category_codes = "trade\\"mark"'], "id != 7"],
                    "limit": 4, "attributesToRetrieve": ["id"]}
    assert similar_query("p_experts", q="", category_codes=[], exclude_id=7, limit=4)["filter"] == ["id != 7"]
