"""An admitted institution's profile edits, and staff's decisions on the changes that need review."""

from __future__ import annotations

from typing import Any

from flask import flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required

from directory.accounts.decorators import staff_required
from directory.admission import change_requests, forms, services
from directory.admission.views import _institution_user, bp
from directory.core.db import get_or_404
from directory.core.forms import records
from directory.core.http import refusals
from directory.core.paging import page_number
from directory.extensions import db
from directory.taxonomy.models import Category, Industry, Region


@bp.route("/my/institution", methods=["GET", "POST"])
@login_required
def edit_profile() -> Any:
    _institution_user()
    inst = services.my_institution(current_user)
    if inst is None or inst.status != "admitted":
        return redirect(url_for("admission.start"))
    pending = change_requests.pending_change(inst)
    form = forms.ProfileForm(original=forms.profile_data(inst, pending))
    if form.validate_on_submit():
        if form.unchanged():
            flash(_("Nothing was changed."), "info")
            return redirect(url_for("admission.edit_profile"))
        with refusals(form, "name") as refused:
            saved = change_requests.edit_profile(institution=inst, user=current_user, data=change_requests.ProfileEdit(
                name=form.name.data, credit_code=form.credit_code.data,
                categories=records(Category, form.categories.data),
                qualifications=(form.qualifications.data or "").splitlines(), description=form.description.data,
                region=db.session.get_one(Region, int(form.region.data)),
                industries=records(Industry, form.industries.data), coverage=records(Region, form.coverage.data),
                contact_name=form.contact_name.data, contact_phone=form.contact_phone.data,
                email=form.email.data or "", website=form.website.data or "", founded_year=form.founded_year.data,
                staff_count=form.staff_count.data, address=form.address.data or "",
                postal_code=form.postal_code.data or ""))
        if not refused:
            if saved.pending is not None:
                flash(_("Saved. Changes to the name, credit code, categories or qualifications are published "
                        "after staff review."), "info")
            else:
                flash(_("Saved and published."), "success")
            return redirect(url_for("admission.edit_profile"))
    from directory.admission.attachments import for_institution

    return render_template("admission/profile.html", form=form, institution=inst, attachments=for_institution(inst),
                           offering_form=forms.OfferingForm(formdata=None), pending=pending, pending_labels=change_requests.change_labels()), 422 if form.is_submitted() else 200


@bp.get("/admin/changes")
@staff_required
def changes() -> Any:
    return render_template("admission/changes.html", requests=change_requests.pending_changes(page=page_number(request.args)))


@bp.route("/admin/changes/<int:request_id>", methods=["GET", "POST"])
@staff_required
def change_detail(request_id: int) -> Any:
    from directory.admission.models import ChangeRequest

    change = get_or_404(ChangeRequest, request_id)
    form = forms.DecisionForm()
    if form.validate_on_submit():
        approve = request.form.get("decision") == "approve"
        with refusals(form, "reason") as refused:
            change_requests.decide_change(request=change, actor=current_user, approve=approve, reason=form.reason.data or "")
        if not refused:
            flash(_("Change approved and published.") if approve else _("Change rejected; the institution has been told."),
                  "success")
            return redirect(url_for("admission.changes"))
    return render_template("admission/change.html", change=change, diff=change_requests.change_diff(change),
                           change_labels=change_requests.change_labels(),
                           form=form), 422 if form.is_submitted() else 200
