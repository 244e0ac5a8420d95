"""通知公告 and 惠企政策 in their own index, against the real Meilisearch: publishing and retiring reach the index
through the outbox, a reindex rebuilds it, the Chinese analysis of the other indexes applies, and the database
fallback answers with the same filters and never widens (published only)."""

from __future__ import annotations

import pytest
from sqlmodel import select

from directory.notices import services as notices
from directory.notices.models import NoticeCategory
from directory.taxonomy.services import Vocabulary
from search import fallback
from search.client import SearchBackend
from search.drain import run_drain
from search.notices import NoticeParams, for_category, query_body, search_notices
from search.reindex import reindex
from tests.notices.helpers import notice, staff_user
from tests.search.test_sync import ids_in


def _ids(result):
    return {h["id"] for h in result.hits}


@pytest.fixture
def down(app):
    """Meilisearch unreachable for the app, for the length of a test."""
    saved = app.extensions["search"]
    app.extensions["search"] = SearchBackend(app.config["SETTINGS"].__class__(
        **{**app.config["SETTINGS"].__dict__, "meili_url": "http://127.0.0.1:9"}))
    yield
    app.extensions["search"] = saved


def test_publishing_indexes_a_notice_and_retiring_removes_it(db_session, search_backend):
    policy = notice(kind="policy", title="营口市知识产权质押融资补助办法", issuer="营口市市场监督管理局",
                    document_number="营市监发〔2026〕3号", categories=("知识产权",))
    draft = notice(title="尚未发布的通知", publish=False)
    assert run_drain(search=search_backend).failed == 0
    assert ids_in(search_backend, "notice") == {policy.id}
    doc = search_backend.admin_client().index(search_backend.index_uid("notice")).get_document(policy.id)
    assert doc.kind == "policy" and doc.document_number == "营市监发〔2026〕3号"
    assert doc.categories == ["知识产权"] and "识产" in doc.ngrams

    notices.retire(user=staff_user(), notice=policy)
    db_session.flush()
    run_drain(search=search_backend)
    assert ids_in(search_backend, "notice") == set()
    notices.publish(user=staff_user(), notice=draft)
    notices.publish(user=staff_user(), notice=policy)  # published again: back in the index
    db_session.flush()
    run_drain(search=search_backend)
    assert ids_in(search_backend, "notice") == {policy.id, draft.id}


def test_a_change_of_categories_reaches_the_document(db_session, search_backend):
    vocab = Vocabulary()
    policy = notice(kind="policy", title="首贷贴息办法", categories=("融资服务",))
    run_drain(search=search_backend)
    code = vocab.category("知识产权").code
    assert search_notices(NoticeParams(category_codes=(code,))).hits == []
    notices.update(user=staff_user(), notice=policy, data=notices.NoticeInput(
        title=policy.title, categories=[vocab.category("知识产权")]))
    db_session.flush()
    assert db_session.exec(select(NoticeCategory).where(NoticeCategory.notice_id == policy.id)).all()
    run_drain(search=search_backend)
    assert _ids(search_notices(NoticeParams(category_codes=(code,)))) == {policy.id}


@pytest.mark.parametrize("query", ["识产", "質押融資", "知识产权质押", "营市监发", "我们公司想申请知识产权质押融资的补助"])
def test_the_chinese_analysis_of_the_other_indexes_applies(db_session, search_backend, query):
    """A part of a word (the n-gram field), traditional script, a document number, a need typed as a sentence."""
    policy = notice(kind="policy", title="营口市知识产权质押融资补助办法", document_number="营市监发〔2026〕3号")
    notice(kind="policy", title="首贷贴息办法", summary="对首次获得贷款的企业给予贴息")
    run_drain(search=search_backend)
    result = search_notices(NoticeParams(q=query))
    assert not result.degraded
    assert [h["id"] for h in result.hits][:1] == [policy.id], query
    assert "<mark>" in result.hits[0]["highlight"]["title"] or query == "营市监发"


