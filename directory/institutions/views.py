"""Institution detail pages, and the institution's colleagues: inviting them, accepting, removing."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required

from directory.accounts import permissions
from directory.accounts.models import User
from directory.core.db import get_or_404
from directory.core.http import refusals, run_and_flash
from directory.extensions import db
from directory.institutions import invitations, services
from directory.institutions.models import Institution

bp = Blueprint("institutions", __name__)


def grade_period(institution: Any) -> str | None:
    """The published evaluation period that explains the institution's grade badge (None: no badge or period)."""
    if not institution.grade:
        return None
    from directory.evaluation.services import latest_published_code

    return latest_published_code()


@bp.route("/institutions/<int:institution_id>")
def detail(institution_id: int) -> Any:
    institution = services.get_institution(institution_id, user=current_user)
    from directory.accounts.permissions import can_edit_institution, is_staff
    from directory.admission.forms import StatusForm
    from directory.core.paging import page_number
    from directory.engagements.forms import RequestForm
    from directory.recommendations.services import similar_institutions
    from directory.reviews import services as reviews

    page_of_reviews = reviews.public_reviews(institution, page=page_number(request.args, "reviews_page"))
    return render_template("institutions/detail.html", institution=institution,
                           experts=services.linked_experts(institution),
                           distribution=reviews.distribution(institution),
                           reviews=page_of_reviews, reviewed=reviews.reviewed_services(page_of_reviews),
                           verdict_labels=reviews.VERDICT_LABELS, grade_period=grade_period(institution),
                           similar=similar_institutions(institution) if institution.is_published else [],
                           request_form=RequestForm() if current_user.is_authenticated
                           and permissions.is_enterprise_user(current_user) and institution.is_published else None,
                           status_form=StatusForm() if is_staff(current_user) else None,
                           can_confirm=can_edit_institution(current_user, institution) and institution.is_published,
                           # its users and staff see who else works with it (institutions.invitations)
                           colleagues=invitations.colleagues(institution=institution)
                           if can_edit_institution(current_user, institution) else None,
                           invitations=invitations.pending(institution=institution)
                           if can_edit_institution(current_user, institution) else [],
                           can_remove=invitations.can_remove)


@bp.post("/institutions/<int:institution_id>/invitations")
@login_required
def invite(institution_id: int) -> Any:
    institution = get_or_404(Institution, institution_id)
    with refusals() as refused:
        # Links in mails are built on SITE_URL, never on the request's Host header (which the sender controls).
        invitation = invitations.invite(institution=institution, email=request.form.get("email", ""),
                                        actor=current_user, base_url=current_app.config["SETTINGS"].site_url)
    if refused:
        return redirect(url_for("institutions.detail", institution_id=institution_id)), 303
    flash(_("Invitation sent to %(email)s.", email=invitation.email), "success")
    return redirect(url_for("institutions.detail", institution_id=institution_id))


@bp.route("/invite/<token>", methods=["GET", "POST"])
def accept_invitation(token: str) -> Any:
    if request.method == "POST" and current_user.is_authenticated:
        institution = invitations.accept(token=token, user=current_user)  # idempotent: a second press is fine
        flash(_("You now work with %(name)s on this platform.", name=institution.name), "success")
        return redirect(url_for("my.page"))
    invitation = invitations.find(token)
    if not current_user.is_authenticated:
        flash(_("Log in or register as a service institution with %(email)s to accept the invitation.",
                email=invitations.masked(invitation.email)), "info")
        return redirect(url_for("accounts.login", next=request.path))
    return render_template("institutions/invitation.html", invitation=invitation, masked=invitations.masked,
                           institution=db.session.get(Institution, invitation.institution_id),
                           same_email=(current_user.email or "").lower() == invitation.email)


@bp.post("/institutions/<int:institution_id>/colleagues/<int:user_id>/remove")
@login_required
def remove_colleague(institution_id: int, user_id: int) -> Any:
    institution, user = get_or_404(Institution, institution_id), get_or_404(User, user_id)
    name = user.display_name
    run_and_flash(lambda: invitations.remove(institution=institution, user=user, actor=current_user),
                  _("%(name)s no longer works with this institution here.", name=name))
    if user.id == current_user.id:
        return redirect(url_for("my.page"))
    return redirect(url_for("institutions.detail", institution_id=institution_id) + "#colleagues")
