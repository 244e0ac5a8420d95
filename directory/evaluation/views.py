"""Evaluation pages: staff run periods and decide screening proposals; institutions see their breakdown;
the public sees a published period's graded list."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required

from directory.accounts import permissions
from directory.accounts.decorators import staff_required
from directory.core.db import get_or_404
from directory.core.http import refusals, run_and_flash
from directory.evaluation import forms, reports, screening, services
from directory.evaluation.models import DIMENSIONS, PeriodStatus
from directory.extensions import db
from directory.institutions.models import Institution

bp = Blueprint("evaluation", __name__)
RANKING_SHOWN, RANKING_MINIMUM = 20, 3  # the 差评率 ranking on the staff page: its length, and the reviews needed


@bp.route("/admin/evaluation", methods=["GET", "POST"])
@staff_required
def index() -> Any:
    form = forms.PeriodForm()
    if form.validate_on_submit():
        weights = {d: float(getattr(form, d).data) for d in DIMENSIONS}
        thresholds = {"A": float(form.grade_a.data), "B": float(form.grade_b.data),  # type: ignore[arg-type]
                      "C": float(form.grade_c.data)}  # type: ignore[arg-type]
        with refusals(form, "code") as refused:
            period = services.open_period(code=form.code.data or "", user=current_user, weights=weights,
                                          thresholds=thresholds)
        if not refused:
            flash(_("The period is open. Run the evaluation when its data is in."), "success")
            return redirect(url_for("evaluation.period_page", code=period.code))
    return render_template("evaluation/index.html", form=form, periods=services.periods(),
                           labels=reports.DIMENSION_LABELS), 422 if form.is_submitted() else 200


@bp.post("/admin/evaluation/<code>/run")
@staff_required
def run(code: str) -> Any:
    """Queue the run (a job: every admitted institution is computed) and show its progress page."""
    from flask import current_app

    period = services.get_period(code)
    with refusals() as refused:
        services.check_runnable(period)
    if refused:
        return redirect(url_for("evaluation.period_page", code=period.code))
    title = _("Evaluation run of %(code)s", code=period.code)
    job = current_app.extensions["jobs"].start("evaluation.run", period.code, current_user.id, title,
                                               owner_id=current_user.id, title=title)
    return redirect(url_for("jobs.page", job_id=job))


@bp.get("/admin/evaluation/<code>")
@staff_required
def period_page(code: str) -> Any:
    from directory.core.paging import page_number

    period = services.get_period(code)
    grade = request.args.get("grade") or None
    if grade not in (None, "A", "B", "C", "D"):
        abort(400)
    return render_template(
        "evaluation/period.html", period=period, grade=grade, counts=reports.grade_counts(period),
        results=reports.results_page(period, grade=grade, page=page_number(request.args)),
        proposals=reports.proposals_page(period, page=page_number(request.args, "proposals_page")),
        decided=screening.proposals(period, status=None),
        ranking=reports.bad_review_ranking(period, minimum=RANKING_MINIMUM, limit=RANKING_SHOWN),
        ranking_limit=RANKING_SHOWN, ranking_minimum=RANKING_MINIMUM,
        labels=reports.DIMENSION_LABELS, kinds=screening.KIND_LABELS, reasons=screening.REASON_LABELS,
        decision_form=forms.DecisionForm(), bulk_form=forms.BulkDecisionForm())


@bp.post("/admin/evaluation/actions/<int:action_id>/<any(confirm, reject):decision>")
@staff_required
def decide(action_id: int, decision: str) -> Any:
    action = screening.get_action(action_id)
    form = forms.DecisionForm()
    if not form.validate_on_submit():
        flash(_("Give the reason; the institution will see it."), "danger")
    else:
        run_and_flash(lambda: screening.decide(user=current_user, action=action, confirm=decision == "confirm",
                                               reason=form.reason.data or ""), _("Saved."))
    from directory.evaluation.models import EvaluationPeriod

    period = db.session.get(EvaluationPeriod, action.period_id) if action.period_id else None
    return redirect(url_for("evaluation.period_page", code=period.code) + "#proposals" if period
                    else url_for("evaluation.index"))


@bp.post("/admin/evaluation/<code>/actions/<any(confirm, reject):decision>")
@staff_required
def decide_many(code: str, decision: str) -> Any:
    """Confirm or reject the ticked (or all waiting) proposals with one reason, all or nothing."""
    from directory.core.numbers import parse_id

    period = services.get_period(code)
    form = forms.BulkDecisionForm()
    back = url_for("evaluation.period_page", code=period.code) + "#proposals"
    if not form.validate_on_submit():
        flash(_("Give the reason; the institution will see it."), "danger")
        return redirect(back), 303
    # An id that cannot exist becomes 0: not of this period, so the whole batch is refused.
    ids = None if form.all_waiting.data else [parse_id(i) or 0 for i in request.form.getlist("action_ids")]
    confirm = decision == "confirm"
    run_and_flash(lambda: screening.decide_many(user=current_user, period=period, action_ids=ids, confirm=confirm,
                                                reason=form.reason.data or ""),
                  lambda n: _("%(n)s proposals confirmed; the institutions have been told.", n=n) if confirm
                  else _("%(n)s proposals rejected.", n=n))
    return redirect(back)


@bp.post("/admin/evaluation/<code>/publish")
@staff_required
def publish(code: str) -> Any:
    period = services.get_period(code)
    run_and_flash(lambda: services.publish(user=current_user, period=period),
                  _("Published: the period's grades, scores and badges are now public."))
    return redirect(url_for("evaluation.period_page", code=period.code))


@bp.get("/admin/evaluation/<code>.xlsx")
@staff_required
def export(code: str) -> Any:
    period = services.get_period(code)
    from directory.core.downloads import attachment
    from directory.core.spreadsheets import download_name

    return attachment(reports.graded_list_xlsx(period),
                      name=download_name(_("Evaluation %(period)s", period=period.code), "xlsx"),
                      fallback=f"evaluation-{period.code}.xlsx")


@bp.get("/evaluation/<code>")
def public_list(code: str) -> Any:
    period = services.get_period(code)
    if period.status != PeriodStatus.PUBLISHED:
        abort(404)
    return render_template("evaluation/public.html", period=period, results=reports.results(period),
                           grade_labels=reports.GRADE_LABELS,
                           ranking=reports.bad_review_ranking(period, limit=20))


@bp.get("/my/evaluation")
@login_required
def mine() -> Any:
    if not permissions.is_institution_user(current_user) or not current_user.institution_id:
        abort(403)
    return redirect(url_for("evaluation.institution_page", institution_id=current_user.institution_id))


@bp.get("/evaluation/institutions/<int:institution_id>")
@login_required
def institution_page(institution_id: int) -> Any:
    """An institution's own breakdown, trend and hints: its users (published periods only) and staff (every
    computed period, the unpublished ones marked)."""
    inst = db.session.get(Institution, institution_id)
    if inst is None or not (permissions.is_staff(current_user) or current_user.institution_id == institution_id):
        abort(404)
    return _institution_page(inst, forms.DecisionForm())


def _institution_page(inst: Institution, withdraw_form: forms.DecisionForm, status: int = 200) -> Any:
    staff = permissions.is_staff(current_user)
    history = reports.my_evaluations(inst.id, published_only=not staff)  # type: ignore[arg-type]
    latest = history[-1][0] if history else None
    return render_template("evaluation/institution.html", institution=inst, history=history, latest=latest,
                           breakdown=reports.breakdown(latest) if latest else {},
                           hints=reports.hints(latest) if latest else [], labels=reports.DIMENSION_LABELS,
                           grade_labels=reports.GRADE_LABELS, dimensions=DIMENSIONS, staff=staff,
                           withdraw_form=withdraw_form, published=PeriodStatus.PUBLISHED), status


@bp.post("/admin/evaluation/institutions/<int:institution_id>/withdraw-badge")
@staff_required
def withdraw_badge(institution_id: int) -> Any:
    """Staff withdraw the 示范服务机构 badge, with a reason the institution sees."""
    inst = get_or_404(Institution, institution_id)
    form = forms.DecisionForm()
    if form.validate_on_submit():
        with refusals(form, "reason") as refused:
            screening.withdraw_badge(user=current_user, institution=inst, reason=form.reason.data or "")
        if not refused:
            flash(_("The badge is withdrawn; the institution has been told."), "success")
            return redirect(url_for("evaluation.institution_page", institution_id=inst.id))
    return _institution_page(inst, form, 422)
