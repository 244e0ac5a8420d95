"""Needs pages: post a need, see its recommendations, staff follow-up."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required

from directory.accounts import permissions
from directory.accounts.decorators import staff_required
from directory.core.forms import record
from directory.core.http import refusals, run_and_flash
from directory.core.numbers import parse_id
from directory.demands import services
from directory.demands.forms import DemandForm, SuggestForm, demand_data
from directory.engagements.forms import RequestForm
from directory.enterprises.models import Enterprise
from directory.extensions import db
from directory.taxonomy.models import Category, Industry, Region

bp = Blueprint("demands", __name__)


def _input(form: DemandForm) -> services.DemandInput:
    return services.DemandInput(
        title=form.title.data or "", text=form.text.data or "", category=record(Category, form.category.data),
        industry=record(Industry, form.industry.data), region=record(Region, form.region.data),
        budget_min=form.budget_min.data, budget_max=form.budget_max.data, deadline=form.deadline.data,
        visibility=form.visibility.data or "public")


@bp.get("/needs")
@login_required
def index() -> Any:
    from directory.core.paging import page_number

    mine = services.my_demands(current_user) if permissions.is_enterprise_user(current_user) else []
    return render_template("demands/index.html", mine=mine, public=services.public_demands(page=page_number(request.args)),
                           labels=services.STATUS_LABELS)


@bp.route("/needs/new", methods=["GET", "POST"])
@login_required
def new() -> Any:
    staff = permissions.is_staff(current_user)
    if not staff and not (permissions.is_enterprise_user(current_user) and current_user.enterprise_id):
        abort(403)
    form = DemandForm(staff=staff)
    if form.validate_on_submit():
        enterprise = record(Enterprise, form.enterprise.data) if staff else \
            db.session.get(Enterprise, current_user.enterprise_id)
        if enterprise is None:
            abort(400)
        with refusals(form, "title") as refused:
            demand = services.post_demand(user=current_user, enterprise=enterprise, data=_input(form))
        if not refused:
            flash(_("Your need is posted. Here are the providers we recommend."), "success")
            return redirect(url_for("demands.detail", demand_id=demand.id))
    return render_template("demands/form.html", form=form, demand=None), 422 if form.is_submitted() else 200


@bp.route("/needs/<int:demand_id>/edit", methods=["GET", "POST"])
@login_required
def edit(demand_id: int) -> Any:
    demand = services.get_demand(demand_id, user=current_user)
    if not permissions.can_manage_demand(current_user, demand):
        abort(403)
    form = DemandForm(original=demand_data(demand))
    if form.validate_on_submit():
        if form.unchanged():
            flash(_("Nothing was changed."), "info")
            return redirect(url_for("demands.detail", demand_id=demand.id))
        with refusals(form, "title") as refused:
            services.update_demand(user=current_user, demand=demand, data=_input(form))
        if not refused:
            flash(_("Saved."), "success")
            return redirect(url_for("demands.detail", demand_id=demand.id))
    return render_template("demands/form.html", form=form, demand=demand), 422 if form.is_submitted() else 200


@bp.get("/needs/<int:demand_id>")
@login_required
def detail(demand_id: int) -> Any:
    demand = services.get_demand(demand_id, user=current_user)
    manage = permissions.can_manage_demand(current_user, demand)
    # ?category=CODE: the enterprise corrects what the need was understood to be about (one click, not saved).
    picked = services.category_by_code(request.args.get("category"))
    recs = services.recommendations_for(demand, category=picked) if manage else None
    from directory.engagements.services import STATUS_LABELS, for_demand
    from directory.notices.services import related_policies

    return render_template("demands/detail.html", demand=demand, manage=manage, recs=recs,
                           # the recommendations' category (picked, stated or inferred) when they are shown
                           policies=recs.policies if recs is not None else related_policies(demand.category),
                           labels=services.STATUS_LABELS, engagement_labels=STATUS_LABELS, suggestions=services.suggestions(demand) if manage else [],
                           engagements=for_demand(demand) if manage else [], request_form=RequestForm(),
                           suggest_form=SuggestForm() if permissions.is_staff(current_user) else None)


@bp.post("/needs/<int:demand_id>/close")
@login_required
def close(demand_id: int) -> Any:
    demand = services.get_demand(demand_id, user=current_user)
    services.close_demand(user=current_user, demand=demand)
    flash(_("The need is closed."), "success")
    return redirect(url_for("demands.detail", demand_id=demand.id))


def _id_list(value: str | None) -> list[int]:
    return [i for v in (value or "").replace("，", ",").split(",") if (i := parse_id(v.strip())) is not None]


@bp.post("/needs/<int:demand_id>/suggest")
@staff_required
def suggest(demand_id: int) -> Any:
    demand = services.get_demand(demand_id, user=current_user)
    form = SuggestForm()
    if not form.validate_on_submit():
        abort(400)
    ids = _id_list(",".join(request.form.getlist("institution"))) or _id_list(form.institutions.data)
    expert_ids = _id_list(",".join(request.form.getlist("expert"))) or _id_list(form.experts.data)
    run_and_flash(lambda: services.push_suggestions(
        user=current_user, demand=demand, institution_ids=ids, expert_ids=expert_ids, note=form.note.data or ""),
        _("The enterprise has been sent your recommendations."))
    return redirect(url_for("demands.detail", demand_id=demand.id))


@bp.get("/admin/needs")
@staff_required
def staff_list() -> Any:
    unanswered = request.args.get("unanswered") == "1"
    status = request.args.get("status") or None
    if status not in (None, *services.STATUS_LABELS):
        abort(400)
    from directory.core.paging import page_number

    demands = services.staff_demands(status=status, unanswered=unanswered, page=page_number(request.args))
    return render_template("demands/staff.html", demands=demands, unanswered=unanswered, status=status,
                           labels=services.STATUS_LABELS)
