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
                           labels=services.taxonomy_labels()), status
