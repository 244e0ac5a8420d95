"""Two delivery jobs at once on one outbox (two workers, or a worker and `flask mail deliver`): the leases let
each mail go to the SMTP server once, on SQLite (one writer at a time) and PostgreSQL (SKIP LOCKED)."""

from __future__ import annotations

import pytest
from sqlmodel import func, select

from directory.core.db import commit_or_rollback
from directory.extensions import db
from directory.notifications.mail import deliver_due
from directory.notifications.models import OutgoingMail
from directory.notifications.services import send_mail
from tests.concurrency import at_once, own_database
from tests.conftest import BACKENDS
from tests.notifications.conftest import SMTPServer, use_mail

MAILS = 50


@pytest.mark.parametrize("backend", BACKENDS)
def test_two_deliveries_at_once_send_every_mail_once(backend, tmp_path, meili):
    server = SMTPServer()
    server.handler.delay = 0.01  # each send takes a moment, so the two runs overlap
    server.start()
    try:
        with own_database(backend, tmp_path, meili, "mail") as app, \
                use_mail(app, MAIL_SERVER="127.0.0.1", MAIL_PORT=server.port, MAIL_TIMEOUT=5.0):
            with app.app_context(), commit_or_rollback(db.session):
                for n in range(MAILS):
                    send_mail(to=f"r{n}@example.cn", subject=f"第{n}封", body="正文")

            def deliver() -> int:
                with app.app_context():
                    return deliver_due(limit=MAILS)

            results, errors = at_once([deliver, deliver])
            assert errors == []
            with app.app_context():
                assert deliver_due() == 0
                sent = db.session.exec(select(func.count()).select_from(OutgoingMail)
                                       .where(OutgoingMail.sent_at.is_not(None))).one()  # type: ignore[union-attr]
        recipients = [to for e in server.handler.envelopes for to in e.rcpt_tos]
        assert sorted(recipients) == sorted(f"r{n}@example.cn" for n in range(MAILS))  # each once
        assert sum(results) == MAILS == sent
    finally:
        server.stop()
