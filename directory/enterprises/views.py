"""Staff verification of enterprises (/admin/enterprises)."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, abort, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from flask_wtf import FlaskForm

from directory.accounts.decorators import staff_required
from directory.core.db import get_or_404
from directory.core.http import run_and_flash
from directory.core.paging import page_number
from directory.enterprises import services
from directory.enterprises.models import Enterprise

bp = Blueprint("enterprises", __name__)


@bp.get("/admin/enterprises")
@staff_required
def staff_list() -> Any:
    unverified = request.args.get("unverified") == "1"
    enterprises = services.list_enterprises(unverified=unverified, page=page_number(request.args))
    return render_template("enterprises/staff.html", enterprises=enterprises, unverified=unverified,
                           waiting={e.id: services.waiting_accounts(e) for e in enterprises}, form=FlaskForm())


@bp.post("/admin/enterprises/<int:enterprise_id>/verify")
@staff_required
def verify(enterprise_id: int) -> Any:
    enterprise = get_or_404(Enterprise, enterprise_id)
    if not FlaskForm().validate_on_submit():
        abort(400)
    run_and_flash(lambda: services.verify_enterprise(user=current_user, enterprise=enterprise),
                  _("The enterprise is verified; its accounts' reviews count from now on."))
    return redirect(url_for("enterprises.staff_list", unverified="1"))
