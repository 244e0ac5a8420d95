"""Security headers (issue 14, item 4): a CSP without inline script, frame-ancestors, HSTS only over https,
Permissions-Policy, and no-store on everything a logged-in user gets (pages, certificates, exports)."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from directory.core.headers import csp_nonce, set_headers
from tests import factories

TEMPLATES = Path(__file__).resolve().parents[2] / "templates"


def _csp(response) -> dict[str, str]:
    return {d.split(" ", 1)[0]: d.split(" ", 1)[1] for d in response.headers["Content-Security-Policy"].split("; ")}


def test_the_policy_forbids_inline_script_and_framing(client, db_session):
    response = client.get("/")
    csp = _csp(response)
    assert re.fullmatch(r"'self' 'nonce-[A-Za-z0-9_-]{20,}'", csp["script-src"])  # no 'unsafe-inline'/'unsafe-eval'
    assert "unsafe" not in csp["default-src"] + csp["style-src"]
    assert csp["frame-ancestors"] == "'none'" and response.headers["X-Frame-Options"] == "DENY"
    assert csp["object-src"] == "'none'" and csp["base-uri"] == "'self'" and csp["form-action"] == "'self'"
    assert "camera=()" in response.headers["Permissions-Policy"]
    assert "geolocation=()" in response.headers["Permissions-Policy"]
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert _csp(client.get("/"))["script-src"] != csp["script-src"]  # a fresh nonce per response


def test_the_nonce_templates_get_is_the_one_in_the_header(app, db_session):
    with app.test_request_context("/"):
        nonce = csp_nonce()
        response = set_headers(app.response_class("x"))
        assert f"'nonce-{nonce}'" in response.headers["Content-Security-Policy"]


def test_no_template_carries_inline_script():
    """Chromium enforces the policy (the browser journeys run under it); this says where a violation would be."""
    offenders = []
    for path in TEMPLATES.rglob("*.html"):
        text = path.read_text()
        for match in re.finditer(r"<script\b[^>]*>|\son[a-z]+\s*=|javascript:", text, flags=re.I):
            tag = match.group(0)
            if tag.startswith("<script") and ("src=" in tag or "csp_nonce()" in tag or 'type="application/json"' in tag):
                # a JSON data block is never run by the browser (a chart's numbers)
                continue
            offenders.append(f"{path.relative_to(TEMPLATES)}: {tag}")
    assert not offenders, offenders


@pytest.mark.parametrize(("site_url", "hsts"), [("https://qiye.yingkou.gov.cn", True), ("http://127.0.0.1:5000", False)])
def test_hsts_only_when_the_site_is_https(app, client, db_session, site_url, hsts):
    saved = app.config.get("SITE_URL")
    app.config["SITE_URL"] = site_url
    try:
        response = client.get("/")
    finally:
        app.config["SITE_URL"] = saved
    assert ("Strict-Transport-Security" in response.headers) is hsts
    if hsts:
        assert "max-age=31536000" in response.headers["Strict-Transport-Security"]


def test_pages_of_a_logged_in_user_are_not_stored(client, auth, db_session):
    assert "no-store" not in client.get("/").headers.get("Cache-Control", "")  # public pages may be cached
    auth.login("enterprise")
    for url in ("/", "/my", "/engagements"):
        assert client.get(url).headers["Cache-Control"] == "no-store", url
    static = client.get("/static/app.css")
    assert "no-store" not in static.headers.get("Cache-Control", "")
    static.close()


def test_certificate_downloads_are_not_stored(client, auth, db_session):
    from directory.admission import attachments

    draft = factories.institution(admit=False)
    attachment = attachments.add(institution=draft, user=factories.user(role="staff"), filename="营业执照.pdf",
                                 data=b"%PDF-1.4 test")
    auth.login("institution", institution_id=draft.id)
    response = client.get(f"/attachments/{attachment.id}")
    assert response.status_code == 200 and response.data.startswith(b"%PDF")
    assert response.headers["Cache-Control"] == "no-store"
    assert "Content-Security-Policy" in response.headers


def test_the_api_is_not_stored(client, db_session):
    assert client.get("/api/v1/openapi.json").headers["Cache-Control"] == "no-store"
