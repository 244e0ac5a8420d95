"""Index definitions: names, searchable/filterable/sortable attributes, the Chinese locale, ranking rules.

Filters and facets may only name attributes listed here (search.queries checks against these lists).
"""

from __future__ import annotations

from typing import Any

INDEX_TYPES = ("institution", "offering", "expert")
INDEX_NAMES = {"institution": "institutions", "offering": "offerings", "expert": "experts"}

# Ranking: Meilisearch's relevance rules first; at equal relevance the better-rated and better-graded
# record wins (quality_rank is computed in search.documents).
_RANKING = ["words", "typo", "proximity", "attribute", "sort", "exactness", "quality_rank:desc"]

FACETS = {
    "institution": ["categories", "industries", "region", "grade", "badge"],
    "offering": ["categories", "industries", "region", "grade", "fee_model"],
    "expert": ["categories", "industries", "region"],
}

INDEX_SETTINGS: dict[str, dict[str, Any]] = {
    "institution": {
        "searchableAttributes": ["name", "categories", "offerings", "industries", "description",
                                 "qualifications", "honors", "region", "coverage"],
        "filterableAttributes": ["id", "categories", "category_codes", "industries", "region", "coverage", "grade",
                                 "badge"],
        "sortableAttributes": ["rating", "evaluation_score", "admitted_at", "name"],
        "displayedAttributes": ["*"],
        "rankingRules": _RANKING,
    },
    "offering": {
        "searchableAttributes": ["title", "categories", "institution_name", "description", "industries",
                                 "region"],
        "filterableAttributes": ["id", "categories", "category_codes", "industries", "region", "grade", "fee_model",
                                 "public_interest", "institution_id"],
        "sortableAttributes": ["rating", "evaluation_score", "admitted_at", "price_min"],
        "displayedAttributes": ["*"],
        "rankingRules": _RANKING,
    },
    "expert": {
        "searchableAttributes": ["name", "expertise", "categories", "title", "organization", "industries",
                                 "bio", "region"],
        "filterableAttributes": ["id", "categories", "category_codes", "industries", "region"],
        "sortableAttributes": ["rating", "admitted_at", "name"],
        "displayedAttributes": ["*"],
        "rankingRules": _RANKING,
    },
}

# Chinese fields are segmented as Mandarin (jieba) rather than guessed per document.
CHINESE_FIELDS = {
    "institution": ["name", "categories", "offerings", "industries", "description", "qualifications", "honors",
                    "region", "coverage"],
    "offering": ["title", "categories", "institution_name", "description", "industries", "region"],
    "expert": ["name", "expertise", "categories", "title", "organization", "industries", "bio", "region"],
}


def index_settings(kind: str) -> dict[str, Any]:
    """The full settings payload for one index type."""
    settings = dict(INDEX_SETTINGS[kind])
    settings["localizedAttributes"] = [{"attributePatterns": CHINESE_FIELDS[kind], "locales": ["cmn"]}]
    settings["faceting"] = {"maxValuesPerFacet": 100, "sortFacetValuesBy": {"*": "count"}}
    settings["pagination"] = {"maxTotalHits": 10000}
    return settings


def index_name(prefix: str, kind: str) -> str:
    return f"{prefix}{INDEX_NAMES[kind]}"
