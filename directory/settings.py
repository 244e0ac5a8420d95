"""One validated settings object, read from the environment (CONTRACTS.md, "Configuration").

Nothing here touches the network; secrets that must persist (SECRET_KEY, the managed Meilisearch
master key) are generated once and kept under ``instance/`` so restarts keep sessions valid.
"""

from __future__ import annotations

import os
import re
import secrets
from dataclasses import dataclass
from email.utils import getaddresses
from pathlib import Path

PROJECT_ROOT = Path(__file__).resolve().parent.parent


class SettingsError(ValueError):
    """An environment variable has a value the app cannot use."""


APP_ENVS = ("development", "production")
LOG_LEVELS = ("DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL")
LOG_FORMATS = ("text", "json")
MEILI_ADMIN_TIMEOUT_MAX = 30
SEARCH_SYNC_LEASE_MIN = 4.0
_TRUE, _FALSE = ("1", "true", "yes", "on"), ("", "0", "false", "no", "off")


def _flag(env: dict[str, str], name: str) -> bool:
    """An on/off variable (unset is off); anything but the usual spellings is refused, not read as off."""
    value = env.get(name, "").strip().lower()
    if value not in _TRUE + _FALSE:
        raise SettingsError(f"{name} must be 1/true/yes/on or 0/false/no/off: {env[name]!r}")
    return value in _TRUE


def _mail_address(name: str, value: str) -> str:
    """``value`` if it is one address (``noreply@x.cn`` or ``营口企业服务 <noreply@x.cn>``), on one line."""
    found = getaddresses([value])
    address = found[0][1] if len(found) == 1 else ""
    if "\r" in value or "\n" in value or "@" not in address or any(c.isspace() for c in address):
        raise SettingsError(f"{name} must be one e-mail address: {value!r}")
    return value.strip()


def _frame_text(name: str, value: str | None) -> str | None:
    """A line of the header or footer: unset or blank is None; one line of at most 200 characters."""
    value = (value or "").strip()
    if "\r" in value or "\n" in value or len(value) > 200:
        raise SettingsError(f"{name} must be one line of at most 200 characters: {value!r}")
    return value or None


def _instance_secret(instance_path: Path, name: str, nbytes: int = 32) -> str:
    """Return the secret stored in ``instance/<name>``, creating it on first use (mode 0600)."""
    path = instance_path / name
    if path.exists():
        return path.read_text().strip()
    instance_path.mkdir(parents=True, exist_ok=True)
    value = secrets.token_urlsafe(nbytes)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "w") as fh:
        fh.write(value)
    return value


