"""Long staff jobs (an evaluation run, a large import and its preview, an export) and the open-data package.

A staff view starts a job with ``current_app.extensions["jobs"].start(name, …, owner_id=…, title=…)`` and
sends its user to the job's progress page (views.py), which polls until the job is done and then links
its result. The job runs in a worker (its own transaction, committed once), reports progress as it goes,
and when done puts a notification in the owner's inbox. Results that are files (exports) are written under
``instance/jobs/`` and served only to the staff user who asked. The command line keeps calling the same
services synchronously.

The open-data package is rebuilt by a job a little after a commit that changed indexed (published) records,
coalesced however many commits ask, and every hour as a safety net; the download serves the built file. The
recommendations' category model and the query expansion's vocabulary are built the same way (their files under
``instance/vocabulary/``, read by every web process).
"""

from __future__ import annotations

import json
import logging
import secrets
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from flask import current_app
from flask_babel import gettext as _
from huey import crontab

from directory.core.db import commit_or_rollback
from directory.extensions import db
from directory.jobs.engine import JobEngine

log = logging.getLogger(__name__)

EVALUATION_RUN = "evaluation.run"
IMPORT = "imports.apply"
IMPORT_PREVIEW = "imports.preview"
EXPORT = "exports.records"
MONITORING_EXPORT = "exports.monitoring"
OPENDATA = "opendata.build"
OPENDATA_HOURLY = "opendata.hourly"
VOCABULARY = "recommendations.vocabulary"
VOCABULARY_HOURLY = "recommendations.vocabulary-hourly"
VOCABULARY_DELAY_SECONDS = 30  # a burst of edits (an import, a synonym list) makes one build
OPENDATA_DELAY_SECONDS = 15  # commits of the next seconds join the build already asked for
EXPORT_TYPES = {"csv": "text/csv", "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"}


def results_folder() -> Path:
    folder = Path(current_app.instance_path) / "jobs"
    folder.mkdir(parents=True, exist_ok=True)
    return folder


def result_path(name: str) -> Path | None:
    """A result file of a job by the name its result carries (never a path a user supplied)."""
    if not name or "/" in name or "\\" in name or name.startswith("."):
        return None
    path = results_folder() / name
    return path if path.is_file() else None


def _path(endpoint: str, **values: Any) -> str:
    """A site path of ``endpoint`` outside any request (a worker has none)."""
    return str(current_app.url_map.bind("localhost").build(endpoint, values))


def _user(user_id: int) -> Any:
    from directory.accounts.models import User

    return db.session.get(User, user_id)


def _tell(user: Any, title: str, body: str, link: str) -> None:
    from directory.notifications.services import notify

    with commit_or_rollback(db.session):
        notify(users=[user], kind="job", title=title, body=body, link=link)


def _finishing(title: str, user_id: int, job_id: str, work: Callable[[Any], tuple[str, str, dict[str, Any]]]) -> str:
    """Run ``work(user)`` (it commits its own changes) and tell the user how it went; returns the result
    (JSON: ``link``, ``summary`` and what the page shows) for the progress record. A failure is told too,
    then raised, so the progress page says "failed" and the queue logs it."""
    user = _user(user_id)
    page = _path("jobs.page", job_id=job_id)  # it shows the outcome and links the result
    try:
        summary, link, extra = work(user)
    except Exception as exc:
        db.session.rollback()
        message = str(getattr(exc, "message", "") or exc)
        _tell(user, _("Failed: %(title)s", title=title), message, page)
        log.exception("staff job %s failed", title)
        raise
    _tell(user, _("Done: %(title)s", title=title), summary, page)
    return json.dumps({"link": link, "summary": summary, **extra}, ensure_ascii=False)


# -- the jobs ----------------------------------------------------------------------------------------------

def run_evaluation(code: str, user_id: int, title: str, *, progress: Any, job_id: str) -> str:
    from directory.evaluation import services

    def work(user: Any) -> tuple[str, str, dict[str, Any]]:
        progress(0, 1, _("Computing the evaluation"))
        with commit_or_rollback(db.session):
            report = services.run(code=code, user=user)
        progress(1, 1, "")
        summary = _("%(n)s institutions evaluated; %(p)s screening proposals to decide.", n=report.evaluated,
                    p=sum(report.proposals.values()))
        return summary, _path("evaluation.period_page", code=code.strip().upper()), {}
    return _finishing(title, user_id, job_id, work)


