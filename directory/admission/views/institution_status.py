"""An admitted record's status: staff's changes to an institution's or an expert's, the confirmation that an
institution is current, stale records, and staff's list of every record."""

from __future__ import annotations

from typing import Any

from flask import flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required

from directory.accounts.decorators import staff_required
from directory.admission import forms, freshness, status_changes
from directory.admission.views import bp
from directory.core.db import get_or_404
from directory.core.http import refusals
from directory.core.paging import page_number
from directory.experts.models import Expert
from directory.institutions.models import Institution


def _status_change(form: Any, record: Any, default_back: str, change: Any, done: str) -> Any:
    """One status change from staff's form: the reason required, the service's refusal flashed, and back to
    the page staff came from (the record list sends its page and filters along, so they land where they were)."""
    from directory.core.urls import safe_next

    back = safe_next(request.form.get("next"), default_back)
    if not form.validate_on_submit():
        flash(_("Choose an action and give the reason."), "danger")
        return redirect(back), 303
    with refusals() as refused:
        change(record, action=form.action.data, reason=form.reason.data, actor=current_user)
    if refused:
        return redirect(back), 303
    flash(done, "success")
    return redirect(back)


@bp.post("/admin/institutions/<int:institution_id>/status")
@staff_required
def change_status(institution_id: int) -> Any:
    return _status_change(forms.StatusForm(), get_or_404(Institution, institution_id),
                          url_for("institutions.detail", institution_id=institution_id),
                          lambda inst, **kw: status_changes.change_status(institution=inst, **kw),
                          _("Status changed; the institution has been told."))


@bp.post("/admin/experts/<int:expert_id>/status")
@staff_required
def change_expert_status(expert_id: int) -> Any:
    """The institutions' status change, for an expert: the same actions, reasons and way back."""
    return _status_change(forms.ExpertStatusForm(), get_or_404(Expert, expert_id),
                          url_for("experts.detail", expert_id=expert_id),
                          lambda expert, **kw: status_changes.change_expert_status(expert=expert, **kw),
                          _("Status changed; the expert has been told."))


@bp.post("/institutions/<int:institution_id>/confirm")
@login_required
def confirm_current(institution_id: int) -> Any:
    institution = get_or_404(Institution, institution_id)
    freshness.confirm_current(institution=institution, user=current_user)
    flash(_("Thank you: the information is marked as current."), "success")
    return redirect(url_for("institutions.detail", institution_id=institution_id))


@bp.get("/admin/stale")
@staff_required
def stale() -> Any:
    return render_template("admission/stale.html", institutions=freshness.stale_institutions(
        page=page_number(request.args)))


@bp.get("/admin/records")
@staff_required
def records() -> Any:
    """Every institution or expert record whatever its status, searched and filtered, with the status actions."""
    from directory.admission.records import STATUS_LABELS, RecordFilters, staff_records
    from directory.admission.status_changes import STATUS_ACTIONS
    from directory.taxonomy import services as taxonomy

    filters = RecordFilters.parse(request.args)
    actions: dict[str, list[str]] = {}  # status → the actions it allows
    for action, statuses in STATUS_ACTIONS.items():
        for status in statuses:
            actions.setdefault(status, []).append(action)
    return render_template("admission/records.html", filters=filters,
                           records=staff_records(filters, page=page_number(request.args)),
                           labels=STATUS_LABELS, actions=actions, categories=taxonomy.top_categories(),
                           regions=taxonomy.regions(kind="district"),
                           form=forms.StatusForm() if filters.kind == "institutions" else forms.ExpertStatusForm())
