"""Passwords: the policy everywhere a password is set, the change while logged in, the reset by mail (same
answer for every login, links that expire, work once and are never logged)."""

from __future__ import annotations

import logging
import re

import pytest
from sqlmodel import select

from directory.accounts import passwords, services
from directory.accounts.models import User
from directory.audit.models import AuditLog
from directory.core.errors import InvalidInput, NotFound
from tests import factories
from tests.accounts.conftest import log_in
from tests.conftest import IsolatedClient

GOOD = "marble-ferry-73"


@pytest.mark.parametrize("password", [
    "short-1",  # under 10 characters
    "woaini1314", "5201314520", "1qaz2wsx3edc", "password123", "Password123",  # common (the last one by case)
    "wang.lei@example.cn", "WANG.LEI-2026", "13812345678x",  # the e-mail, its name part, the mobile number
])
def test_the_policy_refuses(password):
    with pytest.raises(InvalidInput) as exc:
        passwords.check_policy(password, email="wang.lei@example.cn", phone="13812345678")
    assert exc.value.field == "password"


def test_the_policy_accepts_a_long_uncommon_password_and_the_test_password():
    passwords.check_policy(GOOD, email="wang.lei@example.cn", phone="13812345678")
    passwords.check_policy(factories.PASSWORD, email="user1@example.cn")


def test_registration_applies_the_policy_beside_the_field(client, db_session):
    response = client.post("/register", data={"role": "enterprise", "display_name": "赵", "organization": "营口某公司",
                                              "credit_code": factories.credit_code(),
                                              "email": "zhao@example.cn", "password": "woaini1314",
                                              "confirm": "woaini1314", "consent": "y"})
    assert response.status_code == 422
    assert "该密码属于最常用的密码" in response.get_data(as_text=True)
    assert db_session.exec(select(User)).all() == []


def test_users_create_applies_the_policy(runner, db_session):
    result = runner.invoke(args=["users", "create", "--role", "staff", "--email", "s@example.cn",
                                 "--password", "password123"])
    assert result.exit_code != 0 and "常用" in result.output
    assert db_session.exec(select(User)).all() == []


def test_the_demo_seed_alone_may_skip_the_policy(db_session):
    with pytest.raises(InvalidInput):
        services.create_user(role="staff", email="d@example.cn", password="demo-2026", display_name="d")
    user = services.create_user(role="staff", email="d@example.cn", password="demo-2026", display_name="d",
                                password_policy=False)
    assert services.authenticate(login="d@example.cn", password="demo-2026") == user


# -- change while logged in ---------------------------------------------------------------------------------

def _change(client, current, new, confirm=None):
    return client.post("/my/password", data={"current_password": current, "password": new,
                                             "confirm": new if confirm is None else confirm})


def test_change_password_needs_the_current_one_and_the_policy(client, auth, db_session):
    user = auth.login("enterprise")
    before = user.password_hash
    response = _change(client, "not-the-password", GOOD)
    assert response.status_code == 422 and "当前密码不正确" in response.get_data(as_text=True)
    response = _change(client, factories.PASSWORD, "qwertyuiop")
    assert response.status_code == 422 and "最常用" in response.get_data(as_text=True)
    response = _change(client, factories.PASSWORD, GOOD, confirm="something-else")
    assert response.status_code == 422
    db_session.expire_all()
    assert db_session.get(User, user.id).password_hash == before


def test_change_password_keeps_this_session_and_ends_the_others(app, client, auth, db_session):
    user = auth.login("enterprise")
    app.test_client_class = IsolatedClient
    laptop = app.test_client()
    assert log_in(laptop, user).status_code == 302
    response = _change(client, factories.PASSWORD, GOOD)
    assert response.status_code == 302
    assert client.get("/my").status_code == 200  # this browser stays in
    assert laptop.get("/my").status_code == 302  # the other session is over
    assert log_in(app.test_client(), user).status_code == 422  # the old password is gone
    assert log_in(app.test_client(), user, password=GOOD).status_code == 302
    assert db_session.exec(select(AuditLog).where(AuditLog.action == "user.password_change",
                                                  AuditLog.entity_id == user.id)).one().actor_id == user.id


