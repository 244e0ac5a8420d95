"""The OpenAPI 3.1 description served at /api/v1/openapi.json.

It says exactly what the API accepts and answers (CONTRACTS.md): every limit the code enforces is a schema
limit (lengths as sent, before trimming), every value the code takes is allowed (an empty parameter means the
default, so ``""`` is in each enum), every status it answers is listed, and every field it always sends is
``required`` with its nullability. The records' shapes are generated from the classes the API answers with
(:class:`InstitutionPublic`, :class:`ExpertPublic`), so the two cannot drift apart.
``tests/api/test_openapi_conformance.py`` runs Schemathesis against it with all its checks. The names a recommendation accepts for ``category``, ``industry`` and ``region`` come from the
classification, which staff can edit, so the document is built per request.
"""

from __future__ import annotations

from typing import Any

from pydantic.json_schema import GenerateJsonSchema, JsonSchemaValue, models_json_schema
from pydantic_core import core_schema

from directory.core.numbers import MAX_ID
from directory.experts.models import ExpertPublic
from directory.institutions.models import InstitutionPublic
from directory.notices.models import NoticePublic
from search.queries import GRADES, MAX_FILTER_LENGTH, MAX_PAGE, MAX_PER_PAGE, MAX_QUERY_LENGTH, SORTS, TYPES

_ERROR = {"$ref": "#/components/schemas/Error"}
_STR = {"type": "string"}
_STR_OR_NULL = {"type": ["string", "null"]}
_INT = {"type": "integer"}
_NO_NUL = "^[^\\u0000]*$"  # a NUL anywhere in a request is a 400 (directory/core/http.py)
_STRINGS = {"type": "array", "items": _STR}
# The limits themselves are in directory/core/ratelimit.py (per client address).
_TOO_MANY = {"description": "Too many requests from this client; retry after the number of seconds in Retry-After",
             "headers": {"Retry-After": {"description": "Seconds to wait before the next request", "required": True,
                                         "schema": {"type": "integer", "minimum": 1}}},
             "content": {"application/json": {"schema": _ERROR}}}


def _obj(properties: dict[str, Any], *, optional: tuple[str, ...] = ()) -> dict[str, Any]:
    """An object whose properties are all always sent, but for ``optional``."""
    return {"type": "object", "required": [k for k in properties if k not in optional], "properties": properties}


def _json(description: str, schema: dict[str, Any]) -> dict[str, Any]:
    return {"description": description, "content": {"application/json": {"schema": schema}}}


def _errors(**statuses: str) -> dict[str, Any]:
    """Error answers, ``{"error": {"code", "message"}}`` with the message in the user's language."""
    return {status.removeprefix("e"): _json(text, _ERROR) for status, text in statuses.items()}


def _param(name: str, schema: dict[str, Any], description: str) -> dict[str, Any]:
    return {"name": name, "in": "query", "required": False, "schema": schema, "description": description}


def _choice(values: Any, default: str | None = None) -> dict[str, Any]:
    schema: dict[str, Any] = {"type": "string", "enum": ["", *values]}
    if default is not None:
        schema["default"] = default
    return schema


def _count(maximum: int, default: int) -> dict[str, Any]:
    # An empty parameter (``page=``) means the default, as for the text parameters.
    return {"anyOf": [{"type": "integer", "minimum": 1, "maximum": maximum}, {"type": "string", "maxLength": 0}],
            "default": default}


def _id_param() -> dict[str, Any]:
    return {"name": "id", "in": "path", "required": True,
            "schema": {"type": "integer", "minimum": 1, "maximum": MAX_ID}}


def _terms(model: Any, description: str) -> dict[str, Any]:
    from directory.recommendations.api import accepted_names

    return {"enum": ["", None, *accepted_names(model)],
            "description": f"{description}; empty or null for none"}


