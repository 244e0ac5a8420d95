"""File downloads with a Chinese name: ``Content-Disposition`` carries the name as RFC 5987/6266
``filename*=UTF-8''…`` (every current browser uses it) and an ASCII ``filename`` for the rest."""

from __future__ import annotations

import re
from urllib.parse import quote

from flask import Response

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def content_disposition(name: str, fallback: str) -> str:
    """``attachment; filename="fallback"; filename*=UTF-8''<name, percent-encoded>``. The fallback is kept
    to printable ASCII without quotes or backslashes, so no header can be broken by it."""
    safe = re.sub(r'[^\x20-\x7e]|["\\]', "_", fallback) or "download"
    encoded = quote(name.replace("/", "_").replace("\\", "_"), safe="")
    return f"attachment; filename=\"{safe}\"; filename*=UTF-8''{encoded}"


def attachment(data: bytes, *, name: str, fallback: str, mimetype: str = XLSX) -> Response:
    """A download response of ``data`` named ``name`` (``fallback`` for clients without RFC 5987)."""
    return Response(data, mimetype=mimetype, headers={"Content-Disposition": content_disposition(name, fallback)})
