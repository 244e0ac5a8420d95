"""Rate limits: login per account and client and per client (failures only), registration, password reset,
the search and recommendations APIs; 429 with Retry-After in the user's language; the switch; Redis."""

from __future__ import annotations

import os
import uuid

import pytest

from directory.settings import Settings
from tests import factories
from tests.accounts.conftest import ATTACKER, VICTIM, log_in


def _fail(client, login, address, password="wrong-password-1"):
    return client.post("/login", data={"login": login, "password": password}, environ_base={"REMOTE_ADDR": address})


def test_guessing_one_password_is_stopped_but_the_owner_still_gets_in(client, rate_limits):
    victim = factories.user(email="victim@example.cn")
    for _ in range(10):
        assert _fail(client, "victim@example.cn", ATTACKER).status_code == 422
    refused = _fail(client, " VICTIM@example.cn", ATTACKER)  # however it is spelt
    assert refused.status_code == 429
    assert 1 <= int(refused.headers["Retry-After"]) <= 15 * 60
    assert log_in(client, victim, address=ATTACKER).status_code == 429  # even the right password, from there
    assert log_in(client, victim, address=VICTIM).status_code == 302  # the owner, elsewhere, is not locked out


def test_one_client_trying_many_accounts_is_stopped(client, rate_limits):
    for n in range(30):
        assert _fail(client, f"guess{n}@example.cn", ATTACKER).status_code == 422
    assert _fail(client, "another@example.cn", ATTACKER).status_code == 429
    assert _fail(client, "another@example.cn", VICTIM).status_code == 422  # other clients are not affected


def test_successful_logins_are_not_counted(client, rate_limits):
    user = factories.user()
    for _ in range(12):
        assert log_in(client, user, address=VICTIM).status_code == 302
        client.post("/logout")


def test_the_429_speaks_the_users_language(client, rate_limits):
    for _ in range(10):
        _fail(client, "x@example.cn", ATTACKER)
    page = _fail(client, "x@example.cn", ATTACKER).get_data(as_text=True)
    assert "尝试次数过多" in page and "分钟后再试" in page
    client.get("/lang/en")
    page = _fail(client, "x@example.cn", ATTACKER).get_data(as_text=True)
    assert "Too many attempts. Please try again in" in page and "minute" in page


def test_registration_is_limited_per_client(client, rate_limits):
    for _ in range(20):
        assert client.post("/register", data={}, environ_base={"REMOTE_ADDR": ATTACKER}).status_code == 422
    assert client.post("/register", data={}, environ_base={"REMOTE_ADDR": ATTACKER}).status_code == 429
    assert client.get("/register", environ_base={"REMOTE_ADDR": ATTACKER}).status_code == 200  # only posts count


def test_reset_requests_are_limited_per_account_and_client(client, rate_limits):
    def ask(login, address=ATTACKER):
        return client.post("/password/forgot", data={"login": login}, environ_base={"REMOTE_ADDR": address})

    for _ in range(3):
        assert ask("victim@example.cn").status_code == 302
    assert ask("victim@example.cn").status_code == 429  # no mail bombing of one address from one client
    assert ask("victim@example.cn", VICTIM).status_code == 302
    for n in range(7):
        assert ask(f"other{n}@example.cn").status_code == 302
    assert ask("yet-another@example.cn").status_code == 429  # ten per client and hour


def test_search_api_answers_429_json_with_retry_after(client, rate_limits):
    for _ in range(120):
        assert client.get("/api/v1/search?per_page=500", environ_base={"REMOTE_ADDR": ATTACKER}).status_code == 400
    response = client.get("/api/v1/search?q=专利", environ_base={"REMOTE_ADDR": ATTACKER})
    assert response.status_code == 429
    assert response.json["error"]["code"] == "too_many_requests"
    assert "尝试次数过多" in response.json["error"]["message"]
    assert 1 <= int(response.headers["Retry-After"]) <= 60
    assert client.get("/api/v1/search?per_page=500", environ_base={"REMOTE_ADDR": VICTIM}).status_code == 400


def test_recommendations_api_is_limited(client, rate_limits):
    for _ in range(30):
        assert client.post("/api/v1/recommendations", json={}, environ_base={"REMOTE_ADDR": ATTACKER}).status_code == 422
    response = client.post("/api/v1/recommendations", json={}, environ_base={"REMOTE_ADDR": ATTACKER},
                           headers={"Accept-Language": "en"})
    assert response.status_code == 429 and "Retry-After" in response.headers


