"""Sessions end when they must: a lock, a role change, "log out everywhere", 14 days after the login, 30 idle
minutes for staff; cookies carry the right flags."""

from __future__ import annotations

import time
from datetime import UTC, datetime, timedelta
from email.utils import parsedate_to_datetime

from flask_login.utils import encode_cookie
from sqlmodel import select

from directory.accounts.sessions import session_token
from directory.audit.models import AuditLog
from tests import factories
from tests.accounts.conftest import cookies, log_in
from tests.conftest import IsolatedClient


def _client(app):
    app.test_client_class = IsolatedClient  # each request in its own app context, as in production
    return app.test_client()


def test_a_locked_account_loses_its_open_session_at_once(app, db_session):
    user, admin = factories.user(role="enterprise"), factories.user(role="admin")
    theirs, admins = _client(app), _client(app)
    assert log_in(theirs, user).status_code == 302
    assert theirs.get("/my").status_code == 200
    assert log_in(admins, admin).status_code == 302
    response = admins.post(f"/admin/users/{user.id}", data={f"u{user.id}-role": "enterprise"})  # "active" unticked
    assert response.status_code == 302
    response = theirs.get("/my")
    assert response.status_code == 302 and "/login" in response.location


def test_a_role_change_ends_the_sessions_too(app, db_session):
    user, admin = factories.user(role="staff"), factories.user(role="admin")
    theirs, admins = _client(app), _client(app)
    log_in(theirs, user)
    log_in(admins, admin)
    assert theirs.get("/admin/audit").status_code == 200
    admins.post(f"/admin/users/{user.id}", data={f"u{user.id}-role": "enterprise", f"u{user.id}-active": "y"})
    assert theirs.get("/admin/audit").status_code == 302  # logged out, not a staff member with old rights


def test_cli_deactivate_ends_sessions_and_activate_lets_the_account_in_again(app, db_session, runner):
    user = factories.user(email="locked@example.cn")
    browser = _client(app)
    log_in(browser, user)
    result = runner.invoke(args=["users", "deactivate", "LOCKED@example.cn"])
    assert result.exit_code == 0, result.output
    assert browser.get("/my").status_code == 302
    assert log_in(_client(app), user).status_code == 422
    result = runner.invoke(args=["users", "activate", "locked@example.cn"])
    assert result.exit_code == 0, result.output
    assert browser.get("/my").status_code == 302  # the old session stays ended
    assert log_in(browser, user).status_code == 302
    assert runner.invoke(args=["users", "deactivate", "nobody@example.cn"]).exit_code != 0
    entries = db_session.exec(select(AuditLog).where(AuditLog.entity_id == user.id, AuditLog.action.like("user.%activate"))
                              .order_by(AuditLog.id)).all()
    assert [e.action for e in entries] == ["user.deactivate", "user.activate"] and entries[0].changes["os_user"]


def test_log_out_everywhere_ends_every_session_of_the_user(app, db_session):
    user, other = factories.user(), factories.user()
    phone, laptop, someone = _client(app), _client(app), _client(app)
    for client, who in ((phone, user), (laptop, user), (someone, other)):
        assert log_in(client, who).status_code == 302
    assert laptop.post("/logout/everywhere").status_code == 302
    assert phone.get("/my").status_code == 302
    assert laptop.get("/my").status_code == 302
    assert someone.get("/my").status_code == 200  # only this user's sessions


def _expires(header):
    part = next(p for p in header.split(";") if p.strip().lower().startswith("expires="))
    return parsedate_to_datetime(part.split("=", 1)[1])


def test_remember_me_lasts_14_days(client, db_session):
    response = log_in(client, factories.user(role="enterprise"), remember=True)
    remember = cookies(response)["remember_token"]
    left = _expires(remember) - datetime.now(UTC)
    assert timedelta(days=13, hours=23) < left <= timedelta(days=14)
    assert "HttpOnly" in remember and "SameSite=Lax" in remember


def test_staff_and_admins_are_never_remembered(client, db_session):
    for role in ("staff", "admin"):
        response = log_in(client, factories.user(role=role), remember=True)
        assert response.status_code == 302
        assert "remember_token" not in cookies(response)
        client.post("/logout")


def _remembered(app, token):
    """A browser with no session, only a remember-me cookie holding ``token``."""
    with app.app_context():
        value = encode_cookie(token)
    browser = _client(app)
    browser.set_cookie("remember_token", value)
    return browser


def test_the_server_refuses_a_login_older_than_14_days_whatever_the_cookie_says(app, db_session):
    user = factories.user()
    fresh = session_token(user)
    old = session_token(user, issued=int(time.time() - timedelta(days=14, minutes=1).total_seconds()))
    assert _remembered(app, fresh).get("/my").status_code == 200  # the cookie alone logs in...
    assert _remembered(app, old).get("/my").status_code == 302  # ...but not past 14 days
    user.session_version += 1
    db_session.flush()
    assert _remembered(app, fresh).get("/my").status_code == 302  # nor after its sessions were ended
    assert _remembered(app, f"{user.id}").get("/my").status_code == 302  # a bare id (old sessions) neither


def _set_last_request(client, seconds_ago):
    with client.session_transaction() as session:
        session["seen_at"] = int(time.time()) - seconds_ago


def test_staff_sessions_end_after_30_idle_minutes(client, db_session):
    log_in(client, factories.user(role="staff"))
    _set_last_request(client, 29 * 60)
    assert client.get("/admin/audit").status_code == 200  # 29 minutes: still in, and the clock restarts
    _set_last_request(client, 31 * 60)
    response = client.get("/admin/audit")
    assert response.status_code == 302 and "/login" in response.location
    assert "30" in client.get(response.location).get_data(as_text=True)  # says why
    assert client.get("/my").status_code == 302


def test_other_users_are_not_timed_out_by_idleness(client, db_session):
    log_in(client, factories.user(role="enterprise"))
    _set_last_request(client, 3 * 3600)
    assert client.get("/my").status_code == 200


def test_cookies_are_httponly_lax_and_not_secure_on_plain_http(client, db_session):
    response = log_in(client, factories.user(), remember=True)
    for name in ("session", "remember_token"):
        header = cookies(response)[name]
        assert "HttpOnly" in header and "SameSite=Lax" in header and "Secure" not in header


def test_cookies_are_secure_when_the_site_is_https(peer_app, db_session):
    app = peer_app(site_url="https://qiye.yingkou.example")
    browser = app.test_client()
    response = log_in(browser, factories.user(), remember=True)
    assert response.status_code == 302
    for name in ("session", "remember_token"):
        header = cookies(response)[name]
        assert "Secure" in header and "HttpOnly" in header and "SameSite=Lax" in header
    lang = cookies(browser.get("/lang/en"))["lang"]
    assert "Secure" in lang and "HttpOnly" in lang
