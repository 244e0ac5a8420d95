"""Rollback by construction: a request whose service was refused commits nothing it flushed, before or after
the refusal, although its answer (a redirect with a flash, or the form again) is not an error status."""

from __future__ import annotations

import uuid

import pytest
from flask import flash, redirect
from sqlalchemy import func, select
from wtforms import Form, StringField

from directory.core.errors import InvalidInput, NotAllowed
from directory.core.http import refusals, run_and_flash
from directory.extensions import db
from directory.taxonomy.models import Region
from tests.conftest import BACKENDS, dispose_test_app, make_test_app


class NameForm(Form):
    name = StringField()
    other = StringField()


def _flush_region(code: str) -> None:
    db.session.add(Region(code=code, name=code))
    db.session.flush()


@pytest.fixture(scope="module", params=BACKENDS)
def refusing_app(request, tmp_path_factory, meili):
    """An app of its own with three routes that flush a region and then are refused (or not): added before
    its first request, which the session-wide test app is long past."""
    tmp = tmp_path_factory.mktemp(f"refusals-{request.param}")
    app, schema = make_test_app(request.param, tmp, meili, f"r{uuid.uuid4().hex[:8]}_")

    @app.post("/_test/flash/<code>/<refuse>")
    def flashed(code: str, refuse: str):
        with refusals() as refused:
            _flush_region(code)
            if refuse == "refuse":
                raise InvalidInput("refused")
        _flush_region(code + "-after")  # written after the refusal: also undone
        if not refused:
            flash("saved")
        return redirect("/")

    @app.post("/_test/form/<code>")
    def on_form(code: str):
        form = NameForm()
        with refusals(form, "name") as refused:
            _flush_region(code)
            raise InvalidInput("refused", field="other")
        assert refused.on_field and form.other.errors == ["refused"] and not form.name.errors
        return "form again", 200

    @app.post("/_test/run/<code>")
    def run(code: str):
        def call() -> None:
            _flush_region(code)
            raise InvalidInput("refused")

        assert run_and_flash(call, "saved") is False
        return redirect("/")

    @app.post("/_test/forbidden/<code>")
    def forbidden(code: str):
        with refusals():
            _flush_region(code)
            raise NotAllowed()
        return redirect("/")

    yield app
    dispose_test_app(app, schema)


def _stored(app, prefix: str) -> int:
    with app.app_context():
        try:
            return db.session.scalar(select(func.count()).where(Region.code.startswith(prefix)))  # type: ignore[no-any-return]
        finally:
            db.session.remove()


def test_a_request_that_is_not_refused_commits_what_it_flushed(refusing_app):
    """The control: the same route, not refused, commits both regions (so the tests below can fail)."""
    code = f"ok-{uuid.uuid4().hex[:6]}"
    response = refusing_app.test_client().post(f"/_test/flash/{code}/keep")
    assert response.status_code == 302
    assert _stored(refusing_app, code) == 2


@pytest.mark.parametrize("route", ["flash/{code}/refuse", "form/{code}", "run/{code}"])
def test_a_refused_request_that_flushed_commits_nothing(refusing_app, route):
    code = f"no-{uuid.uuid4().hex[:6]}"
    response = refusing_app.test_client().post("/_test/" + route.format(code=code))
    assert response.status_code in (200, 302)  # a success answer: only the mark keeps it from committing
    assert _stored(refusing_app, code) == 0


def test_a_forbidden_refusal_stays_an_error_page_and_commits_nothing(refusing_app):
    code = f"fb-{uuid.uuid4().hex[:6]}"
    response = refusing_app.test_client().post(f"/_test/forbidden/{code}")
    assert response.status_code == 403
    assert _stored(refusing_app, code) == 0
