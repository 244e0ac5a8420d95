"""The production topology, started from the Procfile: gunicorn with three workers and two `worker` processes on
PostgreSQL, Redis and a Meilisearch of this test's own, while records change and parts fail.

Faults: Meilisearch paused (SIGSTOP) for three seconds while commits keep coming and then resumed; a `worker`
killed (SIGKILL) in the middle of an index drain (Meilisearch paused again, so the drainer is blocked in a call
holding the sync lock and its claimed outbox rows) and a replacement started, as systemd would; a gunicorn worker
killed (the master starts a new one). At the end the index equals the database exactly, every mail arrived once,
and a periodic job enqueued by several schedulers for one tick ran once.

The sync lease is short here (SEARCH_SYNC_LEASE=8: the admin client's timeout is 2 s), so the killed drainer's rows
are taken over by the other worker within seconds; the records it was pushing are renamed again before that, so an
older document pushed late would show as a wrong name at the end. No mail is pending while that worker is killed:
a mail it had claimed would wait out the mail lease (minutes), and one killed between the server's "250" and the
row's mark would be sent twice (mail.py's docstring: SMTP gives no exactly-once across a lost process), which this
test cannot make impossible, only absent. A worker killed while it sends mail: tests/notifications/test_mail_kill.py.
"""

from __future__ import annotations

import collections
import dataclasses
import os
import secrets
import shlex
import signal
import subprocess
import sys
import time
import urllib.parse
import urllib.request
import uuid
from collections.abc import Callable, Iterator
from contextlib import ExitStack
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from sqlalchemy import func, text
from sqlmodel import col, select

from directory import create_app
from directory.core.db import commit_or_rollback
from directory.core.time import utcnow
from directory.extensions import db
from directory.settings import Settings
from search import server
from tests import factories
from tests.conftest import TEST_DATABASE_URL, _database_url
from tests.jobs.conftest import redis_url
from tests.notifications.conftest import SMTPServer, free_port

pytestmark = pytest.mark.postgres

PROJECT_ROOT = Path(__file__).resolve().parents[1]
BIN = Path(sys.executable).parent
RECORDS = 30
BATCH = 5


def procfile() -> dict[str, list[str]]:
    commands = {}
    for line in (PROJECT_ROOT / "Procfile").read_text().splitlines():
        if line.strip() and not line.startswith("#"):
            name, _, command = line.partition(":")
            argv = shlex.split(command)
            commands[name.strip()] = [str(BIN / argv[0]), *argv[1:]]
    return commands


def wait_for(what: str, check: Callable[[], Any], timeout: float, *, alive: Callable[[], None] = lambda: None) -> Any:
    deadline = time.monotonic() + timeout
    while True:
        value = check()
        if value:
            return value
        alive()
        assert time.monotonic() < deadline, f"timed out waiting for {what}"
        time.sleep(0.2)


def get(url: str, timeout: float = 10) -> int:
    return fetch(url, timeout)[0]


def fetch(url: str, timeout: float = 10) -> tuple[int, str]:
    with urllib.request.urlopen(urllib.parse.quote(url, safe=":/?=&"), timeout=timeout) as response:  # noqa: S310 (our own loopback server)
        return int(response.status), response.read().decode()


def children(pid: int) -> list[int]:
    found: list[int] = []
    for task in Path(f"/proc/{pid}/task").iterdir():
        found += [int(c) for c in (task / "children").read_text().split()]
    return found


class Topology:
    """The processes of the Procfile, each in its own process group, output kept in files for a failure."""

    def __init__(self, env: dict[str, str], logs: Path):
        self.env, self.logs = env, logs
        self.commands = procfile()
        self.procs: list[tuple[str, subprocess.Popen[bytes]]] = []

    def start(self, name: str) -> subprocess.Popen[bytes]:
        log = open(self.logs / f"{name}-{len(self.procs)}.log", "wb")  # noqa: SIM115 (kept by the child)
        proc = subprocess.Popen(self.commands[name], cwd=PROJECT_ROOT, env=self.env, stdout=log,
                                stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL, start_new_session=True)
        log.close()
        self.procs.append((name, proc))
        return proc

    def check_alive(self, procs: list[subprocess.Popen[bytes]]) -> None:
        for proc in procs:
            assert proc.poll() is None, f"{proc.args} exited with {proc.returncode}: {self.output()}"

    def output(self) -> str:
        return "\n".join(f"--- {p.name}\n{p.read_text(errors='replace')[-3000:]}" for p in sorted(self.logs.glob("*.log")))

    def stop(self) -> None:
        for _name, proc in self.procs:
            if proc.poll() is None:
                os.killpg(proc.pid, signal.SIGTERM)
        for _name, proc in self.procs:
            try:
                proc.wait(timeout=15)
            except subprocess.TimeoutExpired:
                os.killpg(proc.pid, signal.SIGKILL)
                proc.wait(timeout=10)


