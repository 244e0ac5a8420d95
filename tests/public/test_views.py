"""Pages through the Flask test client: registration and login, language, search page, detail pages."""

import re

import pytest
from sqlmodel import select

from directory.accounts.models import User
from directory.extensions import db
from tests import factories


def test_register_enterprise_then_log_out_and_in_by_mobile(client, db_session):
    response = client.post("/register", data={
        "role": "enterprise", "display_name": "赵经理", "organization": "营口海蜇食品有限公司",
        "credit_code": factories.credit_code(),
        "phone": "13866667777", "password": "marble-ferry-73", "confirm": "marble-ferry-73", "consent": "y"})
    assert response.status_code == 302 and response.location.endswith("/my")
    my = client.get("/my").get_data(as_text=True)
    assert "营口海蜇食品有限公司" in my
    client.post("/logout")
    assert client.get("/my").status_code == 302
    response = client.post("/login", data={"login": "138 6666 7777", "password": "marble-ferry-73"})
    assert response.status_code == 302
    assert client.get("/my").status_code == 200


def test_register_errors_are_shown_in_chinese_and_nothing_is_written(client, db_session):
    response = client.post("/register", data={
        "role": "enterprise", "display_name": "赵", "password": "short", "confirm": "other"})
    assert response.status_code == 422
    page = response.get_data(as_text=True)
    assert "is-invalid" in page
    assert re.search(r"[\u4e00-\u9fff]", page)
    assert "Field must be" not in page  # WTForms' English defaults must not leak into the Chinese UI
    assert db_session.exec(select(User)).all() == []


def test_register_duplicate_email_is_a_field_error(client, db_session):
    factories.user(email="taken@example.cn")
    response = client.post("/register", data={
        "role": "expert", "display_name": "钱", "email": "taken@example.cn", "password": "marble-ferry-73",
        "confirm": "marble-ferry-73", "consent": "y"})
    assert response.status_code == 422
    assert "taken@example.cn" in response.get_data(as_text=True)


def test_wrong_password_is_422_with_message(client, db_session):
    factories.user(email="u@example.cn")
    response = client.post("/login", data={"login": "u@example.cn", "password": "nope-nope"})
    assert response.status_code == 422


def test_login_rejects_open_redirect(client, db_session):
    user = factories.user()
    response = client.post("/login?next=https://evil.example/", data={"login": user.email, "password": factories.PASSWORD})
    assert response.location == "/my"


def test_chinese_is_the_default_and_english_is_remembered(client, db_session):
    assert '<html lang="zh-CN">' in client.get("/").get_data(as_text=True)
    response = client.get("/lang/en?next=/search")
    assert response.status_code == 302 and response.location == "/search"
    assert '<html lang="en">' in client.get("/").get_data(as_text=True)
    client.get("/lang/zh")
    assert '<html lang="zh-CN">' in client.get("/").get_data(as_text=True)


def test_language_choice_is_stored_on_the_account(client, auth, db_session):
    user = auth.login("enterprise")
    client.get("/lang/en")
    db.session.expire_all()  # the request wrote through its own session
    assert db.session.get(User, user.id).locale == "en"


def test_home_shows_every_top_category(client, db_session):
    factories.institution(categories=("专利代理",))
    page = client.get("/").get_data(as_text=True)
    for name in ("融资服务", "知识产权", "政策咨询", "检验检测认证"):
        assert name in page


def test_institution_page_shows_taxonomy_in_english(client, db_session):
    inst = factories.institution(categories=("专利代理",))
    client.get("/lang/en")
    page = client.get(f"/institutions/{inst.id}").get_data(as_text=True)
    assert "Patent agency" in page


def test_unknown_ids_are_404_not_500(client, db_session):
    assert client.get("/institutions/999999").status_code == 404
    assert client.get("/experts/999999").status_code == 404
    assert client.get("/institutions/abc").status_code == 404


def test_search_page_uses_meilisearch_with_facets_and_highlight(client, db_session, search_backend):
    from search.drain import run_drain

    factories.institution(name="营口知识产权运营中心", categories=("知识产权运营",), region="鲅鱼圈区")
    factories.institution(name="营口会计服务有限公司", categories=("代理记账",))
    run_drain(search=search_backend)
    page = client.get("/search?q=知识产权").get_data(as_text=True)
    assert "<mark>知识产权</mark>" in page
    assert 'data-facet="categories"' in page and "degraded-notice" not in page
    filtered = client.get("/search?type=institution&region=鲅鱼圈区").get_data(as_text=True)
    assert "营口知识产权运营中心" in filtered and "营口会计服务有限公司" not in filtered


@pytest.mark.parametrize("evil", ['知识产权" OR region = "站前区', "<script>alert(1)</script>"])
def test_search_page_escapes_and_never_widens(client, db_session, search_backend, evil):
    from search.drain import run_drain

    factories.institution(name="营口知识产权运营中心", categories=("知识产权运营",))
    run_drain(search=search_backend)
    response = client.get("/search", query_string={"category": evil})
    assert response.status_code == 200
    page = response.get_data(as_text=True)
    assert "营口知识产权运营中心" not in page
    assert "<script>alert(1)</script>" not in page


def test_csrf_is_enforced_when_enabled(app, client, db_session):
    app.config["WTF_CSRF_ENABLED"] = True
    try:
        response = client.post("/login", data={"login": "x@example.cn", "password": "whatever-1"})
    finally:
        app.config["WTF_CSRF_ENABLED"] = False
    assert response.status_code == 400


@pytest.mark.parametrize("q, kind, filters", [
    ("专利 申请&x=1+2", "all", {"region": "站前区"}),
    ("", "institution", {}),
    ("a'b\"c/d?e#f%", "expert", {"category": "知识 产权", "region": "x"}),
])
def test_facet_links_are_the_links_url_for_builds(app, q, kind, filters):
    """facet_view builds its links on one base URL, not url_for per link (a tenth of the page's CPU): the
    links must be the very ones url_for builds, whatever the query and the filter values hold."""
    from flask import url_for

    from directory.public.services import facet_view
    from search.queries import SearchParams

    params = SearchParams(q=q, type=kind, filters=filters)
    with app.test_request_context():
        view = facet_view({"categories": {"知识 产权": 3, "法律&服务": 2}, "region": {"x": 1, "鲅鱼圈 区": 1}}, params)
        links = [(facet["param"], option["value"], option["href"]) for facet in view for option in facet["options"]]
        assert len(links) == 4
        for param, value, href in links:
            assert href == url_for("public.search_page", q=q, type=kind, **{**filters, param: value})
