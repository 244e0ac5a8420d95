"""Mail goes out after the commit, never inside a request.

``notifications.services.send_mail`` (and ``notify``, through it) writes an :class:`OutgoingMail` row with the
request's session, so the mail commits or rolls back with the change it tells about, and sets
``session.info[MAIL_WRITTEN]``; after that commit the app's :func:`on_mail_commit` callback runs (the
job queue enqueues a delivery job there). :func:`deliver_due` is that job: it claims due rows in a short transaction
(a lease in ``claimed_until``, so two workers never hold the same mail), sends them through Flask-Mailman with
no transaction open, and marks each one sent right after its send. A failure raises the attempt count and puts
the next try 1, 2, 4 … minutes later (at most an hour); after :data:`MAX_ATTEMPTS`, or a permanent refusal
(5xx), the mail is given up, its error kept and logged at ERROR. Without ``MAIL_SERVER`` the backend is the log
(:mod:`directory.notifications.log_backend`), which never writes the body of a ``secret`` mail.

A mail is delivered once: it is marked sent the moment the server took it. Only a worker that dies between the
server's "250" and that mark (a lost process, not an error) leaves it to be sent again once its lease ends.
"""

from __future__ import annotations

import logging
import smtplib
from collections.abc import Callable, Sequence
from datetime import timedelta
from typing import Any

from flask import Flask, current_app, has_app_context
from sqlalchemy import delete, event, func, or_, update
from sqlalchemy.orm import Session
from sqlmodel import col, select

from directory.core.db import commit_or_rollback
from directory.core.time import utcnow
from directory.extensions import db, mailman
from directory.notifications.models import OutgoingMail
from directory.settings import Settings

log = logging.getLogger(__name__)

MAIL_WRITTEN = "mail_written"  # session.info key: this transaction wrote OutgoingMail rows
LOG_BACKEND = "directory.notifications.log_backend"
MAX_ATTEMPTS = 12  # about six hours of tries (1 + 2 + 4 … + 60 min)
MAX_BACKOFF = timedelta(hours=1)
CHUNK = 20  # rows claimed at once: a lease must outlast sending them all at the slowest server
KEEP_SENT = timedelta(days=7)



def on_mail_commit(app: Flask, callback: Callable[[], None]) -> None:
    """Call ``callback`` (without arguments, in the committing app context) after every commit that wrote mail
    rows: the job queue enqueues the delivery there (directory/jobs). It must be quick and must not send or use
    the committed session; one that raises is logged and the rows stay due (the queue's poll sends them)."""
    app.extensions["mail_committed"] = callback


# -- 1. configuration ----------------------------------------------------------------------------------

def mail_config(settings: Settings) -> dict[str, Any]:
    """Flask-Mailman's configuration from the validated settings (CONTRACTS.md, "Configuration")."""
    return {
        "MAIL_SERVER": settings.mail_server,
        "MAIL_PORT": settings.mail_port,
        "MAIL_USERNAME": settings.mail_username,
        "MAIL_PASSWORD": settings.mail_password,
        "MAIL_USE_TLS": settings.mail_use_tls,
        "MAIL_USE_SSL": settings.mail_use_ssl,
        "MAIL_DEFAULT_SENDER": settings.mail_default_sender,
        "MAIL_TIMEOUT": settings.mail_timeout,
    }


def init_app(app: Flask) -> None:
    """Bind Flask-Mailman to ``app`` with its ``MAIL_*`` config: SMTP when ``MAIL_SERVER`` is set, else the log.
    Called again after a change of that config (tests point it at their own server)."""
    app.config["MAIL_BACKEND"] = "smtp" if app.config.get("MAIL_SERVER") else LOG_BACKEND
    mailman.init_app(app)


def _state() -> Any:
    """This app's Flask-Mailman configuration (several apps may share the process: the test backends)."""
    return current_app.extensions["mailman"]


# -- 2. written with the request -------------------------------------------------------------------------

def header_text(value: str) -> str:
    """``value`` on one line, fit for a mail header: CR, LF and the other line breaks become spaces. Subjects are
    built from names users typed (an institution, an event), and a line break there would either start a new
    header (``Bcc:``) or make the message fail to build."""
    return " ".join(str(value).splitlines()).strip()


