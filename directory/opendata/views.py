"""Open data downloads (public)."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, Response

from directory.core.urls import site_url
from directory.opendata import services

bp = Blueprint("opendata", __name__)


@bp.get("/opendata/hsds.zip")
def hsds_zip() -> Any:
    data = services.export_zip(base_url=site_url())  # the public address, never the request's Host header
    return Response(data, mimetype="application/zip",
                    headers={"Content-Disposition": "attachment; filename=yingkou-hsds.zip"})
