"""The job queue: Huey on a SQLite file under ``instance/`` by default, on Redis when ``REDIS_URL`` is set.

Each app owns one :class:`JobEngine` (``app.extensions["jobs"]``) with its own Huey instance, so several
apps (the test suite's SQLite and PostgreSQL runs) live in one process. Every task runs in an app context of
its own, the way a request does, and a task that raises leaves nothing behind: its session is rolled back
before the context ends. Consumers are ``flask jobs worker`` processes in production and, with
``JOBS_EMBEDDED=1`` (development), threads of the web process started by its first request.
"""

from __future__ import annotations

import functools
import inspect
import logging
import threading
from collections.abc import Callable
from datetime import datetime
from typing import Any

from flask import Flask
from huey import PriorityRedisHuey, SqliteHuey
from huey.api import Huey, TaskWrapper
from huey.consumer import Consumer

from directory.extensions import db
from directory.settings import Settings

log = logging.getLogger(__name__)

# Idle workers look at a SQLite queue this often at most (Redis workers block on the queue instead), so a
# change is searchable about a second after its commit.
SQLITE_POLL_SECONDS = 0.5
REDIS_SOCKET_TIMEOUT = 3  # a hung Redis fails an enqueue in seconds; above the consumer's 1 s blocking read


def make_huey(settings: Settings, *, immediate: bool = False) -> Huey:
    """The Huey instance of these settings: PriorityRedisHuey on ``REDIS_URL``, else SqliteHuey in
    ``instance/jobs.sqlite3``; the queue is named ``JOBS_QUEUE``. Results are not stored: a job that
    reports something writes it where its readers look (its ``job_runs`` row, its own records)."""
    if immediate:
        return Huey(settings.jobs_queue, results=False, immediate=True)
    if settings.redis_url:
        from redis import ConnectionPool

        pool = ConnectionPool.from_url(settings.redis_url, socket_timeout=REDIS_SOCKET_TIMEOUT,
                                       socket_connect_timeout=REDIS_SOCKET_TIMEOUT, health_check_interval=30)
        return PriorityRedisHuey(settings.jobs_queue, results=False, connection_pool=pool)
    settings.instance_path.mkdir(parents=True, exist_ok=True)
    return SqliteHuey(settings.jobs_queue, results=False, filename=str(settings.instance_path / "jobs.sqlite3"),
                      timeout=10)


class EmbeddedConsumer(Consumer):
    """A consumer in threads of a process that owns its signals (the web server): it installs no handlers."""

    def _set_signal_handlers(self) -> None:
        pass


