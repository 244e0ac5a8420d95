"""gunicorn settings of the `web` process (Procfile, deploy/systemd/directory-web.service).

Every value can be changed from the environment without editing this file:

* ``GUNICORN_BIND`` (default ``127.0.0.1:$PORT``, ``PORT`` 8000): nginx on the same machine proxies to it; bind
  ``0.0.0.0:8000`` only when the proxy is on another machine, behind a firewall.
* ``WEB_CONCURRENCY`` worker processes (default 2 × CPU cores + 1, at most 12). Each worker holds the app, the
  jieba dictionary and a database pool, about 150–250 MB: size it to the memory as well as the cores.
* ``GUNICORN_THREADS`` (default 1: the sync worker). More than one gives the gthread worker, which keeps a
  worker's other requests moving while one waits on the database or Meilisearch.
* ``GUNICORN_TIMEOUT`` (default 60 s): a request still running then is killed and logged. Long work (imports,
  exports, evaluation runs) is a job of the `worker` process, not a request. nginx waits a little longer.

Decided here:

* ``preload_app = False``: each worker builds the app after the fork. Preloading would save some memory, but the
  database engine, Meilisearch clients and any thread started by the app factory would be made in the master
  and shared or lost across the fork; and a ``HUP`` reload then picks up new code without a full restart.
* ``accesslog = None``: the app writes one access line per request itself (logger ``directory.access``: method,
  path, status, ms, client, request id, in the app's text or JSON format, token links redacted). gunicorn's own
  line would repeat it and carry the query string. gunicorn's error log (start, stop, a killed worker) goes to
  stderr, which systemd's journal keeps.
* The client's address, scheme and host come from ``X-Forwarded-*`` through the app's ProxyFix
  (``TRUSTED_PROXIES``), not from gunicorn's ``forwarded_allow_ips``.
"""

import multiprocessing
import os

bind = os.environ.get("GUNICORN_BIND") or f"127.0.0.1:{os.environ.get('PORT') or 8000}"
workers = int(os.environ.get("WEB_CONCURRENCY") or min(2 * multiprocessing.cpu_count() + 1, 12))
threads = int(os.environ.get("GUNICORN_THREADS") or 1)
worker_class = "gthread" if threads > 1 else "sync"
timeout = int(os.environ.get("GUNICORN_TIMEOUT") or 60)
graceful_timeout = 30  # a stopping worker finishes its requests within this (systemd waits a little longer)
keepalive = 5  # nginx keeps connections to the upstream open (its `keepalive` in the upstream block)
# A worker is replaced after this many requests (with jitter, so they do not all restart at once): memory
# that grows slowly in a long-lived process is given back.
max_requests = 2000
max_requests_jitter = 200
preload_app = False
accesslog = None
errorlog = "-"
loglevel = (os.environ.get("LOG_LEVEL") or "info").lower()
capture_output = False
proc_name = "directory-web"
# The workers' heartbeat files on tmpfs: a slow disk cannot make the master think a worker hung.
worker_tmp_dir = "/dev/shm" if os.path.isdir("/dev/shm") else None
