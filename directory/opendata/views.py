"""Open data downloads (public)."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, Response, request

from directory.opendata import services

bp = Blueprint("opendata", __name__)


@bp.get("/opendata/hsds.zip")
def hsds_zip() -> Any:
    data = services.export_zip(base_url=request.host_url.rstrip("/"))
    return Response(data, mimetype="application/zip",
                    headers={"Content-Disposition": "attachment; filename=yingkou-hsds.zip"})
