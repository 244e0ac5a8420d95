"""Static file URLs carry ``?v=<content hash>``: a changed file gets a new URL, so nginx (deploy/nginx) and
browsers may keep every static file for a year without ever serving a stale one after an upgrade."""

from __future__ import annotations

import hashlib
import os
from typing import Any

from flask import Flask
from werkzeug.security import safe_join


def init_app(app: Flask) -> None:
    seen: dict[str, tuple[float, str]] = {}  # filename -> (mtime, hash): rehashed only when the file changes

    def version(filename: str) -> str | None:
        folder = app.static_folder
        if not folder:
            return None
        path = safe_join(folder, filename)
        if path is None:
            return None
        try:
            mtime = os.stat(path).st_mtime
        except OSError:  # a missing file: url_for still answers, the request will 404
            return None
        known = seen.get(filename)
        if known and known[0] == mtime:
            return known[1]
        with open(path, "rb") as fh:
            digest = hashlib.sha256(fh.read()).hexdigest()[:12]
        seen[filename] = (mtime, digest)
        return digest

    @app.url_defaults
    def static_version(endpoint: str, values: dict[str, Any]) -> None:
        if endpoint == "static" and "v" not in values and isinstance(values.get("filename"), str):
            digest = version(values["filename"])
            if digest:
                values["v"] = digest
