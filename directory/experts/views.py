"""Expert detail pages (contact details only for staff and the expert)."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, render_template, request
from flask_login import current_user

from directory.accounts import permissions
from directory.accounts.permissions import can_see_expert_contact
from directory.experts import services

bp = Blueprint("experts", __name__, url_prefix="/experts")


@bp.route("/<int:expert_id>")
def detail(expert_id: int) -> Any:
    expert = services.get_expert(expert_id, user=current_user)
    from directory.admission.forms import ExpertStatusForm
    from directory.admission.records import STATUS_LABELS
    from directory.core.paging import page_number
    from directory.engagements.forms import RequestForm
    from directory.recommendations.services import similar_experts
    from directory.reviews import services as reviews

    page_of_reviews = reviews.public_reviews(expert, page=page_number(request.args, "reviews_page"))
    return render_template("experts/detail.html", expert=expert,
                           show_contact=can_see_expert_contact(current_user, expert),
                           distribution=reviews.distribution(expert),
                           reviews=page_of_reviews, reviewed=reviews.reviewed_services(page_of_reviews),
                           verdict_labels=reviews.VERDICT_LABELS,
                           status_form=ExpertStatusForm() if permissions.is_staff(current_user) else None,
                           status_labels=STATUS_LABELS,
                           similar=similar_experts(expert) if expert.is_published else [],
                           request_form=RequestForm() if current_user.is_authenticated
                           and permissions.is_enterprise_user(current_user) and expert.is_published else None)
