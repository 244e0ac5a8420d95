"""Logging (issue 13, item 5): a request id on every line, an access line per request, JSON lines that parse,
and no password, token or reset link in any line — read from what the handler writes to stderr."""

from __future__ import annotations

import json
import logging
import re
from collections.abc import Iterator
from typing import Any

import pytest
from flask import request

from directory.accounts import passwords
from directory.core import logs
from tests import factories
from tests.accounts.conftest import peer_app  # noqa: F401  (a fixture: another app on the test transaction)


@pytest.fixture
def log_as(capsys: pytest.CaptureFixture[str]) -> Iterator[Any]:
    """``log_as(level, fmt)`` reconfigures logging; the test's stderr is then read with ``lines()``."""
    def configure(level: str = "INFO", fmt: str = "text") -> None:
        logs.configure(level, fmt)
        capsys.readouterr()

    yield configure
    logs.configure("INFO", "text")  # what every test app configures


def stderr_lines(capsys: pytest.CaptureFixture[str]) -> list[str]:
    return [line for line in capsys.readouterr().err.splitlines() if line.strip()]


def access_lines(lines: list[str]) -> list[str]:
    return [line for line in lines if logs.ACCESS_LOGGER in line]


def test_every_request_gets_an_access_line_with_its_request_id(client, db_session, log_as, capsys):
    log_as("INFO", "text")
    response = client.get("/login", headers={"X-Request-ID": "0af7651916cd43dd8448eb211c80319c"})
    assert response.headers["X-Request-ID"] == "0af7651916cd43dd8448eb211c80319c"  # the proxy's id, echoed
    [line] = access_lines(stderr_lines(capsys))
    assert re.search(r" INFO \[0af7651916cd43dd8448eb211c80319c\] directory\.access: GET /login 200 \d+ms ", line), line

    generated = client.get("/login?next=%2Fmy")
    request_id = generated.headers["X-Request-ID"]
    assert re.fullmatch(r"[0-9a-f]{32}", request_id)
    [line] = access_lines(stderr_lines(capsys))
    assert f"[{request_id}]" in line and "GET /login 200" in line and "next=" not in line  # no query string


@pytest.mark.parametrize("offered", ["short", "two words here!", "x" * 200, "id\r\nX-Injected: 1", "日志编号一二三四"])
def test_an_insane_request_id_from_outside_is_replaced(client, db_session, log_as, capsys, offered):
    log_as("INFO", "text")
    response = client.get("/login", headers={"X-Request-ID": offered.replace("\r\n", " ")})
    assert re.fullmatch(r"[0-9a-f]{32}", response.headers["X-Request-ID"])


def test_lines_logged_while_serving_carry_the_request_id(peer_app, log_as, capsys):  # noqa: F811
    app = peer_app()

    @app.get("/_probe/log")
    def probe() -> str:
        logging.getLogger("directory.probe").warning("inside the request")
        return "ok"

    log_as("INFO", "text")
    app.test_client().get("/_probe/log", headers={"X-Request-ID": "req-from-nginx-0001"})
    logging.getLogger("directory.probe").warning("outside any request")
    lines = stderr_lines(capsys)
    assert any("[req-from-nginx-0001] directory.probe: inside the request" in line for line in lines), lines
    assert any("[-] directory.probe: outside any request" in line for line in lines), lines


def test_json_lines_parse_and_carry_the_fields(client, db_session, log_as, capsys):
    log_as("INFO", "json")
    client.get("/login", headers={"X-Request-ID": "0af7651916cd43dd8448eb211c80319c"},
               environ_base={"REMOTE_ADDR": "203.0.113.9"})
    logging.getLogger("directory.probe").info("营口 %s", "中文", extra={"record_id": 7})
    records = [json.loads(line) for line in stderr_lines(capsys)]  # every line is one JSON object
    [access] = [r for r in records if r["logger"] == logs.ACCESS_LOGGER]
    assert (access["level"], access["method"], access["path"], access["status"], access["client"],
            access["request_id"]) == ("INFO", "GET", "/login", 200, "203.0.113.9", "0af7651916cd43dd8448eb211c80319c")
    assert isinstance(access["duration_ms"], float) and access["time"]
    [probe] = [r for r in records if r["logger"] == "directory.probe"]
    assert (probe["message"], probe["record_id"], probe["request_id"]) == ("营口 中文", 7, "-")


def test_info_is_logged_by_default_and_log_level_filters(log_as, capsys):
    log_as("INFO", "text")
    logging.getLogger("directory.probe").info("an info line")
    logging.getLogger("directory.probe").debug("a debug line")
    text = "\n".join(stderr_lines(capsys))
    assert "an info line" in text and "a debug line" not in text
    log_as("WARNING", "text")
    logging.getLogger("directory.probe").info("another info line")
    assert stderr_lines(capsys) == []


