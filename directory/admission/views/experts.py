"""An expert's profile and application."""

from __future__ import annotations

from typing import Any

from flask import abort, flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required

from directory.accounts import permissions
from directory.admission import forms
from directory.admission.views import bp
from directory.core.forms import records
from directory.core.http import refusals
from directory.extensions import db
from directory.taxonomy.models import Category, Industry, Region


@bp.route("/apply/expert", methods=["GET", "POST"])
@login_required
def expert_profile() -> Any:
    from directory.admission import experts
    from directory.imports.columns import split_list

    if not permissions.is_expert_user(current_user):
        abort(403)
    expert = experts.my_expert(current_user)
    form = forms.ExpertProfileForm(original=forms.expert_data(expert) if expert else None)
    if form.validate_on_submit():
        if form.unchanged():
            flash(_("Nothing was changed."), "info")
            return redirect(url_for("admission.expert_profile"))
        with refusals(form, "name") as refused:
            experts.save_profile(
                user=current_user, name=form.name.data, title=form.title.data or "",
                organization=form.organization.data or "",
                region=db.session.get(Region, int(form.region.data)) if form.region.data else None,
                bio=form.bio.data, expertise=split_list((form.expertise.data or "").replace("\n", "、")),
                categories=records(Category, form.categories.data), industries=records(Industry, form.industries.data),
                phone=form.phone.data, email=form.email.data or "")
        if not refused:
            flash(_("Saved."), "success")
            return redirect(url_for("admission.expert_profile"))
    return render_template("admission/expert.html", form=form, expert=expert,
                           application=experts.current_application(expert) if expert else None,
                           missing=experts.missing(expert) if expert else []), 422 if form.is_submitted() else 200


@bp.post("/apply/expert/submit")
@login_required
def expert_submit() -> Any:
    from directory.admission import experts

    if not permissions.is_expert_user(current_user):
        abort(403)
    with refusals(pages=(404,)) as refused:  # nothing to submit in this state: a message, not a 403 page
        experts.submit(user=current_user)
    if refused:
        return redirect(url_for("admission.expert_profile")), 303
    flash(_("Your application has been submitted. The service center will review it."), "success")
    return redirect(url_for("admission.expert_profile"))