def one_address(value: str) -> bool:
    """Whether ``value`` is one bare address that can go into a ``To:`` header as it is."""
    value = value.strip()
    return (bool(value) and value.count("@") == 1 and header_text(value) == value
            and not any(c.isspace() or c in ',;<>"()[]\\' for c in value))


def write(session: Any, *, to: str, subject: str, body: str, secret: bool = False) -> OutgoingMail:
    """Add one mail to the outbox on ``session`` (flushed; the caller commits). ``to`` must be one address
    (:func:`one_address`) and ``subject`` one line (:func:`header_text`): the caller checks."""
    item = OutgoingMail(to_address=to, subject=subject, body=body, secret=secret)
    session.add(item)
    session.flush()
    session.info[MAIL_WRITTEN] = True
    return item


@event.listens_for(Session, "after_commit")
def _after_commit(session: Session) -> None:
    if session.info.pop(MAIL_WRITTEN, False) and has_app_context():
        callback = current_app.extensions.get("mail_committed")
        if callback is None:
            return
        try:
            callback()
        except Exception:  # the commit is done; the rows wait for the next delivery
            log.exception("mail: the after-commit callback %r failed", callback)


@event.listens_for(Session, "after_rollback")
def _after_rollback(session: Session) -> None:
    session.info.pop(MAIL_WRITTEN, None)


# -- 3. delivered by a job ---------------------------------------------------------------------------------

def backoff(attempts: int) -> timedelta:
    """The wait after the ``attempts``-th failure: 1 min, 2, 4 … at most :data:`MAX_BACKOFF`."""
    return min(MAX_BACKOFF, timedelta(minutes=2 ** max(0, attempts - 1)))


def _due(now: Any) -> Any:
    return (col(OutgoingMail.sent_at).is_(None), col(OutgoingMail.failed_at).is_(None),
            col(OutgoingMail.available_at) <= now,
            or_(col(OutgoingMail.claimed_until).is_(None), col(OutgoingMail.claimed_until) < now))


def _claim(n: int) -> list[Any]:
    """Lease up to ``n`` due mails to this worker in one short transaction; returns their rows. PostgreSQL
    skips rows another worker is claiming (``SKIP LOCKED``); SQLite's write lock lets one claimer in at a time.
    Either way the UPDATE repeats the claim's conditions, so a row leased meanwhile is not taken twice."""
    now = utcnow()
    lease = timedelta(seconds=60 + 3 * CHUNK * float(_state().timeout or 10))
    with commit_or_rollback(db.session):
        ids = (select(OutgoingMail.id).where(*_due(now)).order_by(col(OutgoingMail.id)).limit(n)
               .with_for_update(skip_locked=True))
        rows = db.session.execute(
            update(OutgoingMail).where(col(OutgoingMail.id).in_(ids.scalar_subquery()), *_due(now))
            .values(claimed_until=now + lease)
            .returning(col(OutgoingMail.id), col(OutgoingMail.to_address), col(OutgoingMail.subject),
                       col(OutgoingMail.body), col(OutgoingMail.secret), col(OutgoingMail.attempts)),
            execution_options={"synchronize_session": False}).all()
    return sorted(rows, key=lambda row: row.id)


def _message(row: Any) -> Any:
    from flask_mailman import EmailMessage

    message = EmailMessage(subject=row.subject, body=row.body, to=[row.to_address])
    message.secret = row.secret  # read by the log backend: the body of a secret mail is never logged
    return message


def _set(ids: list[int], **values: Any) -> None:
    db.session.execute(update(OutgoingMail).where(col(OutgoingMail.id).in_(ids)).values(**values),
                       execution_options={"synchronize_session": False})


def _mark_sent(row: Any) -> None:
    with commit_or_rollback(db.session):
        _set([row.id], sent_at=utcnow(), claimed_until=None, **({"body": ""} if row.secret else {}))


def _permanent(exc: BaseException) -> bool:
    """A refusal that no retry mends: 5xx for the recipient, the sender or the message."""
    if isinstance(exc, smtplib.SMTPRecipientsRefused):
        return bool(exc.recipients) and all(code >= 500 for code, _msg in exc.recipients.values())
    return isinstance(exc, smtplib.SMTPResponseException) and exc.smtp_code >= 500


