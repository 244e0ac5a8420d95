"""Searching the published 通知公告 and 惠企政策 (directory.notices): Meilisearch first, the database when it
cannot answer (:func:`search.fallback.notices`), one result shape either way (:class:`search.service.SearchResult`).

They have an index of their own (search.settings.NOTICE_TYPE), kept by the same outbox as the providers', with
the same Chinese analysis (the n-gram field, traditional script converted, sentences searched by their rare
words). Their own search, not a type of the providers' one: a policy has no rating, grade or region to rank or
filter by, and it is never a candidate of a recommendation.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import UTC, date, datetime
from typing import Any

from search import fallback
from search.analysis import clean_query, matching_strategy
from search.client import SearchErrors, SearchUnavailable, backend
from search.queries import (
    HIGHLIGHT_POST,
    HIGHLIGHT_PRE,
    MAX_FILTER_LENGTH,
    MAX_QUERY_LENGTH,
    InvalidSearch,
    paging_params,
    quote,
)
from search.service import SearchResult, highlight
from search.settings import FACETS, NOTICE_TYPE, SHOWN

log = logging.getLogger(__name__)

KINDS = ("notice", "policy")
MAX_PAGE_HITS = 10000  # Meilisearch answers at most this many hits (pagination.maxTotalHits, search.settings)


@dataclass(frozen=True)
class NoticeParams:
    """``kind``: one kind, or ``""`` for both; ``category_codes`` and ``category_ids``: a category and its parent
    (a policy fits a need of its category and of the category's sub-categories), empty for any; a category
    filter that names no category is ``unknown_category`` and finds nothing (it never widens to every policy)."""

    q: str = ""
    kind: str = ""
    category_codes: tuple[str, ...] = ()
    category_ids: tuple[int, ...] = ()
    unknown_category: bool = False
    page: int = 1
    per_page: int = 20


def for_category(category: Any) -> dict[str, Any]:
    """The ``category_codes`` / ``category_ids`` of a :class:`directory.taxonomy.models.Category` (or none)."""
    if category is None:
        return {}
    chain = [c for c in (category, category.parent) if c is not None]
    return {"category_codes": tuple(c.code for c in chain), "category_ids": tuple(c.id for c in chain)}


def parse_notice_params(args: Any, *, kind: str | None = None) -> NoticeParams:
    """Validate request arguments (``q``, ``kind`` unless the page fixes it, ``category``: a service category's
    name or code, ``page``, ``per_page``) with the limits of the providers' search. Raises :class:`InvalidSearch`
    for a bad value; a category that names none is no error, it finds nothing (as the providers' search)."""
    from sqlmodel import or_, select

    from directory.extensions import db
    from directory.taxonomy.models import Category

    q = args.get("q") or ""
    if len(q) > MAX_QUERY_LENGTH:
        raise InvalidSearch("q", "too_long")
    if kind is None:
        kind = args.get("kind") or ""
        if kind and kind not in KINDS:
            raise InvalidSearch("kind", "unknown")
    page, per_page = paging_params(args)
    name = args.get("category") or ""
    if len(name) > MAX_FILTER_LENGTH:
        raise InvalidSearch("category", "too_long")
    found: dict[str, Any] = {}
    if name.strip():
        category = db.session.exec(select(Category).where(
            or_(Category.name == name.strip(), Category.code == name.strip()))).first()
        found = for_category(category) if category is not None else {"unknown_category": True}
    return NoticeParams(q=q.strip(), kind=kind, page=page, per_page=per_page, **found)


def query_body(index_uid: str, params: NoticeParams) -> dict[str, Any]:
    """The Meilisearch request of ``params`` (a pure function, tested as a dict)."""
    q = clean_query(params.q)
    filters: list[Any] = []
    if params.kind:
        filters.append(f"kind = {quote(params.kind)}")
    if params.category_codes:
        filters.append([f"category_codes = {quote(code)}" for code in params.category_codes])
    body: dict[str, Any] = {
        "indexUid": index_uid, "q": q, "matchingStrategy": matching_strategy(q), "filter": filters,
        "facets": FACETS[NOTICE_TYPE], "page": params.page, "hitsPerPage": params.per_page,
        "attributesToHighlight": ["title", "summary", "document_number", "issuer"],
        "highlightPreTag": HIGHLIGHT_PRE, "highlightPostTag": HIGHLIGHT_POST,
        "attributesToCrop": ["summary:60"], "cropMarker": "…", "showRankingScore": True,
        "attributesToRetrieve": SHOWN[NOTICE_TYPE],  # not the body: a policy's whole text, never shown in a hit
    }
    if not q:
        body["sort"] = ["published_at:desc"]  # no words to rank by: the newest first, as the database lists them
    return body


def _from_timestamp(value: int | None) -> str | None:
    return datetime.fromtimestamp(value).isoformat(timespec="seconds") if value is not None else None


def _day(value: int | None) -> date | None:
    return datetime.fromtimestamp(value, UTC).date() if value is not None else None


def normalize_hit(hit: dict[str, Any]) -> dict[str, Any]:
    """The public shape of a notice hit, the same as the database's (:func:`search.fallback.notice_hit`)."""
    formatted = hit.get("_formatted") or {}
    expires = _day(hit.get("expires_on"))
    issued = _day(hit.get("issued_on"))
    return {"type": NOTICE_TYPE, "id": hit["id"], "kind": hit["kind"], "title": hit["title"],
            "issuer": hit.get("issuer", ""), "document_number": hit.get("document_number", ""),
            "summary": hit.get("summary", ""), "categories": hit.get("categories", []),
            "issued_on": issued.isoformat() if issued else None,
            "expires_on": expires.isoformat() if expires else None,
            "expired": expires is not None and expires < date.today(),
            "published_at": _from_timestamp(hit.get("published_at")), "score": hit.get("_rankingScore"),
            "highlight": {"title": highlight(formatted.get("title", hit["title"])),
                          "snippet": highlight(formatted.get("summary", hit.get("summary", "")))}}


def search_notices(params: NoticeParams, *, database_only: bool = False) -> SearchResult:
    """Published notices and policies matching ``params``. Never raises because of Meilisearch: it degrades
    to the database, which applies the same filters (published only, the kind, the category and its parent).
    ``database_only``: Meilisearch has just failed the same request (a page asks once, not twice a timeout)."""
    if params.unknown_category:
        return SearchResult(hits=[], total=0, page=params.page, per_page=params.per_page)
    search_backend = backend()
    try:
        if database_only:
            raise SearchUnavailable("the providers' search of this request degraded")
        client = search_backend.search_client()
        raw = client.multi_search([query_body(search_backend.index_uid(NOTICE_TYPE), params)])["results"][0]
        hits = [normalize_hit(h) for h in raw["hits"]]
        return SearchResult(hits=hits, total=raw.get("totalHits", len(hits)),
                            facets={k: dict(v) for k, v in (raw.get("facetDistribution") or {}).items()},
                            page=params.page, per_page=params.per_page)
    except (SearchUnavailable, *SearchErrors) as exc:
        log.warning("notice search degraded to the database: %s", exc)
        hits, total = fallback.notices(q=params.q, kind=params.kind, category_ids=params.category_ids,
                                       page=params.page, per_page=params.per_page)
        return SearchResult(hits=hits, total=total, degraded=True, page=params.page, per_page=params.per_page)
