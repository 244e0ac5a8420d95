import pytest

from directory.settings import Settings, SettingsError


def test_defaults_use_sqlite_and_generate_persistent_secrets(tmp_path):
    s1 = Settings.from_env({}, instance_path=tmp_path)
    s2 = Settings.from_env({}, instance_path=tmp_path)
    assert s1.database_url == f"sqlite:///{tmp_path / 'directory.sqlite3'}"
    assert s1.secret_key == s2.secret_key and len(s1.secret_key) > 30
    assert s1.meili_url is None and s1.meili_master_key == s2.meili_master_key
    assert (tmp_path / "secret_key").stat().st_mode & 0o777 == 0o600


def test_postgres_url_gets_the_psycopg_driver(tmp_path):
    s = Settings.from_env({"DATABASE_URL": "postgresql://u@h/db", "SECRET_KEY": "k"}, instance_path=tmp_path)
    assert s.database_url == "postgresql+psycopg://u@h/db"


def test_external_meili_needs_no_generated_master_key(tmp_path):
    s = Settings.from_env({"MEILI_URL": "http://127.0.0.1:7700", "SECRET_KEY": "k"}, instance_path=tmp_path)
    assert s.meili_master_key is None
    assert not (tmp_path / "meili_master_key").exists()


@pytest.mark.parametrize("env", [
    {"DATABASE_URL": "not a url"},
    {"MEILI_URL": "localhost:7700"},
    {"MEILI_INDEX_PREFIX": "bad prefix!"},
    {"SITE_URL": "qiye.yingkou.example"},
    {"REDIS_URL": "127.0.0.1:6379"},
    {"TRUSTED_PROXIES": "one"},
    {"TRUSTED_PROXIES": "-1"},
    {"MAIL_PORT": "smtp"},
    {"MAIL_PORT": "0"},
    {"MAIL_PORT": "70000"},
    {"MAIL_USE_TLS": "1", "MAIL_USE_SSL": "1"},
    {"MAIL_USE_TLS": "maybe"},
    {"MAIL_DEFAULT_SENDER": "noreply"},
    {"MAIL_DEFAULT_SENDER": "a@example.cn, b@example.cn"},
    {"MAIL_DEFAULT_SENDER": "a@example.cn\r\nBcc: b@example.cn"},
    {"MAIL_TIMEOUT": "never"},
    {"MAIL_TIMEOUT": "0"},
    {"SEARCH_SYNC_LEASE": "3"},  # its quarter, the admin timeout, would be under a second
    {"SEARCH_SYNC_LEASE": "nan"},
    {"SEARCH_SYNC_LEASE": "two minutes"},
])
def test_bad_values_are_rejected(tmp_path, env):
    with pytest.raises(SettingsError):
        Settings.from_env({"SECRET_KEY": "k", **env}, instance_path=tmp_path)


def test_accounts_and_security_settings(tmp_path):
    default = Settings.from_env({"SECRET_KEY": "k", "PORT": "8000"}, instance_path=tmp_path)
    assert (default.site_url, default.redis_url, default.ratelimit_enabled, default.trusted_proxies) == (
        "http://127.0.0.1:8000", None, True, 0)
    s = Settings.from_env({"SECRET_KEY": "k", "SITE_URL": "https://qiye.yingkou.example/", "REDIS_URL": "redis://r:6379/1",
                           "RATELIMIT_ENABLED": "0", "TRUSTED_PROXIES": "1"}, instance_path=tmp_path)
    assert (s.site_url, s.redis_url, s.ratelimit_enabled, s.trusted_proxies) == (
        "https://qiye.yingkou.example", "redis://r:6379/1", False, 1)


