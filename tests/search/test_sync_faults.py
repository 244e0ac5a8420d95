"""The drain under faults: a poison record, a crashed drainer, two drainers at once, a hung Meilisearch."""

from __future__ import annotations

import os
import secrets
import signal
import threading
import time
from datetime import timedelta

import pytest
from sqlalchemy import update
from sqlmodel import select

from directory.core.creditcode import make_credit_code
from directory.core.db import commit_or_rollback
from directory.core.time import utcnow
from directory.extensions import db
from directory.institutions.models import Institution
from search import drain, lock, server
from search.documents import BUILDERS
from search.drain import run_drain
from search.indexes import ensure_indexes
from search.models import SearchOutbox, SearchSyncLock
from search.outbox import outbox_status
from tests import factories
from tests.concurrency import own_database
from tests.conftest import BACKENDS
from tests.search.test_sync import ids_in
from tests.test_cli import _write


def _make_due(session) -> None:
    """Let the backoff run out now (the test does not wait for it)."""
    session.execute(update(SearchOutbox).values(available_at=utcnow() - timedelta(seconds=1)))
    session.flush()


def test_a_record_whose_document_cannot_be_built_waits_alone(db_session, search_backend, runner, monkeypatch):
    good = factories.institution(name="营口正常建档有限公司")
    bad = factories.institution(name="营口坏数据有限公司")
    build_institution = BUILDERS["institution"]

    def broken_builder(obj):
        if obj.id == bad.id:
            raise ValueError("malformed record for the test")
        return build_institution(obj)

    monkeypatch.setitem(BUILDERS, "institution", broken_builder)
    result = run_drain(search=search_backend)
    assert result.failed == 1 and any("malformed record" in e for e in result.errors)
    assert ids_in(search_backend, "institution") == {good.id}  # the rest of the batch went in
    assert len(ids_in(search_backend, "offering")) == 2  # the broken institution's offering builds fine
    row = db_session.exec(select(SearchOutbox).where(SearchOutbox.entity_type == "institution",
                                                     SearchOutbox.entity_id == bad.id)).one()
    assert row.processed_at is None and row.attempts == 1 and "malformed record" in row.last_error
    assert row.available_at > utcnow() and row.claimed_by is None
    status = outbox_status()
    assert status["pending"] == 1 and status["failing"] == 1
    shown = runner.invoke(args=["search", "status"])
    assert f"institution {bad.id} (attempt 1): ValueError: malformed record" in shown.output
    # the next drain does not retry it before its backoff, and the queue does not wait behind it
    row.available_at = utcnow() + timedelta(minutes=1)  # still in its backoff, however slow this machine
    db_session.flush()
    later = factories.expert(name="李后来")
    assert run_drain(search=search_backend).failed == 0
    assert later.id in ids_in(search_backend, "expert")
    # once the record is mended it goes in
    monkeypatch.setitem(BUILDERS, "institution", build_institution)
    _make_due(db_session)
    assert run_drain(search=search_backend).failed == 0
    assert ids_in(search_backend, "institution") == {good.id, bad.id}
    assert outbox_status()["failing"] == 0


def test_a_document_meilisearch_refuses_waits_alone(db_session, search_backend, monkeypatch):
    records = [factories.institution(offerings=()) for _ in range(5)]
    bad = records[3]
    build_institution = BUILDERS["institution"]

    def refused_builder(obj):
        doc = build_institution(obj)
        if doc is not None and obj.id == bad.id:
            doc["id"] = "not a valid id!"  # Meilisearch refuses the whole task that carries it
        return doc

    monkeypatch.setitem(BUILDERS, "institution", refused_builder)
    result = run_drain(search=search_backend)
    assert result.failed == 1 and any("invalid_document_id" in e for e in result.errors)
    assert ids_in(search_backend, "institution") == {r.id for r in records} - {bad.id}
    row = db_session.exec(select(SearchOutbox).where(SearchOutbox.entity_id == bad.id)).one()
    assert row.attempts == 1 and "invalid_document_id" in row.last_error


def test_a_crashed_drainers_rows_are_picked_up_after_its_lease(db_session, search_backend):
    inst = factories.institution(name="营口中断同步有限公司")
    crashed = secrets.token_hex(16)
    assert lock.acquire(crashed)
    claimed = drain._claim(crashed, 1000)
    assert claimed  # ... and then the drainer dies without a word
    assert run_drain(search=search_backend).busy  # its lease still runs: nobody else pushes
    assert inst.id not in ids_in(search_backend, "institution")
    # the lease runs out
    past = utcnow() - timedelta(seconds=1)
    db_session.execute(update(SearchSyncLock).values(expires_at=past))
    db_session.execute(update(SearchOutbox).values(claimed_until=past))
    db_session.flush()
    result = run_drain(search=search_backend)
    assert not result.busy and result.failed == 0 and result.rows == len(claimed)
    assert inst.id in ids_in(search_backend, "institution")
    assert outbox_status()["pending"] == 0
    # were it to wake up, the old drainer could neither push nor mark anything
    with pytest.raises(lock.LostLock):
        lock.renew(crashed)
    assert drain._finish(crashed, claimed, {}, "late failure") == 0
    assert all(r.last_error == "" for r in db_session.exec(select(SearchOutbox)).all())


