"""Index definitions: names, searchable/filterable/sortable attributes, the Chinese locale, ranking rules.

Filters and facets may only name attributes listed here (search.queries checks against these lists).
"""

from __future__ import annotations

from typing import Any

INDEX_TYPES = ("institution", "offering", "expert")
INDEX_NAMES = {"institution": "institutions", "offering": "offerings", "expert": "experts", "notice": "notices"}
# 通知公告 and 惠企政策 (directory.notices) have an index of their own: searched on their own pages and tab, never
# ranked among the providers (a type=all search, the recommendations), so INDEX_TYPES leaves them out; the sync
# (capture, drain, reindex, set-up) keeps every index of SYNCED_TYPES.
NOTICE_TYPE = "notice"
SYNCED_TYPES = (*INDEX_TYPES, NOTICE_TYPE)

# Ranking: a sort the user chose comes first, so "sort by rating" lists by rating, highest first, and relevance
# only orders records of equal rating (with no sort asked for, the rule does nothing and relevance decides).
# Then Meilisearch's relevance rules; at equal relevance the better-rated and better-graded record wins
# (quality_rank is computed in search.documents).
_RANKING = ["sort", "words", "typo", "proximity", "attribute", "exactness", "quality_rank:desc"]

FACETS = {
    "institution": ["categories", "industries", "region", "grade", "badge", "honors"],
    "offering": ["categories", "industries", "region", "grade", "fee_model"],
    "expert": ["categories", "industries", "region"],
    "notice": ["kind", "categories"],
}

# What a search hit carries back (search.queries asks for these): everything but the n-gram field
# (search.analysis), which is only for matching, and the ranking facts below.
PUBLIC = {
    "institution": ["id", "name", "description", "categories", "category_codes", "industries", "region",
                    "coverage", "qualifications", "honors", "offerings", "grade", "badge", "rating",
                    "rating_count", "evaluation_score", "founded_year", "admitted_at"],
    "offering": ["id", "title", "description", "categories", "category_codes", "institution_id",
                 "institution_name", "industries", "region", "fee_model", "price_min", "price_max",
                 "delivery_days", "public_interest", "grade", "rating", "rating_count", "evaluation_score",
                 "admitted_at"],
    "expert": ["id", "name", "title", "organization", "expertise", "bio", "categories", "category_codes",
               "industries", "region", "rating", "rating_count", "admitted_at"],
    "notice": ["id", "kind", "title", "summary", "body", "issuer", "document_number", "categories",
               "category_codes", "issued_on", "expires_on", "published_at"],
}

# What a search hit is read for (search.service.normalize_hit, search.notices.normalize_hit), so the queries
# of a search ask for these alone: Meilisearch serializes every retrieved attribute twice (the hit and its
# _formatted copy), and the lists a hit does not show (offerings, qualifications, honors, a notice's body)
# were a third of each answer's bytes.
SHOWN = {
    "institution": ["id", "name", "description", "categories", "region", "grade", "badge", "rating",
                    "rating_count", "evaluation_score"],
    "offering": ["id", "title", "description", "categories", "institution_id", "institution_name", "region",
                 "fee_model", "grade", "rating", "rating_count", "evaluation_score"],
    "expert": ["id", "name", "title", "organization", "expertise", "bio", "categories", "region", "rating",
               "rating_count"],
    "notice": ["id", "kind", "title", "summary", "issuer", "document_number", "categories", "issued_on",
               "expires_on", "published_at"],
}

# What the recommender reads from a hit to score it (search.documents: ``facts`` and a provider's request
# figures), so a recommendation loads no record from the database: retrievable, never searched or filtered.
RANKING_FACTS = {
    "institution": ["id", "name", "rating", "rating_count", "grade", "badge", "response_hours", "open_requests",
                    "facts"],
    "offering": ["id", "title", "institution_id", "price_min", "price_max", "delivery_days", "facts"],
    "expert": ["id", "name", "title", "rating", "rating_count", "response_hours", "open_requests", "facts"],
}
DISPLAYED = {kind: list(dict.fromkeys([*PUBLIC[kind], *RANKING_FACTS.get(kind, [])])) for kind in PUBLIC}  # notices are never scored

