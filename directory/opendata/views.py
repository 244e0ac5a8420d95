"""Open data downloads (public)."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, Response

from directory.core.urls import site_url
from directory.opendata import services

bp = Blueprint("opendata", __name__)


@bp.get("/opendata/hsds.zip")
def hsds_zip() -> Any:
    """The package a job built (on change and hourly, directory/jobs), served as a file. Before the first
    build (a new installation) this request builds it once, so the first visitor gets the package too."""
    path = services.package_path()
    if not path.is_file():
        services.build_package(base_url=site_url())  # the public address, never the request's Host header
    return Response(path.read_bytes(), mimetype="application/zip",  # a few MB: read whole, closed at once
                    headers={"Content-Disposition": "attachment; filename=yingkou-hsds.zip"})
