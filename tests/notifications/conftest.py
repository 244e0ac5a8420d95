"""A real SMTP server in the test process (aiosmtpd on the loopback), one that accepts connections and never
answers, and a switch that points the app's Flask-Mailman at either."""

from __future__ import annotations

import asyncio
import email
import logging
import socket
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from email import policy
from typing import Any

import pytest
from aiosmtpd.controller import Controller

from directory.notifications import mail

MAIL_KEYS = ("MAIL_SERVER", "MAIL_PORT", "MAIL_USE_TLS", "MAIL_USE_SSL", "MAIL_TIMEOUT", "MAIL_USERNAME",
             "MAIL_PASSWORD", "MAIL_DEFAULT_SENDER")


logging.getLogger("mail.log").setLevel(logging.WARNING)  # aiosmtpd logs every connection at INFO


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


class Received:
    """aiosmtpd handler: keeps every message it accepted; refuses recipients in ``refuse`` with a 550 and can
    take ``delay`` seconds over each message (so concurrent deliveries overlap)."""

    def __init__(self) -> None:
        self.envelopes: list[Any] = []
        self.refuse: set[str] = set()
        self.delay = 0.0

    async def handle_RCPT(self, server: Any, session: Any, envelope: Any, address: str, rcpt_options: Any) -> str:
        if address in self.refuse:
            return "550 5.1.1 no such mailbox"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        if self.delay:
            await asyncio.sleep(self.delay)
        self.envelopes.append(envelope)
        return "250 OK queued"

    @property
    def messages(self) -> list[Any]:
        return [email.message_from_bytes(e.original_content, policy=policy.default) for e in self.envelopes]


class SMTPServer:
    """aiosmtpd on a fixed loopback port that can be stopped ("SMTP down") and started again on the same port."""

    def __init__(self, port: int | None = None) -> None:
        self.port = port or free_port()
        self.handler = Received()
        self._controller: Controller | None = None

    def start(self) -> None:
        self._controller = Controller(self.handler, hostname="127.0.0.1", port=self.port)
        self._controller.start()

    def stop(self) -> None:
        if self._controller is not None:
            self._controller.stop()
            self._controller = None

    @property
    def messages(self) -> list[Any]:
        return self.handler.messages


class HungServer:
    """A socket that accepts every connection and never says a word (a server that hangs before its greeting)."""

    def __init__(self, port: int | None = None) -> None:
        self.port = port or free_port()
        self._sock = socket.create_server(("127.0.0.1", self.port))
        self._held: list[socket.socket] = []
        self._stop = threading.Event()
        self._sock.settimeout(0.1)
        self._thread = threading.Thread(target=self._accept, daemon=True)
        self._thread.start()

    def _accept(self) -> None:
        while not self._stop.is_set():
            try:
                conn, _addr = self._sock.accept()
            except TimeoutError:
                continue
            except OSError:
                return
            self._held.append(conn)

    def close(self) -> None:
        self._stop.set()
        self._thread.join(timeout=5)
        for conn in self._held:
            conn.close()
        self._sock.close()


@contextmanager
def use_mail(app: Any, **config: Any) -> Iterator[None]:
    """Point the app's Flask-Mailman at another configuration for the block (``MAIL_SERVER=None``: the log)."""
    saved = {key: app.config.get(key) for key in MAIL_KEYS}
    app.config.update(config)
    mail.init_app(app)
    try:
        yield
    finally:
        app.config.update(saved)
        mail.init_app(app)


@pytest.fixture
def smtp(app: Any) -> Iterator[SMTPServer]:
    """A running aiosmtpd the app delivers to (2 s SMTP timeout)."""
    server = SMTPServer()
    server.start()
    try:
        with use_mail(app, MAIL_SERVER="127.0.0.1", MAIL_PORT=server.port, MAIL_TIMEOUT=2.0):
            yield server
    finally:
        server.stop()
