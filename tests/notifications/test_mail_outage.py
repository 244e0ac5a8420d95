"""SMTP down or hung: the request that writes the mail stays fast (it never talks to the server), the delivery
job fails within MAIL_TIMEOUT and keeps the mail, and once the server is back the mail arrives exactly once."""

from __future__ import annotations

import time
from datetime import timedelta

from sqlalchemy import update
from sqlmodel import select

from directory.core.time import utcnow
from directory.notifications.mail import deliver_due
from directory.notifications.models import OutgoingMail
from tests import factories
from tests.notifications.conftest import HungServer, SMTPServer, use_mail

FAST = 1.0  # seconds a request may take whatever the mail server does


def _forgot(client) -> float:
    started = time.perf_counter()
    response = client.post("/password/forgot", data={"login": "known@example.cn"})
    elapsed = time.perf_counter() - started
    assert response.status_code == 302
    return elapsed


def _row(session) -> OutgoingMail:
    session.expire_all()
    [row] = session.exec(select(OutgoingMail)).all()
    return row


def _due_now(session) -> None:
    """As if the back-off had passed."""
    session.execute(update(OutgoingMail).values(available_at=utcnow() - timedelta(seconds=1)))
    session.commit()


def test_smtp_down_the_request_is_fast_and_the_mail_arrives_once_when_it_returns(app, client, db_session):
    factories.user(email="known@example.cn")
    server = SMTPServer()  # its port is closed until it starts
    with use_mail(app, MAIL_SERVER="127.0.0.1", MAIL_PORT=server.port, MAIL_TIMEOUT=1.0):
        elapsed = _forgot(client)
        assert elapsed < FAST, elapsed
        print(f"\nPOST /password/forgot with SMTP down: {elapsed * 1000:.0f} ms")
        assert deliver_due() == 0
        row = _row(db_session)
        assert row.sent_at is None and row.attempts == 1 and "Connection refused" in row.last_error
        server.start()
        try:
            assert deliver_due() == 0  # waits its back-off even though the server is back
            _due_now(db_session)
            assert deliver_due() == 1
            assert deliver_due() == 0
            _due_now(db_session)
            assert deliver_due() == 0
            assert [m["To"] for m in server.messages] == ["known@example.cn"]  # exactly once
            assert _row(db_session).sent_at is not None
        finally:
            server.stop()


def test_smtp_hung_the_request_is_fast_and_the_job_gives_up_within_the_timeout(app, client, db_session):
    factories.user(email="known@example.cn")
    hung = HungServer()
    try:
        with use_mail(app, MAIL_SERVER="127.0.0.1", MAIL_PORT=hung.port, MAIL_TIMEOUT=0.5):
            elapsed = _forgot(client)
            assert elapsed < FAST, elapsed
            started = time.perf_counter()
            assert deliver_due() == 0
            waited = time.perf_counter() - started
            print(f"\nPOST /password/forgot with SMTP hung: {elapsed * 1000:.0f} ms; "
                  f"deliver_due gave up after {waited * 1000:.0f} ms (MAIL_TIMEOUT 0.5 s)")
            assert 0.4 < waited < 3, waited
            row = _row(db_session)
            assert row.sent_at is None and row.attempts == 1 and "timed out" in row.last_error.lower()
    finally:
        hung.close()
    server = SMTPServer(port=hung.port)  # the server comes back on its address
    server.start()
    try:
        with use_mail(app, MAIL_SERVER="127.0.0.1", MAIL_PORT=server.port, MAIL_TIMEOUT=2.0):
            _due_now(db_session)
            assert deliver_due() == 1
            _due_now(db_session)
            assert deliver_due() == 0
        assert [m["To"] for m in server.messages] == ["known@example.cn"]
    finally:
        server.stop()


def test_a_temporary_refusal_is_tried_again_not_given_up(app, db_session):
    from directory.notifications.services import send_mail

    server = SMTPServer()
    server.start()

    async def busy(srv, session, envelope):
        return "421 4.3.0 try again later"

    server.handler.handle_DATA = busy  # type: ignore[method-assign]
    for n in range(3):
        send_mail(to=f"r{n}@example.cn", subject=f"第{n}封", body="x")
    db_session.commit()
    try:
        with use_mail(app, MAIL_SERVER="127.0.0.1", MAIL_PORT=server.port, MAIL_TIMEOUT=2.0):
            assert deliver_due() == 0
    finally:
        server.stop()
    db_session.expire_all()
    rows = db_session.exec(select(OutgoingMail).order_by(OutgoingMail.id)).all()
    assert rows and all(r.sent_at is None and r.failed_at is None and r.claimed_until is None for r in rows)
    assert rows[0].attempts == 1 and "421" in rows[0].last_error


def test_a_connection_lost_mid_run_fails_that_mail_and_gives_the_rest_back(app, db_session):
    from directory.notifications.services import send_mail

    server = SMTPServer()
    server.start()
    taken = server.handler.handle_DATA

    async def hang_up_on_the_second(srv, session, envelope):
        if len(server.handler.envelopes) == 1:
            srv.transport.close()  # the server goes away in the middle of the second mail
            return "250 OK"
        return await taken(srv, session, envelope)

    server.handler.handle_DATA = hang_up_on_the_second  # type: ignore[method-assign]
    for n in range(3):
        send_mail(to=f"r{n}@example.cn", subject=f"第{n}封", body="x")
    db_session.commit()
    try:
        with use_mail(app, MAIL_SERVER="127.0.0.1", MAIL_PORT=server.port, MAIL_TIMEOUT=2.0):
            assert deliver_due() == 1
            db_session.expire_all()
            first, second, third = db_session.exec(select(OutgoingMail).order_by(OutgoingMail.id)).all()
            assert first.sent_at is not None
            assert second.sent_at is None and second.attempts == 1 and second.available_at > utcnow()
            assert third.sent_at is None and third.attempts == 0 and third.claimed_until is None  # not tried
            server.handler.handle_DATA = taken  # type: ignore[method-assign]
            assert deliver_due() == 1  # the third at once; the second after its back-off
        assert [m["To"] for m in server.messages] == ["r0@example.cn", "r2@example.cn"]
    finally:
        server.stop()