def test_the_openapi_description_documents_the_429(client, db_session):
    paths = client.get("/api/v1/openapi.json").json["paths"]
    for path, method in (("/api/v1/search", "get"), ("/api/v1/recommendations", "post")):
        too_many = paths[path][method]["responses"]["429"]
        assert too_many["headers"]["Retry-After"]["schema"]["type"] == "integer"
        assert too_many["content"]["application/json"]["schema"] == {"$ref": "#/components/schemas/Error"}


def test_password_change_is_limited_per_user(client, auth, rate_limits):
    auth.login("enterprise")
    data = {"current_password": "not-my-password", "password": "a-new-long-one-77", "confirm": "a-new-long-one-77"}
    for _ in range(10):
        assert client.post("/my/password", data=data).status_code == 422
    assert client.post("/my/password", data=data).status_code == 429


def test_ratelimit_enabled_0_switches_the_limits_off(peer_app, tmp_path):
    assert Settings.from_env({"RATELIMIT_ENABLED": "0", "SECRET_KEY": "k"}, instance_path=tmp_path).ratelimit_enabled is False
    assert Settings.from_env({"SECRET_KEY": "k"}, instance_path=tmp_path).ratelimit_enabled is True
    for enabled, eleventh in ((True, 429), (False, 422)):
        browser = peer_app(ratelimit_enabled=enabled).test_client()
        statuses = [_fail(browser, "x@example.cn", ATTACKER).status_code for _ in range(11)]
        assert statuses == [422] * 10 + [eleventh]


def _redis_url():
    url = os.environ.get("TEST_REDIS_URL", "redis://127.0.0.1:6379/0")
    try:
        import redis

        with redis.Redis.from_url(url, socket_timeout=1) as server:
            server.ping()
    except Exception:  # not reachable: skipped, unless the run requires it
        if os.environ.get("REQUIRE_REDIS"):
            raise
        pytest.skip(f"no Redis at {url}")
    return url


def test_with_redis_the_counters_are_shared_by_every_process(peer_app):
    url, prefix = _redis_url(), f"test-{uuid.uuid4().hex}"
    try:
        _shared_counters(peer_app, url, prefix)
    finally:
        import redis

        with redis.Redis.from_url(url) as server:
            keys = list(server.scan_iter(match=f"*{prefix}*"))
            if keys:
                server.delete(*keys)


def _shared_counters(peer_app, url, prefix):
    one, two = [peer_app(config={"RATELIMIT_KEY_PREFIX": prefix}, redis_url=url, ratelimit_enabled=True)
                for _ in range(2)]
    assert type(one.extensions["rate_limiter"].storage).__name__ == "RedisStorage"
    for n in range(10):
        assert _fail((one if n % 2 else two).test_client(), "x@example.cn", ATTACKER).status_code == 422
    assert _fail(one.test_client(), "x@example.cn", ATTACKER).status_code == 429
    assert _fail(two.test_client(), "x@example.cn", ATTACKER).status_code == 429
    other_run = peer_app(config={"RATELIMIT_KEY_PREFIX": prefix + "-b"}, redis_url=url, ratelimit_enabled=True)
    assert _fail(other_run.test_client(), "x@example.cn", ATTACKER).status_code == 422  # prefixes keep apart


def test_a_forged_forwarded_for_header_does_not_make_a_new_client(client, rate_limits):
    for n in range(30):
        client.post("/login", data={"login": f"g{n}@example.cn", "password": "wrong-password-1"},
                    environ_base={"REMOTE_ADDR": ATTACKER}, headers={"X-Forwarded-For": f"192.0.2.{n}"})
    assert _fail(client, "new@example.cn", ATTACKER).status_code == 429


def test_behind_a_trusted_proxy_the_forwarded_address_is_the_client(peer_app, db_session):
    from sqlmodel import select

    from directory.audit.models import AuditLog

    app = peer_app(trusted_proxies=1, ratelimit_enabled=True)
    browser = app.test_client()
    for _ in range(10):
        browser.post("/login", data={"login": "x@example.cn", "password": "wrong-password-1"},
                     environ_base={"REMOTE_ADDR": "127.0.0.1"}, headers={"X-Forwarded-For": ATTACKER})
    blocked = browser.post("/login", data={"login": "x@example.cn", "password": "wrong-password-1"},
                           environ_base={"REMOTE_ADDR": "127.0.0.1"}, headers={"X-Forwarded-For": ATTACKER})
    other = browser.post("/login", data={"login": "x@example.cn", "password": "wrong-password-1"},
                         environ_base={"REMOTE_ADDR": "127.0.0.1"}, headers={"X-Forwarded-For": VICTIM})
    assert (blocked.status_code, other.status_code) == (429, 422)  # the proxy's clients are told apart
    addresses = db_session.exec(select(AuditLog.client_address).where(AuditLog.action == "user.login_failed")).all()
    assert set(addresses) == {ATTACKER, VICTIM}
