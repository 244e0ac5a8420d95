"""The public directory: home page, search with facets, browsing by category, industry and region."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, render_template, request

from directory.public import services
from search.queries import InvalidSearch, SearchParams, parse_params
from search.service import search

bp = Blueprint("public", __name__)


@bp.route("/")
def home() -> Any:
    return render_template("public/home.html", overview=services.home_overview())


@bp.route("/search")
def search_page() -> Any:
    if request.args.get("type") == services.NOTICE_TAB:
        return _notice_search()
    status = 200
    error = None
    try:
        params = parse_params(request.args)
    except InvalidSearch as exc:
        params, error, status = SearchParams(), services.search_error_message(exc), 400
    result = search(params)
    hints = services.suggestions(params) if not result.hits else None
    return render_template("public/search.html", params=params, result=result, error=error, hints=hints,
                           facets=services.facet_view(result.facets, params),
                           related_notices=services.related_notices(params, degraded=result.degraded),
                           labels=services.taxonomy_labels()), status


def _notice_search() -> Any:
    """The 政策公告 tab: the published notices and policies (search.notices), filtered by kind and category."""
    status = 200
    error = None
    try:
        params, result = services.notice_search(request.args)
    except InvalidSearch as exc:
        error, status = services.search_error_message(exc), 400
        params, result = services.notice_search({})
    return render_template("public/search.html", params=params, result=result, error=error, hints=None,
                           facets=services.facet_view(result.facets, params), related_notices=None,
                           labels=services.notice_labels()), status


@bp.get("/sitemap")
def site_map() -> Any:
    """Every public section, and the ones the visitor's role opens (the footer's 网站地图)."""
    from directory.taxonomy.services import top_categories

    return render_template("public/site_map.html", categories=top_categories())


@bp.get("/accessibility")
def accessibility() -> Any:
    """The accessibility statement (无障碍声明): what the site does for assistive technology, how to report a
    barrier."""
    return render_template("public/accessibility.html")
