"""A term in use is never deleted silently; renames reach the index of every record using the term."""

import pytest
from sqlmodel import select

from directory.core.errors import AlreadyExists, InvalidInput, NotFound
from directory.taxonomy import services as taxonomy
from directory.taxonomy.models import Category, Region
from directory.term_usage import services
from search.drain import run_drain
from search.models import SearchOutbox
from search.queries import SearchParams
from search.service import search
from tests import factories


def test_a_category_is_deleted_after_its_sub_categories(db_session):
    top = taxonomy.add_term(kind="category", name="数据合规", name_en="Data compliance")
    child = taxonomy.add_term(kind="category", name="数据出境评估", parent_id=top.id)
    with pytest.raises(services.TermInUse):
        services.delete_term(kind="category", term_id=top.id)  # it has a sub-category
    services.delete_term(kind="category", term_id=child.id)
    services.delete_term(kind="category", term_id=top.id)
    assert db_session.exec(select(Category).where(Category.name == "数据合规")).first() is None
    with pytest.raises(NotFound):
        services.delete_term(kind="category", term_id=top.id)


def test_a_term_in_use_is_not_deleted(db_session):
    factories.institution(categories=("专利代理",), industries=("乐器",))
    vocab_id = db_session.exec(select(Category).where(Category.name == "专利代理")).one().id
    assert services.usage_count(kind="category", term_id=vocab_id) == 2  # the institution and its offering
    with pytest.raises(services.TermInUse) as exc:
        services.delete_term(kind="category", term_id=vocab_id)
    assert "专利代理" in str(exc.value.message)  # the message names the term


def test_rename_rules(db_session):
    term = db_session.exec(select(Category).where(Category.name == "专利代理")).one()
    with pytest.raises(AlreadyExists):
        services.rename_term(kind="category", term_id=term.id, name="商标代理")
    with pytest.raises(InvalidInput):
        services.rename_term(kind="category", term_id=term.id, name="  ")
    with pytest.raises(NotFound):
        services.rename_term(kind="category", term_id=999_999, name="专利申请代理")


def test_rename_queues_every_record_using_the_term(db_session):
    inst = factories.institution(region="盖州市", offerings=())
    expert = factories.expert(region="盖州市")
    region = db_session.exec(select(Region).where(Region.name == "盖州市")).one()
    assert sorted(services.indexed_users(kind="region", term_id=region.id)) == [
        ("expert", expert.id), ("institution", inst.id)]
    last = max(r.id for r in db_session.exec(select(SearchOutbox)).all())
    services.rename_term(kind="region", term_id=region.id, name="盖州")
    queued = [(r.entity_type, r.entity_id) for r in db_session.exec(
        select(SearchOutbox).where(SearchOutbox.id > last)).all()]  # the rename's own rows
    assert sorted(queued) == [("expert", expert.id), ("institution", inst.id)]


def test_rename_reaches_the_search_index(db_session, search_backend):
    factories.institution(name="营口改类测试有限公司", categories=("专利代理",))
    run_drain(search=search_backend)
    term = db_session.exec(select(Category).where(Category.name == "专利代理")).one()
    services.rename_term(kind="category", term_id=term.id, name="专利申请代理")
    assert run_drain(search=search_backend).failed == 0
    hits = search(SearchParams(type="institution", filters={"category": "专利申请代理"})).hits
    assert [h["name"] for h in hits] == ["营口改类测试有限公司"]