def test_without_a_query_the_newest_come_first_and_kinds_stay_apart(db_session, search_backend):
    first = notice(kind="policy", title="第一份政策")
    second = notice(kind="policy", title="第二份政策")
    announcement = notice(kind="notice", title="一则通知")
    second.published_at = first.published_at.replace(year=first.published_at.year + 1)
    db_session.flush()
    run_drain(search=search_backend)
    policies = search_notices(NoticeParams(kind="policy"))
    assert [h["id"] for h in policies.hits] == [second.id, first.id]
    assert _ids(search_notices(NoticeParams(kind="notice"))) == {announcement.id}
    assert _ids(search_notices(NoticeParams())) == {first.id, second.id, announcement.id}


@pytest.fixture
def published(db_session, search_backend):
    vocab = Vocabulary()
    sub = next(c for c in vocab.category("知识产权").children)
    made = {
        "parent": notice(kind="policy", title="知识产权资助政策", categories=("知识产权",)),
        "sub": notice(kind="policy", title=f"{sub.name}资助政策", categories=(sub.name,)),
        "other": notice(kind="policy", title="融资资助政策", categories=("融资服务",)),
        "notice": notice(kind="notice", title="资助申报通知"),
        "draft": notice(kind="policy", title="草稿资助政策", categories=("知识产权",), publish=False),
        "retired": notice(kind="policy", title="已废止资助政策", categories=("知识产权",)),
    }
    notices.retire(user=staff_user(), notice=made["retired"])
    db_session.flush()
    assert run_drain(search=search_backend).failed == 0
    db_session.expire_all()
    return {"vocab": vocab, "sub_category": sub, **made}


def _cases(p):
    vocab = p["vocab"]
    return [NoticeParams(), NoticeParams(kind="policy"), NoticeParams(kind="notice"),
            NoticeParams(kind="policy", **for_category(p["sub_category"])),
            NoticeParams(kind="policy", **for_category(vocab.category("知识产权"))),
            NoticeParams(kind="policy", **for_category(vocab.category("融资服务"))),
            NoticeParams(q="资助"), NoticeParams(q="资助", kind="policy", **for_category(p["sub_category"]))]


def test_the_fallback_finds_what_meilisearch_finds_and_never_more(published, app):
    expected = {
        1: {"parent", "sub", "other"}, 2: {"notice"}, 3: {"parent", "sub"}, 4: {"parent"}, 5: {"other"},
        7: {"parent", "sub"},
    }
    for number, params in enumerate(_cases(published)):
        real = search_notices(params)
        hits, total = fallback.notices(q=params.q, kind=params.kind, category_ids=params.category_ids,
                                       page=1, per_page=50)
        assert not real.degraded and total == len(hits)
        assert {h["id"] for h in hits} == _ids(real), params
        assert not {published["draft"].id, published["retired"].id} & _ids(real)
        if number in expected:
            assert _ids(real) == {published[k].id for k in expected[number]}, params


def test_search_degrades_to_the_database_when_meilisearch_is_down(published, down):
    result = search_notices(NoticeParams(q="资助", kind="policy"))
    assert result.degraded
    assert _ids(result) == {published[k].id for k in ("parent", "sub", "other")}  # no draft, no retired
    assert result.hits[0]["highlight"]["title"]


def test_an_unknown_category_finds_nothing_on_either_path(published, down):
    assert search_notices(NoticeParams(unknown_category=True)).hits == []


def test_reindex_rebuilds_the_notice_index(db_session, search_backend):
    kept = notice(kind="policy", title="重建索引的政策")
    notice(title="草稿通知", publish=False)
    client = search_backend.admin_client()
    task = client.index(search_backend.index_uid("notice")).add_documents([{"id": 999999, "title": "stale",
                                                                            "kind": "notice"}])
    client.wait_for_task(task.task_uid, timeout_in_ms=30000)
    counts = reindex(search=search_backend)
    assert counts["notice"] == 1
    assert ids_in(search_backend, "notice") == {kept.id}


def test_a_filter_value_is_quoted_not_parsed():
    body = query_body("notices", NoticeParams(kind='policy" OR kind = "notice', category_codes=("x\"y",)))
    assert body["filter"] == ['kind = "policy\\" OR kind = \\"notice"', ['category_codes = "x\\"y"']]
    assert body["sort"] == ["published_at:desc"]
    assert "sort" not in query_body("notices", NoticeParams(q="政策"))
