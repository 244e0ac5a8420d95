"""Staff maintain the classification; a term in use is never deleted silently; renames reach the index."""

import pytest
from sqlmodel import select

from directory.core.errors import AlreadyExists, InvalidInput
from directory.taxonomy import services
from directory.taxonomy.models import Category
from search.queries import SearchParams
from search.service import search
from search.sync import drain
from tests import factories


def test_add_rename_delete_rules(db_session):
    top = services.add_term(kind="category", name="数据合规", name_en="Data compliance")
    child = services.add_term(kind="category", name="数据出境评估", parent_id=top.id)
    assert child.parent_id == top.id and top in services.top_categories()
    with pytest.raises(InvalidInput):
        services.add_term(kind="category", name="三级类别", parent_id=child.id)  # two levels only
    with pytest.raises(AlreadyExists):
        services.add_term(kind="industry", name="钢铁")
    with pytest.raises(services.TermInUse):
        services.delete_term(kind="category", term_id=top.id)  # it has a sub-category
    services.delete_term(kind="category", term_id=child.id)
    services.delete_term(kind="category", term_id=top.id)
    assert db_session.exec(select(Category).where(Category.name == "数据合规")).first() is None


def test_a_term_in_use_is_not_deleted(db_session):
    factories.institution(categories=("专利代理",), industries=("乐器",))
    vocab_id = db_session.exec(select(Category).where(Category.name == "专利代理")).one().id
    with pytest.raises(services.TermInUse) as exc:
        services.delete_term(kind="category", term_id=vocab_id)
    assert "专利代理" in str(exc.value.message)


def test_rename_reaches_the_search_index(db_session, search_backend):
    factories.institution(name="营口改类测试有限公司", categories=("专利代理",))
    drain(search=search_backend)
    term = db_session.exec(select(Category).where(Category.name == "专利代理")).one()
    services.rename_term(kind="category", term_id=term.id, name="专利申请代理")
    assert drain(search=search_backend).failed == 0
    hits = search(SearchParams(type="institution", filters={"category": "专利申请代理"})).hits
    assert [h["name"] for h in hits] == ["营口改类测试有限公司"]


def test_taxonomy_page(client, auth, db_session):
    auth.login("staff")
    assert "数字化转型与工业互联网" in client.get("/admin/taxonomy").get_data(as_text=True)
    assert client.post("/admin/taxonomy/industry", data={"name": "氢能", "name_en": "Hydrogen"}).status_code == 302
    response = client.post("/admin/taxonomy/industry", data={"name": "氢能"})
    assert response.status_code == 409
