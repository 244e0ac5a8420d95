"""An institution's service products: added, edited and removed, in the application or on its profile."""

from __future__ import annotations

from typing import Any

from flask import flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required

from directory.admission import change_requests, forms, services
from directory.admission.views import SECTIONS, _institution_user, _page, bp
from directory.core.http import refusals
from directory.extensions import db
from directory.institutions.models import Institution
from directory.institutions.services import OfferingInput
from directory.taxonomy.models import Category


def _offering_input(form: forms.OfferingForm) -> OfferingInput:
    return OfferingInput(title=form.title.data, category=db.session.get(Category, int(form.category.data)),
                         description=form.description.data or "", fee_model=form.fee_model.data,
                         price_min=form.price_min.data, price_max=form.price_max.data,
                         delivery_days=form.delivery_days.data, public_interest=form.public_interest.data)


def _offerings_page(inst: Institution) -> str:
    # An admitted institution keeps its products on its profile page; an applicant in the application.
    if inst.status == "admitted":
        return url_for("admission.edit_profile", _anchor="offerings")
    return url_for("admission.offerings")


@bp.route("/apply/offerings", methods=["GET", "POST"])
@login_required
def offerings() -> Any:
    _institution_user()
    inst = services.my_institution(current_user)
    if inst is None:
        return redirect(url_for("admission.identity"))
    if request.method == "GET" and inst.status == "admitted":
        return redirect(_offerings_page(inst))
    if request.method == "POST":
        form = forms.OfferingForm()
        if form.validate_on_submit():
            with refusals(form, "title") as refused:
                services.add_offering(user=current_user, data=_offering_input(form))
            if not refused:
                flash(_("Service product added."), "success")
                return redirect(_offerings_page(inst))
        if inst.status == "admitted":
            from directory.admission.attachments import for_institution

            return render_template("admission/profile.html", form=forms.ProfileForm(
                original=forms.profile_data(inst, change_requests.pending_change(inst)), formdata=None),
                institution=inst, attachments=for_institution(inst), pending=change_requests.pending_change(inst),
                pending_labels=change_requests.change_labels(), offering_form=form), 422
        return render_template("admission/apply.html", section="offerings", sections=SECTIONS, form=None,
                               institution=inst, application=services.current_application(inst),
                               missing=services.missing(inst), offering_form=form), 422
    return _page("offerings")


@bp.route("/apply/offerings/<int:offering_id>", methods=["GET", "POST"])
@login_required
def edit_offering(offering_id: int) -> Any:
    _institution_user()
    offering = services.own_offering(user=current_user, offering_id=offering_id)
    inst = offering.institution
    form = forms.OfferingForm(original=forms.offering_data(offering))
    if form.validate_on_submit():
        if form.unchanged():
            flash(_("Nothing was changed."), "info")
            return redirect(_offerings_page(inst))
        with refusals(form, "title") as refused:
            services.update_offering(user=current_user, offering_id=offering_id, data=_offering_input(form))
        if not refused:
            flash(_("Service product saved.") if inst.status != "admitted" else _("Service product saved and published."),
                  "success")
            return redirect(_offerings_page(inst))
    return render_template("admission/offering.html", offering_form=form, offering=offering, institution=inst,
                           back=_offerings_page(inst)), 422 if form.is_submitted() else 200


@bp.post("/apply/offerings/<int:offering_id>/delete")
@login_required
def delete_offering(offering_id: int) -> Any:
    _institution_user()
    inst = services.my_institution(current_user)
    services.remove_offering(user=current_user, offering_id=offering_id)
    flash(_("Service product removed."), "info")
    return redirect(_offerings_page(inst) if inst else url_for("admission.offerings"))