@dataclass(frozen=True)
class Settings:
    """Configuration of one app instance; build it with :meth:`from_env`."""

    instance_path: Path
    database_url: str
    secret_key: str
    meili_url: str | None
    meili_master_key: str | None
    meili_index_prefix: str = ""
    meili_bin: str | None = None
    # The web process runs the job queue's consumer in threads of its own (index sync, reminders): one command
    # starts a complete platform. Off in production, where `flask jobs worker` processes run the queue.
    jobs_embedded: bool = False
    # The job queue's name: its key in Redis (or its rows in the SQLite file), so deployments can share a server.
    jobs_queue: str = "directory"
    # The public address: links in mails are absolute on it, and an https address makes every cookie Secure.
    site_url: str = "http://127.0.0.1:5000"
    # Shared rate-limit counters (several web processes or machines); unset: counters in this process's memory.
    redis_url: str | None = None
    ratelimit_enabled: bool = True
    # How many reverse proxies in front set X-Forwarded-*; the client address (rate limits, audit) is theirs.
    trusted_proxies: int = 0
    # development | production. Production insists on SECRET_KEY and SITE_URL from the environment (every
    # machine behind a load balancer must sign and link alike), sets every cookie Secure and logs JSON.
    app_env: str = "development"
    log_level: str = "INFO"
    log_format: str = "text"

    @property
    def production(self) -> bool:
        return self.app_env == "production"

    @property
    def secure_cookies(self) -> bool:
        """Cookies are sent only over https: always in production, and wherever the public address is https."""
        return self.production or self.site_url.startswith("https://")
    # SMTP delivery through Flask-Mailman (its names); no MAIL_SERVER: mail is written to the log instead.
    mail_server: str | None = None
    mail_port: int = 25
    mail_username: str | None = None
    mail_password: str | None = None
    mail_use_tls: bool = False
    mail_use_ssl: bool = False
    mail_default_sender: str = "noreply@localhost"
    # Seconds an SMTP connection may wait for the server: a hung server delays only the mail job, by this much.
    mail_timeout: float = 10.0
    # Seconds a drainer of the search index holds its lock (and its outbox rows) without renewing it: a crashed
    # worker's index sync is taken over this long after its last renewal. The admin client's HTTP timeout is a
    # quarter of it (at most 30 s), so every call a drainer makes to Meilisearch ends well inside its lease.
    search_sync_lease: float = 120.0

    @property
    def meili_admin_timeout(self) -> int:
        """The sync and set-up tooling's HTTP timeout in whole seconds (the client's type): at most a quarter of
        the sync lease by construction."""
        return min(MEILI_ADMIN_TIMEOUT_MAX, int(self.search_sync_lease // 4))
    # The government service frame (header and footer); each is shown only when set.
    site_sponsor: str | None = None  # 主办单位
    site_hotline: str | None = None  # 服务热线
    site_icp: str | None = None  # ICP备案号, linked to the MIIT register
    site_psb: str | None = None  # 公安备案号, linked to the public security register
    site_identifier: str | None = None  # 网站标识码 of a government website

    @classmethod
    def from_env(cls, env: dict[str, str] | None = None, *, instance_path: Path | None = None) -> Settings:
        """Read and validate the environment. Raises :class:`SettingsError` on an unusable value."""
        env = dict(os.environ if env is None else env)
        app_env = (env.get("APP_ENV") or "development").strip().lower()
        if app_env not in APP_ENVS:
            raise SettingsError(f"APP_ENV must be development or production: {app_env!r}")
        if app_env == "production":
            missing = [name for name in ("SECRET_KEY", "SITE_URL") if not env.get(name)]
            if missing:
                # A generated key would differ on every machine (sessions signed on one fail on the next),
                # and links in mails would point at 127.0.0.1.
                raise SettingsError(f"APP_ENV=production needs {' and '.join(missing)} in the environment "
                                    "(the same value on every machine; see deploy/env.example)")
        instance = Path(instance_path or env.get("INSTANCE_PATH") or PROJECT_ROOT / "instance")
        database_url = env.get("DATABASE_URL") or f"sqlite:///{instance / 'directory.sqlite3'}"
        if "://" not in database_url:
            raise SettingsError(f"DATABASE_URL is not a SQLAlchemy URL: {database_url!r}")
        if database_url.startswith("postgresql://"):
            # psycopg 3 is the driver we ship; plain postgresql:// would ask for psycopg2.
            database_url = "postgresql+psycopg://" + database_url.removeprefix("postgresql://")
        meili_url = env.get("MEILI_URL") or None
        if meili_url and not meili_url.startswith(("http://", "https://")):
            raise SettingsError(f"MEILI_URL must start with http:// or https://: {meili_url!r}")
        prefix = env.get("MEILI_INDEX_PREFIX", "")
        if prefix and not all(c.isalnum() or c in "-_" for c in prefix):
            raise SettingsError("MEILI_INDEX_PREFIX may only hold letters, digits, '-' and '_'")
        secret_key = env.get("SECRET_KEY") or _instance_secret(instance, "secret_key")
        master_key = env.get("MEILI_MASTER_KEY") or None
        if master_key is None and meili_url is None:
            master_key = _instance_secret(instance, "meili_master_key")
        embedded = env.get("JOBS_EMBEDDED", "0" if app_env == "production" else "1") not in ("0", "false", "no")
        jobs_queue = env.get("JOBS_QUEUE") or "directory"
        if not re.fullmatch(r"[a-z0-9]+", jobs_queue):
            raise SettingsError(f"JOBS_QUEUE may only hold lower-case letters and digits: {jobs_queue!r}")
        site_url = (env.get("SITE_URL") or f"http://127.0.0.1:{env.get('PORT') or 5000}").rstrip("/")
        if not site_url.startswith(("http://", "https://")):
            raise SettingsError(f"SITE_URL must start with http:// or https://: {site_url!r}")
        redis_url = env.get("REDIS_URL") or None
        if redis_url and not redis_url.startswith(("redis://", "rediss://", "unix://")):
            raise SettingsError(f"REDIS_URL must start with redis://, rediss:// or unix://: {redis_url!r}")
        proxies = env.get("TRUSTED_PROXIES", "0")
        if not (proxies.isascii() and proxies.isdigit()):
            raise SettingsError(f"TRUSTED_PROXIES must be a whole number: {proxies!r}")
        log_level = (env.get("LOG_LEVEL") or "INFO").strip().upper()
        if log_level not in LOG_LEVELS:
            raise SettingsError(f"LOG_LEVEL must be one of {', '.join(LOG_LEVELS)}: {log_level!r}")
        log_format = (env.get("LOG_FORMAT") or ("json" if app_env == "production" else "text")).strip().lower()
        if log_format not in LOG_FORMATS:
            raise SettingsError(f"LOG_FORMAT must be text or json: {log_format!r}")
        mail_server = (env.get("MAIL_SERVER") or "").strip() or None
        use_tls, use_ssl = _flag(env, "MAIL_USE_TLS"), _flag(env, "MAIL_USE_SSL")
        if use_tls and use_ssl:
            raise SettingsError("MAIL_USE_TLS (STARTTLS) and MAIL_USE_SSL (TLS from the start) exclude each other")
        port = env.get("MAIL_PORT") or ("465" if use_ssl else "587" if use_tls else "25")
        if not (port.isascii() and port.isdigit() and 0 < int(port) < 65536):
            raise SettingsError(f"MAIL_PORT must be a port number (1-65535): {port!r}")
        timeout = env.get("MAIL_TIMEOUT") or "10"
        try:
            mail_timeout = float(timeout)
        except ValueError:
            mail_timeout = -1.0
        if not 0 < mail_timeout <= 300:  # also refuses nan
            raise SettingsError(f"MAIL_TIMEOUT must be a number of seconds, at most 300: {timeout!r}")
        lease_text = env.get("SEARCH_SYNC_LEASE") or "120"
        try:
            lease = float(lease_text)
        except ValueError:
            lease = -1.0
        if not SEARCH_SYNC_LEASE_MIN <= lease <= 3600:  # also refuses nan
            # Under 4 s the admin timeout (a quarter of it) would be shorter than a Meilisearch call on a busy server.
            raise SettingsError(f"SEARCH_SYNC_LEASE must be a number of seconds from {SEARCH_SYNC_LEASE_MIN:g} "
                                f"to 3600: {lease_text!r}")
        sender = _mail_address("MAIL_DEFAULT_SENDER", env.get("MAIL_DEFAULT_SENDER") or "noreply@localhost")
        return cls(
            instance_path=instance,
            database_url=database_url,
            secret_key=secret_key,
            meili_url=meili_url,
            meili_master_key=master_key,
            meili_index_prefix=prefix,
            meili_bin=env.get("MEILI_BIN") or None,
            jobs_embedded=embedded,
            jobs_queue=jobs_queue,
            site_url=site_url,
            redis_url=redis_url,
            ratelimit_enabled=env.get("RATELIMIT_ENABLED", "1") not in ("0", "false", "no"),
            trusted_proxies=int(proxies),
            app_env=app_env,
            log_level=log_level,
            log_format=log_format,
            mail_server=mail_server,
            mail_port=int(port),
            mail_username=env.get("MAIL_USERNAME") or None,
            mail_password=env.get("MAIL_PASSWORD") or None,
            mail_use_tls=use_tls,
            mail_use_ssl=use_ssl,
            mail_default_sender=sender,
            mail_timeout=mail_timeout,
            search_sync_lease=lease,
            site_sponsor=_frame_text("SITE_SPONSOR", env.get("SITE_SPONSOR")),
            site_hotline=_frame_text("SITE_HOTLINE", env.get("SITE_HOTLINE")),
            site_icp=_frame_text("SITE_ICP", env.get("SITE_ICP")),
            site_psb=_frame_text("SITE_PSB", env.get("SITE_PSB")),
            site_identifier=_frame_text("SITE_IDENTIFIER", env.get("SITE_IDENTIFIER")),
        )
