"""A worker killed (SIGKILL) while it sends mail: its claimed mails are neither lost nor sent twice.

The worker here is a real process blocked on an SMTP server that never answers, so it dies after claiming its
mails and before any server took them. Its lease keeps every other delivery off those mails until the lease
ends; then one delivery sends each once. What no test can rule out, and mail.py's docstring says: a worker killed
between the server's "250" and its own mark of the row leaves a mail the server has, which is sent again after the
lease (SMTP has no exactly-once across a lost process)."""

from __future__ import annotations

import dataclasses
import multiprocessing
import os
import signal
import time
from datetime import timedelta
from typing import Any

import pytest
from sqlalchemy import update
from sqlmodel import col, func, select

from directory.core.db import commit_or_rollback
from directory.core.time import utcnow
from directory.extensions import db
from directory.notifications.mail import deliver_due
from directory.notifications.models import OutgoingMail
from directory.notifications.services import send_mail
from tests.concurrency import own_database
from tests.conftest import BACKENDS
from tests.notifications.conftest import HungServer, SMTPServer, use_mail

MAILS = 3


def _deliver(settings: Any) -> None:
    """A worker's delivery run in a process of its own (killed by the test while it waits on the server)."""
    from directory import create_app

    app = create_app(settings)
    with app.app_context():
        deliver_due()


def _claimed() -> int:
    n = db.session.exec(select(func.count()).select_from(OutgoingMail)
                        .where(col(OutgoingMail.claimed_until) > utcnow(), col(OutgoingMail.sent_at).is_(None))).one()
    db.session.rollback()
    return int(n)


@pytest.mark.parametrize("backend", BACKENDS)
def test_a_worker_killed_while_sending_loses_no_mail_and_sends_none_twice(backend, tmp_path, meili):
    hung = HungServer()
    try:
        with own_database(backend, tmp_path, meili, "mailkill") as app:
            with app.app_context(), commit_or_rollback(db.session):
                for n in range(MAILS):
                    send_mail(to=f"k{n}@example.cn", subject=f"中断{n}", body="正文")
            settings = dataclasses.replace(app.config["SETTINGS"], mail_server="127.0.0.1", mail_port=hung.port,
                                           mail_timeout=60.0)
            worker = multiprocessing.get_context("spawn").Process(target=_deliver, args=(settings,))
            worker.start()
            try:
                deadline = time.monotonic() + 60
                with app.app_context():
                    while _claimed() < MAILS:  # claimed, and blocked on the server's greeting
                        assert worker.is_alive() and time.monotonic() < deadline, "the worker did not claim its mail"
                        time.sleep(0.1)
            finally:
                os.kill(worker.pid, signal.SIGKILL)  # type: ignore[arg-type]
                worker.join(timeout=10)
            server = SMTPServer()
            server.start()
            try:
                with use_mail(app, MAIL_SERVER="127.0.0.1", MAIL_PORT=server.port, MAIL_TIMEOUT=5.0), \
                        app.app_context():
                    assert deliver_due() == 0  # the dead worker's lease still holds them: nobody sends them twice
                    assert _claimed() == MAILS
                    # the lease runs out (minutes: 60 s + 3 x 20 x MAIL_TIMEOUT)
                    with commit_or_rollback(db.session):
                        db.session.execute(update(OutgoingMail).values(claimed_until=utcnow() - timedelta(seconds=1)))
                    assert deliver_due() == MAILS
                    assert deliver_due() == 0
                    rows = db.session.exec(select(OutgoingMail)).all()
                    assert all(r.sent_at is not None and r.attempts == 0 for r in rows)  # a lost process is no failure
                    db.session.rollback()
                assert sorted(m["To"] for m in server.messages) == [f"k{n}@example.cn" for n in range(MAILS)]
            finally:
                server.stop()
    finally:
        hung.close()