def _need_schema() -> dict[str, Any]:
    from directory.recommendations.api import MAX_BUDGET, MAX_TEXT, WORD_PATTERN
    from directory.recommendations.services import MAX_LIMIT
    from directory.taxonomy.models import Category, Industry, Region

    return {"type": "object", "required": ["text"], "properties": {
        "text": {"type": "string", "maxLength": MAX_TEXT, "pattern": WORD_PATTERN,
                 "description": "The need in free text: at least one letter, digit or Han character (a need of "
                                "only emoji or punctuation is a 422)"},
        "category": _terms(Category, "Service category name or code (服务类别)"),
        "industry": _terms(Industry, "Industry name or code (服务行业)"),
        "region": _terms(Region, "Region name, code or alias (所在区域)"),
        "budget": {"type": ["integer", "null"], "minimum": 0, "maximum": MAX_BUDGET,
                   "description": "The most the enterprise will pay, in yuan: compared with the offerings' prices"},
        "deadline": {"anyOf": [{"type": "string", "format": "date", "pattern": "^[0-9]{4}-[0-9]{2}-[0-9]{2}$"},
                               {"type": "string", "maxLength": 0}, {"type": "null"}],
                     "description": "When the service must be delivered (YYYY-MM-DD), compared with delivery "
                                    "times; empty or null for none"},
        "limit": {"type": "integer", "minimum": 1, "maximum": MAX_LIMIT, "default": 10}}}


class _ComponentSchema(GenerateJsonSchema):
    """pydantic's JSON Schema in this document's style: components named for what they describe
    (``Institution``, not ``InstitutionPublic``), no titles, ``{"type": [T, "null"]}`` for a nullable value."""

    def normalize_name(self, name: str) -> str:
        return super().normalize_name(name).removesuffix("Public")

    def field_title_should_be_set(self, schema: Any) -> bool:
        return False

    def nullable_schema(self, schema: core_schema.NullableSchema) -> JsonSchemaValue:
        inner = self.generate_inner(schema["schema"])
        if isinstance(inner.get("type"), str):
            return {**inner, "type": [inner["type"], "null"]}
        return super().nullable_schema(schema)


def _public_shapes() -> dict[str, Any]:
    """The components of the records' answers, generated from the classes the API serialises."""
    _refs, document = models_json_schema([(InstitutionPublic, "serialization"), (ExpertPublic, "serialization"),
                                          (NoticePublic, "serialization")],
                                         ref_template="#/components/schemas/{model}",
                                         schema_generator=_ComponentSchema)
    shapes: dict[str, Any] = document["$defs"]
    for shape in shapes.values():
        shape.pop("title", None)
        for prop in shape["properties"].values():
            prop.pop("default", None)  # an answer has no defaults: a field not required is sometimes absent
    return shapes