INDEX_SETTINGS: dict[str, dict[str, Any]] = {
    "institution": {
        "searchableAttributes": ["name", "categories", "offerings", "industries", "description",
                                 "qualifications", "honors", "region", "coverage", "ngrams"],
        "filterableAttributes": ["id", "categories", "category_codes", "industries", "region", "coverage", "grade",
                                 "badge", "honors"],
        "sortableAttributes": ["rating", "evaluation_score", "admitted_at", "name"],
        "rankingRules": _RANKING,
    },
    "offering": {
        "searchableAttributes": ["title", "categories", "institution_name", "description", "industries",
                                 "region", "ngrams"],
        "filterableAttributes": ["id", "categories", "category_codes", "industries", "region", "grade", "fee_model",
                                 "public_interest", "institution_id"],
        "sortableAttributes": ["rating", "evaluation_score", "admitted_at", "price_min"],
        "rankingRules": _RANKING,
    },
    "expert": {
        "searchableAttributes": ["name", "expertise", "categories", "title", "organization", "industries",
                                 "bio", "region", "ngrams"],
        "filterableAttributes": ["id", "categories", "category_codes", "industries", "region"],
        # Experts have no evaluation score: sorted by it they come after every scored record (no value sorts
        # last), so one list over all three indexes can be sorted by it.
        "sortableAttributes": ["rating", "evaluation_score", "admitted_at", "name"],
        "rankingRules": _RANKING,
    },
    # A notice's category_codes are the codes it is tagged with (not their parents): a need's category finds
    # the policies of that category and of its parent (directory.notices.services.related_policies).
    "notice": {
        "searchableAttributes": ["title", "document_number", "issuer", "summary", "categories", "body", "ngrams"],
        "filterableAttributes": ["id", "kind", "categories", "category_codes"],
        "sortableAttributes": ["published_at"],
        # At equal relevance the newer one first (the lists without a query are newest first too).
        "rankingRules": ["sort", "words", "typo", "proximity", "attribute", "exactness", "published_at:desc"],
    },
}

# Chinese fields are segmented as Mandarin (jieba) rather than guessed per document.
CHINESE_FIELDS = {
    "institution": ["name", "categories", "offerings", "industries", "description", "qualifications", "honors",
                    "region", "coverage", "ngrams"],
    "offering": ["title", "categories", "institution_name", "description", "industries", "region", "ngrams"],
    "expert": ["name", "expertise", "categories", "title", "organization", "industries", "bio", "region",
               "ngrams"],
    "notice": ["title", "summary", "body", "issuer", "categories", "ngrams"],
}


def _filterable(names: list[str]) -> list[dict[str, Any]]:
    """Every filter is an equality (search.queries: ``=``, ``IN``, ``!=``) and no page searches facet values,
    so Meilisearch builds neither the comparison levels nor the facet-search structures (granular filterable
    attributes); facet counts still work."""
    return [{"attributePatterns": names,
             "features": {"facetSearch": False, "filter": {"equality": True, "comparison": False}}}]


def index_settings(kind: str) -> dict[str, Any]:
    """The full settings payload for one index type. (Proximity by attribute rather than by word distance
    would halve Meilisearch's indexing CPU, measured side by side, but costs two labelled search queries,
    a sentence and an English one, in tests/search/test_relevance.py: not taken.)"""
    settings = dict(INDEX_SETTINGS[kind])
    settings["filterableAttributes"] = _filterable(INDEX_SETTINGS[kind]["filterableAttributes"])
    settings["facetSearch"] = False
    settings["displayedAttributes"] = DISPLAYED[kind]
    settings["localizedAttributes"] = [{"attributePatterns": CHINESE_FIELDS[kind], "locales": ["cmn"]}]
    settings["faceting"] = {"maxValuesPerFacet": 100, "sortFacetValuesBy": {"*": "count"}}
    settings["pagination"] = {"maxTotalHits": 10000}
    return settings


def index_name(prefix: str, kind: str) -> str:
    return f"{prefix}{INDEX_NAMES[kind]}"
