"""Service requests: asking for service, each side's list, one request's page, the staff pipeline."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required

from directory.accounts import permissions
from directory.accounts.decorators import staff_required
from directory.core.forms import record
from directory.core.http import refusals, run_and_flash
from directory.demands.models import Demand
from directory.engagements import services
from directory.engagements.forms import ActionForm, BrokerForm, RequestForm
from directory.enterprises.models import Enterprise
from directory.experts.models import Expert
from directory.extensions import db
from directory.institutions.models import Institution, Offering
from directory.reviews import services as reviews
from directory.reviews.forms import ModerateForm, ReviewForm, TextForm

bp = Blueprint("engagements", __name__)


@bp.post("/engagements/request")
@login_required
def request_service() -> Any:
    if not permissions.is_enterprise_user(current_user) or not current_user.enterprise_id:
        abort(403)
    form = RequestForm()
    back = request.referrer or url_for("engagements.mine")
    if not form.validate_on_submit():
        flash(_("Write a short message to the provider."), "danger")
        return redirect(back)
    with refusals() as refused:
        engagement = services.request_service(
            user=current_user, enterprise=db.session.get_one(Enterprise, current_user.enterprise_id),
            institution=record(Institution, form.institution_id.data), expert=record(Expert, form.expert_id.data),
            offering=record(Offering, form.offering_id.data), demand=record(Demand, form.demand_id.data),
            message=form.message.data or "")
    if refused:
        return redirect(back)
    flash(_("Your request has been sent. You will be told when the provider answers."), "success")
    return redirect(url_for("engagements.detail", engagement_id=engagement.id))


@bp.get("/engagements")
@login_required
def mine() -> Any:
    if permissions.is_staff(current_user):
        return redirect(url_for("engagements.pipeline"))
    from directory.core.paging import page_number

    show = request.args.get("show") or None
    if show not in (None, *services.MINE_FILTERS):
        abort(400)
    return render_template("engagements/mine.html", engagements=services.for_user(
                               current_user, page=page_number(request.args), show=show),
                           labels=services.STATUS_LABELS, overdue=services.is_overdue, show=show,
                           filters=services.MINE_FILTERS)


@bp.get("/engagements/<int:engagement_id>")
@login_required
def detail(engagement_id: int) -> Any:
    engagement = services.get_engagement(engagement_id, user=current_user)
    items = reviews.engagement_reviews(engagement)
    initial = next((r for r in items if r.kind == "initial"), None)
    followup = next((r for r in items if r.kind == "followup"), None)
    client = permissions.is_engagement_client(current_user, engagement)
    return render_template(
        "engagements/detail.html", engagement=engagement, labels=services.STATUS_LABELS,
        actions=services.allowed_actions(current_user, engagement), action_form=ActionForm(),
        initial=initial, followup=followup,
        review_form=ReviewForm() if permissions.can_review(current_user, engagement) and not initial else None,
        followup_form=ReviewForm(prefix="f") if client and initial and not followup
        and initial.followup_status in ("responded", "closed") else None,
        text_form=TextForm(), moderate_form=ModerateForm() if permissions.is_staff(current_user) else None,
        provider=permissions.is_engagement_provider(current_user, engagement),
        verdicts=reviews.VERDICT_LABELS, followup_labels=reviews.FOLLOWUP_LABELS,
        dimensions=reviews.DIMENSION_LABELS)


@bp.post("/engagements/<int:engagement_id>/<any(accept, decline, start, complete, cancel):action>")
@login_required
def act(engagement_id: int, action: str) -> Any:
    engagement = services.get_engagement(engagement_id, user=current_user)
    form = ActionForm()
    if not form.validate_on_submit():
        abort(400)
    run_and_flash(lambda: services.transition(engagement=engagement, action=action, user=current_user,
                                              reason=form.reason.data or "", due_date=form.due_date.data),
                  services.done_message(action, current_user, engagement))
    return redirect(url_for("engagements.detail", engagement_id=engagement_id))


@bp.get("/admin/engagements")
@staff_required
def pipeline() -> Any:
    status = request.args.get("status") or None
    provider = request.args.get("provider") or None
    if status not in (None, *services.STATUS_LABELS) or provider not in (None, "institution", "expert"):
        abort(400)
    filters = services.PipelineFilters(status=status, provider=provider, q=(request.args.get("q") or "")[:100],
                                       overdue=request.args.get("overdue") == "1")
    from directory.core.paging import page_number

    return render_template("engagements/pipeline.html", engagements=services.pipeline(
                               filters, page=page_number(request.args)), filters=filters,
                           counts=services.status_counts(), labels=services.STATUS_LABELS,
                           overdue=services.is_overdue)


@bp.route("/admin/engagements/new", methods=["GET", "POST"])
@staff_required
def broker() -> Any:
    form = BrokerForm()
    if form.validate_on_submit():
        with refusals(form, "message") as refused:
            engagement = services.request_service(
                user=current_user, enterprise=db.session.get_one(Enterprise, int(form.enterprise.data)),
                institution=record(Institution, form.institution_id.data), expert=record(Expert, form.expert_id.data),
                message=form.message.data or "")
        if not refused:
            flash(_("The engagement is recorded and both sides are told."), "success")
            return redirect(url_for("engagements.detail", engagement_id=engagement.id))
    return render_template("engagements/broker.html", form=form), 422 if form.is_submitted() else 200
