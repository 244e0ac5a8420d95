"""The only module that imports ``meilisearch``. Request handlers get a client holding the search key;
the sync and set-up tooling get one holding the admin key. The master key only ever serves to look those
two keys up (:meth:`SearchBackend.resolve_keys`), never to answer a request."""

from __future__ import annotations

import json
import os
import threading
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import meilisearch
import requests
import urllib3
from meilisearch.errors import MeilisearchApiError, MeilisearchCommunicationError, MeilisearchTimeoutError

from directory.settings import Settings
from search import server
from search.settings import SYNCED_TYPES, index_name


class SearchRequestFailed(RuntimeError):
    """Meilisearch answered a search with an error status (``status``; ``code``: its error code), or with a
    body that is not JSON."""

    def __init__(self, message: str, status: int, code: str = ""):
        super().__init__(message)
        self.status = status
        self.code = code


# Everything that means "the search engine did not answer as it should": callers degrade, never 500.
SearchErrors = (MeilisearchApiError, MeilisearchCommunicationError, MeilisearchTimeoutError,
                requests.RequestException, urllib3.exceptions.HTTPError, SearchRequestFailed, OSError)


# A search answers from the database when Meilisearch has not answered within a second (a hung server must
# not hold a page); the sync and set-up tooling wait longer (Settings.meili_admin_timeout: a quarter of the
# sync lock's lease, at most 30 s), with no database transaction open.
SEARCH_TIMEOUT_SECONDS = 1


class SearchUnavailable(RuntimeError):
    """Meilisearch is not configured, not reachable, or its keys are not known yet."""


class SearchReader:
    """What request handlers search with: Meilisearch's multi-search (the one call they make), over this
    process's kept-alive connections. The meilisearch package's client opens a new requests session and
    connection per call and decodes through requests: measured per call, 1.6 ms of CPU for a small answer
    against 0.4 here (a search page makes one or two calls, ~8 ms of CPU in all), and 10.9 ms against 3.0 for a
    recommendation's answer of 120 documents. (A kept-alive requests session is no answer: on large answers it
    waited ~40 ms per call for delayed acknowledgements; urllib3 itself does not.)"""

    def __init__(self, url: str, key: str | None, timeout: float):
        self.url = url.rstrip("/")
        self.headers = {"Content-Type": "application/json"}
        if key:
            self.headers["Authorization"] = f"Bearer {key}"
        # The whole call, not each read: a hung server holds a page at most this long. One new connection is
        # allowed (a kept one the server closed meanwhile), never a second send of a search that timed out.
        self.timeout = urllib3.Timeout(total=timeout)
        self.retries = urllib3.Retry(total=1, connect=1, read=0, status=0, other=0, redirect=False)

    def multi_search(self, queries: Sequence[dict[str, Any]],
                     federation: dict[str, Any] | None = None) -> dict[str, Any]:
        """POST /multi-search, as ``meilisearch.Client.multi_search``. Raises one of :data:`SearchErrors`."""
        body: dict[str, Any] = {"queries": list(queries)}
        if federation is not None:
            body["federation"] = federation
        response = _pool().request("POST", f"{self.url}/multi-search", body=json.dumps(body).encode(),
                                   headers=self.headers, timeout=self.timeout, retries=self.retries)
        try:
            answer = json.loads(response.data)
        except ValueError as exc:
            raise SearchRequestFailed(f"Meilisearch answered {response.status} without JSON", response.status) from exc
        if response.status >= 400:
            error = answer if isinstance(answer, dict) else {}
            raise SearchRequestFailed(f"Meilisearch answered {response.status}: {error.get('message', '')}",
                                      response.status, str(error.get("code", "")))
        return answer  # type: ignore[no-any-return]


_pools: dict[int, urllib3.PoolManager] = {}
_pools_lock = threading.Lock()


def _pool() -> urllib3.PoolManager:
    """This process's connections (per process id: a pool inherited across a fork would share sockets)."""
    pid = os.getpid()
    pool = _pools.get(pid)
    if pool is None:
        with _pools_lock:
            pool = _pools.get(pid)
            if pool is None:
                _pools.clear()
                pool = _pools[pid] = urllib3.PoolManager(maxsize=8)
    return pool


