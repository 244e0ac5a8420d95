"""URL helpers shared by views."""

from __future__ import annotations

from urllib.parse import urlsplit


def safe_next(target: str | None, default: str) -> str:
    """Only same-site relative paths may be redirect targets (no open redirects)."""
    if not target:
        return default
    parts = urlsplit(target)
    if parts.scheme or parts.netloc or not target.startswith("/") or target.startswith("//"):
        return default
    return target


def site_url(path: str = "") -> str:
    """``path`` (``/needs/7``) made absolute on the public address (``SITE_URL``), never on the request's Host
    header, which the sender of a request chooses: links in mails, QR codes and exports go through here.
    An address that is already absolute is returned as it is; an empty one gives the site's root."""
    from flask import current_app

    if urlsplit(path).scheme:
        return path
    base = current_app.config["SETTINGS"].site_url.rstrip("/")
    return f"{base}/{path.lstrip('/')}" if path else base
