"""Staff verification of enterprises (/admin/enterprises) and the enterprise's own profile (/my/enterprise)."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required
from flask_wtf import FlaskForm

from directory.accounts import permissions
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
    from directory.enterprises.sizing import SIZE_LABELS, size_key

    unverified = request.args.get("unverified") == "1"
    size = size_key(request.args.get("size", ""))  # an unknown size is dropped, not an error page
    enterprises = services.list_enterprises(unverified=unverified, size=size, page=page_number(request.args))
    return render_template("enterprises/staff.html", enterprises=enterprises, unverified=unverified, size=size,
                           sizes=SIZE_LABELS, size_key=size_key,
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


@bp.route("/my/enterprise", methods=["GET", "POST"])
@login_required
def profile() -> Any:
    """The enterprise's own profile: name, credit code, size by the 中小企业划型标准, tags, contacts."""
    from directory.core.http import refusals
    from directory.core.numbers import parse_id
    from directory.enterprises.forms import ProfileForm
    from directory.enterprises.sizing import FIGURE_LABELS, SECTORS, SIZE_LABELS, size_key

    enterprise = services.my_enterprise(current_user)
    if enterprise is None:
        abort(403 if not permissions.is_enterprise_user(current_user) else 404)
    form = ProfileForm(data={
        **{k: getattr(enterprise, k) for k in ("name", "credit_code", "sector", "staff_count", "revenue",
                                               "total_assets", "founded_year", "description", "contact_name",
                                               "contact_phone", "email")},
        "region": str(enterprise.region_id or ""), "industry": str(enterprise.industry_id or ""),
        "tags": [str(t.id) for t in enterprise.tags]}) if request.method == "GET" else ProfileForm()
    if form.validate_on_submit():
        values = {k: getattr(form, k).data for k in ("name", "credit_code", "sector", "staff_count", "revenue",
                                                    "total_assets", "founded_year", "description",
                                                    "contact_name", "contact_phone", "email")}
        values["region_id"], values["industry_id"] = parse_id(form.region.data), parse_id(form.industry.data)
        values = {k: ("" if v is None and k in ("sector", "description", "contact_name", "contact_phone", "email")
                      else v) for k, v in values.items()}
        changed: list[bool] = []
        with refusals(form) as refused:
            changed.append(services.update_profile(user=current_user, enterprise=enterprise, values=values,
                                                   tag_ids=[i for i in map(parse_id, form.tags.data or []) if i]))
        if not refused:
            flash(_("Profile saved.") if changed[0] else _("Nothing was changed."), "success" if changed[0] else "info")
            return redirect(url_for("enterprises.profile"))
    return render_template("enterprises/profile.html", form=form, enterprise=enterprise, sizes=SIZE_LABELS,
                           size=size_key(enterprise.size) or enterprise.size,
                           sectors=SECTORS, figure_labels=FIGURE_LABELS), 422 if form.is_submitted() else 200
