"""The mail backend without ``MAIL_SERVER``: each mail is written to the log at INFO instead of being sent, so a
deployment without mail still records what it would have sent. A ``secret`` mail (a password-reset link is the
key to the account) is the exception: the log names its recipient and subject and withholds the body."""

from __future__ import annotations

import logging
from collections.abc import Sequence
from typing import Any

from flask_mailman.backends.base import BaseEmailBackend

log = logging.getLogger("directory.notifications.mail")


class EmailBackend(BaseEmailBackend):  # type: ignore[misc]  # Flask-Mailman ships no type information
    """Flask-Mailman's backend interface (``MAIL_BACKEND = "directory.notifications.log_backend"``)."""

    def send_messages(self, email_messages: Sequence[Any]) -> int:
        for message in email_messages:
            to, subject = ", ".join(message.to), message.subject
            if getattr(message, "secret", False):
                log.info("mail (no MAIL_SERVER configured) to=%s subject=%s: not delivered, and its body is not "
                         "logged because it holds a one-time link", to, subject)
            else:
                log.info("mail (no MAIL_SERVER configured) to=%s subject=%s\n%s", to, subject, message.body)
        return len(email_messages)
