"""Institution detail pages."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, render_template
from flask_login import current_user

from directory.institutions import services

bp = Blueprint("institutions", __name__, url_prefix="/institutions")


@bp.route("/<int:institution_id>")
def detail(institution_id: int) -> Any:
    institution = services.get_institution(institution_id, user=current_user)
    return render_template("institutions/detail.html", institution=institution,
                           experts=services.linked_experts(institution))