def _schemas() -> dict[str, Any]:
    rating = _obj({"value": {"type": ["number", "null"]}, "count": _INT})
    recommendation = _obj({
        "id": _INT, "name": _STR, "score": {"type": "number", "minimum": 0, "maximum": 100},
        "reasons": {**_STRINGS, "description": "Why it ranks there, strongest first"},
        "new": {"type": "boolean", "description": "Holds the slot kept for an unreviewed newcomer"},
        "points": {"type": "object", "additionalProperties": {"type": "number"},
                   "description": "The score's parts (relevance, category, industry, region, rating, grade, speed, "
                                  "load, budget, deadline): they add up to `score` (see /recommendations/how)"},
        "institution_id": {"type": ["integer", "null"], "description": "Offerings only"},
        "institution_name": {"type": ["string", "null"], "description": "Offerings only"},
    }, optional=("institution_id", "institution_name", "points"))
    recommendations = {"type": "array", "items": {"$ref": "#/components/schemas/Recommendation"}}
    category = _obj({"code": _STR, "name": _STR, "label": _STR})
    return {
        "Error": _obj({"error": _obj({"code": _STR, "message": _STR})}),
        "Hit": _obj({
            "type": {"type": "string", "enum": ["institution", "offering", "expert"]},
            "id": _INT, "name": _STR, "score": {"type": ["number", "null"]},
            "categories": _STRINGS, "region": _STR_OR_NULL,
            "highlight": {"type": "object", "additionalProperties": _STR},
            "grade": _STR_OR_NULL, "badge": _STR_OR_NULL,
            "rating": {**rating, "description": "An offering's is its institution's"},
            "evaluation_score": {"type": ["number", "null"], "description": "Institutions and offerings"},
            "institution_id": {"type": ["integer", "null"]}, "institution_name": _STR_OR_NULL,
            "fee_model": _STR_OR_NULL, "title": _STR_OR_NULL, "organization": _STR_OR_NULL, "expertise": _STRINGS,
        }, optional=("score", "grade", "badge", "evaluation_score", "institution_id", "institution_name",
                     "fee_model", "title", "organization", "expertise")),
        "SearchResult": _obj({
            "hits": {"type": "array", "items": {"$ref": "#/components/schemas/Hit"}},
            "total": _INT, "degraded": {"type": "boolean"},
            "facets": {"type": "object", "additionalProperties": {
                "type": "object", "additionalProperties": _INT}},
            "page": _INT, "per_page": _INT}),
        **_public_shapes(),
        "NoticeHit": _obj({
            "type": {"type": "string", "enum": ["notice"]}, "id": _INT,
            "kind": {"type": "string", "enum": ["notice", "policy"]}, "title": _STR,
            "issuer": {**_STR, "description": "发文单位"}, "document_number": {**_STR, "description": "文号"},
            "summary": _STR, "categories": _STRINGS,
            "issued_on": {"type": ["string", "null"], "format": "date"},
            "expires_on": {"type": ["string", "null"], "format": "date"},
            "expired": {"type": "boolean", "description": "Past its 有效期: still published, marked so"},
            "published_at": {**_STR_OR_NULL, "description": "UTC, ISO 8601 without offset"},
            "score": {"type": ["number", "null"]},
            "highlight": {"type": "object", "additionalProperties": _STR},
            "url": {**_STR, "description": "Its public page"}}, optional=("score",)),
        "NoticeResult": _obj({
            "hits": {"type": "array", "items": {"$ref": "#/components/schemas/NoticeHit"}},
            "total": _INT, "degraded": {"type": "boolean"},
            "facets": {"type": "object", "additionalProperties": {
                "type": "object", "additionalProperties": _INT}},
            "page": _INT, "per_page": _INT}),
        "PolicyRef": _obj({"id": _INT, "title": _STR, "issuer": _STR, "document_number": {**_STR, "description": "文号"},
                           "url": {**_STR, "description": "Its public page"}}),
        "Recommendation": recommendation,
        "Recommendations": _obj({
            "institutions": {**recommendations, "description": "Matching the need's category or a key term"},
            "offerings": recommendations,
            "experts": recommendations,
            "see_also": {**_obj({"institutions": recommendations, "offerings": recommendations,
                                 "experts": recommendations}),
                         "description": "Weaker candidates (也可以看看), matching neither the need's category nor "
                                        "any of its key terms: never in the lists above"},
            "understood": {"anyOf": [{"type": "null"}, _obj({
                "category": {"anyOf": [{"type": "null"}, category]},
                "inferred": {"type": "boolean", "description": "Inferred from the text, not stated"},
                "confidence": {"type": "number", "minimum": 0, "maximum": 1},
                "alternatives": {"type": "array", "items": category,
                                 "description": "Other likely categories: send one as `category` to re-rank"}})]},
            "empty_reason": {**_STR_OR_NULL, "description": "Why nothing was looked for (a need with no words)"},
            "terms": {"type": "array", "items": _STR, "description": "The key terms taken from the need"},
            "policies": {"type": "array", "items": {"$ref": "#/components/schemas/PolicyRef"},
                         "description": "Published policies (惠企政策) of the category the ranking used and of its "
                                        "parent, unexpired first"},
            "degraded": {"type": "boolean"}}, optional=("see_also", "understood", "empty_reason")),
        "Health": _obj({
            "database": {"type": "string", "enum": ["ok", "error"]},
            "search": {"type": "string", "enum": ["ok", "degraded"]},
            "outbox_pending": {"type": ["integer", "null"]},
            "mail_pending": {"type": ["integer", "null"], "description": "Mails written and not yet sent"}}),
    }


