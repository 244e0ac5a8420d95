"""Sessions: what a login puts in the session and the remember-me cookie, and when they stop counting.

Flask-Login keeps whatever :meth:`User.session_token` returns, ``"<id>:<session version>:<login time>"``, in the
session and in the remember-me cookie (``login_manager.id_attribute``), and hands it back to :func:`load_user`
on every request, which refuses it when

- the account is locked (``active`` false) or gone,
- its session version moved on (a lock, a role or password change, "log out everywhere" raise it), or
- the login is older than :data:`MAX_AGE` (14 days): remember-me lasts at most that long even for somebody who
  kept the cookie beyond its expiry date, and no session outlives it.

Staff and admin sessions are never remembered and end after :data:`STAFF_IDLE` without a request
(:func:`end_idle_staff_session`); their last request time is kept in the signed session cookie.
"""

from __future__ import annotations

import time
from datetime import timedelta
from typing import Any

from flask import Flask, current_app, flash, redirect, request, session, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_user, logout_user

from directory.extensions import db, login_manager

MAX_AGE = timedelta(days=14)
STAFF_IDLE = timedelta(minutes=30)
_SEEN = "seen_at"  # session key: time of the last request of a staff session (whole seconds)
_SEEN_RESOLUTION = 60  # seconds; the cookie is rewritten at most once a minute, not on every request


def session_token(user: Any, issued: int | None = None) -> str:
    """The token of a login of ``user`` now (or at the epoch second ``issued``)."""
    return f"{user.id}:{user.session_version}:{int(time.time()) if issued is None else issued}"


@login_manager.user_loader
def load_user(token: str) -> Any:
    from directory.accounts.models import User

    parts = token.split(":")
    if len(parts) != 3 or not all(p.isascii() and p.isdigit() for p in parts):
        return None  # also sessions from before session versions: their users log in once more
    user_id, version, issued = (int(p) for p in parts)
    if time.time() - issued > MAX_AGE.total_seconds():
        return None
    user = db.session.get(User, user_id)
    if user is None or not user.active or user.session_version != version:
        return None
    return user


def log_in(user: Any, *, remember: bool = False) -> None:
    """Start a session for ``user``; staff and admins are never remembered."""
    user = getattr(user, "_get_current_object", lambda: user)()  # the account, not the current_user proxy
    login_user(user, remember=remember and not user.is_staff)
    session[_SEEN] = int(time.time())


def renew(user: Any) -> None:
    """Carry this browser's session (and its remember-me, if it had one) over a change of ``user``'s session
    version, such as their own password change, which ends all their other sessions."""
    log_in(user, remember=current_app.config.get("REMEMBER_COOKIE_NAME", "remember_token") in request.cookies)


def end_idle_staff_session() -> Any:
    """``before_request``: log a staff member out after :data:`STAFF_IDLE` without a request."""
    if request.endpoint == "static" or not current_user.is_authenticated or not current_user.is_staff:
        return None
    now = int(time.time())
    seen = session.get(_SEEN)
    if isinstance(seen, int) and now - seen > STAFF_IDLE.total_seconds():
        from directory.accounts.services import record_logout
        from directory.core.http import wants_json

        record_logout(current_user, reason="idle")
        logout_user()
        session.pop(_SEEN, None)
        if wants_json():
            return None  # the API goes on as for anyone logged out
        flash(_("You were logged out after 30 minutes without activity. Please log in again."), "warning")
        return redirect(url_for("accounts.login", next=request.full_path if request.method == "GET" else None))
    if not isinstance(seen, int) or now - seen >= _SEEN_RESOLUTION:
        session[_SEEN] = now
    return None


def init_app(app: Flask) -> None:
    login_manager.id_attribute = "session_token"
    app.before_request(end_idle_staff_session)
