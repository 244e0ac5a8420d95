"""The job queue (Huey): index sync, mail delivery, periodic upkeep, and later long staff jobs.

``engine`` (the queue and its consumers), ``periodic`` (once per tick on any number of workers), ``tasks``
(the jobs), ``cli`` (`flask jobs worker`, `flask jobs status`).
"""

from __future__ import annotations

import threading

from flask import Flask

from directory.settings import Settings


def init_app(app: Flask, settings: Settings) -> None:
    """Give the app its queue and jobs; with ``JOBS_EMBEDDED`` the first request starts a consumer in the
    web process (CLI commands and production web processes run none)."""
    from directory.jobs import staff, tasks
    from directory.jobs.engine import JobEngine, make_huey
    from directory.notifications.mail import on_mail_commit
    from search.outbox import on_outbox_commit

    engine = JobEngine(app, make_huey(settings))
    app.extensions["jobs"] = engine
    tasks.register(engine)
    def after_outbox_commit() -> None:
        tasks.request_drain()
        staff.request_opendata()
        staff.request_vocabulary()

    on_outbox_commit(app, after_outbox_commit)
    on_mail_commit(app, tasks.request_mail)
    if settings.jobs_embedded:
        started = threading.Event()

        @app.before_request
        def _start_embedded_consumer() -> None:
            if not started.is_set():
                engine.start_embedded()
                started.set()