def _mark_failed(rows: Sequence[Any], exc: BaseException) -> None:
    """Count a failed try for ``rows``: the next one after :func:`backoff`, or none (given up)."""
    now, error = utcnow(), f"{type(exc).__name__}: {exc}"[:1000]
    permanent = _permanent(exc)
    with commit_or_rollback(db.session):
        for row in rows:
            attempts = row.attempts + 1
            values: dict[str, Any] = {"attempts": attempts, "last_error": error, "claimed_until": None}
            if permanent or attempts >= MAX_ATTEMPTS:
                values["failed_at"] = now
                if row.secret:
                    values["body"] = ""
                log.error("mail %s to %s given up after %d attempt(s): %s", row.id, row.to_address, attempts, error)
            else:
                values["available_at"] = now + backoff(attempts)
                log.warning("mail %s to %s failed (attempt %d), next try at %s: %s", row.id, row.to_address,
                            attempts, values["available_at"].isoformat(timespec="seconds"), error)
            _set([row.id], **values)


def _release(rows: Sequence[Any]) -> None:
    """Give back rows not tried (the connection broke first): due again at once, no attempt counted."""
    if rows:
        with commit_or_rollback(db.session):
            _set([r.id for r in rows], claimed_until=None)


def _send(rows: list[Any]) -> tuple[int, bool]:
    """Send claimed rows over one connection; returns how many were sent and whether the server is out of
    reach (then the rest of the run waits for the next delivery)."""
    connection = mailman.get_connection(fail_silently=False)
    try:
        connection.open()
    except (OSError, smtplib.SMTPException) as exc:  # refused, unreachable, timed out, TLS or login failed
        _mark_failed(rows, exc)
        return 0, True
    sent = 0
    try:
        for i, row in enumerate(rows):
            try:
                if not connection.send_messages([_message(row)]):
                    raise smtplib.SMTPException("the backend sent nothing")
            except (smtplib.SMTPRecipientsRefused, smtplib.SMTPResponseException) as exc:  # this mail only
                _mark_failed([row], exc)
                continue
            except (OSError, smtplib.SMTPException) as exc:  # the connection is gone
                _mark_failed([row], exc)
                _release(rows[i + 1:])
                return sent, True
            except Exception as exc:  # a message that cannot be built: not a reason to stop the others
                log.exception("mail %s could not be built", row.id)
                _mark_failed([row], exc)
                continue
            _mark_sent(row)
            sent += 1
    finally:
        try:
            connection.close()
        except (OSError, smtplib.SMTPException):
            pass
    return sent, False


def deliver_due(limit: int = 100) -> int:
    """Send up to ``limit`` due mails; returns how many were sent. The job that runs after a commit that wrote
    mail (:func:`on_mail_commit`) and ``flask mail deliver``. It commits its own short transactions (the
    claim, then one per mail) and holds none while it talks to the SMTP server, so call it outside a request
    and with nothing pending in the session."""
    db.session.commit()  # whatever was open is not ours to hold across SMTP
    sent = tried = 0
    while tried < limit:
        rows = _claim(min(CHUNK, limit - tried))
        if not rows:
            break
        tried += len(rows)
        n, unreachable = _send(rows)
        sent += n
        if unreachable:
            break
    if sent:
        with commit_or_rollback(db.session):
            db.session.execute(delete(OutgoingMail).where(col(OutgoingMail.sent_at) < utcnow() - KEEP_SENT))
    return sent


def mail_status() -> dict[str, Any]:
    """The mail backlog for ``flask mail status`` and ``/healthz``: pending mails, the oldest, those given up
    and the last error."""
    pending = (col(OutgoingMail.sent_at).is_(None), col(OutgoingMail.failed_at).is_(None))
    count, oldest = db.session.exec(select(func.count(), func.min(OutgoingMail.created_at)).where(*pending)).one()
    failed = db.session.exec(select(func.count()).select_from(OutgoingMail)
                             .where(col(OutgoingMail.failed_at).is_not(None))).one()
    error = db.session.exec(select(OutgoingMail.last_error).where(OutgoingMail.attempts > 0, col(OutgoingMail.sent_at).is_(None))
                            .order_by(col(OutgoingMail.id).desc()).limit(1)).first()
    return {"pending": int(count or 0), "oldest": oldest, "failed": int(failed or 0), "last_error": error or "",
            "backend": "smtp" if _state().backend == "smtp" else "log"}
