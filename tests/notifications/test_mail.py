"""Mail for real (issue 13, item 4): a request writes outbox rows in its own transaction, `deliver_due` sends them
after the commit to a real SMTP server in the test process (aiosmtpd), links are absolute on SITE_URL, headers
hold one line (issue 14, item 6), and the log fallback never shows the body of a secret mail."""

from __future__ import annotations

import dataclasses
import logging
import re

import pytest
from sqlmodel import select

from directory.notifications import mail
from directory.notifications.mail import MAX_ATTEMPTS, deliver_due, mail_status
from directory.notifications.models import OutgoingMail
from directory.notifications.services import notify, send_mail
from tests import factories


def subject(message) -> str:
    """The decoded subject; a long encoded word is folded onto the next line, whose indent unfolding keeps."""
    return message["Subject"].strip()


def outbox(session):
    session.expire_all()
    return list(session.exec(select(OutgoingMail).order_by(OutgoingMail.id)).all())


@pytest.fixture
def site(app):
    """The app's SITE_URL set to a public https address for the test."""
    saved = app.config["SETTINGS"]
    app.config["SETTINGS"] = dataclasses.replace(saved, site_url="https://qiye.yingkou.example")
    yield "https://qiye.yingkou.example"
    app.config["SETTINGS"] = saved


def _request_service(client, auth, *, enterprise_name="营口镁业有限公司"):
    provider = factories.institution()
    factories.user(role="institution", institution_id=provider.id, email="provider@example.cn")
    auth.login("enterprise", enterprise_id=factories.enterprise(name=enterprise_name).id)
    return client.post("/engagements/request", data={"institution_id": provider.id, "message": "请帮忙申请专利"})


# -- delivered to a real SMTP server ----------------------------------------------------------------------

def test_a_request_writes_the_mail_and_the_job_delivers_it_with_an_absolute_link(client, auth, db_session, smtp,
                                                                                   site):
    response = _request_service(client, auth)
    assert response.status_code == 302
    assert smtp.messages == []  # nothing is sent inside the request
    [row] = outbox(db_session)
    assert (row.to_address, row.sent_at, row.attempts) == ("provider@example.cn", None, 0)

    assert deliver_due() == 1
    [message] = smtp.messages
    assert message["To"] == "provider@example.cn"
    assert message["From"] == "noreply@localhost"
    assert subject(message) == "营口镁业有限公司 发来新的服务请求"  # RFC 2047 encoded on the wire, UTF-8
    assert "=?utf-8?" in smtp.handler.envelopes[0].original_content.decode("ascii", "replace").lower()
    body = message.get_content()
    assert "请帮忙申请专利" in body
    engagement_link = re.search(r"\S+/engagements/\d+", body).group(0)
    assert engagement_link.startswith(f"{site}/engagements/")  # on SITE_URL, not the request's host (localhost)
    assert outbox(db_session)[0].sent_at is not None
    assert deliver_due() == 0 and len(smtp.messages) == 1  # once


def test_the_password_reset_mail_reaches_the_server_and_is_not_kept(client, db_session, smtp, site):
    factories.user(email="known@example.cn")
    response = client.post("/password/forgot", data={"login": "known@example.cn"}, headers={"Host": "evil.example"})
    assert response.status_code == 302
    assert deliver_due() == 1
    [message] = smtp.messages
    assert subject(message) == "设置营口中小企业服务平台的新密码"
    link = re.search(r"\S+/password/reset/\S+", message.get_content()).group(0)
    assert link.startswith(f"{site}/password/reset/")  # on SITE_URL, not the Host header the sender chose
    assert client.get(link.removeprefix(site)).status_code == 200  # the link works
    assert outbox(db_session)[0].body == ""  # the key to the account is not kept once sent


def test_a_rolled_back_change_sends_nothing(db_session, smtp):
    user = factories.user(email="someone@example.cn")
    db_session.commit()
    notify(users=[user], kind="test", title="不会发出", link="/my")
    assert len(outbox(db_session)) == 1
    db_session.rollback()
    assert outbox(db_session) == []
    assert deliver_due() == 0 and smtp.messages == []


def test_the_after_commit_callbacks_run_after_a_commit_that_wrote_mail_only(client, auth, db_session, smtp):
    calls = []
    app = client.application
    before = app.extensions.get("mail_committed")
    mail.on_mail_commit(app, lambda: calls.append(1))  # must not touch the committed session
    try:
        assert client.get("/").status_code == 200
        assert calls == []  # no mail written, no job
        assert _request_service(client, auth).status_code == 302
        assert calls == [1]  # once, after the request's commit
        send_mail(to="a@example.cn", subject="x", body="y")
        db_session.rollback()
        db_session.commit()
        assert calls == [1]  # the rolled-back mail enqueued nothing
    finally:
        mail.on_mail_commit(app, before)  # type: ignore[arg-type]


# -- headers hold one line; recipients are one address --------------------------------------------------

