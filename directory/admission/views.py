"""Admission pages: the applicant's sections and the staff review queue."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required

from directory.accounts import permissions
from directory.accounts.decorators import staff_required
from directory.admission import change_requests, forms, freshness, services, status_changes
from directory.core.db import get_or_404
from directory.core.forms import records
from directory.core.http import refusals
from directory.core.numbers import parse_id, parse_int
from directory.core.paging import page_number
from directory.extensions import db
from directory.institutions.models import Institution
from directory.institutions.services import OfferingInput
from directory.taxonomy.models import Category, Industry, Region

bp = Blueprint("admission", __name__)
SECTIONS = ("identity", "services", "offerings", "contacts", "review")


def _institution_user() -> None:
    if not permissions.is_institution_user(current_user):
        abort(403)


def _page(section: str, form: Any = None, status: int = 200) -> Any:
    inst = services.my_institution(current_user)
    from directory.admission.attachments import for_institution

    return render_template("admission/apply.html", section=section, sections=SECTIONS, form=form, institution=inst,
                           attachments=for_institution(inst) if inst else [],
                           application=services.current_application(inst) if inst else None,
                           missing=services.missing(inst) if inst else [],
                           offering_form=forms.OfferingForm() if section == "offerings" else None), status


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


# -- staff ----------------------------------------------------------------------------------------------

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


@bp.post("/admin/institutions/<int:institution_id>/status")
@staff_required
def change_status(institution_id: int) -> Any:
    institution = get_or_404(Institution, institution_id)
    form = forms.StatusForm()
    if not form.validate_on_submit():
        flash(_("Choose an action and give the reason."), "danger")
        return redirect(url_for("institutions.detail", institution_id=institution_id)), 303
    with refusals() as refused:
        status_changes.change_status(institution=institution, action=form.action.data, reason=form.reason.data,
                               actor=current_user)
    if refused:
        return redirect(url_for("institutions.detail", institution_id=institution_id)), 303
    flash(_("Status changed; the institution has been told."), "success")
    return redirect(url_for("institutions.detail", institution_id=institution_id))


@bp.post("/institutions/<int:institution_id>/confirm")
@login_required
def confirm_current(institution_id: int) -> Any:
    institution = get_or_404(Institution, institution_id)
    freshness.confirm_current(institution=institution, user=current_user)
    flash(_("Thank you: the information is marked as current."), "success")
    return redirect(url_for("institutions.detail", institution_id=institution_id))


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


@bp.get("/admin/stale")
@staff_required
def stale() -> Any:
    return render_template("admission/stale.html", institutions=freshness.stale_institutions(
        page=page_number(request.args)))


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


# -- qualification certificates --------------------------------------------------------------------------

@bp.post("/institutions/<int:institution_id>/attachments")
@login_required
def upload_attachment(institution_id: int) -> Any:
    from directory.accounts.permissions import can_edit_institution
    from directory.admission import attachments
    from directory.core.urls import safe_next

    institution = get_or_404(Institution, institution_id)
    if not can_edit_institution(current_user, institution):
        abort(403)  # before looking at the form: who may upload does not depend on what they sent
    form = forms.AttachmentForm()
    back = safe_next(request.form.get("next"), url_for("institutions.detail", institution_id=institution_id))
    if not form.validate_on_submit():
        flash(_("Choose a file to upload."), "danger")
        return redirect(back), 303
    with refusals() as refused:
        attachments.add(institution=institution, user=current_user, filename=form.certificate.data.filename or "",
                        data=form.certificate.data.read())
    if refused:
        return redirect(back), 303
    flash(_("Certificate uploaded."), "success")
    return redirect(back)


@bp.get("/attachments/<int:attachment_id>")
@login_required
def download_attachment(attachment_id: int) -> Any:
    import io

    from flask import send_file

    from directory.admission import attachments

    attachment, path = attachments.readable(attachment_id=attachment_id, user=current_user)
    # Certificates are small (≤ 5 MB): read them whole rather than leave a file handle to the WSGI server.
    return send_file(io.BytesIO(path.read_bytes()), mimetype=attachment.content_type,
                     download_name=attachment.filename, as_attachment=attachment.content_type == "application/pdf")


@bp.post("/attachments/<int:attachment_id>/delete")
@login_required
def delete_attachment(attachment_id: int) -> Any:
    from directory.admission import attachments
    from directory.core.urls import safe_next

    attachments.remove(attachment_id=attachment_id, user=current_user)
    flash(_("Certificate removed."), "info")
    return redirect(safe_next(request.form.get("next"), url_for("my.page")))