def _names_in_index(search_backend) -> dict[int, str]:
    client = search_backend.admin_client()
    hits = client.index(search_backend.index_uid("institution")).get_documents({"limit": 1000, "fields": ["id", "name"]})
    return {doc.id: doc.name for doc in hits.results}


def _names_in_db() -> dict[int, str]:
    return dict(db.session.exec(select(Institution.id, Institution.name)).all())


def _rename(app, inst_id: int, name: str) -> None:
    with app.app_context():
        with commit_or_rollback(db.session):
            db.session.get(Institution, inst_id).name = name


@pytest.mark.parametrize("backend", BACKENDS)
def test_a_slow_drainer_never_overwrites_a_newer_document(backend, tmp_path, meili, monkeypatch):
    """Drainer A reads the old state and is slow to push; the record changes; drainer B comes along. Without
    the lock B would push the new state and A the old one after it, and the index would stay behind."""
    with own_database(backend, tmp_path, meili, "o") as app:
        search = app.extensions["search"]
        with app.app_context():
            with commit_or_rollback(db.session):
                inst_id = factories.institution(name="营口初始名称有限公司").id
            assert run_drain(search=search).failed == 0
        _rename(app, inst_id, "营口第一次改名有限公司")

        built, go = threading.Event(), threading.Event()
        push_batch = drain._push_batch

        def slow_for_a(search_backend, batch, renew):
            if threading.current_thread().name == "drainer-a":
                built.set()
                assert go.wait(30)
            return push_batch(search_backend, batch, renew)

        monkeypatch.setattr(drain, "_push_batch", slow_for_a)
        results = []

        def drainer_a():
            with app.app_context():
                results.append(run_drain(search=search))

        a = threading.Thread(target=drainer_a, name="drainer-a")
        a.start()
        try:
            assert built.wait(30)  # A holds the first rename's document, not yet pushed
            _rename(app, inst_id, "营口第二次改名有限公司")
            with app.app_context():
                assert run_drain(search=search).busy  # B: one drainer at a time
        finally:
            go.set()
            a.join(60)
        assert results and results[0].failed == 0
        with app.app_context():
            assert run_drain(search=search).failed == 0  # the second rename, queued behind A
            assert _names_in_index(search) == _names_in_db() == {inst_id: "营口第二次改名有限公司"}


@pytest.mark.parametrize("backend", BACKENDS)
def test_concurrent_drainers_leave_the_index_equal_to_the_database(backend, tmp_path, meili):
    """Two drainers loop while a writer keeps renaming records; at the end every document is the record's."""
    with own_database(backend, tmp_path, meili, "c") as app:
        search = app.extensions["search"]
        with app.app_context():
            with commit_or_rollback(db.session):
                ids = [factories.institution(offerings=()).id for _ in range(6)]
            ensure_indexes(search, search.admin_client())
        stop = threading.Event()
        errors: list[BaseException] = []
        outcomes: list[drain.DrainResult] = []

        def drainer():
            try:
                with app.app_context():
                    while not stop.is_set():
                        outcomes.append(run_drain(search=search, batch_size=3))
                        db.session.remove()
                        time.sleep(0.01)
            except BaseException as exc:
                errors.append(exc)

        threads = [threading.Thread(target=drainer) for _ in range(2)]
        for t in threads:
            t.start()
        try:
            for round_ in range(12):
                for inst_id in ids:
                    _rename(app, inst_id, f"营口并发改名{inst_id}号第{round_}轮有限公司")
        finally:
            stop.set()
            for t in threads:
                t.join(60)
        assert not errors
        assert not any(o.errors for o in outcomes)
        assert any(o.busy for o in outcomes) or len(outcomes) >= 2
        with app.app_context():
            assert run_drain(search=search).failed == 0
            assert outbox_status()["pending"] == 0
            assert _names_in_index(search) == _names_in_db()


