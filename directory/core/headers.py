"""Security headers of every response, in one place (issue 14, item 4).

* ``Content-Security-Policy``: scripts only from this site, plus inline scripts carrying this request's nonce
  (``csp_nonce()`` in templates; no page needs one today, the behaviour lives in ``static/app.js``), so an
  injected ``<script>`` or ``onclick=`` does not run. Styles: files from this site; ``style`` *attributes* stay
  allowed (``style-src-attr 'unsafe-inline'``) because progress bars and a few layouts set widths inline, and a
  style attribute cannot run code. Images from this site and ``data:`` (Bootstrap's icons are data-URI SVGs;
  check-in QR codes are inline SVG). No plugins, no ``<base>`` elsewhere, forms post only here, and no other
  site may frame a page (``frame-ancestors 'none'``, with ``X-Frame-Options: DENY`` for old browsers).
* ``Strict-Transport-Security`` when the public address (``SITE_URL``) is https.
* ``Permissions-Policy`` denying the powerful features nothing here uses.
* ``Cache-Control: no-store`` on every response to a logged-in user (their pages, certificates and exports
  must not stay in a shared or back-button cache) and on the JSON API; static files keep their caching.
"""

from __future__ import annotations

import secrets
from typing import Any

from flask import Flask, current_app, g, request
from flask_login import current_user

PERMISSIONS_POLICY = ", ".join(f"{feature}=()" for feature in (
    "accelerometer", "autoplay", "camera", "display-capture", "geolocation", "gyroscope", "magnetometer",
    "microphone", "midi", "payment", "publickey-credentials-get", "screen-wake-lock", "serial", "usb",
    "xr-spatial-tracking", "interest-cohort", "browsing-topics"))
HSTS = "max-age=31536000; includeSubDomains"


def csp_nonce() -> str:
    """This request's script nonce (made on first use): ``<script nonce="{{ csp_nonce() }}">``."""
    if "csp_nonce" not in g:
        g.csp_nonce = secrets.token_urlsafe(18)
    return str(g.csp_nonce)


def content_security_policy(nonce: str) -> str:
    directives = {
        "default-src": "'self'",
        "script-src": f"'self' 'nonce-{nonce}'",
        "style-src": "'self'",
        "style-src-attr": "'unsafe-inline'",
        "img-src": "'self' data:",
        "font-src": "'self'",
        "connect-src": "'self'",
        "object-src": "'none'",
        "base-uri": "'self'",
        "form-action": "'self'",
        "frame-ancestors": "'none'",
    }
    return "; ".join(f"{name} {value}" for name, value in directives.items())


def site_is_https(app: Flask) -> bool:
    """Whether the public address is https (``SITE_URL``; the settings object once it carries one)."""
    settings = app.config.get("SETTINGS")
    url = app.config.get("SITE_URL") or getattr(settings, "site_url", "") or ""
    return str(url).startswith("https://")


def is_private(response: Any) -> bool:
    """A response nobody but its user should keep: anything for a logged-in user that is not a static file,
    and the JSON API (answers change with the data)."""
    if request.endpoint == "static":
        return False
    if request.path.startswith("/api/"):
        return True
    return bool(getattr(current_user, "is_authenticated", False))


def set_headers(response: Any) -> Any:
    headers = response.headers
    headers.setdefault("Content-Security-Policy", content_security_policy(csp_nonce()))
    headers.setdefault("X-Content-Type-Options", "nosniff")
    headers.setdefault("X-Frame-Options", "DENY")
    headers.setdefault("Referrer-Policy", "same-origin")
    headers.setdefault("Permissions-Policy", PERMISSIONS_POLICY)
    headers.setdefault("Cross-Origin-Opener-Policy", "same-origin")
    if site_is_https(current_app):
        headers.setdefault("Strict-Transport-Security", HSTS)
    if is_private(response):
        headers["Cache-Control"] = "no-store"
    return response


def init_app(app: Flask) -> None:
    app.after_request(set_headers)
    app.add_template_global(csp_nonce)
