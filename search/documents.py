"""Pure functions from records to Meilisearch documents. ``None`` means "not public": remove it.

Expert contact details (phone, e-mail) are never put into a document, so no search can reveal them.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import Any

from directory.experts.models import Expert
from directory.institutions.models import Institution, Offering
from search.analysis import ngrams

GRADE_POINTS = {"A": 4, "B": 3, "C": 2, "D": 0}


def _category_names(categories: list[Any]) -> tuple[list[str], list[str]]:
    """Names and codes of the categories and their parents, so a top-level filter finds sub-category records."""
    names: list[str] = []
    codes: list[str] = []
    for c in categories:
        for item in (c.parent, c):
            if item is not None and item.name not in names:
                names.append(item.name)
                codes.append(item.code)
    return names, codes


def _ts(value: datetime | None) -> int | None:
    return int(value.timestamp()) if value else None


def quality_rank(rating: float | None, rating_count: int, grade: str | None, badge: str | None) -> float:
    """A tie-breaker between equally relevant records: damped rating, then grade, then the 示范 badge.

    The stored rating is already damped and time-decayed (directory.reviews.rating); unrated records get
    the same prior (3.5), so new institutions are not buried below poorly rated ones.
    """
    damped = rating if rating is not None and rating_count else 3.5
    return round(damped * 10 + GRADE_POINTS.get(grade or "", 1) * 5 + (10 if badge else 0), 3)


def _cat(category: Any) -> list[Any]:
    """A category as ``[id, parent id]``: what scoring compares (the ranking facts below)."""
    return [category.id, category.parent_id]


def _place(region: Any) -> list[Any]:
    """A region as ``[id, kind]``."""
    return [region.id, region.kind]


def _iso(value: datetime | None) -> str | None:
    return value.isoformat() if value else None


def institution_facts(inst: Institution) -> dict[str, Any]:
    """What the recommender scores an institution by (directory.recommendations.profiles), so it reads them
    from the hits instead of loading the records per request: the text its key terms are matched in, the
    ids of its categories, industries, region and coverage, and its active offerings' prices and delivery
    times. Stored, not searched (search.settings)."""
    active = [o for o in inst.offerings if o.active]
    return {
        "text": " ".join([inst.name, inst.description, *(o.title for o in active), *(o.description for o in active),
                          *(c.name for c in inst.categories), *(i.name for i in inst.industries),
                          *inst.qualifications, *inst.honors]),
        "categories": [_cat(c) for c in inst.categories],
        "industries": [i.id for i in inst.industries],
        "region": _place(inst.region) if inst.region else None,
        "coverage": [_place(r) for r in inst.coverage],
        "offerings": [{"category": _cat(o.category) if o.category else None, "price_min": o.price_min,
                       "price_max": o.price_max, "delivery_days": o.delivery_days} for o in active],
        "admitted_at": _iso(inst.admitted_at),
    }


def offering_facts(offering: Offering) -> dict[str, Any]:
    """An offering's own: its category (``[id, parent id]``) and the text its key terms are matched in."""
    return {"text": f"{offering.title} {offering.description}",
            "category": _cat(offering.category) if offering.category else None}


def expert_facts(expert: Expert) -> dict[str, Any]:
    return {
        "text": " ".join([expert.name, expert.title, expert.organization, expert.bio, *expert.expertise,
                          *(c.name for c in expert.categories)]),
        "categories": [_cat(c) for c in expert.categories],
        "industries": [i.id for i in expert.industries],
        "region": _place(expert.region) if expert.region else None,
        "admitted_at": _iso(expert.admitted_at),
    }


def with_stats(document: dict[str, Any], stats: tuple[float | None, int]) -> dict[str, Any]:
    """A provider's document with what its requests tell (directory.engagements.stats), read in one batch
    for all documents being built (search.indexes.build)."""
    document["response_hours"], document["open_requests"] = stats
    return document


def institution_document(inst: Institution) -> dict[str, Any] | None:
    if not inst.is_published:
        return None
    names, codes = _category_names(inst.categories)
    return {
        "id": inst.id,
        "name": inst.name,
        "description": inst.description,
        "categories": names,
        "category_codes": codes,
        "industries": [i.name for i in inst.industries],
        "region": inst.region.name if inst.region else None,
        "coverage": [r.name for r in inst.coverage],
        "qualifications": inst.qualifications,
        "honors": inst.honors,
        "offerings": [o.title for o in inst.offerings if o.active],
        "grade": inst.grade,
        "badge": inst.badge,
        "rating": inst.rating_value,
        "rating_count": inst.rating_count,
        "evaluation_score": inst.evaluation_score,
        "founded_year": inst.founded_year,
        "admitted_at": _ts(inst.admitted_at),
        "quality_rank": quality_rank(inst.rating_value, inst.rating_count, inst.grade, inst.badge),
        "ngrams": ngrams([inst.name, *names, *(o.title for o in inst.offerings if o.active), *inst.qualifications,
                          *inst.honors]),
        "facts": institution_facts(inst),
    }