@pytest.fixture
def own_meili(tmp_path):
    """A Meilisearch of this test's own, to pause (SIGSTOP) without freezing the shared one."""
    settings_dir = tmp_path / "meili-own"
    from directory.settings import Settings

    settings = Settings.from_env({"MEILI_URL": "http://unused"}, instance_path=tmp_path / "inst-own")
    master_key = secrets.token_urlsafe(24)
    info, proc = server.start(server.find_binary(settings), data_dir=settings_dir, master_key=master_key,
                              detach=False)
    try:
        yield {"url": info.url, "master_key": master_key, "pid": proc.pid}
    finally:
        os.kill(proc.pid, signal.SIGCONT)
        proc.terminate()
        proc.wait(timeout=20)


def test_with_meilisearch_hung_writes_and_searches_answer_within_two_seconds(tmp_path, own_meili, capsys):
    """The drain is stuck inside a Meilisearch call (the server paused, not down): a write commits, a login
    (a writing request) answers, and searches and /healthz answer degraded, each well under two seconds."""
    with own_database("sqlite", tmp_path, own_meili, "h") as app:
        search = app.extensions["search"]
        with app.app_context():
            with commit_or_rollback(db.session):
                factories.institution(name="营口挂起检索测试有限公司")
                user = factories.user(role="staff")
            ensure_indexes(search, search.admin_client())
        drained: list[drain.DrainResult] = []

        def drain_in_background():
            with app.app_context():
                drained.append(run_drain(search=search))

        client = app.test_client()
        for url in ("/search?q=预热", "/api/v1/search?q=预热", "/healthz"):  # a running server's templates are compiled
            assert client.get(url).status_code == 200
        os.kill(own_meili["pid"], signal.SIGSTOP)
        drainer = threading.Thread(target=drain_in_background)
        figures: dict[str, float] = {}
        try:
            drainer.start()
            deadline = time.monotonic() + 10
            with app.app_context():  # wait until the drain has claimed its batch and is calling Meilisearch
                while not db.session.exec(select(SearchOutbox.id).where(SearchOutbox.claimed_by.is_not(None))).first():
                    db.session.rollback()
                    assert time.monotonic() < deadline
                    time.sleep(0.05)
                db.session.rollback()
            time.sleep(0.5)
            assert drainer.is_alive()

            started = time.monotonic()
            with app.app_context():
                with commit_or_rollback(db.session):
                    factories.institution(name="营口挂起期间新建有限公司")
            figures["write (commit)"] = time.monotonic() - started

            rows = [["营口挂起导入甲有限公司", make_credit_code("91", "210802", "MA0H0G01"), "代理记账", "站前区"],
                    ["营口挂起导入乙有限公司", make_credit_code("91", "210802", "MA0H0G02"), "代理记账", "站前区"]]
            started = time.monotonic()
            imported = app.test_cli_runner().invoke(args=["import", "institutions", str(_write(tmp_path / "i.csv", rows)),
                                                          "--admit"])
            figures["import (CLI, 2 rows)"] = time.monotonic() - started
            assert imported.exit_code == 0, imported.output

            started = time.monotonic()
            login = client.post("/login", data={"login": user.email, "password": factories.PASSWORD})
            figures["login POST"] = time.monotonic() - started
            assert login.status_code == 302

            started = time.monotonic()
            page = client.get("/search?q=挂起检索")
            figures["search page"] = time.monotonic() - started
            assert page.status_code == 200 and 'id="degraded-notice"' in page.get_data(as_text=True)
            assert "营口挂起检索测试有限公司" in page.get_data(as_text=True)

            started = time.monotonic()
            api = client.get("/api/v1/search?q=挂起检索")
            figures["/api/v1/search"] = time.monotonic() - started
            assert api.status_code == 200 and api.get_json()["degraded"] is True
            assert [h["name"] for h in api.get_json()["hits"]] == ["营口挂起检索测试有限公司"]

            started = time.monotonic()
            health = client.get("/healthz")
            figures["/healthz"] = time.monotonic() - started
            assert health.get_json()["search"] == "degraded" and health.get_json()["outbox_pending"] >= 2
            assert drainer.is_alive()  # all of the above while the drain still waits on Meilisearch
        finally:
            os.kill(own_meili["pid"], signal.SIGCONT)
            drainer.join(60)
        with capsys.disabled():
            print(  # noqa: T201 (the figures the issue asks for)
                "\nwith Meilisearch hung: " + ", ".join(f"{k} {v:.2f} s" for k, v in figures.items()))
        assert all(v < 2.0 for v in figures.values()), figures
        # once the server resumes everything catches up
        with app.app_context():
            run_drain(search=search)
            db.session.execute(update(SearchOutbox).values(available_at=utcnow()))
            db.session.commit()
            assert run_drain(search=search).failed == 0
            assert outbox_status()["pending"] == 0
            assert len(ids_in(search, "institution")) == 4
