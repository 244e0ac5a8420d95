"""Mail headers hold one line (issue 14, item 6): names users typed reach subjects, and a CR/LF there must neither
add a header (``Bcc:``) nor make the request fail. Delivered to a small SMTP server on the loopback."""

from __future__ import annotations

import email
import socketserver
import threading
from email import policy

import pytest

from directory.notifications.services import send_mail
from tests import factories


class _SMTPHandler(socketserver.StreamRequestHandler):
    """Just enough SMTP to accept one message and keep its raw text."""

    def handle(self):
        self.wfile.write(b"220 test ESMTP\r\n")
        while line := self.rfile.readline():
            verb = line[:4].upper()
            if verb in (b"EHLO", b"HELO"):
                self.wfile.write(b"250 test\r\n")
            elif verb == b"DATA":
                self.wfile.write(b"354 go on\r\n")
                lines = []
                while (data := self.rfile.readline()) not in (b".\r\n", b""):
                    lines.append(data)
                self.server.messages.append(b"".join(lines))  # type: ignore[attr-defined]
                self.wfile.write(b"250 queued\r\n")
            elif verb == b"QUIT":
                self.wfile.write(b"221 bye\r\n")
                return
            else:
                self.wfile.write(b"250 ok\r\n")


@pytest.fixture
def smtp(app):
    server = socketserver.ThreadingTCPServer(("127.0.0.1", 0), _SMTPHandler)
    server.messages = []  # type: ignore[attr-defined]
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    saved = {k: app.config.get(k) for k in ("MAIL_SERVER", "MAIL_PORT")}
    app.config.update(MAIL_SERVER="127.0.0.1", MAIL_PORT=server.server_address[1])
    yield server.messages  # type: ignore[attr-defined]
    app.config.update(saved)
    server.shutdown()
    server.server_close()


def _parse(raw: bytes):
    return email.message_from_bytes(raw, policy=policy.default)


def test_a_line_break_in_a_subject_adds_no_header(db_session, smtp):
    send_mail(to="someone@example.cn", subject="新的服务请求\r\nBcc: victim@example.com", body="正文")
    message = _parse(smtp[0])
    assert message["Bcc"] is None
    assert message["Subject"] == "新的服务请求 Bcc: victim@example.com"


def test_a_recipient_with_a_line_break_is_not_mailed(db_session, smtp):
    send_mail(to="someone@example.cn\r\nBcc: victim@example.com", subject="x", body="y")
    assert smtp == []


def test_an_enterprise_name_with_a_line_break_reaches_the_provider_on_one_line(client, auth, db_session, smtp):
    provider = factories.institution()
    factories.user(role="institution", institution_id=provider.id, email="provider@example.cn")
    client_enterprise = factories.enterprise(name="营口换行\r\nBcc: victim@example.com 有限公司")
    auth.login("enterprise", enterprise_id=client_enterprise.id)
    response = client.post("/engagements/request", data={"institution_id": provider.id, "message": "请帮忙申请专利"})
    assert response.status_code == 302
    subjects = [_parse(raw)["Subject"] for raw in smtp]
    assert any("营口换行 Bcc: victim@example.com 有限公司" in s for s in subjects), subjects
    assert all(_parse(raw)["Bcc"] is None for raw in smtp)
