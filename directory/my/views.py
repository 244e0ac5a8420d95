"""The role-appropriate "my" page."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, render_template, request
from flask_login import current_user, login_required

from directory.core.paging import page_number
from directory.my.services import my_page

bp = Blueprint("my", __name__)


@bp.route("/my")
@login_required
def page() -> Any:
    return render_template("my/page.html", page=my_page(current_user, inbox_page=page_number(request.args)))
