"""The progress page of a long staff job, its polled status and its result file: the owner's alone."""

from __future__ import annotations

import json
from typing import Any

from flask import Blueprint, abort, current_app, render_template, send_file
from flask_login import current_user

from directory.accounts.decorators import staff_required
from directory.jobs import progress, staff

bp = Blueprint("jobs", __name__, url_prefix="/admin/jobs")
JOB_ID_LENGTH = 36  # Huey's task ids are UUIDs


def _owned(job_id: str) -> tuple[dict[str, Any], progress.Progress, dict[str, Any]]:
    """The job's record, progress and result, if it is the current user's (anyone else: 404, as for a job
    that does not exist, so ids say nothing)."""
    if len(job_id) > JOB_ID_LENGTH:
        abort(404)
    engine = current_app.extensions["jobs"]
    job = engine.job(job_id)
    state = progress.read(engine.huey, job_id) if job else None
    if job is None or state is None or job.get("owner_id") != current_user.id:
        abort(404)
    result: dict[str, Any] = {}
    if state.state == "finished" and state.result:
        try:
            result = json.loads(state.result)
        except ValueError:
            result = {}
    return job, state, result


@bp.get("/<job_id>")
@staff_required
def page(job_id: str) -> Any:
    job, state, result = _owned(job_id)
    return render_template("jobs/progress.html", job_id=job_id, job=job, state=state, result=result)


@bp.get("/<job_id>/status")
@staff_required
def status(job_id: str) -> Any:
    """The part of the page that changes; polled by htmx until the job is done."""
    job, state, result = _owned(job_id)
    return render_template("jobs/_status.html", job_id=job_id, job=job, state=state, result=result)


@bp.get("/<job_id>/file")
@staff_required
def result_file(job_id: str) -> Any:
    _job, _state, result = _owned(job_id)
    path = staff.result_path(str(result.get("file", "")))
    if path is None:
        abort(404)
    return send_file(path, mimetype=result.get("mimetype"), as_attachment=True,
                     download_name=str(result.get("download_name", path.name)))
