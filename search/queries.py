"""Pure query builders: request parameters in, Meilisearch request bodies out (tested as dicts).

Only allow-listed attributes reach a filter, and every value is quoted and escaped, so a value such as
``x" OR region = "y`` matches literally instead of widening the query.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from directory.core.numbers import parse_int
from search.analysis import clauses, clean_query, matching_strategy
from search.settings import FACETS, INDEX_SETTINGS, INDEX_TYPES, RANKING_FACTS, SHOWN

HIGHLIGHT_PRE = "\ue000"
HIGHLIGHT_POST = "\ue001"
MAX_QUERY_LENGTH = 200
MAX_PER_PAGE = 50
MAX_FILTER_LENGTH = 100
# Meilisearch answers at most 10 000 hits (search/settings.py); at 50 a page that is page 200. A bound on each
# parameter, rather than on their product, is one the OpenAPI description can state.
MAX_PAGE = 10000 // MAX_PER_PAGE
TYPES = ("all", *INDEX_TYPES)
SORTS = {
    "relevance": None,
    "rating": ["rating:desc"],
    "score": ["evaluation_score:desc"],
    "newest": ["admitted_at:desc"],
}
FILTER_PARAMS = ("category", "industry", "region", "grade", "tag")
FILTER_ATTRIBUTE = {"category": "categories", "industry": "industries", "region": "region", "grade": "grade",
                    "tag": "honors"}
GRADES = ("A", "B", "C", "D")


class InvalidSearch(ValueError):
    """A search parameter is out of range; ``param`` names it, ``reason`` says why."""

    def __init__(self, param: str, reason: str):
        super().__init__(f"{param}: {reason}")
        self.param = param
        self.reason = reason


@dataclass(frozen=True)
class SearchParams:
    q: str = ""
    type: str = "all"
    filters: dict[str, str] = field(default_factory=dict)
    sort: str = "relevance"
    page: int = 1
    per_page: int = 20


def parse_params(args: Any) -> SearchParams:
    """Validate a mapping of request arguments. Raises :class:`InvalidSearch` for a bad value."""
    q = args.get("q") or ""
    if len(q) > MAX_QUERY_LENGTH:  # measured as sent, as the OpenAPI maxLength is
        raise InvalidSearch("q", "too_long")
    q = q.strip()
    kind = args.get("type") or "all"
    if kind not in TYPES:
        raise InvalidSearch("type", "unknown")
    sort = args.get("sort") or "relevance"
    if sort not in SORTS:
        raise InvalidSearch("sort", "unknown")
    page, per_page = paging_params(args)
    filters = {}
    for name in FILTER_PARAMS:
        value = args.get(name) or ""
        if len(value) > MAX_FILTER_LENGTH:
            raise InvalidSearch(name, "too_long")
        if name == "grade" and value and value not in GRADES:
            raise InvalidSearch(name, "unknown")
        value = value.strip()
        if not value:
            continue
        filters[name] = value
    return SearchParams(q=q, type=kind, filters=filters, sort=sort, page=page, per_page=per_page)


def paging_params(args: Any) -> tuple[int, int]:
    """``page`` and ``per_page`` within the limits every search shares. Raises :class:`InvalidSearch`."""
    page = _positive_int(args, "page", 1)
    per_page = _positive_int(args, "per_page", 20)
    if per_page > MAX_PER_PAGE:
        raise InvalidSearch("per_page", "too_large")
    if page > MAX_PAGE:
        raise InvalidSearch("page", "too_large")
    return page, per_page


def _positive_int(args: Any, name: str, default: int) -> int:
    raw = args.get(name)
    if raw in (None, ""):
        return default
    value = parse_int(raw)  # ASCII digits only: "１２" and "1_000" are not page numbers
    if value is None:
        raise InvalidSearch(name, "not_a_number")
    if value < 1:
        raise InvalidSearch(name, "too_small")
    return value


def quote(value: str) -> str:
    """A Meilisearch filter string literal: double-quoted with backslash escapes."""
    return '"' + value.replace("\\", "\\\\").replace('"', '\\"') + '"'


def build_filter(kind: str, filters: dict[str, str]) -> list[str]:
    """Filter expressions for one index. A filter on an attribute this index lacks cannot match anything,
    so the index is skipped by the caller (see :func:`applicable`)."""
    allowed = INDEX_SETTINGS[kind]["filterableAttributes"]
    out = []
    for name, value in sorted(filters.items()):
        attribute = FILTER_ATTRIBUTE[name]
        if attribute not in allowed:
            raise InvalidSearch(name, "not_filterable")
        out.append(f"{attribute} = {quote(value)}")
    return out


def applicable(kind: str, filters: dict[str, str]) -> bool:
    """Whether an index can satisfy these filters at all (experts have no grade)."""
    return all(FILTER_ATTRIBUTE[n] in INDEX_SETTINGS[kind]["filterableAttributes"] for n in filters)


LAST_WEIGHT = 0.5  # the whole sentence with words dropped from its end: a last resort
CLAUSE_WEIGHT = 0.9  # a hit on one part of a sentence ranks below a hit on the whole
EXPANDED_WEIGHT = 0.8  # the query in the records' words (search.expansion): below a hit on the words typed
# What a hit shows highlighted (search.service.normalize_hit): highlighting every displayed attribute ("*") was
# ~40 % of Meilisearch's time per search page, for fields nobody saw marked.
HIGHLIGHTED = {"institution": ["name", "description"], "offering": ["title", "description"],
               "expert": ["name", "bio", "expertise"]}


def _common(kind: str, params: SearchParams, q: str | None = None, strategy: str | None = None) -> dict[str, Any]:
    q = clean_query(params.q if q is None else q)
    body: dict[str, Any] = {
        "q": q,
        "matchingStrategy": strategy or matching_strategy(q),
        "filter": build_filter(kind, params.filters),
        "attributesToHighlight": HIGHLIGHTED[kind],
        "highlightPreTag": HIGHLIGHT_PRE,
        "highlightPostTag": HIGHLIGHT_POST,
        "attributesToCrop": ["description:60", "bio:60"],
        "cropMarker": "…",
        "showRankingScore": True,
        "attributesToRetrieve": SHOWN[kind],  # what normalize_hit reads, not the ranking facts
    }
    sort = SORTS[params.sort]
    if sort and all(s.split(":")[0] in INDEX_SETTINGS[kind]["sortableAttributes"] for s in sort):
        body["sort"] = sort
    return body


def single_index_query(kind: str, index_uid: str, params: SearchParams) -> dict[str, Any]:
    """One index, with facet counts and page-based paging (exact totals)."""
    body = _common(kind, params)
    body.update(indexUid=index_uid, facets=FACETS[kind], page=params.page, hitsPerPage=params.per_page)
    return body


def needs_federation(params: SearchParams, expanded: str | None = None) -> bool:
    """Several indexes, or a free-text need whose clauses (or a query whose expansion) are searched alongside
    it (relevance order only)."""
    return params.type == "all" or (params.sort == "relevance" and (bool(clauses(params.q)) or bool(expanded)))


def federated_query(index_uids: dict[str, str], params: SearchParams,
                    expanded: str | None = None) -> tuple[list[dict[str, Any]], dict[str, Any]]:
    """Queries and the federation object for one ranked list over every applicable index (or the one chosen),
    the whole query plus, for a sentence, each of its clauses at a lower weight, and ``expanded`` (the query
    in the records' words, :mod:`search.expansion`) lower still. Meilisearch merges the lists by the chosen
    sort, then by ranking score, and keeps each document once."""
    kinds = [k for k in (INDEX_TYPES if params.type == "all" else [params.type]) if applicable(k, params.filters)]
    parts = clauses(params.q)
    # "frequency" lets a sentence's rare words decide, but matches nothing when one word is in no record at
    # all (引入 in 生产线想引入机器人焊接); "last" (drop words from the end) still finds something then.
    variants: list[tuple[str, str | None, float]] = [(params.q, None, 1.0)]
    variants.extend((part, None, CLAUSE_WEIGHT) for part in parts)
    if parts:
        variants.append((params.q, "last", LAST_WEIGHT))
    if expanded:
        variants.append((expanded, "last", EXPANDED_WEIGHT))
    queries = []
    for kind in kinds:
        for q, strategy, weight in variants:
            # A chosen sort stays on every query: "sort" is the first ranking rule of every index, so the merged
            # list follows it across indexes (records without the value last), relevance within equal values.
            body = _common(kind, params, q, strategy)
            body["indexUid"] = index_uids[kind]
            body["federationOptions"] = {"weight": weight}
            queries.append(body)
    federation = {
        # Federated search pages by offset/limit; its total is an estimate (estimatedTotalHits).
        "offset": (params.page - 1) * params.per_page,
        "limit": params.per_page,
        "facetsByIndex": {index_uids[k]: FACETS[k] for k in kinds},
        "mergeFacets": {"maxValuesPerFacet": 100},
    }
    return queries, federation


# -- recommendations and "similar" (directory.recommendations) --------------------------------------------

def term_count_queries(index_uids: dict[str, str], terms: list[str]) -> list[tuple[tuple[str, str], dict[str, Any]]]:
    """How many records each index holds (the term ``""``) and how many of them match each key term: one
    body per ``(kind, term)``, with ``limit`` 0 so only the totals come back. They weigh the terms (idf)."""
    return [((kind, term), {"indexUid": index_uids[kind], "q": term, "limit": 0})
            for kind in INDEX_TYPES for term in ["", *terms]]


def candidate_queries(index_uids: dict[str, str], terms: list[str], counts: dict[tuple[str, str], int], *,
                      text: str, category_code: str | None, limit: int) -> list[tuple[str, dict[str, Any]]]:
    """The candidate searches of a need, each with its index's kind. ``counts`` are the totals of
    :func:`term_count_queries`: a term no record of an index contains is left out of that index's queries.

    Meilisearch's "frequency" strategy returns nothing when a query mixes enough words (a need of five terms
    found no institution although each term does), so per index: the known terms together, rarest first, with
    "last" (which drops words from the end, i.e. the commonest, so its last hits match the rarest term alone);
    each other term alone; and, for a stated or inferred category, its providers whatever words they use. When
    no key term is in any record, the need as written is searched instead, and Meilisearch drops words.
    """
    queries: list[tuple[str, dict[str, Any]]] = []
    for kind in INDEX_TYPES:
        known = sorted((t for t in terms if counts.get((kind, t))), key=lambda t: counts[(kind, t)])
        base = {"indexUid": index_uids[kind], "showRankingScore": True, "attributesToRetrieve": _candidate_fields(kind)}
        if known:
            queries.append((kind, {**base, "q": " ".join(known), "matchingStrategy": "last", "limit": limit}))
        if len(known) > 1:
            queries.extend((kind, {**base, "q": t, "limit": limit // 2}) for t in known[1:])
        if category_code is not None:
            queries.append((kind, {**base, "q": " ".join(known), "matchingStrategy": "last", "limit": limit,
                                   "filter": [f"category_codes = {quote(category_code)}"]}))
            if known:  # and its providers whose texts share no key term (a placeholder search of the category)
                queries.append((kind, {**base, "q": "", "limit": limit // 2,
                                       "filter": [f"category_codes = {quote(category_code)}"]}))
    if terms and not any("filter" not in body for _kind, body in queries):
        queries.extend((kind, {"indexUid": index_uids[kind], "showRankingScore": True, "limit": limit // 2,
                               "q": clean_query(text)[:MAX_QUERY_LENGTH], "matchingStrategy": "last",
                               "attributesToRetrieve": _candidate_fields(kind)})
                       for kind in INDEX_TYPES)
    return queries


def _candidate_fields(kind: str) -> list[str]:
    # What scoring reads (an offering's hit carries its institution: an institution is as relevant as its best
    # offering). Most of Meilisearch's cost is per document returned, even for its id alone, so the hits bring
    # the ranking facts at once rather than ids for a second request to fetch the same documents again.
    return RANKING_FACTS[kind]


def id_query(index_uid: str, ids: list[int], fields: list[str]) -> dict[str, Any]:
    """The documents of ``ids`` (the recommender's candidates: their ranking facts, search.settings)."""
    return {"indexUid": index_uid, "q": "", "filter": f"id IN [{', '.join(str(int(i)) for i in ids)}]",
            "limit": len(ids), "attributesToRetrieve": fields}


def similar_query(index_uid: str, *, q: str, category_codes: list[str], exclude_id: int, limit: int) -> dict[str, Any]:
    """Records sharing one of ``category_codes`` (any of them; none given: any record) and most like ``q``,
    the record itself (``exclude_id``) left out."""
    category_filter = [[f"category_codes = {quote(code)}" for code in category_codes]] if category_codes else []
    return {"indexUid": index_uid, "q": q[:MAX_QUERY_LENGTH], "matchingStrategy": "last",
            "filter": [*category_filter, f"id != {int(exclude_id)}"], "limit": limit, "attributesToRetrieve": ["id"]}