def test_the_job_queue_is_embedded_in_development_and_separate_in_production(tmp_path):
    dev = Settings.from_env({"SECRET_KEY": "k"}, instance_path=tmp_path)
    assert (dev.jobs_embedded, dev.jobs_queue) == (True, "directory")
    prod = Settings.from_env({"SECRET_KEY": "k", "APP_ENV": "production", "SITE_URL": "https://qiye.example"}, instance_path=tmp_path)
    assert prod.jobs_embedded is False
    both = Settings.from_env({"SECRET_KEY": "k", "APP_ENV": "production", "SITE_URL": "https://qiye.example", "JOBS_EMBEDDED": "1",
                              "JOBS_QUEUE": "yk2"},
                             instance_path=tmp_path)
    assert (both.jobs_embedded, both.jobs_queue) == (True, "yk2")
    assert Settings.from_env({"SECRET_KEY": "k", "JOBS_EMBEDDED": "0"}, instance_path=tmp_path).jobs_embedded is False


@pytest.mark.parametrize("queue", ["Directory", "yk-prod", "队列", "a b"])
def test_a_job_queue_name_is_lower_case_letters_and_digits(tmp_path, queue):
    with pytest.raises(SettingsError):
        Settings.from_env({"SECRET_KEY": "k", "JOBS_QUEUE": queue}, instance_path=tmp_path)


# -- APP_ENV, logging and proxies (issue 13, item 5) ------------------------------------------------------

PRODUCTION = {"APP_ENV": "production", "SECRET_KEY": "a-shared-secret-from-the-vault",
              "SITE_URL": "https://qiye.yingkou.example"}


def test_development_is_the_default_and_logs_text_at_info(tmp_path):
    s = Settings.from_env({"SECRET_KEY": "k"}, instance_path=tmp_path)
    assert (s.app_env, s.production, s.log_level, s.log_format, s.secure_cookies) == (
        "development", False, "INFO", "text", False)


@pytest.mark.parametrize("value", ["prod", "staging", "Production!", "1"])
def test_an_unknown_app_env_is_refused(tmp_path, value):
    with pytest.raises(SettingsError, match="APP_ENV"):
        Settings.from_env({"SECRET_KEY": "k", "APP_ENV": value}, instance_path=tmp_path)


@pytest.mark.parametrize("missing", [["SECRET_KEY"], ["SITE_URL"], ["SECRET_KEY", "SITE_URL"]])
def test_production_refuses_to_start_without_a_shared_secret_and_public_address(tmp_path, missing):
    env = {k: v for k, v in PRODUCTION.items() if k not in missing}
    with pytest.raises(SettingsError) as refused:
        Settings.from_env(env, instance_path=tmp_path)
    for name in missing:
        assert name in str(refused.value)
    # No per-machine secret was generated behind the operator's back.
    assert not (tmp_path / "secret_key").exists()


def test_production_turns_on_secure_cookies_and_json_logs(tmp_path):
    s = Settings.from_env(PRODUCTION, instance_path=tmp_path)
    assert (s.production, s.secure_cookies, s.log_format, s.secret_key) == (
        True, True, "json", "a-shared-secret-from-the-vault")
    # Secure even when the address given is http (TLS ends at the proxy, which must then say https).
    http = Settings.from_env({**PRODUCTION, "SITE_URL": "http://10.0.0.5"}, instance_path=tmp_path)
    assert http.secure_cookies
    # An operator may still ask for text lines.
    assert Settings.from_env({**PRODUCTION, "LOG_FORMAT": "text"}, instance_path=tmp_path).log_format == "text"


def test_the_app_sets_cookies_secure_in_production(tmp_path, meili):
    from directory import create_app

    s = Settings.from_env({**PRODUCTION, "MEILI_URL": meili["url"], "SITE_URL": "http://10.0.0.5"},
                          instance_path=tmp_path)
    app = create_app(s)
    assert app.config["SESSION_COOKIE_SECURE"] and app.config["REMEMBER_COOKIE_SECURE"]
    dev = create_app(Settings.from_env({"SECRET_KEY": "k", "MEILI_URL": meili["url"]}, instance_path=tmp_path))
    assert not dev.config["SESSION_COOKIE_SECURE"]
    for built in (app, dev):
        built.extensions["database_engine"].dispose()


