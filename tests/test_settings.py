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

    env = {"SECRET_KEY": "k", "MEILI_URL": "http://127.0.0.1:1", "DATABASE_URL": f"sqlite:///{tmp_path}/x.sqlite3",
           "SEARCH_SYNC_THREAD": "0"}
    logged = create_app(Settings.from_env(env, instance_path=tmp_path))
    assert logged.extensions["mailman"].backend == "directory.notifications.log_backend"
    smtp = create_app(Settings.from_env({**env, "MAIL_SERVER": "smtp.yingkou.example", "MAIL_USE_TLS": "1",
                                         "MAIL_DEFAULT_SENDER": "noreply@yingkou.example"}, instance_path=tmp_path))
    state = smtp.extensions["mailman"]
    assert (state.backend, state.server, state.port, state.use_tls, state.default_sender, state.timeout) == (
        "smtp", "smtp.yingkou.example", 587, True, "noreply@yingkou.example", 10.0)
