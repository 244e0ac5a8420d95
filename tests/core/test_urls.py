"""Absolute links on SITE_URL (mails, QR codes, exports), never on the request's Host header."""

import dataclasses

import pytest

from directory.core.urls import site_url


@pytest.mark.parametrize(("path", "expected"), [
    ("/needs/7", "https://qiye.yingkou.example/needs/7"),
    ("needs/7", "https://qiye.yingkou.example/needs/7"),
    ("", "https://qiye.yingkou.example"),
    ("https://elsewhere.example/x", "https://elsewhere.example/x"),
])
def test_site_url(app, db_session, path, expected):
    saved = app.config["SETTINGS"]
    app.config["SETTINGS"] = dataclasses.replace(saved, site_url="https://qiye.yingkou.example")
    try:
        assert site_url(path) == expected
    finally:
        app.config["SETTINGS"] = saved