def run_import(kind: str, token: str, admit: bool, skip_invalid: bool, user_id: int, title: str, *,
               progress: Any, job_id: str) -> str:
    from directory.imports import uploads
    from directory.imports.services import import_file

    def work(user: Any) -> tuple[str, str, dict[str, Any]]:
        path = uploads.path_for(token)
        if path is None:
            raise FileNotFoundError(_("The upload has expired; please upload the file again."))
        with commit_or_rollback(db.session):
            report = import_file(kind, path, admit=admit, skip_invalid=skip_invalid, actor_id=user.id,
                                 progress=progress)
        if report.applied:
            uploads.discard(token)
            summary = _("Imported: %(created)s created, %(updated)s updated, %(unchanged)s unchanged, "
                        "%(skipped)s skipped.", created=report.count("created"), updated=report.count("updated"),
                        unchanged=report.count("unchanged"), skipped=report.count("skipped"))
        else:
            summary = _("Nothing was imported: the file has invalid rows.")
        shown = {"applied": report.applied,
                 "errors": [str(e) for e in report.errors][:500], "error_count": len(report.errors),
                 "notes": [f"{r.name}: {n}" for r in report.rows for n in r.notes][:500],
                 "warnings": [str(w) for w in report.warnings]}
        return summary, "", shown
    return _finishing(title, user_id, job_id, work)


def run_import_preview(kind: str, token: str, admit: bool, user_id: int, title: str, *, progress: Any,
                       job_id: str) -> str:
    """The preview of a large upload (the import's own checks and a rolled-back apply, as in the request for a
    small file): counts of what confirming would do, the invalid rows, and on the progress page the form that
    confirms it (views.import_apply, which runs the import as a job in turn)."""
    from directory.imports import uploads
    from directory.imports.services import import_file

    def work(user: Any) -> tuple[str, str, dict[str, Any]]:
        path = uploads.path_for(token)
        if path is None:
            raise FileNotFoundError(_("The upload has expired; please upload the file again."))
        try:
            report = import_file(kind, path, admit=admit, dry_run=True, progress=progress)
        finally:
            db.session.rollback()  # a preview writes nothing
        labels = {"would_create": _("new"), "would_update": _("updates an existing record"),
                  "unchanged": _("unchanged")}
        invalid = sum(1 for r in report.rows if r.errors)
        counts = [(labels[action], n) for action in labels if (n := sum(1 for r in report.rows
                                                                         if not r.errors and r.action == action))]
        summary = " ".join([_("%(rows)s rows, %(errors)s with errors.", rows=len(report.rows), errors=invalid),
                            "；".join(f"{label} {n}" for label, n in counts)])
        shown = {"preview": {"kind": kind, "token": token, "admit": admit, "invalid": invalid},
                 "errors": [str(e) for e in report.errors][:500], "error_count": len(report.errors),
                 "notes": [f"{r.name}: {n}" for r in report.rows for n in r.notes][:500],
                 "warnings": [str(w) for w in report.warnings]}
        return summary, "", shown
    return _finishing(title, user_id, job_id, work)


def _file_result(data_or_writer: Callable[[Path], int], suffix: str) -> tuple[str, int]:
    name = f"{secrets.token_urlsafe(18)}.{suffix}"
    partial = results_folder() / f".{name}"
    rows = data_or_writer(partial)
    partial.replace(results_folder() / name)
    return name, rows


def run_export(kind: str, fmt: str, user_id: int, title: str, *, progress: Any, job_id: str) -> str:
    from directory.audit.services import record_export
    from directory.imports.exports import export_file

    def work(user: Any) -> tuple[str, str, dict[str, Any]]:
        progress(0, 1, _("Writing the file"))
        with commit_or_rollback(db.session):
            name, rows = _file_result(lambda path: export_file(kind, path), fmt)
            record_export(kind=kind, rows=rows, target=f"download .{fmt}", actor_id=user.id)
        progress(1, 1, "")
        return (_("%(n)s records exported.", n=rows), "",
                {"file": name, "download_name": f"{kind}.{fmt}", "mimetype": EXPORT_TYPES[fmt]})
    return _finishing(title, user_id, job_id, work)


