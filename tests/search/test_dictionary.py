import pytest
from sqlmodel import select

from directory.core.errors import AlreadyExists, InvalidInput
from search import dictionary
from search.drain import run_drain
from search.models import SearchOutbox
from search.queries import SearchParams
from search.service import search
from tests import factories


def test_groups_map_every_term_to_the_others(db_session):
    dictionary.add_synonyms(terms=["甲词", "乙词", "丙词"])
    settings = dictionary.meili_settings()
    assert settings["synonyms"]["甲词"] == ["乙词", "丙词"]
    assert settings["synonyms"]["丙词"] == ["甲词", "乙词"]
    assert "我们" in settings["stopWords"]  # the defaults loaded by seed taxonomy


@pytest.mark.parametrize("terms", [["专利"], ["专利", " 专利 "], ["", "  "], ["x" * 41, "y"]])
def test_invalid_groups(db_session, terms):
    with pytest.raises(InvalidInput):
        dictionary.add_synonyms(terms=terms)


def test_stop_word_rules(db_session):
    dictionary.add_stop_word(word="之类")
    with pytest.raises(AlreadyExists):
        dictionary.add_stop_word(word="之类")
    with pytest.raises(InvalidInput):
        dictionary.add_stop_word(word="两 个词")


def test_changes_queue_a_settings_push(db_session):
    dictionary.add_stop_word(word="之类")
    assert db_session.exec(select(SearchOutbox).where(SearchOutbox.entity_type == "dictionary")).first()


def test_load_defaults_is_idempotent(db_session):
    assert dictionary.load_defaults() == 0


def test_a_new_synonym_reaches_meilisearch_through_the_outbox(db_session, search_backend):
    factories.institution(name="营口甲乙咨询有限公司", description="擅长精益生产改善", categories=("质量与精益管理",))
    run_drain(search=search_backend)
    assert search(SearchParams(q="丰田生产方式")).hits == []
    dictionary.add_synonyms(terms=["丰田生产方式", "精益生产"])
    assert run_drain(search=search_backend).failed == 0
    assert [h["name"] for h in search(SearchParams(q="丰田生产方式", type="institution")).hits] == ["营口甲乙咨询有限公司"]


def test_staff_manage_the_dictionary_in_the_back_office(client, auth, db_session):
    auth.login("staff")
    response = client.post("/admin/search/synonyms", data={"terms": "精益、丰田生产方式"})
    assert response.status_code == 302
    assert any(g.terms == ["精益", "丰田生产方式"] for g in dictionary.synonym_groups())
    response = client.post("/admin/search/synonyms", data={"terms": "只有一个词"})
    assert response.status_code == 422 and "至少" in response.get_data(as_text=True)
    response = client.post("/admin/search/stopwords", data={"word": "之类"})
    assert response.status_code == 302
    assert "之类" in client.get("/admin/search").get_data(as_text=True)
