"""Expert detail pages (contact details only for staff and the expert)."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, render_template
from flask_login import current_user

from directory.accounts.permissions import can_see_expert_contact
from directory.experts import services

bp = Blueprint("experts", __name__, url_prefix="/experts")


@bp.route("/<int:expert_id>")
def detail(expert_id: int) -> Any:
    expert = services.get_expert(expert_id, user=current_user)
    return render_template("experts/detail.html", expert=expert,
                           show_contact=can_see_expert_contact(current_user, expert))