class JobEngine:
    """The app's queue: its tasks by name, coalesced requests, consumers."""

    def __init__(self, app: Flask, huey: Huey):
        self.app = app
        self.huey = huey
        self.tasks: dict[str, TaskWrapper] = {}
        self.periodic: dict[str, Any] = {}  # name -> crontab validator (for `flask jobs status`)
        self._embedded: Consumer | None = None
        self.paused_until = 0.0  # monotonic time before which commits do not enqueue (the queue was down)
        self._embedded_lock = threading.Lock()

    @property
    def storage(self) -> str:
        """Where the queue lives, for status pages (never a password)."""
        storage = self.huey.storage
        if hasattr(storage, "filename"):
            return f"sqlite {storage.filename} (queue {self.huey.name})"
        if hasattr(storage, "pool"):
            kwargs = storage.pool.connection_kwargs
            return f"redis {kwargs.get('host', '?')}:{kwargs.get('port', '?')}/{kwargs.get('db', 0)} (queue {self.huey.name})"
        return f"{type(storage).__name__} (queue {self.huey.name})"

    # -- defining tasks -------------------------------------------------------------------------------

    def _in_app_context(self, fn: Callable[..., Any]) -> Callable[..., Any]:
        @functools.wraps(fn)
        def run(*args: Any, **kwargs: Any) -> Any:
            with self.app.app_context():
                try:
                    return fn(*args, **kwargs)
                except BaseException:
                    db.session.rollback()
                    raise
        return run

    def task(self, name: str, fn: Callable[..., Any], **options: Any) -> TaskWrapper:
        """Register ``fn`` as the task ``name`` (a dotted name: ``search.drain``); it runs in an app context."""
        wrapper = self.huey.task(name=name, **options)(self._in_app_context(fn))
        self.tasks[name] = wrapper
        return wrapper

    def periodic_task(self, name: str, schedule: Callable[[datetime], bool], fn: Callable[..., Any],
                      **options: Any) -> TaskWrapper:
        """Register ``fn`` to be enqueued by every consumer's scheduler whenever ``schedule`` (a Huey
        ``crontab``, UTC) matches; ``fn`` guards itself against the other consumers (see periodic.py)."""
        wrapper = self.huey.periodic_task(schedule, name=name, **options)(self._in_app_context(fn))
        self.tasks[name] = wrapper
        self.periodic[name] = schedule
        return wrapper

    def progress_task(self, name: str, fn: Callable[..., Any], **options: Any) -> TaskWrapper:
        """Register a long job that reports progress (progress.py): ``fn(*args, progress=…)`` (and
        ``job_id=…`` when it takes one). Enqueue it
        with :meth:`enqueue_tracked`, whose id a page reads with ``progress.read``."""
        from directory.jobs import progress

        wants_id = "job_id" in inspect.signature(fn).parameters  # a staff job names its page in its notice

        def run(*args: Any, task: Any = None, **kwargs: Any) -> Any:
            if wants_id:
                kwargs["job_id"] = task.id
            return progress.reporting(self.huey, task.id, fn)(*args, **kwargs)

        run.__name__ = fn.__name__
        return self.task(name, run, context=True, **options)

    def enqueue(self, name: str, *args: Any, **kwargs: Any) -> None:
        self.tasks[name](*args, **kwargs)

    def enqueue_tracked(self, name: str, *args: Any, **kwargs: Any) -> str:
        """Enqueue a progress task; returns its job id (shown as "waiting" until a worker starts it)."""
        from directory.jobs import progress

        task = self.tasks[name].s(*args, **kwargs)
        progress.write(self.huey, progress.Progress(task.id, state="waiting"))
        self.huey.enqueue(task)
        return str(task.id)

    def start(self, name: str, *args: Any, owner_id: int, title: str, **kwargs: Any) -> str:
        """Start a long staff job (a progress task) for ``owner_id``: its progress page and its result are
        that user's alone (:meth:`owner`). ``title`` names it on the page and in the notification."""
        task = self.tasks[name].s(*args, **kwargs)
        self.huey.put(f"job.{task.id}", {"owner_id": owner_id, "name": name, "title": title})
        from directory.jobs import progress

        progress.write(self.huey, progress.Progress(task.id, state="waiting"))
        self.huey.enqueue(task)
        return str(task.id)

    def job(self, job_id: str) -> dict[str, Any] | None:
        """What :meth:`start` recorded of a job (owner, name, title), or None for an unknown id."""
        data = self.huey.get(f"job.{job_id}", peek=True)
        return data if isinstance(data, dict) else None

    def enqueue_once(self, name: str, *, delay: float | None = None) -> bool:
        """Enqueue ``name`` unless a request for it is already waiting: the flag (in the queue's own storage,
        shared by every process) is set here and cleared by the task as it starts (:meth:`take_flag`), so a
        thousand commits make one job, and a commit made while it runs makes one more. ``delay`` schedules it
        that many seconds ahead instead. Returns whether a job was enqueued."""
        key = f"pending.{name}"
        if not self.huey.put_if_empty(key, "1"):
            return False
        try:
            if delay is None:
                self.enqueue(name)
            else:
                self.tasks[name].schedule(delay=delay)
        except BaseException:
            self.huey.delete(key)
            raise
        return True

    def take_flag(self, name: str) -> None:
        self.huey.delete(f"pending.{name}")

    # -- consumers ------------------------------------------------------------------------------------

    def consumer(self, *, workers: int = 2, embedded: bool = False) -> Consumer:
        """A thread consumer with the scheduler (periodic jobs); ``embedded`` leaves signals alone."""
        blocking = getattr(self.huey.storage, "blocking", False)
        options: dict[str, Any] = {"workers": workers, "worker_type": "thread", "periodic": True,
                                   "initial_delay": 0.1, "backoff": 1.15,
                                   "max_delay": 10.0 if blocking else SQLITE_POLL_SECONDS}
        cls = EmbeddedConsumer if embedded else Consumer
        return cls(self.huey, **options)

    def start_embedded(self, workers: int = 2) -> None:
        """Start the in-process consumer once (JOBS_EMBEDDED): the web process of `make run`."""
        with self._embedded_lock:
            if self._embedded is None:
                self._embedded = self.consumer(workers=workers, embedded=True)
                self._embedded.start()
                log.info("embedded job consumer started (%s)", self.storage)

    def stop_embedded(self) -> None:
        with self._embedded_lock:
            if self._embedded is not None:
                self._embedded.stop(graceful=True)
                self._embedded = None