# -- reset by mail ------------------------------------------------------------------------------------------

@pytest.fixture
def mails(monkeypatch):
    """Mails the app sends, instead of the SMTP server."""
    sent = []
    monkeypatch.setattr("directory.notifications.services.send_mail", lambda **mail: sent.append(mail))
    return sent


def _link(mail):
    return re.search(r"http://\S+/password/reset/(\S+)", mail["body"]).group(1)


def test_forgot_password_answers_the_same_whether_or_not_the_account_exists(client, db_session, mails):
    factories.user(email="known@example.cn")
    answers = []
    for login in ("known@example.cn", "unknown@example.cn", "13900009999"):
        response = client.post("/password/forgot", data={"login": login})
        answers.append((response.status_code, response.location, client.get(response.location).get_data(as_text=True)))
    assert answers[0] == answers[1] == answers[2]
    assert [m["to"] for m in mails] == ["known@example.cn"]
    assert "http://127.0.0.1:5000/password/reset/" in mails[0]["body"]  # on SITE_URL, not the Host header
    assert mails[0]["secret"] is True


def test_a_reset_link_sets_the_password_once_and_ends_the_sessions(app, client, db_session, mails):
    user = factories.user(email="known@example.cn")
    app.test_client_class = IsolatedClient
    elsewhere = app.test_client()
    log_in(elsewhere, user)
    client.post("/password/forgot", data={"login": "KNOWN@example.cn"})
    token = _link(mails[0])
    assert client.get(f"/password/reset/{token}").status_code == 200
    weak = client.post(f"/password/reset/{token}", data={"password": "password123", "confirm": "password123"})
    assert weak.status_code == 422  # the policy, and the link still works after it
    response = client.post(f"/password/reset/{token}", data={"password": GOOD, "confirm": GOOD})
    assert response.status_code == 302 and response.location.endswith("/login")
    assert log_in(app.test_client(), user, password=GOOD).status_code == 302
    assert elsewhere.get("/my").status_code == 302
    assert client.get(f"/password/reset/{token}").status_code == 404  # used
    again = client.post(f"/password/reset/{token}", data={"password": "other-long-pass-9", "confirm": "other-long-pass-9"})
    assert again.status_code == 404
    actions = db_session.exec(select(AuditLog.action).where(AuditLog.entity_id == user.id)).all()
    assert {"user.password_reset_request", "user.password_reset"} <= set(actions)


def test_reset_links_expire(client, db_session, mails, monkeypatch):
    user = factories.user(email="known@example.cn")
    client.post("/password/forgot", data={"login": user.email})
    monkeypatch.setattr(passwords, "RESET_VALID_FOR", -1)  # as if the hour were over
    assert client.get(f"/password/reset/{_link(mails[0])}").status_code == 404


def test_forged_links_and_locked_accounts_get_nothing(db_session, mails):
    user = factories.user(email="known@example.cn")
    token = passwords.reset_token(user)
    for bad in (token[:-2] + "xx", "x" * 40, ""):
        with pytest.raises(NotFound):
            services.user_for_reset(bad)
    user.active = False
    with pytest.raises(NotFound):
        services.user_for_reset(token)
    services.request_password_reset(login=user.email, site_url="http://x")
    assert mails == []


def test_the_reset_link_is_never_logged(client, db_session, caplog):
    user = factories.user(email="known@example.cn")
    from directory.notifications.mail import deliver_due

    with caplog.at_level(logging.DEBUG):
        assert client.post("/password/forgot", data={"login": user.email}).status_code == 302
        assert deliver_due() == 1  # the job after the commit; without MAIL_SERVER its backend is the log
    assert "known@example.cn" in caplog.text and "not logged" in caplog.text  # the log says what it withheld
    assert "/password/reset/" not in caplog.text
    assert passwords.reset_token(user).split(".")[0] not in caplog.text