class SearchBackend:
    """Where the server is, which keys to use, and what the indexes are called."""

    def __init__(self, settings: Settings):
        self.settings = settings
        self.prefix = settings.meili_index_prefix
        self.indexes_ready = False
        self._keys: dict[str, str] = {}
        env_keys = {"search": os.environ.get("MEILI_SEARCH_KEY"), "admin": os.environ.get("MEILI_ADMIN_KEY")}
        self._keys.update({k: v for k, v in env_keys.items() if v})

    # -- where ---------------------------------------------------------------------------------------
    @property
    def managed(self) -> bool:
        return self.settings.meili_url is None

    @property
    def url(self) -> str | None:
        return self.settings.meili_url or server.managed_url(self.settings)

    def index_uid(self, kind: str) -> str:
        return index_name(self.prefix, kind)

    def index_uids(self) -> dict[str, str]:
        """Every index the sync keeps (the providers' and the notices'), by kind."""
        return {kind: self.index_uid(kind) for kind in SYNCED_TYPES}

    # -- keys ----------------------------------------------------------------------------------------
    @property
    def _keys_file(self) -> Path:
        return self.settings.instance_path / "meili" / "keys.json"

    def resolve_keys(self) -> None:
        """Set-up and sync tooling: look up the default search and admin keys with the master key and
        keep them (file mode 0600) for the web process. Without a master key the server is keyless."""
        if "search" in self._keys and "admin" in self._keys:
            return
        url = self.url
        if not url:
            raise SearchUnavailable("no Meilisearch URL")
        master = self.settings.meili_master_key
        if not master:
            self._keys.setdefault("search", "")
            self._keys.setdefault("admin", "")
            return
        keys = meilisearch.Client(url, master, timeout=5).get_keys({"limit": 100}).results
        for key in keys:
            actions, indexes = list(key.actions), list(key.indexes)
            if indexes == ["*"] and actions == ["search"]:
                self._keys.setdefault("search", key.key)
            elif indexes == ["*"] and actions == ["*"] and key.name == "Default Admin API Key":
                self._keys.setdefault("admin", key.key)
        if "search" not in self._keys or "admin" not in self._keys:
            raise SearchUnavailable("the default search and admin keys are missing on the server")
        self._keys_file.parent.mkdir(parents=True, exist_ok=True)
        fd = os.open(self._keys_file, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(fd, "w") as fh:
            json.dump({"url": url, "search": self._keys["search"], "admin": self._keys["admin"]}, fh)

    def _key(self, kind: str) -> str:
        if kind not in self._keys:
            try:
                stored = json.loads(self._keys_file.read_text())
                if stored.get("url") == self.url:
                    self._keys.update(search=stored["search"], admin=stored["admin"])
            except (OSError, ValueError, KeyError):
                pass
        if kind not in self._keys:
            if self.settings.meili_master_key is None:
                return ""  # a keyless development server
            raise SearchUnavailable("search keys not resolved yet")
        return self._keys[kind]

    # -- clients -------------------------------------------------------------------------------------
    def search_client(self) -> SearchReader:
        """A client for request handlers: the search key and a short timeout."""
        url = self.url
        if not url:
            raise SearchUnavailable("no Meilisearch URL")
        return SearchReader(url, self._key("search") or None, timeout=SEARCH_TIMEOUT_SECONDS)

    def admin_client(self) -> Any:
        """A client for the sync and reindex tooling: the admin key."""
        url = self.url
        if not url:
            raise SearchUnavailable("no Meilisearch URL")
        return meilisearch.Client(url, self._key("admin") or None, timeout=self.settings.meili_admin_timeout)

    def healthy(self) -> bool:
        url = self.url
        return url is not None and server.healthy(url)


def backend() -> SearchBackend:
    """The app's backend (set up by :func:`search.sync.init_app`)."""
    from flask import current_app

    return current_app.extensions["search"]  # type: ignore[no-any-return]