@pytest.fixture
def world(tmp_path: Path) -> Iterator[dict[str, Any]]:
    if not TEST_DATABASE_URL:
        pytest.skip("needs TEST_DATABASE_URL")
    redis = redis_url()
    with ExitStack() as stack:
        key = secrets.token_urlsafe(24)
        meili_settings = Settings.from_env({"MEILI_URL": "http://unused"}, instance_path=tmp_path / "m")
        info, meili = server.start(server.find_binary(meili_settings), data_dir=tmp_path / "meili", master_key=key,
                                   detach=False)

        def stop_meili() -> None:
            meili.send_signal(signal.SIGCONT)
            meili.terminate()
            meili.wait(timeout=20)
        stack.callback(stop_meili)
        smtp = SMTPServer()
        smtp.start()
        stack.callback(smtp.stop)
        url, schema = _database_url("postgresql", tmp_path)
        web_port = free_port()
        env = {**os.environ, "PATH": f"{BIN}{os.pathsep}{os.environ.get('PATH', '')}",
               "DATABASE_URL": url, "MEILI_URL": info.url, "MEILI_MASTER_KEY": key,
               "MEILI_INDEX_PREFIX": f"p{uuid.uuid4().hex[:8]}_", "REDIS_URL": redis,
               "JOBS_QUEUE": f"topo{uuid.uuid4().hex[:10]}", "APP_ENV": "production", "SECRET_KEY": "topology-test",
               "SITE_URL": "https://qiye.example", "INSTANCE_PATH": str(tmp_path / "instance"),
               "MAIL_SERVER": "127.0.0.1", "MAIL_PORT": str(smtp.port), "MAIL_TIMEOUT": "5",
               "RATELIMIT_ENABLED": "0", "GUNICORN_BIND": f"127.0.0.1:{web_port}", "WEB_CONCURRENCY": "3",
               "LOG_LEVEL": "info", "SEARCH_SYNC_LEASE": "8"}
        # The test's own app on the same schema and queue (its log setup left as the suite has it).
        settings = dataclasses.replace(Settings.from_env({**env, "APP_ENV": "development", "JOBS_EMBEDDED": "0"}),
                                       ratelimit_enabled=False)
        app = create_app(settings)

        def drop() -> None:
            engine = app.extensions["jobs"]
            engine.huey.flush()
            engine.huey.storage.pool.disconnect()
            database = app.extensions["database_engine"]
            with database.begin() as conn:
                conn.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
            database.dispose()
        stack.callback(drop)
        from alembic import command

        from directory.cli import alembic_config

        with app.app_context():
            command.upgrade(alembic_config(url), "head")  # type: ignore[arg-type]
            from directory.taxonomy.services import load_taxonomy

            load_taxonomy()
            from search.dictionary import load_defaults

            load_defaults()
            db.session.commit()
        topology = Topology(env, tmp_path)
        stack.callback(topology.stop)
        yield {"app": app, "topology": topology, "meili": meili, "smtp": smtp,
               "base": f"http://127.0.0.1:{web_port}"}


