"""Logging of every process (CONTRACTS.md, "Configuration": ``LOG_LEVEL``, ``LOG_FORMAT``).

One :func:`logging.config.dictConfig` call, made by the app factory (again only when the level or format
changes): one handler on stderr — text lines in development, one JSON object a line in production (through
python-json-logger) — so systemd's journal, a container runtime or gunicorn collect them as they are.

* Every line carries a request id: ``X-Request-ID`` from the proxy when it is a sane token (nginx's
  ``$request_id``), otherwise one made here. It is echoed as the response's ``X-Request-ID`` header, so a user's
  complaint, the nginx log and the app's lines meet on one value. Outside a request the id is ``-``.
* One access line per request at INFO (logger ``directory.access``): method, path, status, milliseconds,
  client address and the request id. Never the query string, and the secret part of a token link
  (``/password/reset/…``, ``/invite/…``, ``…/checkin/…``) is replaced by ``[redacted]``.
* Every record — ours, Flask's, a library's, a traceback — goes through :func:`redact` before it is written:
  ``password=…``, ``token=…``, ``secret=…``, ``Authorization: …``, bearer keys, the password of a URL
  (``postgresql://user:…@host``) and password reset links.
"""

from __future__ import annotations

import logging
import logging.config
import re
import sys
import time
import uuid
from collections.abc import Callable, Iterable
from contextvars import ContextVar
from typing import Any

from flask import Flask
from pythonjsonlogger.json import JsonFormatter as _JsonFormatter

ACCESS_LOGGER = "directory.access"
REDACTED = "[redacted]"
NO_REQUEST = "-"

_request_id: ContextVar[str] = ContextVar("request_id", default=NO_REQUEST)

# What a proxy may hand us as a request id: nginx's $request_id is 32 hex digits; a UUID or a similar token
# from another proxy is fine too. Anything else (spaces, CR/LF, 200 characters) is replaced, not logged.
_SANE_REQUEST_ID = re.compile(r"[A-Za-z0-9][A-Za-z0-9._:-]{7,127}")

# The paths whose last segments are a secret: the access line never shows what follows these prefixes.
TOKEN_PATHS = ("/password/reset/", "/invite/", "/checkin/")
_TOKEN_PATH = re.compile("(" + "|".join(re.escape(p) for p in TOKEN_PATHS) + r")[^\s?#\"'<>]+")
# Of those, a password reset link is never in any line (an invitation link is the mail's log fallback in
# development, for the invited to follow; it works only for the invited address).
_RESET_LINK = re.compile(r"(/password/reset/)[^\s?#\"'<>]+")
_SECRET_WORDS = r"password|passwd|pwd|token|csrf_token|secret|secret_key|api_key|apikey|master_key|access_token"
_PATTERNS: tuple[tuple[re.Pattern[str], str | Callable[[re.Match[str]], str]], ...] = (
    (_RESET_LINK, r"\1" + REDACTED),
    # password=…, token: … (a form body, a query string, "key=value" text); the value stops at a separator.
    (re.compile(rf"(?i)\b({_SECRET_WORDS})(\s*[=:]\s*)(?!\[redacted\])[^\s&;,\"'\\]+"), r"\1\2" + REDACTED),
    # "password": "…" in JSON text.
    (re.compile(rf"(?i)(\"(?:{_SECRET_WORDS})\"\s*:\s*\")[^\"\\]*"), r"\1" + REDACTED),
    # Authorization: Basic …, Authorization=Bearer …, and a bare "Bearer <key>".
    (re.compile(r"(?i)\b(authorization[\"']?\s*[:=]\s*[\"']?)(?:(basic|bearer|token)\s+)?"
                r"(?!\[redacted\])(?!(?:basic|bearer|token)\b)[^\s,;\"']+"),
     lambda m: m.group(1) + (f"{m.group(2)} " if m.group(2) else "") + REDACTED),
    (re.compile(r"(?i)\b(bearer)\s+(?!\[redacted\])[A-Za-z0-9._~+/=-]+"), r"\1 " + REDACTED),
    # scheme://user:password@host
    (re.compile(r"(://[^/\s:@]*:)[^@\s/]+@"), r"\1" + REDACTED + "@"),
)


def redact(text: str) -> str:
    """``text`` with every secret the patterns above know replaced by ``[redacted]``."""
    for pattern, replacement in _PATTERNS:
        text = pattern.sub(replacement, text)
    return text


def redact_path(path: str) -> str:
    """A request path fit for a log line: the secret segment of a token link replaced."""
    return _TOKEN_PATH.sub(r"\1" + REDACTED, path)


def current_request_id() -> str:
    """The id of the request being served (``-`` outside one): for a job or a mail that wants to carry it."""
    return _request_id.get()


# -- filters, formatters and the handler named by the configuration -----------------------------------------

class RequestIdFilter(logging.Filter):
    """Puts ``request_id`` on every record (``-`` outside a request)."""

    def filter(self, record: logging.LogRecord) -> bool:
        if not hasattr(record, "request_id"):
            record.request_id = _request_id.get()
        return True


class RedactFilter(logging.Filter):
    """Rewrites a record whose message holds a secret; the formatters redact the finished line again."""

    def filter(self, record: logging.LogRecord) -> bool:
        try:
            message = record.getMessage()
        except Exception:  # a malformed record: let logging report it as it always does
            return True
        cleaned = redact(message)
        if cleaned != message:
            record.msg, record.args = cleaned, ()
        return True


class NoServerRequestLines(logging.Filter):
    """Drops werkzeug's development-server request line (``… "GET /path?query HTTP/1.1" 200 -``)."""

    def filter(self, record: logging.LogRecord) -> bool:
        return not (isinstance(record.msg, str) and '"%s" %s %s' in record.msg)


