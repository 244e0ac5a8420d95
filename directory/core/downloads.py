"""File downloads with a Chinese name: ``Content-Disposition`` carries the name as RFC 5987/6266
``filename*=UTF-8''…`` (every current browser uses it) and an ASCII ``filename`` for the rest."""

from __future__ import annotations

import re
from urllib.parse import quote

from flask import Response

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
# What no file name may hold on the systems staff save to (Windows refuses these; "/" is a folder anywhere):
# a name made from a title someone typed ("对接会: 镁/铝专场?") is saved with "_" in their place.
UNSAFE_IN_NAMES = re.compile(r'[\x00-\x1f\x7f<>:"/\\|?*]')


def content_disposition(name: str, fallback: str) -> str:
    """``attachment; filename="fallback"; filename*=UTF-8''<name, percent-encoded>``. The fallback is kept
    to printable ASCII without quotes or backslashes, so no header can be broken by it."""
    safe = re.sub(r'[^\x20-\x7e]|["\\]', "_", fallback) or "download"
    encoded = quote(UNSAFE_IN_NAMES.sub("_", name).strip(" ."), safe="")
    return f"attachment; filename=\"{safe}\"; filename*=UTF-8''{encoded}"


def attachment(data: bytes, *, name: str, fallback: str, mimetype: str = XLSX) -> Response:
    """A download response of ``data`` named ``name`` (``fallback`` for clients without RFC 5987)."""
    return Response(data, mimetype=mimetype, headers={"Content-Disposition": content_disposition(name, fallback)})