@pytest.mark.parametrize(("env", "expected"), [
    ({"LOG_LEVEL": "debug"}, ("DEBUG", "text")),
    ({"LOG_LEVEL": "WARNING", "LOG_FORMAT": "JSON"}, ("WARNING", "json")),
])
def test_log_settings(tmp_path, env, expected):
    s = Settings.from_env({"SECRET_KEY": "k", **env}, instance_path=tmp_path)
    assert (s.log_level, s.log_format) == expected


@pytest.mark.parametrize("env", [{"LOG_LEVEL": "VERBOSE"}, {"LOG_LEVEL": "10"}, {"LOG_FORMAT": "xml"}])
def test_bad_log_settings_are_rejected(tmp_path, env):
    with pytest.raises(SettingsError, match="LOG_"):
        Settings.from_env({"SECRET_KEY": "k", **env}, instance_path=tmp_path)


def test_mail_settings(tmp_path):
    default = Settings.from_env({"SECRET_KEY": "k"}, instance_path=tmp_path)
    assert (default.mail_server, default.mail_port, default.mail_use_tls, default.mail_use_ssl,
            default.mail_default_sender, default.mail_timeout) == (None, 25, False, False, "noreply@localhost", 10.0)
    s = Settings.from_env({"SECRET_KEY": "k", "MAIL_SERVER": "smtp.yingkou.example", "MAIL_USE_SSL": "true",
                           "MAIL_USERNAME": "qiye", "MAIL_PASSWORD": "pw",
                           "MAIL_DEFAULT_SENDER": "营口企业服务平台 <noreply@yingkou.example>", "MAIL_TIMEOUT": "2.5"},
                          instance_path=tmp_path)
    assert (s.mail_server, s.mail_port, s.mail_use_ssl, s.mail_username, s.mail_password, s.mail_default_sender,
            s.mail_timeout) == ("smtp.yingkou.example", 465, True, "qiye", "pw",
                                "营口企业服务平台 <noreply@yingkou.example>", 2.5)
    assert Settings.from_env({"SECRET_KEY": "k", "MAIL_USE_TLS": "1"}, instance_path=tmp_path).mail_port == 587
    assert Settings.from_env({"SECRET_KEY": "k", "MAIL_PORT": "2525"}, instance_path=tmp_path).mail_port == 2525


def test_the_app_configures_flask_mailman_from_the_settings(tmp_path):
    from directory import create_app

    env = {"SECRET_KEY": "k", "MEILI_URL": "http://127.0.0.1:1", "DATABASE_URL": f"sqlite:///{tmp_path}/x.sqlite3"}
    logged = create_app(Settings.from_env(env, instance_path=tmp_path))
    assert logged.extensions["mailman"].backend == "directory.notifications.log_backend"
    smtp = create_app(Settings.from_env({**env, "MAIL_SERVER": "smtp.yingkou.example", "MAIL_USE_TLS": "1",
                                         "MAIL_DEFAULT_SENDER": "noreply@yingkou.example"}, instance_path=tmp_path))
    state = smtp.extensions["mailman"]
    assert (state.backend, state.server, state.port, state.use_tls, state.default_sender, state.timeout) == (
        "smtp", "smtp.yingkou.example", 587, True, "noreply@yingkou.example", 10.0)


def test_the_sync_lease_outlasts_every_admin_call(tmp_path):
    default = Settings.from_env({"SECRET_KEY": "k"}, instance_path=tmp_path)
    assert (default.search_sync_lease, default.meili_admin_timeout) == (120, 30)
    short = Settings.from_env({"SECRET_KEY": "k", "SEARCH_SYNC_LEASE": "11"}, instance_path=tmp_path)
    assert (short.search_sync_lease, short.meili_admin_timeout) == (11, 2)  # whole seconds, within a quarter
    long = Settings.from_env({"SECRET_KEY": "k", "SEARCH_SYNC_LEASE": "600"}, instance_path=tmp_path)
    assert long.meili_admin_timeout == 30  # a long lease does not make a hung server hold the drainer longer
