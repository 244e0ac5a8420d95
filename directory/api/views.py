"""The JSON API of CONTRACTS.md (`/api/v1`) and `/healthz`. Errors are `{"error": {"code", "message"}}`."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, jsonify, request
from flask_babel import gettext as _

from directory.api.openapi import openapi_document
from directory.core.http import json_error
from directory.experts import services as experts
from directory.extensions import db
from directory.institutions import services as institutions
from directory.notifications.mail import mail_status
from search.client import backend
from search.outbox import outbox_status
from search.queries import InvalidSearch, parse_params
from search.service import search

bp = Blueprint("api", __name__, url_prefix="/api/v1")
health_bp = Blueprint("health", __name__)


@bp.get("/search")
def search_endpoint() -> Any:
    try:
        params = parse_params(request.args)
    except InvalidSearch as exc:
        return json_error(400, "invalid_parameter",
                          _("The search parameter “%(param)s” is not valid.", param=exc.param))
    return jsonify(search(params).as_json())


@bp.get("/institutions/<int:institution_id>")
def institution_endpoint(institution_id: int) -> Any:
    # The API shows only published records, whoever asks.
    return jsonify(institutions.public_institution(institutions.get_institution(institution_id)).model_dump(mode="json"))


@bp.get("/experts/<int:expert_id>")
def expert_endpoint(expert_id: int) -> Any:
    return jsonify(experts.public_expert(experts.get_expert(expert_id)).model_dump(mode="json"))


def _notice_list(kind: str) -> Any:
    from directory.notices.services import notice_url
    from search.notices import parse_notice_params, search_notices

    try:
        params = parse_notice_params(request.args, kind=kind)
    except InvalidSearch as exc:
        return json_error(400, "invalid_parameter",
                          _("The search parameter “%(param)s” is not valid.", param=exc.param))
    data = search_notices(params).as_json()
    for hit in data["hits"]:
        hit["url"] = notice_url(hit["kind"], hit["id"])
    return jsonify(data)


def _notice(kind: str, notice_id: int) -> Any:
    from directory.notices import services as notices

    # user=None: the API shows only published ones, whoever asks (a draft is a 404 even for staff).
    return jsonify(notices.public_notice(notices.get(notice_id, user=None, kind=kind)).model_dump(mode="json"))


@bp.get("/policies")
def policies_endpoint() -> Any:
    return _notice_list("policy")


@bp.get("/policies/<int:notice_id>")
def policy_endpoint(notice_id: int) -> Any:
    return _notice("policy", notice_id)


@bp.get("/notices")
def notices_endpoint() -> Any:
    return _notice_list("notice")


@bp.get("/notices/<int:notice_id>")
def notice_endpoint(notice_id: int) -> Any:
    return _notice("notice", notice_id)


@bp.post("/recommendations")
def recommendations_endpoint() -> Any:
    from directory.recommendations.api import parse_need
    from directory.recommendations.services import recommend

    need, limit = parse_need(request.get_json(silent=True))
    return jsonify(recommend(need, limit=limit).as_json())


@bp.get("/openapi.json")
def openapi() -> Any:
    return jsonify(openapi_document())


@health_bp.get("/healthz")
def healthz() -> Any:
    from sqlalchemy import text
    from sqlalchemy.exc import SQLAlchemyError

    search_state = "ok" if backend().healthy() else "degraded"
    try:
        db.session.execute(text("SELECT 1"))
        pending = outbox_status()["pending"]
        mail_pending = mail_status()["pending"]
    except SQLAlchemyError:
        response = jsonify({"database": "error", "search": search_state, "outbox_pending": None, "mail_pending": None})
        response.status_code = 503
        return response
    return jsonify({"database": "ok", "search": search_state, "outbox_pending": pending, "mail_pending": mail_pending})
