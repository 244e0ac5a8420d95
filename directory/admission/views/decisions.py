"""Staff's review queue: applications, and the decision on each."""

from __future__ import annotations

from typing import Any

from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from directory.accounts.decorators import staff_required
from directory.admission import forms, services
from directory.admission.views import bp
from directory.core.http import refusals
from directory.core.numbers import parse_id, parse_int
from directory.core.paging import page_number


@bp.get("/admin/applications")
@staff_required
def queue() -> Any:
    category = request.args.get("category", type=parse_id)
    older = request.args.get("older_than", type=lambda v: parse_int(v, minimum=0, maximum=36500))  # ≤ 100 years
    from directory.taxonomy.services import top_categories

    return render_template("admission/queue.html", applications=services.review_queue(
        category_id=category, older_than_days=older, page=page_number(request.args)), categories=top_categories(),
        category=category, older=older)


@bp.get("/admin/applications/<int:application_id>")
@staff_required
def application_detail(application_id: int) -> Any:
    application = services.get_application(application_id, user=current_user)
    from directory.admission.attachments import for_institution

    return render_template("admission/decide.html", application=application, institution=application.institution,
                           expert=application.expert, form=forms.DecisionForm(),
                           attachments=for_institution(application.institution) if application.institution else [])


@bp.post("/admin/applications/<int:application_id>/<any(approve, reject, changes):decision>")
@staff_required
def decide(application_id: int, decision: str) -> Any:
    application = services.get_application(application_id, user=current_user)
    form = forms.DecisionForm()
    if not form.validate_on_submit():
        abort(400)
    reason = form.reason.data or ""
    with refusals(form, "reason") as refused:
        if decision == "approve":
            services.approve(application=application, actor=current_user, note=reason)
            flash(_("Approved: the institution is now published."), "success")
        elif decision == "reject":
            services.reject(application=application, actor=current_user, reason=reason)
            flash(_("Rejected; the applicant has been told why."), "info")
        else:
            services.request_changes(application=application, actor=current_user, comments=reason)
            flash(_("Sent back to the applicant for changes."), "info")
    if refused:
        return render_template("admission/decide.html", application=application, institution=application.institution,
                               expert=application.expert, form=form), refused.status
    return redirect(url_for("admission.queue"))