def run_monitoring_export(period: str | None, region_id: int | None, user_id: int, title: str, *,
                          progress: Any, job_id: str) -> str:
    from directory.monitoring import export, services

    def work(user: Any) -> tuple[str, str, dict[str, Any]]:
        progress(0, 1, _("Writing the file"))
        board = services.dashboard(period=period, region_id=region_id)
        db.session.rollback()
        suffix = f"-region{board.region_id}" if board.region_id is not None else ""

        def write(path: Path) -> int:
            path.write_bytes(export.to_xlsx(board))
            return 1
        name, _rows = _file_result(write, "xlsx")
        progress(1, 1, "")
        return (_("The workbook is ready."), "",
                {"file": name, "download_name": f"monitoring-{board.period.code}{suffix}.xlsx",
                 "mimetype": EXPORT_TYPES["xlsx"]})
    return _finishing(title, user_id, job_id, work)


def build_opendata(engine: JobEngine, *, flag: str | None) -> str:
    from directory.core.urls import site_url
    from directory.opendata.services import build_package

    if flag:
        engine.take_flag(flag)
    started = time.perf_counter()
    path = build_package(base_url=site_url())
    return f"{path} built in {time.perf_counter() - started:.1f} s"


def request_opendata() -> None:
    """After a commit that changed indexed records: one package build a few seconds later (coalesced)."""
    from directory.jobs.tasks import _request

    _request(OPENDATA, "the open-data build", delay=OPENDATA_DELAY_SECONDS)


def build_vocabulary(engine: JobEngine, *, flag: str | None) -> str:
    """The recommendations' category model and the query expansion's vocabulary, trained from the records
    into the files every web process reads (search.expansion.shared): requests never train."""
    from directory.recommendations import inference
    from search import expansion

    if flag:
        engine.take_flag(flag)
    started = time.perf_counter()
    expansion.write_artefact("categories", inference.build_data())
    trained = time.perf_counter()
    expansion.write_artefact("expansion", expansion.build_data())
    db.session.rollback()  # read-only: the job holds no transaction open
    return (f"category model trained in {trained - started:.1f} s, expansion vocabulary mined in "
            f"{time.perf_counter() - trained:.1f} s")


def ensure_vocabulary(engine: JobEngine) -> str | None:
    """What a starting `worker` process does before taking jobs (and the search bench before starting the web
    processes): build the category model and the expansion vocabulary when either file is missing or of an
    older format (first start, a release that changed it), so that no web request has to. What it did, or
    ``None`` when both were current."""
    from search.expansion import artefact_is_current

    if all(artefact_is_current(name) for name in ("categories", "expansion")):
        return None
    return build_vocabulary(engine, flag=None)


def request_vocabulary() -> None:
    """After a commit that changed indexed records, the taxonomy's names in them or the synonyms (each writes
    outbox rows): one build a little later (coalesced)."""
    from directory.jobs.tasks import _request

    _request(VOCABULARY, "the vocabulary build", delay=VOCABULARY_DELAY_SECONDS)


def register(engine: JobEngine) -> None:
    engine.progress_task(EVALUATION_RUN, run_evaluation)
    engine.progress_task(IMPORT, run_import)
    engine.progress_task(IMPORT_PREVIEW, run_import_preview)
    engine.progress_task(EXPORT, run_export)
    engine.progress_task(MONITORING_EXPORT, run_monitoring_export)
    engine.task(OPENDATA, lambda: build_opendata(engine, flag=OPENDATA), priority=1)
    engine.periodic_task(OPENDATA_HOURLY, crontab(minute="45"), lambda: build_opendata(engine, flag=None),
                         priority=1)
    engine.task(VOCABULARY, lambda: build_vocabulary(engine, flag=VOCABULARY), priority=1)
    # The safety net: a change whose job was lost, and a taxonomy edit that touched no record.
    engine.periodic_task(VOCABULARY_HOURLY, crontab(minute="50"), lambda: build_vocabulary(engine, flag=None),
                         priority=1)