def first_category(inst: Institution) -> list[Any]:
    """The category an offering without its own is filed under: its institution's first (lowest id), so
    the database fallback (search.fallback) can ask the same question in SQL."""
    return sorted(inst.categories, key=lambda c: c.id or 0)[:1]


def offering_document(offering: Offering) -> dict[str, Any] | None:
    inst = offering.institution
    if not offering.is_published:
        return None
    names, codes = _category_names([offering.category] if offering.category else first_category(inst))
    return {
        "id": offering.id,
        "title": offering.title,
        "description": offering.description,
        "categories": names,
        "category_codes": codes,
        "institution_id": inst.id,
        "institution_name": inst.name,
        "industries": [i.name for i in inst.industries],
        "region": inst.region.name if inst.region else None,
        "fee_model": offering.fee_model,
        "price_min": offering.price_min,
        "price_max": offering.price_max,
        "delivery_days": offering.delivery_days,
        "public_interest": offering.public_interest,
        "grade": inst.grade,
        "rating": inst.rating_value,
        "rating_count": inst.rating_count,
        "evaluation_score": inst.evaluation_score,
        "admitted_at": _ts(inst.admitted_at),
        "quality_rank": quality_rank(inst.rating_value, inst.rating_count, inst.grade, inst.badge),
        "ngrams": ngrams([offering.title, *names, inst.name]),
        "facts": offering_facts(offering),
    }


def expert_document(expert: Expert) -> dict[str, Any] | None:
    if not expert.is_published:
        return None
    names, codes = _category_names(expert.categories)
    return {
        "id": expert.id,
        "name": expert.name,
        "title": expert.title,
        "organization": expert.organization,
        "expertise": expert.expertise,
        "bio": expert.bio,
        "categories": names,
        "category_codes": codes,
        "industries": [i.name for i in expert.industries],
        "region": expert.region.name if expert.region else None,
        "rating": expert.rating_value,
        "rating_count": expert.rating_count,
        "admitted_at": _ts(expert.admitted_at),
        "quality_rank": quality_rank(expert.rating_value, expert.rating_count, None, None),
        "ngrams": ngrams([*expert.expertise, *names, expert.title, expert.organization]),
        "facts": expert_facts(expert),
    }


BUILDERS: dict[str, Callable[[Any], dict[str, Any] | None]] = {"institution": institution_document, "offering": offering_document, "expert": expert_document}
MODELS: dict[str, type] = {"institution": Institution, "offering": Offering, "expert": Expert}


# -- notices and policies (directory.notices): an index of their own (search.settings.NOTICE_TYPE) --------------

def _day(value: Any) -> int | None:
    """A date as the timestamp of its midnight (UTC), so a date and a datetime sort and filter alike."""
    from datetime import UTC

    return int(datetime(value.year, value.month, value.day, tzinfo=UTC).timestamp()) if value else None


def notice_document(notice: Any) -> dict[str, Any] | None:
    """A published 通知公告 or 惠企政策; a draft or a retired one has none (it leaves the index). Its categories
    are those it is tagged with, without their parents (a need's category finds its parent's policies, not
    the other way round). An expired policy stays: it is still published, marked 已失效 on its page."""
    from directory.notices.models import NoticeStatus

    if notice.status != NoticeStatus.PUBLISHED:
        return None
    categories = list(notice.categories)
    return {
        "id": notice.id,
        "kind": notice.kind,
        "title": notice.title,
        "summary": notice.summary,
        "body": notice.body,
        "issuer": notice.issuer,
        "document_number": notice.document_number,
        "categories": [c.name for c in categories],
        "category_codes": [c.code for c in categories],
        "issued_on": _day(notice.issued_on),
        "expires_on": _day(notice.expires_on),
        "published_at": _ts(notice.published_at),
        # The body is left out, as descriptions are (search.analysis): its words still match as words.
        "ngrams": ngrams([notice.title, notice.summary, notice.issuer, notice.document_number,
                          *(c.name for c in categories)]),
    }


def _register_notices() -> None:
    from directory.notices.models import Notice

    BUILDERS["notice"] = notice_document
    MODELS["notice"] = Notice


_register_notices()
