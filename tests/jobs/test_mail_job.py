"""Mail leaves through the queue: a commit that wrote mail asks for one delivery job, a real consumer sends it to a
real SMTP server (aiosmtpd), and a mail that met a closed server is sent by the queue once the server is back."""

from __future__ import annotations

import time
import uuid
from datetime import timedelta

import pytest
from sqlalchemy import update
from sqlmodel import select

from directory.core.db import commit_or_rollback
from directory.core.time import utcnow
from directory.extensions import db
from directory.jobs.tasks import MAIL, MAIL_POLL
from directory.notifications.models import OutgoingMail
from tests import factories
from tests.conftest import BACKENDS, dispose_test_app, make_test_app
from tests.notifications.conftest import SMTPServer, use_mail


@pytest.fixture(scope="module", params=BACKENDS)
def mail_app(request, tmp_path_factory, meili):
    """An app of this module's own: the consumer's threads commit for real, on connections of their own (the
    suite's db_session would bind them all to one test transaction), and their mails must not leak."""
    app, schema = make_test_app(request.param, tmp_path_factory.mktemp("mailjob"), meili, f"m{uuid.uuid4().hex[:8]}_")
    with app.app_context(), commit_or_rollback(db.session):
        factories.user(email="known@example.cn")
    yield app
    dispose_test_app(app, schema)


@pytest.fixture
def fresh(mail_app):
    """No mail left by the test before."""
    yield mail_app
    with mail_app.app_context(), commit_or_rollback(db.session):
        db.session.execute(OutgoingMail.__table__.delete())  # type: ignore[attr-defined]


def _wait(predicate, timeout=20.0):
    deadline = time.monotonic() + timeout
    while not predicate():
        assert time.monotonic() < deadline, "the consumer did not deliver in time"
        time.sleep(0.05)


def _forgot(client) -> float:
    started = time.perf_counter()
    assert client.post("/password/forgot", data={"login": "known@example.cn"}).status_code == 302
    return time.perf_counter() - started


def _rows(app) -> list[OutgoingMail]:
    with app.app_context():
        rows = list(db.session.exec(select(OutgoingMail).order_by(OutgoingMail.id)).all())  # type: ignore[arg-type]
        db.session.expunge_all()
        return rows


@pytest.mark.parametrize("storage", ["sqlite", "redis"])
def test_a_commit_that_wrote_mail_asks_for_one_delivery_job(fresh, make_engine, storage):
    engine = make_engine(fresh, storage)
    client = fresh.test_client()
    assert client.get("/").status_code == 200
    assert engine.huey.pending_count() == 0  # a commit that wrote no mail asks for nothing
    _forgot(client)
    _forgot(client)
    assert [task.name for task in engine.huey.pending()] == [MAIL]  # two mails, one job


@pytest.mark.parametrize("storage", ["sqlite", "redis"])
def test_the_queue_delivers_mail_and_catches_up_after_smtp_was_down(fresh, make_engine, storage):
    app = fresh
    engine = make_engine(app, storage)
    client = app.test_client()
    server = SMTPServer()  # its port is closed until it starts
    consumer = engine.consumer(workers=1, embedded=True)
    consumer.start()
    try:
        with use_mail(app, MAIL_SERVER="127.0.0.1", MAIL_PORT=server.port, MAIL_TIMEOUT=1.0):
            elapsed = _forgot(client)
            assert elapsed < 1.0, elapsed  # the request never waits on SMTP
            _wait(lambda: _rows(app)[0].attempts == 1)  # the job ran, met the closed port, kept the mail
            assert _rows(app)[0].sent_at is None
            server.start()
            with app.app_context(), commit_or_rollback(db.session):  # as if the back-off had passed
                db.session.execute(update(OutgoingMail).values(available_at=utcnow() - timedelta(seconds=1)))
            engine.enqueue(MAIL_POLL)  # what the minute's poll does
            _wait(lambda: _rows(app)[0].sent_at is not None)
            assert [m["To"] for m in server.messages] == ["known@example.cn"]
            _forgot(client)  # with the server up, the commit's own job sends it
            _wait(lambda: len(server.messages) == 2)
            engine.enqueue(MAIL_POLL)
            time.sleep(0.5)
            assert len(server.messages) == 2  # nothing is sent twice
    finally:
        consumer.stop(graceful=True)
        server.stop()
