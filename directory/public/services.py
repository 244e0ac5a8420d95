"""What the public pages show: the home overview and facet labels in the UI language."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any
from urllib.parse import urlencode

from flask import url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlmodel import col, func, select

from directory.experts.models import Expert
from directory.extensions import db
from directory.institutions.models import Institution, Offering, RecordStatus
from directory.taxonomy import services as taxonomy
from directory.taxonomy.models import Category
from search.queries import InvalidSearch, SearchParams

FACET_TITLES = {
    "categories": _l("Service category"),
    "industries": _l("Industry"),
    "region": _l("Region"),
    "grade": _l("Grade"),
    "badge": _l("Badge"),
    "fee_model": _l("Fee model"),
    "honors": _l("Titles"),
    "kind": _l("Kind"),  # of the notice tab's hits: 通知公告 or 惠企政策
}
FACET_PARAM = {"categories": "category", "industries": "industry", "region": "region", "grade": "grade",
               "honors": "tag", "kind": "kind"}
NOTICE_TAB = "notice"  # ?type=notice: the search page's tab of notices and policies (search.notices)
RELATED_NOTICES = 3  # notices and policies beside the first page of an "all" search


@dataclass
class CategoryCount:
    category: Category
    count: int


def home_overview() -> dict[str, Any]:
    """Counts and the category grid for the home page (three small aggregate queries)."""
    from directory.institutions.services import CATEGORY_COUNT_RULE, published_by_top_category

    published = Institution.status == RecordStatus.ADMITTED
    counts = published_by_top_category()
    grid = [CategoryCount(c, counts.get(c.id, 0)) for c in taxonomy.top_categories()]  # type: ignore[arg-type]
    return {
        "institutions": db.session.exec(select(func.count()).where(published)).one(),
        "experts": db.session.exec(select(func.count()).where(Expert.status == RecordStatus.ADMITTED)).one(),
        "offerings": db.session.exec(select(func.count(Offering.id)).join(Institution)  # type: ignore[arg-type]
                                     .where(published, Offering.active)).one(),
        "categories": grid,
        "category_rule": CATEGORY_COUNT_RULE,
        "industries": taxonomy.industries(),
        "regions": taxonomy.regions(),
        **portal_overview(),
    }


def portal_overview() -> dict[str, Any]:
    """The portal's columns of the home page: the latest 通知公告 and 惠企政策, the upcoming matchmaking events."""
    from directory.events.services import upcoming_events
    from directory.notices.models import NoticeKind
    from directory.notices.services import latest

    return {"notices": latest(kind=NoticeKind.NOTICE), "policies": latest(kind=NoticeKind.POLICY),
            "events": upcoming_events()}


def taxonomy_labels() -> dict[str, str]:
    """Canonical Chinese name → label in the UI language, for facet values and chips (every search page reads
    it: the two name columns only, no records built)."""
    from directory.core.i18n import current_language
    from directory.taxonomy.models import Industry, Region, Tag

    if current_language() != "en":
        return {}  # a Chinese label is the canonical name itself: the page shows the value (labels.get(v, v))
    labels: dict[str, str] = {}
    for model in (Category, Industry, Region, Tag):
        for name, name_en in db.session.execute(select(model.name, model.name_en)).all():  # type: ignore[attr-defined]
            labels[name] = name_en or name  # as the records' label (core.i18n.localized)
    return labels


URL_SAFE = "!$'()*,/:;?@"  # what werkzeug leaves unquoted in a query string (url.spec.whatwg.org)
FACET_OPTIONS = 12  # values shown per facet, the most frequent first


def facet_view(facets: dict[str, dict[str, int]], params: SearchParams) -> list[dict[str, Any]]:
    """Facets in display order with their titles, each value with the link that filters by it, marked when it
    is the active filter. The links share one base URL: url_for per link was a tenth of the page's CPU."""
    base = url_for("public.search_page")
    out = []
    for name in ("kind", "categories", "industries", "region", "grade", "honors"):
        values = facets.get(name) or {}
        if not values:
            continue
        param = FACET_PARAM[name]
        options = []
        for v, n in sorted(values.items(), key=lambda kv: -kv[1])[:FACET_OPTIONS]:
            # as url_for builds it: q, type, then the filters with this one set (werkzeug.urls._urlencode)
            query = {"q": params.q, "type": params.type, **params.filters, param: v}
            options.append({"value": v, "count": n, "active": params.filters.get(param) == v,
                            "href": f"{base}?{urlencode(list(query.items()), safe=URL_SAFE)}"})
        out.append({"name": name, "param": param, "title": FACET_TITLES[name], "options": options})
    return out


def notice_search(args: Any) -> tuple[SearchParams, Any]:
    """The notice tab's search: its parameters in the shape the search page reads (the filters it keeps in its
    links: ``kind``, ``category``), and the result. Raises :class:`InvalidSearch` for a bad parameter."""
    from search.notices import parse_notice_params, search_notices

    notice_params = parse_notice_params(args)
    filters = {k: v.strip() for k in ("kind", "category") if (v := args.get(k) or "").strip()}
    params = SearchParams(q=notice_params.q, type=NOTICE_TAB, filters=filters, page=notice_params.page,
                          per_page=notice_params.per_page)
    return params, search_notices(notice_params)


def related_notices(params: SearchParams, *, degraded: bool = False) -> Any:
    """The few notices and policies matching an "all" search's words, beside its first page (the tab lists
    them all), or ``None``: none without words, filters (they name providers' attributes) or past page 1.
    ``degraded``: the providers' search could not reach Meilisearch, so the database answers at once."""
    if params.type != "all" or not params.q or params.filters or params.page > 1:
        return None
    from search.notices import NoticeParams, search_notices

    result = search_notices(NoticeParams(q=params.q, per_page=RELATED_NOTICES), database_only=degraded)
    return result if result.hits else None


def notice_labels() -> dict[str, str]:
    """The facet labels of the notice tab: the categories', and the two kinds'."""
    from directory.notices.services import KIND_LABELS

    return {**taxonomy_labels(), **{str(k): str(v) for k, v in KIND_LABELS.items()}}


def search_error_message(exc: InvalidSearch) -> str:
    return _("The search parameter “%(param)s” is not valid.", param=exc.param)


def suggestions(params: SearchParams) -> dict[str, Any]:
    """What to offer when nothing matched: categories that share words with the query, and the same search
    without its filters."""
    from search.analysis import ngrams

    grams = set(ngrams([params.q]).split()) | {params.q.strip()}
    matches = []
    if params.q.strip():
        for category in db.session.exec(select(Category).order_by(col(Category.sort_order))).all():
            name_grams = set(ngrams([category.name]).split())
            if grams & name_grams or params.q.strip() in category.name:
                matches.append(category)
    return {"categories": matches[:6], "without_filters": bool(params.filters and params.q)}