def test_a_line_break_in_a_subject_adds_no_header(db_session, smtp):
    send_mail(to="someone@example.cn", subject="新的服务请求\r\nBcc: victim@example.com", body="正文")
    assert deliver_due() == 1
    [message] = smtp.messages
    assert message["Bcc"] is None
    assert subject(message) == "新的服务请求 Bcc: victim@example.com"
    assert smtp.handler.envelopes[0].rcpt_tos == ["someone@example.cn"]


@pytest.mark.parametrize("to", ["someone@example.cn\r\nBcc: victim@example.com", "a@example.cn, b@example.cn",
                                "a@example.cn;b@example.cn", "Eve <eve@example.cn>", "no-at-sign", ""])
def test_a_recipient_that_is_not_one_address_is_refused(db_session, smtp, to, caplog):
    with caplog.at_level(logging.WARNING):
        send_mail(to=to, subject="x", body="y")
    assert outbox(db_session) == [] and "not one address" in caplog.text
    assert deliver_due() == 0 and smtp.messages == []


def test_an_enterprise_name_with_a_line_break_reaches_the_provider_on_one_line(client, auth, db_session, smtp):
    response = _request_service(client, auth, enterprise_name="营口换行\r\nBcc: victim@example.com 有限公司")
    assert response.status_code == 302
    assert deliver_due() == 1
    [message] = smtp.messages
    assert "营口换行 Bcc: victim@example.com 有限公司" in subject(message)
    assert message["Bcc"] is None
    assert [e.rcpt_tos for e in smtp.handler.envelopes] == [["provider@example.cn"]]


# -- failures: retried with back-off, given up with the error kept ----------------------------------------

def test_a_permanent_refusal_gives_up_at_once_and_the_others_still_go(db_session, smtp, caplog):
    smtp.handler.refuse.add("gone@example.cn")
    send_mail(to="gone@example.cn", subject="第一封", body="x")
    send_mail(to="here@example.cn", subject="第二封", body="y")
    with caplog.at_level(logging.ERROR, logger="directory.notifications.mail"):
        assert deliver_due() == 1
    gone, here = outbox(db_session)
    assert gone.failed_at is not None and gone.attempts == 1 and "550" in gone.last_error
    assert here.sent_at is not None
    assert "given up" in caplog.text and "gone@example.cn" in caplog.text
    assert [m["To"] for m in smtp.messages] == ["here@example.cn"]
    status = mail_status()
    assert (status["pending"], status["failed"], status["backend"]) == (0, 1, "smtp")
    assert "550" in status["last_error"]


def test_retries_back_off_and_end_after_the_last_attempt(app, db_session, caplog):
    from tests.notifications.conftest import free_port, use_mail

    assert [mail.backoff(n).total_seconds() / 60 for n in (1, 2, 3, 4, 7, 8, 20)] == [1, 2, 4, 8, 60, 60, 60]
    send_mail(to="someone@example.cn", subject="x", body="y", secret=True)
    with use_mail(app, MAIL_SERVER="127.0.0.1", MAIL_PORT=free_port(), MAIL_TIMEOUT=1.0):  # nobody listens
        assert deliver_due() == 0
        [row] = outbox(db_session)
        assert row.attempts == 1 and row.failed_at is None and "Connection refused" in row.last_error
        delay = (row.available_at - row.created_at).total_seconds()
        assert 59 <= delay <= 62
        assert deliver_due() == 0 and outbox(db_session)[0].attempts == 1  # not due yet
        row.attempts, row.available_at = MAX_ATTEMPTS - 1, row.created_at
        db_session.add(row)
        db_session.commit()
        with caplog.at_level(logging.ERROR, logger="directory.notifications.mail"):
            assert deliver_due() == 0
    [row] = outbox(db_session)
    assert row.attempts == MAX_ATTEMPTS and row.failed_at is not None and row.body == ""
    assert "given up" in caplog.text


# -- without MAIL_SERVER: the log -------------------------------------------------------------------------

def test_without_a_server_mail_goes_to_the_log_at_info(db_session, caplog):
    send_mail(to="someone@example.cn", subject="审核结果", body="您的申请已通过")
    with caplog.at_level(logging.INFO, logger="directory.notifications.mail"):
        assert deliver_due() == 1
    [record] = [r for r in caplog.records if "someone@example.cn" in r.getMessage()]
    assert record.levelno == logging.INFO
    assert "审核结果" in record.getMessage() and "您的申请已通过" in record.getMessage()
    assert mail_status()["backend"] == "log"


def test_a_secret_mail_without_a_server_logs_who_and_what_but_not_the_body(client, db_session, caplog):
    factories.user(email="known@example.cn")
    with caplog.at_level(logging.DEBUG):
        assert client.post("/password/forgot", data={"login": "known@example.cn"}).status_code == 302
        assert deliver_due() == 1
    [record] = [r for r in caplog.records if "known@example.cn" in r.getMessage()]
    assert record.levelno == logging.INFO
    assert "设置营口中小企业服务平台的新密码" in record.getMessage() and "not logged" in record.getMessage()
    assert "/password/reset/" not in caplog.text
    assert outbox(db_session)[0].body == ""
