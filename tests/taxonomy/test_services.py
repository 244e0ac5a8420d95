"""Staff maintain the classification: adding terms, at two category levels, under unique names."""

import pytest
from sqlmodel import select

from directory.core.errors import AlreadyExists, InvalidInput
from directory.taxonomy import services
from directory.taxonomy.models import Category


def test_add_rules(db_session):
    top = services.add_term(kind="category", name="数据合规", name_en="Data compliance")
    child = services.add_term(kind="category", name="数据出境评估", parent_id=top.id)
    assert child.parent_id == top.id and top in services.top_categories()
    with pytest.raises(InvalidInput):
        services.add_term(kind="category", name="三级类别", parent_id=child.id)  # two levels only
    with pytest.raises(AlreadyExists):
        services.add_term(kind="industry", name="钢铁")
    assert db_session.exec(select(Category).where(Category.name == "数据出境评估")).one().parent_id == top.id


def test_taxonomy_page(client, auth, db_session):
    auth.login("staff")
    assert "数字化转型与工业互联网" in client.get("/admin/taxonomy").get_data(as_text=True)
    assert client.post("/admin/taxonomy/industry", data={"name": "氢能", "name_en": "Hydrogen"}).status_code == 302
    response = client.post("/admin/taxonomy/industry", data={"name": "氢能"})
    assert response.status_code == 409