def test_the_procfile_topology_keeps_index_and_mail_exact_through_faults(world: dict[str, Any]) -> None:
    from directory.engagements.models import Engagement
    from directory.jobs.models import JobRun
    from directory.notifications.models import Notification, OutgoingMail
    from directory.notifications.services import send_mail
    from search.indexes import build
    from search.models import SearchOutbox, SearchSyncLock
    from search.reindex import _all_ids

    app: Flask = world["app"]
    topology: Topology = world["topology"]
    meili: subprocess.Popen[bytes] = world["meili"]
    smtp: SMTPServer = world["smtp"]
    base: str = world["base"]

    web = topology.start("web")
    workers = [topology.start("worker"), topology.start("worker")]
    alive = lambda: topology.check_alive([web, *workers])  # noqa: E731

    def up() -> bool:
        try:
            return get(f"{base}/healthz", timeout=2) == 200
        except OSError:
            return False
    wait_for("gunicorn", up, 60, alive=alive)
    wait_for("three gunicorn workers", lambda: len(children(web.pid)) == 3, 30, alive=alive)

    mails_written = 0

    def change(batch: int, *, rename: list[int] | None = None, mail: bool = True) -> list[int]:
        """One commit: new institutions or renamed ones, and two mails (each enqueues its job after the commit)."""
        nonlocal mails_written
        with app.app_context(), commit_or_rollback(db.session):
            made = []
            if rename is None:
                made = [factories.institution(name=f"营口拓扑测试机构{batch}-{i}有限公司").id for i in range(BATCH)]
            else:
                from directory.institutions.models import Institution

                for inst_id in rename:
                    inst = db.session.get_one(Institution, inst_id)
                    inst.name = f"{inst.name}（改{batch}）"
                    db.session.add(inst)
            for i in range(2 if mail else 0):
                send_mail(to=f"topo{batch}-{i}@mail.example.cn", subject=f"拓扑测试 {batch}-{i}", body="正文")
                mails_written += 1
        return made

    def quiet() -> bool:
        """No change waits for the index, no mail for the server, and no drainer holds the sync lock."""
        with app.app_context():
            outbox = db.session.exec(select(func.count()).select_from(SearchOutbox)
                                     .where(col(SearchOutbox.processed_at).is_(None))).one()
            mail = db.session.exec(select(func.count()).select_from(OutgoingMail)
                                   .where(col(OutgoingMail.sent_at).is_(None))).one()
            held = db.session.exec(select(func.count()).select_from(SearchSyncLock)
                                   .where(col(SearchSyncLock.holder).is_not(None))).one()
            db.session.rollback()
            return outbox == 0 and mail == 0 and held == 0

    ids: list[int] = []
    batch = 0
    for _ in range(RECORDS // BATCH // 2):
        batch += 1
        ids += change(batch)
        assert get(f"{base}/search?q=营口") == 200

    # Meilisearch stops answering for three seconds while commits and searches go on.
    meili.send_signal(signal.SIGSTOP)
    try:
        for _ in range(2):
            batch += 1
            ids += change(batch)
        time.sleep(3)
    finally:
        meili.send_signal(signal.SIGCONT)
    assert get(f"{base}/search?q=营口") == 200

    # A worker dies in the middle of a drain: Meilisearch is paused again, a commit renames two records, and the
    # worker whose drainer holds the sync lock, blocked in a call with those rows claimed, is killed.
    wait_for("the queue to go quiet", quiet, 60, alive=alive)
    lease = 8.0

    def blocked_drainer() -> tuple[str, int] | None:
        """The lock's holder, when it renewed the lease less than half a second ago (so it is in a call that cannot
        end for another 1.5 s: Meilisearch is stopped) and has claimed rows."""
        with app.app_context():
            row = db.session.exec(select(SearchSyncLock.holder, SearchSyncLock.expires_at)
                                  .where(col(SearchSyncLock.holder).is_not(None))).first()
            claimed = row and db.session.exec(select(func.count()).select_from(SearchOutbox).where(
                SearchOutbox.claimed_by == row[0], col(SearchOutbox.processed_at).is_(None))).one()
            db.session.rollback()
        if not row or not claimed or (row[1].replace(tzinfo=None) - utcnow().replace(tzinfo=None)).total_seconds() < lease - 0.5:
            return None
        return row[0], int(row[0].split("-")[0])

    renamed = [ids[0], ids[3]]  # both among the records renamed again below: the count of "（改" holds
    meili.send_signal(signal.SIGSTOP)
    try:
        batch += 1
        change(batch, rename=renamed, mail=False)
        token, pid = wait_for("a drainer blocked on Meilisearch", blocked_drainer, 30, alive=alive)
        victim_index = [w.pid for w in workers].index(pid)
        workers[victim_index].kill()
        workers[victim_index].wait(timeout=10)
        with app.app_context():
            assert db.session.exec(select(SearchSyncLock.holder)).one() == token  # died holding the lock ...
            assert db.session.exec(select(func.count()).select_from(SearchOutbox)
                                   .where(SearchOutbox.claimed_by == token)).one()  # ... and its rows
            db.session.rollback()
        # Renamed again while the dead drainer's rows and lock wait out their lease: its documents are older.
        batch += 1
        change(batch, rename=renamed, mail=False)
    finally:
        meili.send_signal(signal.SIGCONT)
    workers[victim_index] = topology.start("worker")

    def taken_over() -> bool:
        with app.app_context():
            holders = db.session.exec(select(SearchSyncLock.holder)).all()
            left = db.session.exec(select(func.count()).select_from(SearchOutbox)
                                   .where(SearchOutbox.claimed_by == token)).one()
            db.session.rollback()
        return token not in holders and left == 0
    wait_for("the dead drainer's lock and rows to be taken over", taken_over, 75, alive=alive)  # the lease, or at worst the minute's poll
    while len(ids) < RECORDS:
        batch += 1
        ids += change(batch)

    # A web worker dies; the master starts another, and every request is answered meanwhile.
    victim = children(web.pid)[0]
    os.kill(victim, signal.SIGKILL)
    for inst_id in ids[: RECORDS // 2 : 3]:
        batch += 1
        change(batch, rename=[inst_id])
        assert get(f"{base}/search?q=拓扑") == 200
        assert get(f"{base}/institutions/{inst_id}") == 200
    wait_for("a new gunicorn worker", lambda: len(children(web.pid)) == 3 and victim not in children(web.pid), 30,
             alive=alive)

    # One tick of the daily reminder, enqueued by four schedulers (as four workers' schedulers would).
    with app.app_context(), commit_or_rollback(db.session):
        provider = factories.institution(name="营口拓扑提醒机构有限公司")
        provider_user = factories.user(role="institution", institution_id=provider.id)
        factories.engagement(institution_obj=provider)
        provider_email = provider_user.email
    for _ in range(4):
        app.extensions["jobs"].tasks["records.remind-requests"]()

    def reminded() -> bool:
        with app.app_context():
            run = db.session.exec(select(JobRun).where(JobRun.name == "records.remind-requests")).first()
            db.session.rollback()
            return run is not None and run.finished_at is not None
    wait_for("the reminder", reminded, 30, alive=alive)
    wait_for("the index and the mail to catch up", quiet, 60, alive=alive)
    time.sleep(2)  # the other three copies of the reminder have run (and found the tick taken)
    assert quiet()
    alive()

    with app.app_context():
        # The index equals the database: every record's public document, and nothing else.
        search = app.extensions["search"]
        search.resolve_keys()
        client = search.admin_client()
        for kind, uid in search.index_uids().items():
            docs, _gone, broken = build(kind, set(_all_ids(kind)))
            assert not broken
            indexed = client.index(uid).get_documents({"limit": 10000}).results
            assert {d.id: dict(d) for d in indexed} == dict(docs), kind
            if kind == "institution":
                assert len(docs) == RECORDS + 1
                names = {doc["name"] for _i, doc in docs}
                assert sum("（改" in name for name in names) == len(ids[: RECORDS // 2 : 3])

        runs = db.session.exec(select(JobRun).where(JobRun.name == "records.remind-requests")).all()
        assert [r.result for r in runs] == ["1 service requests reminded"]
        assert len(db.session.exec(select(Notification).where(Notification.kind == "engagement.reminder")).all()) == 1
        engagement = db.session.exec(select(Engagement).where(Engagement.institution_id == provider.id)).one()
        assert engagement.reminded_at is not None

        rows = db.session.exec(select(OutgoingMail)).all()
        assert all(r.sent_at is not None and r.failed_at is None for r in rows)
        expected = collections.Counter((r.to_address, r.subject) for r in rows)
        db.session.rollback()

    status, page = fetch(f"{base}/search?q=拓扑提醒")
    assert status == 200 and "营口拓扑提醒机构有限公司" in page  # through gunicorn, from the index

    # A long non-ASCII subject is folded right after "Subject:", which the parser reads back with a space.
    received = collections.Counter((m["To"], m["Subject"].strip()) for m in smtp.messages)
    assert received == expected  # every mail once, none twice, none lost
    assert len(received) == mails_written + 1
    assert sum(1 for to, _subject in received if to == provider_email) == 1
