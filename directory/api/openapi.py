"""The OpenAPI 3.1 description served at /api/v1/openapi.json."""

from __future__ import annotations

from typing import Any

from search.queries import GRADES, MAX_PER_PAGE, SORTS, TYPES

_ERROR = {"$ref": "#/components/schemas/Error"}
# The limits themselves are in directory/core/ratelimit.py (per client address).
_TOO_MANY = {"description": "Too many requests from this client; retry after the number of seconds in Retry-After",
             "headers": {"Retry-After": {"description": "Seconds to wait before the next request", "required": True,
                                         "schema": {"type": "integer", "minimum": 1}}},
             "content": {"application/json": {"schema": _ERROR}}}


def _param(name: str, schema: dict[str, Any], description: str) -> dict[str, Any]:
    return {"name": name, "in": "query", "required": False, "schema": schema, "description": description}


def openapi_document() -> dict[str, Any]:
    rating = {"type": "object", "properties": {"value": {"type": ["number", "null"]}, "count": {"type": "integer"}}}
    return {
        "openapi": "3.1.0",
        "info": {"title": "营口企业公共服务平台 API", "version": "1.0.0",
                 "description": "Published institutions, offerings and experts of the Yingkou SME service platform."},
        "paths": {
            "/api/v1/search": {"get": {
                "summary": "Search published institutions, offerings and experts",
                "parameters": [
                    _param("q", {"type": "string", "maxLength": 200}, "Free text, Chinese or Latin"),
                    _param("type", {"type": "string", "enum": list(TYPES), "default": "all"}, "Record type"),
                    _param("category", {"type": "string"}, "Service category name (服务类别)"),
                    _param("industry", {"type": "string"}, "Industry name (服务行业)"),
                    _param("region", {"type": "string"}, "Region name (所在区域)"),
                    _param("grade", {"type": "string", "enum": list(GRADES)}, "Evaluation grade"),
                    _param("sort", {"type": "string", "enum": list(SORTS), "default": "relevance"}, "Ordering"),
                    _param("page", {"type": "integer", "minimum": 1, "default": 1}, "Page number"),
                    _param("per_page", {"type": "integer", "minimum": 1, "maximum": MAX_PER_PAGE, "default": 20},
                           "Hits per page"),
                ],
                "responses": {
                    "200": {"description": "Hits", "content": {"application/json": {"schema": {
                        "$ref": "#/components/schemas/SearchResult"}}}},
                    "400": {"description": "Invalid parameter", "content": {"application/json": {"schema": _ERROR}}},
                    "429": _TOO_MANY,
                }}},
            "/api/v1/institutions/{id}": {"get": {
                "summary": "One published institution",
                "parameters": [{"name": "id", "in": "path", "required": True, "schema": {"type": "integer"}}],
                "responses": {
                    "200": {"description": "The institution", "content": {"application/json": {"schema": {
                        "$ref": "#/components/schemas/Institution"}}}},
                    "404": {"description": "Not found or not published",
                            "content": {"application/json": {"schema": _ERROR}}}}}},
            "/api/v1/experts/{id}": {"get": {
                "summary": "One published expert (contact details are never included)",
                "parameters": [{"name": "id", "in": "path", "required": True, "schema": {"type": "integer"}}],
                "responses": {
                    "200": {"description": "The expert", "content": {"application/json": {"schema": {
                        "$ref": "#/components/schemas/Expert"}}}},
                    "404": {"description": "Not found or not published",
                            "content": {"application/json": {"schema": _ERROR}}}}}},
            "/api/v1/recommendations": {"post": {
                "summary": "Ranked institutions, offerings and experts for a need, each with its reasons",
                "requestBody": {"required": True, "content": {"application/json": {"schema": {
                    "type": "object", "required": ["text"], "properties": {
                        "text": {"type": "string", "maxLength": 2000, "description": "The need in free text"},
                        "category": {"type": "string", "description": "Service category name (服务类别)"},
                        "industry": {"type": "string", "description": "Industry name (服务行业)"},
                        "region": {"type": "string", "description": "Region name or alias (所在区域)"},
                        "limit": {"type": "integer", "minimum": 1, "maximum": 50, "default": 10}}}}}},
                "responses": {
                    "200": {"description": "Recommendations, best first", "content": {"application/json": {
                        "schema": {"$ref": "#/components/schemas/Recommendations"}}}},
                    "422": {"description": "Invalid body", "content": {"application/json": {"schema": _ERROR}}},
                    "429": _TOO_MANY}}},
            "/healthz": {"get": {"summary": "Database and search health, search backlog", "responses": {
                "200": {"description": "Healthy or degraded", "content": {"application/json": {"schema": {
                    "type": "object", "properties": {
                        "database": {"type": "string"}, "search": {"type": "string", "enum": ["ok", "degraded"]},
                        "outbox_pending": {"type": "integer"}}}}}},
                "503": {"description": "Database unavailable"}}}},
        },
        "components": {"schemas": {
            "Error": {"type": "object", "required": ["error"], "properties": {"error": {
                "type": "object", "required": ["code", "message"],
                "properties": {"code": {"type": "string"}, "message": {"type": "string"}}}}},
            "Hit": {"type": "object", "required": ["type", "id", "name"], "properties": {
                "type": {"type": "string", "enum": ["institution", "offering", "expert"]},
                "id": {"type": "integer"}, "name": {"type": "string"},
                "highlight": {"type": "object", "additionalProperties": {"type": "string"}}}},
            "SearchResult": {"type": "object", "required": ["hits", "total", "facets", "degraded"], "properties": {
                "hits": {"type": "array", "items": {"$ref": "#/components/schemas/Hit"}},
                "total": {"type": "integer"}, "degraded": {"type": "boolean"},
                "facets": {"type": "object", "additionalProperties": {
                    "type": "object", "additionalProperties": {"type": "integer"}}},
                "page": {"type": "integer"}, "per_page": {"type": "integer"}}},
            "Institution": {"type": "object", "required": ["id", "name", "rating"], "properties": {
                "id": {"type": "integer"}, "name": {"type": "string"}, "credit_code": {"type": "string"},
                "categories": {"type": "array", "items": {"type": "string"}}, "rating": rating,
                "evaluation": {"type": "object", "properties": {
                    "period": {"type": "string"}, "composite": {"type": "number"}, "grade": {"type": "string"},
                    "dimensions": {"type": "object", "properties": {d: {"type": "number"} for d in (
                        "strength", "coverage", "quality", "efficiency", "satisfaction")}}}}}},
            "Recommendation": {"type": "object", "required": ["id", "name", "score", "reasons"], "properties": {
                "id": {"type": "integer"}, "name": {"type": "string"},
                "score": {"type": "number", "minimum": 0, "maximum": 100},
                "reasons": {"type": "array", "items": {"type": "string"}},
                "new": {"type": "boolean", "description": "Holds the slot kept for an unreviewed newcomer"},
                "institution_id": {"type": "integer", "description": "Offerings only"},
                "institution_name": {"type": "string", "description": "Offerings only"}}},
            "Recommendations": {"type": "object", "required": ["institutions", "experts"], "properties": {
                "institutions": {"type": "array", "items": {"$ref": "#/components/schemas/Recommendation"}},
                "offerings": {"type": "array", "items": {"$ref": "#/components/schemas/Recommendation"}},
                "experts": {"type": "array", "items": {"$ref": "#/components/schemas/Recommendation"}},
                "terms": {"type": "array", "items": {"type": "string"},
                          "description": "The key terms taken from the need"},
                "degraded": {"type": "boolean"}}},
            "Expert": {"type": "object", "required": ["id", "name"], "properties": {
                "id": {"type": "integer"}, "name": {"type": "string"}, "title": {"type": "string"},
                "expertise": {"type": "array", "items": {"type": "string"}}, "rating": rating}},
        }},
    }