class TextFormatter(logging.Formatter):
    """``2026-12-02 01:45:00,123 INFO [request id] logger: message``, redacted (tracebacks too)."""

    def __init__(self) -> None:
        super().__init__("%(asctime)s %(levelname)s [%(request_id)s] %(name)s: %(message)s")

    def format(self, record: logging.LogRecord) -> str:
        return redact(super().format(record))


class JsonFormatter(_JsonFormatter):
    """One JSON object a line: ``time``, ``level``, ``logger``, ``message``, ``request_id`` and any extras."""

    def __init__(self) -> None:
        super().__init__("%(asctime)s %(levelname)s %(name)s %(message)s %(request_id)s",
                         rename_fields={"asctime": "time", "levelname": "level", "name": "logger"},
                         json_ensure_ascii=False)

    def format(self, record: logging.LogRecord) -> str:
        # The patterns never consume a quote or a backslash, so the line stays valid JSON.
        return redact(super().format(record))


class StderrHandler(logging.StreamHandler):  # type: ignore[type-arg]
    """Writes to whatever ``sys.stderr`` is at the time of the record (as logging's last resort does), so a
    process that swaps stderr — a test capturing it, a daemon redirecting it — gets the lines."""

    def __init__(self) -> None:
        super().__init__(sys.stderr)

    @property  # type: ignore[override]
    def stream(self) -> Any:
        return sys.stderr

    @stream.setter
    def stream(self, value: Any) -> None:  # StreamHandler.__init__ and setStream assign it; stderr it stays
        pass


def logging_config(level: str = "INFO", fmt: str = "text") -> dict[str, Any]:
    """The ``dictConfig`` of every process of the app."""
    return {
        "version": 1,
        "disable_existing_loggers": False,
        "filters": {
            "request_id": {"()": RequestIdFilter},
            "redact": {"()": RedactFilter},
            "no_server_request_lines": {"()": NoServerRequestLines},
        },
        "formatters": {
            "text": {"()": TextFormatter},
            "json": {"()": JsonFormatter},
        },
        "handlers": {
            "stderr": {"class": f"{__name__}.StderrHandler", "formatter": fmt,
                       "filters": ["request_id", "redact"]},
        },
        "root": {"level": level, "handlers": ["stderr"]},
        "loggers": {
            # Our access line replaces the development server's own request line (which logs the full URL);
            # its other lines (" * Running on http://…") stay.
            "werkzeug": {"level": "INFO", "filters": ["no_server_request_lines"]},
            "sqlalchemy": {"level": "WARNING"},
            "urllib3": {"level": "WARNING"},
            "alembic.runtime.plugins": {"level": "WARNING"},  # one line per autogenerate plugin, every command
        },
    }


_configured: tuple[str, str] | None = None


def configure(level: str = "INFO", fmt: str = "text") -> None:
    """Apply :func:`logging_config` (once per process for the same level and format)."""
    global _configured
    if _configured == (level, fmt):
        return
    logging.config.dictConfig(logging_config(level, fmt))
    _configured = (level, fmt)


# -- the request id and the access line ---------------------------------------------------------------------

def _sane_request_id(value: str | None) -> str | None:
    return value if value and _SANE_REQUEST_ID.fullmatch(value) else None


def _wsgi_text(value: str) -> str:
    """A WSGI environ string (bytes as latin-1) back as the UTF-8 text the client sent."""
    try:
        return value.encode("latin-1").decode("utf-8", "replace")
    except UnicodeEncodeError:
        return value


class RequestLog:
    """WSGI middleware: sets the request id for the request's log lines, echoes it in ``X-Request-ID`` and
    writes the access line when the app has answered."""

    def __init__(self, app: Callable[..., Iterable[bytes]]) -> None:
        self.app = app
        self.log = logging.getLogger(ACCESS_LOGGER)

    def __call__(self, environ: dict[str, Any], start_response: Callable[..., Any]) -> Iterable[bytes]:
        request_id = _sane_request_id(environ.get("HTTP_X_REQUEST_ID")) or uuid.uuid4().hex
        environ["directory.request_id"] = request_id
        reset = _request_id.set(request_id)
        started = time.perf_counter()
        status = ["500"]  # what an exception that escapes the app becomes

        def start(status_line: str, headers: list[tuple[str, str]], exc_info: Any = None) -> Any:
            status[0] = status_line.split(" ", 1)[0]
            headers = [(k, v) for k, v in headers if k.lower() != "x-request-id"]
            headers.append(("X-Request-ID", request_id))
            return start_response(status_line, headers, exc_info)

        try:
            return self.app(environ, start)
        finally:
            elapsed = (time.perf_counter() - started) * 1000
            method = environ.get("REQUEST_METHOD", "-")
            path = redact_path(_wsgi_text(environ.get("SCRIPT_NAME", "") + environ.get("PATH_INFO", "")))
            client = environ.get("REMOTE_ADDR", "-")
            self.log.info("%s %s %s %.0fms %s", method, path, status[0], elapsed, client,
                          extra={"method": method, "path": path, "status": int(status[0]),
                                 "duration_ms": round(elapsed, 1), "client": client})
            _request_id.reset(reset)


def init_app(app: Flask) -> None:
    """Wrap the app in :class:`RequestLog` and make the id available as ``g.request_id``."""
    from flask import g, request

    app.wsgi_app = RequestLog(app.wsgi_app)  # type: ignore[method-assign]

    @app.before_request
    def remember_request_id() -> None:
        g.request_id = request.environ.get("directory.request_id", NO_REQUEST)
