"""Running a search for the web page and the API: Meilisearch first, the database when it cannot answer.

The result has one shape either way; ``degraded`` tells the caller which path answered.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from html import escape
from typing import Any

from search import expansion, fallback
from search.client import SearchErrors, SearchUnavailable, backend
from search.queries import (
    HIGHLIGHT_POST,
    HIGHLIGHT_PRE,
    SearchParams,
    applicable,
    federated_query,
    needs_federation,
    single_index_query,
)

log = logging.getLogger(__name__)


@dataclass
class SearchResult:
    hits: list[dict[str, Any]]
    total: int
    facets: dict[str, dict[str, int]] = field(default_factory=dict)
    degraded: bool = False
    page: int = 1
    per_page: int = 20

    @property
    def pages(self) -> int:
        return max(1, -(-self.total // self.per_page))

    def as_json(self) -> dict[str, Any]:
        return {"hits": self.hits, "total": self.total, "facets": self.facets, "degraded": self.degraded,
                "page": self.page, "per_page": self.per_page}


def highlight(text: Any) -> str:
    """HTML-escape a highlighted value and turn the sentinels into <mark> tags."""
    if isinstance(text, list):
        text = "、".join(str(t) for t in text)
    if text is None:
        return ""
    # jieba splits 知识产权 into 知识|产权; one mark over the whole run reads better.
    text = str(text).replace(HIGHLIGHT_POST + HIGHLIGHT_PRE, "")
    return escape(text).replace(HIGHLIGHT_PRE, "<mark>").replace(HIGHLIGHT_POST, "</mark>")


def _strip(text: Any) -> Any:
    if isinstance(text, str):
        return text.replace(HIGHLIGHT_PRE, "").replace(HIGHLIGHT_POST, "")
    return text


def normalize_hit(kind: str, hit: dict[str, Any]) -> dict[str, Any]:
    """The public shape of one hit: type, id, name and a few display fields, plus highlighted snippets. Every
    hit carries the rating a rating sort orders it by (an offering its institution's), and institutions and
    offerings the evaluation score a score sort orders them by."""
    formatted = hit.get("_formatted") or {}
    base = {"type": kind, "id": hit["id"], "score": hit.get("_rankingScore")}
    if kind == "institution":
        base.update(name=hit["name"], categories=hit.get("categories", []), region=hit.get("region"),
                    grade=hit.get("grade"), badge=hit.get("badge"),
                    rating={"value": hit.get("rating"), "count": hit.get("rating_count", 0)},
                    evaluation_score=hit.get("evaluation_score"),
                    highlight={"name": highlight(formatted.get("name", hit["name"])),
                               "snippet": highlight(formatted.get("description", hit.get("description", "")))})
    elif kind == "offering":
        base.update(name=hit["title"], institution_id=hit.get("institution_id"),
                    institution_name=hit.get("institution_name"), categories=hit.get("categories", []),
                    region=hit.get("region"), fee_model=hit.get("fee_model"), grade=hit.get("grade"),
                    rating={"value": hit.get("rating"), "count": hit.get("rating_count", 0)},
                    evaluation_score=hit.get("evaluation_score"),
                    highlight={"name": highlight(formatted.get("title", hit["title"])),
                               "snippet": highlight(formatted.get("description", hit.get("description", "")))})
    else:
        base.update(name=hit["name"], title=hit.get("title"), organization=hit.get("organization"),
                    expertise=hit.get("expertise", []), categories=hit.get("categories", []),
                    region=hit.get("region"),
                    rating={"value": hit.get("rating"), "count": hit.get("rating_count", 0)},
                    highlight={"name": highlight(formatted.get("name", hit["name"])),
                               "snippet": highlight(formatted.get("bio", hit.get("bio", ""))),
                               "expertise": highlight(formatted.get("expertise", hit.get("expertise", [])))})
    return base


def _merge_facets(raw: dict[str, dict[str, int]] | None) -> dict[str, dict[str, int]]:
    return {name: dict(values) for name, values in (raw or {}).items()}


def _expanded(q: str) -> str | None:
    """The query in the records' words (search.expansion), or ``None``: never fails a search."""
    if not q.strip():
        return None
    try:
        return expansion.expander().query(q)
    except Exception:  # the expansion is an addition; the search goes on without it
        log.exception("query expansion failed for %r", q)
        return None


def request_body(uids: dict[str, str], params: SearchParams) -> tuple[list[dict[str, Any]], dict[str, Any] | None]:
    """The multi-search a search sends: its queries and, for one list over several queries, the federation
    object (``None``: one index, page-based). No query: nothing can match (experts have no grade)."""
    expanded = _expanded(params.q)
    if needs_federation(params, expanded):
        return federated_query(uids, params, expanded)
    if not applicable(params.type, params.filters):  # experts have no grade, only institutions a tag
        return [], None
    return [single_index_query(params.type, uids[params.type], params)], None


def search(params: SearchParams) -> SearchResult:
    """Search published records. Never raises because of Meilisearch: it degrades to the database."""
    search_backend = backend()
    try:
        client = search_backend.search_client()
        uids = search_backend.index_uids()
        queries, federation = request_body(uids, params)
        if not queries:
            return SearchResult(hits=[], total=0, page=params.page, per_page=params.per_page)
        if federation is not None:
            raw = client.multi_search(queries, federation=federation)
            kind_of = {uid: kind for kind, uid in uids.items()}
            hits = [normalize_hit(kind_of[h["_federation"]["indexUid"]], h) for h in raw["hits"]]
            return SearchResult(hits=hits, total=raw.get("totalHits", raw.get("estimatedTotalHits", len(hits))),
                                facets=_merge_facets(raw.get("facetDistribution")), page=params.page,
                                per_page=params.per_page)
        raw = client.multi_search(queries)["results"][0]
        hits = [normalize_hit(params.type, h) for h in raw["hits"]]
        return SearchResult(hits=hits, total=raw.get("totalHits", len(hits)),
                            facets=_merge_facets(raw.get("facetDistribution")), page=params.page,
                            per_page=params.per_page)
    except (SearchUnavailable, *SearchErrors) as exc:
        log.warning("search degraded to the database: %s", exc)
        hits, total = fallback.search(params)
        return SearchResult(hits=hits, total=total, degraded=True, page=params.page, per_page=params.per_page)
