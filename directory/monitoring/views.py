"""The monitoring dashboard (运行监测) for staff, and its Excel export."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, render_template, request

from directory.accounts.decorators import staff_required
from directory.demands.services import STATUS_LABELS as DEMAND_LABELS
from directory.engagements.services import STATUS_LABELS as ENGAGEMENT_LABELS
from directory.events.day import OUTCOME_LABELS
from directory.monitoring import export, periods, services

bp = Blueprint("monitoring", __name__, url_prefix="/admin")


def _build() -> services.Dashboard:
    # Bad filter values raise periods.InvalidFilter: the app's error handler answers 400 with the message.
    return services.dashboard(period=request.args.get("period"),
                              region_id=periods.parse_region(request.args.get("region")))


@bp.get("/monitoring")
@staff_required
def dashboard() -> Any:
    from directory.institutions.services import CATEGORY_COUNT_RULE

    return render_template("monitoring/dashboard.html", board=_build(), regions=periods.regions(),
                           category_rule=CATEGORY_COUNT_RULE,
                           duration=services.duration_label, engagement_labels=ENGAGEMENT_LABELS,
                           demand_labels=DEMAND_LABELS, outcomes=OUTCOME_LABELS)


@bp.get("/monitoring.xlsx")
@staff_required
def dashboard_xlsx() -> Any:
    board = _build()
    suffix = f"-region{board.region_id}" if board.region_id is not None else ""
    from flask_babel import gettext as _

    from directory.core.downloads import attachment
    from directory.core.spreadsheets import download_name

    name = _("Monitoring %(period)s", period=board.period.code) + (f" {board.region_label}" if board.region_label else "")
    return attachment(export.to_xlsx(board), name=download_name(name, "xlsx"),
                      fallback=f"monitoring-{board.period.code}{suffix}.xlsx")


@bp.post("/monitoring.xlsx")
@staff_required
def dashboard_xlsx_job() -> Any:
    """The same workbook written by a job (a year at a million engagements takes a while): a progress
    page, then a download for this user only."""
    from flask import current_app, redirect, url_for
    from flask_babel import gettext as _
    from flask_login import current_user
    from flask_wtf import FlaskForm

    if not FlaskForm().validate_on_submit():
        return redirect(url_for("monitoring.dashboard")), 303
    period = request.args.get("period")
    region_id = periods.parse_region(request.args.get("region"))
    periods.parse_period(period)  # a bad filter is refused here (400), not in the job
    periods.district(region_id)
    title = _("Monitoring workbook")
    job = current_app.extensions["jobs"].start("exports.monitoring", period, region_id, current_user.id, title,
                                               owner_id=current_user.id, title=title)
    return redirect(url_for("jobs.page", job_id=job), 303)