def _notice_paths(path: str, kind: str, what: str) -> dict[str, Any]:
    """The list and the one-by-id of one kind of notice (directory.notices, searched through search.notices)."""
    text_filter = {"type": "string", "maxLength": MAX_FILTER_LENGTH, "pattern": _NO_NUL}
    return {
        f"/api/v1/{path}": {"get": {
            "summary": f"Search the {what}: the best match first, the newest without words",
            "parameters": [
                _param("q", {"type": "string", "maxLength": MAX_QUERY_LENGTH, "pattern": _NO_NUL},
                       "Free text: title, summary, text, issuer or document number (文号)"),
                _param("category", text_filter,
                       "Service category name or code: the ones tagged with it or with its parent; no match, no hits"),
                _param("page", _count(MAX_PAGE, 1), "Page number"),
                _param("per_page", _count(MAX_PER_PAGE, 20), "Hits per page"),
            ],
            "responses": {
                "200": _json("Hits; `degraded` when the database answered instead of Meilisearch",
                             {"$ref": "#/components/schemas/NoticeResult"}),
                **_errors(e400="Invalid parameter"),
                "429": _TOO_MANY}}},
        f"/api/v1/{path}/{{id}}": {"get": {
            "summary": f"One of the {what}",
            "parameters": [_id_param()],
            "responses": {
                "200": _json(f"The {kind}", {"$ref": "#/components/schemas/Notice"}),
                **_errors(e404="Not found, not published, or not a " + kind)}}},
    }


def openapi_document() -> dict[str, Any]:
    """The description; needs an app context (the classification is read from the database)."""
    text_filter = {"type": "string", "maxLength": MAX_FILTER_LENGTH, "pattern": _NO_NUL}
    return {
        "openapi": "3.1.0",
        "info": {"title": "营口企业公共服务平台 API", "version": "1.0.0",
                 "description": "Published institutions, offerings and experts of the Yingkou SME service platform. "
                                "Errors are {\"error\": {\"code\", \"message\"}} with the message in the user's "
                                "language; a parameter holding a NUL character is a 400."},
        "paths": {
            "/api/v1/search": {"get": {
                "summary": "Search published institutions, offerings and experts",
                "parameters": [
                    _param("q", {"type": "string", "maxLength": MAX_QUERY_LENGTH, "pattern": _NO_NUL},
                           "Free text, Chinese or Latin"),
                    _param("type", _choice(TYPES, "all"), "Record type"),
                    _param("category", text_filter, "Service category name (服务类别); no match, no hits"),
                    _param("industry", text_filter, "Industry name (服务行业)"),
                    _param("region", text_filter, "Region name (所在区域)"),
                    _param("tag", text_filter, "An institution's title (称号), e.g. 专精特新"),
                    _param("grade", _choice(GRADES), "Evaluation grade"),
                    _param("sort", _choice(SORTS, "relevance"),
                           "Ordering, for every type including all: the hit's rating, evaluation score or "
                           "admission date, highest first (records without one last), relevance among equals"),
                    _param("page", _count(MAX_PAGE, 1), "Page number (Meilisearch answers at most 10 000 hits)"),
                    _param("per_page", _count(MAX_PER_PAGE, 20), "Hits per page"),
                ],
                "responses": {
                    "200": _json("Hits; `degraded` when the database answered instead of Meilisearch",
                                 {"$ref": "#/components/schemas/SearchResult"}),
                    **_errors(e400="Invalid parameter"),
                    "429": _TOO_MANY,
                }}},
            "/api/v1/institutions/{id}": {"get": {
                "summary": "One published institution",
                "parameters": [_id_param()],
                "responses": {
                    "200": _json("The institution", {"$ref": "#/components/schemas/Institution"}),
                    **_errors(e404="Not found or not published")}}},
            "/api/v1/experts/{id}": {"get": {
                "summary": "One published expert (contact details are never included)",
                "parameters": [_id_param()],
                "responses": {
                    "200": _json("The expert", {"$ref": "#/components/schemas/Expert"}),
                    **_errors(e404="Not found or not published")}}},
            **_notice_paths("policies", "policy", "published policies (惠企政策)"),
            **_notice_paths("notices", "notice", "published notices (通知公告)"),
            "/api/v1/recommendations": {"post": {
                "summary": "Ranked institutions, offerings and experts for a need, each with its reasons",
                "requestBody": {"required": True, "content": {"application/json": {"schema": _need_schema()}}},
                "responses": {
                    "200": _json("Recommendations, best first", {"$ref": "#/components/schemas/Recommendations"}),
                    **_errors(e422="Invalid body: the message names the field"), "429": _TOO_MANY}}},
            "/healthz": {"get": {
                "summary": "Database and search health, search and mail backlogs",
                "responses": {
                    "200": _json("Healthy, or degraded search", {"$ref": "#/components/schemas/Health"}),
                    "503": _json("Database unavailable", {"$ref": "#/components/schemas/Health"})}}},
        },
        "components": {"schemas": _schemas()},
    }
