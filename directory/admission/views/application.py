"""An institution's application, section by section, and its submission."""

from __future__ import annotations

from typing import Any

from flask import flash, redirect, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required

from directory.accounts import permissions
from directory.admission import forms, services
from directory.admission.views import _institution_user, _page, bp
from directory.core.forms import records
from directory.core.http import refusals
from directory.extensions import db
from directory.taxonomy.models import Category, Industry, Region


@bp.get("/apply")
@login_required
def start() -> Any:
    if permissions.is_expert_user(current_user):
        return redirect(url_for("admission.expert_profile"))
    _institution_user()
    inst = services.my_institution(current_user)
    if inst is None:
        return redirect(url_for("admission.identity"))
    return redirect(url_for("admission.review"))


@bp.route("/apply/identity", methods=["GET", "POST"])
@login_required
def identity() -> Any:
    _institution_user()
    inst = services.my_institution(current_user)
    form = forms.IdentityForm(original=forms.identity_data(inst) if inst else None)
    if form.validate_on_submit():
        if form.unchanged():
            return redirect(url_for("admission.services_section"))
        with refusals(form, "name") as refused:
            services.save_identity(user=current_user, name=form.name.data, credit_code=form.credit_code.data,
                                   region=db.session.get_one(Region, int(form.region.data)),
                                   description=form.description.data, founded_year=form.founded_year.data,
                                   staff_count=form.staff_count.data, website=form.website.data or "",
                                   address=form.address.data or "", postal_code=form.postal_code.data or "")
        if not refused:
            flash(_("Saved."), "success")
            return redirect(url_for("admission.services_section"))
    return _page("identity", form, 422 if form.is_submitted() else 200)


@bp.route("/apply/services", methods=["GET", "POST"])
@login_required
def services_section() -> Any:
    _institution_user()
    inst = services.my_institution(current_user)
    if inst is None:
        return redirect(url_for("admission.identity"))
    form = forms.ServicesForm(original=forms.services_data(inst))
    if form.validate_on_submit():
        if form.unchanged():
            return redirect(url_for("admission.offerings"))
        with refusals(form, "categories") as refused:
            services.save_services(user=current_user, categories=records(Category, form.categories.data),
                                   industries=records(Industry, form.industries.data),
                                   coverage=records(Region, form.coverage.data),
                                   qualifications=(form.qualifications.data or "").splitlines())
        if not refused:
            flash(_("Saved."), "success")
            return redirect(url_for("admission.offerings"))
    return _page("services", form, 422 if form.is_submitted() else 200)


@bp.route("/apply/contacts", methods=["GET", "POST"])
@login_required
def contacts() -> Any:
    _institution_user()
    inst = services.my_institution(current_user)
    if inst is None:
        return redirect(url_for("admission.identity"))
    form = forms.ContactsForm(original=forms.contacts_data(inst))
    if form.validate_on_submit():
        if form.unchanged():
            return redirect(url_for("admission.review"))
        services.save_contacts(user=current_user, contact_name=form.contact_name.data,
                               contact_phone=form.contact_phone.data, email=form.email.data or "")
        flash(_("Saved."), "success")
        return redirect(url_for("admission.review"))
    return _page("contacts", form, 422 if form.is_submitted() else 200)


@bp.route("/apply/review", methods=["GET", "POST"])
@login_required
def review() -> Any:
    _institution_user()
    if services.my_institution(current_user) is None:
        return redirect(url_for("admission.identity"))
    if request.method == "POST":
        with refusals() as refused:
            services.submit(user=current_user)
        if refused:
            return _page("review", status=refused.status)
        flash(_("Your application has been submitted. The service center will review it."), "success")
        return redirect(url_for("admission.review"))
    return _page("review")
