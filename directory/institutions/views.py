"""Institution detail pages."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, render_template, request
from flask_login import current_user

from directory.institutions import services

bp = Blueprint("institutions", __name__, url_prefix="/institutions")


@bp.route("/<int:institution_id>")
def detail(institution_id: int) -> Any:
    institution = services.get_institution(institution_id, user=current_user)
    from directory.accounts import invitations
    from directory.accounts.permissions import can_edit_institution, is_staff
    from directory.admission.forms import StatusForm
    from directory.core.paging import page_number
    from directory.engagements.forms import RequestForm
    from directory.recommendations.services import similar_institutions
    from directory.reviews import services as reviews

    return render_template("institutions/detail.html", institution=institution,
                           experts=services.linked_experts(institution),
                           distribution=reviews.distribution(institution),
                           reviews=reviews.public_reviews(institution, page=page_number(request.args, "reviews_page")),
                           verdict_labels=reviews.VERDICT_LABELS,
                           similar=similar_institutions(institution) if institution.is_published else [],
                           request_form=RequestForm() if current_user.is_authenticated
                           and current_user.role == "enterprise" and institution.is_published else None,
                           status_form=StatusForm() if is_staff(current_user) else None,
                           can_confirm=can_edit_institution(current_user, institution) and institution.is_published,
                           # its users and staff see who else works with it (accounts.invitations)
                           colleagues=invitations.colleagues(institution=institution)
                           if can_edit_institution(current_user, institution) else None,
                           invitations=invitations.pending(institution=institution)
                           if can_edit_institution(current_user, institution) else [],
                           can_remove=invitations.can_remove)