def test_a_password_reset_token_never_appears_in_any_line(client, db_session, log_as, capsys):
    user = factories.user(role="enterprise", email="reset@example.cn")
    db_session.commit()
    log_as("DEBUG", "text")
    client.post("/password/forgot", data={"login": "reset@example.cn"})
    token = passwords.reset_token(user)
    client.get(f"/password/reset/{token}")
    client.post(f"/password/reset/{token}?again={token}",
                data={"password": "marble-ferry-73", "confirm": "marble-ferry-73"})
    client.get(f"/password/reset/{token}")  # spent now: refused, still not logged
    logging.getLogger("directory.probe").info("a careless line: %s/password/reset/%s", "https://x", token)
    logging.getLogger("directory.probe").info("form: password=%s&token=%s", "marble-ferry-73", token)
    lines = stderr_lines(capsys)
    assert len(access_lines(lines)) == 4
    assert [line for line in lines if "/password/reset/" in line and "[redacted]" not in line] == []
    for secret in (token, *token.split("."), "marble-ferry-73"):
        assert [line for line in lines if secret in line] == []


def test_token_links_are_redacted_in_the_access_line(client, db_session, log_as, capsys):
    log_as("INFO", "json")
    client.get("/invite/s3cr3t-invitation-token")
    client.get("/admin/events/1/checkin/s3cr3t-checkin-token")
    paths = [json.loads(line)["path"] for line in access_lines(stderr_lines(capsys))]
    assert paths == ["/invite/[redacted]", "/admin/events/1/checkin/[redacted]"]


@pytest.mark.parametrize(("line", "expected"), [
    ("login failed password=hunter2 for x", "login failed password=[redacted] for x"),
    ("csrf_token=abc&next=/my", "csrf_token=[redacted]&next=/my"),
    ('{"password": "p1", "login": "a"}', '{"password": "[redacted]", "login": "a"}'),
    ("Authorization: Bearer sk-live-123", "Authorization: Bearer [redacted]"),
    ("headers={'Authorization': 'Basic dXNlcjpw'}", "headers={'Authorization': 'Basic [redacted]'}"),
    ("meili said bearer abc.def", "meili said bearer [redacted]"),
    ("postgresql+psycopg://app:pa55@db:5432/yk", "postgresql+psycopg://app:[redacted]@db:5432/yk"),
    ("redis://:pa55@cache:6379/0", "redis://:[redacted]@cache:6379/0"),
    ("https://qiye.example/password/reset/AbC.dEf-1?x=1", "https://qiye.example/password/reset/[redacted]?x=1"),
    ("nothing secret here: 营口", "nothing secret here: 营口"),
])
def test_redact(line, expected):
    assert logs.redact(line) == expected
    assert logs.redact(expected) == expected  # redacting twice changes nothing


def test_a_traceback_is_redacted_too(log_as, capsys):
    log_as("INFO", "json")
    try:
        raise RuntimeError("could not connect to postgresql://app:pa55@db/yk")
    except RuntimeError:
        logging.getLogger("directory.probe").exception("failed")
    [record] = [json.loads(line) for line in stderr_lines(capsys)]
    assert "pa55" not in record["exc_info"] and "[redacted]" in record["exc_info"]


def test_trusted_proxies_wires_proxy_fix(peer_app, log_as, capsys):  # noqa: F811
    """TRUSTED_PROXIES=1: the client address, scheme and host are the proxy's X-Forwarded-* (the log line and
    the app see them); 0: the headers are ignored, so a client cannot claim an address."""
    forwarded = {"X-Forwarded-For": "198.51.100.7", "X-Forwarded-Proto": "https",
                 "X-Forwarded-Host": "qiye.yingkou.example"}
    seen = []
    for proxies in (0, 1):
        app = peer_app(trusted_proxies=proxies)

        @app.get("/_probe/where")
        def where() -> str:
            return f"{request.remote_addr} {request.scheme}://{request.host}"

        log_as("INFO", "json")
        body = app.test_client().get("/_probe/where", headers=forwarded,
                                     environ_base={"REMOTE_ADDR": "127.0.0.1"}).get_data(as_text=True)
        [access] = [json.loads(line) for line in access_lines(stderr_lines(capsys))]
        seen.append((body, access["client"]))
    assert seen == [("127.0.0.1 http://localhost", "127.0.0.1"),
                    ("198.51.100.7 https://qiye.yingkou.example", "198.51.100.7")]


def test_the_development_server_keeps_its_banner_but_not_its_request_lines(log_as, capsys):
    """`make run` (werkzeug) still says where it listens; its request line, with the full URL, is ours now."""
    from werkzeug.serving import WSGIRequestHandler

    log_as("INFO", "text")
    logging.getLogger("werkzeug").info(" * Running on %s", "http://127.0.0.1:5000")

    class Handler(WSGIRequestHandler):
        def __init__(self) -> None:  # only what log_request reads
            self.client_address = ("127.0.0.1", 5000)
            self.requestline = "GET /password/reset/abc.def?x=1 HTTP/1.1"

    Handler().log_request(200, "-")
    text = "\n".join(stderr_lines(capsys))
    assert "Running on http://127.0.0.1:5000" in text and "GET /password/reset" not in text
