"""Reviews: the enterprise's review and follow-up review, the provider's response and reply, staff
moderation and follow-up tracking, and the public page explaining ratings."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required

from directory.accounts.decorators import staff_required
from directory.core.http import run_and_flash
from directory.engagements import services as engagements
from directory.reviews import moderation, rating, services
from directory.reviews.forms import DecideForm, ModerateForm, ReviewForm, TextForm

bp = Blueprint("reviews", __name__)


def _back(review: Any) -> Any:
    return redirect(services.review_link(review))


def _visible(review: Any) -> None:
    """Only people who may see the review's service or meeting may act on it (404 otherwise)."""
    if not services.can_see_review(current_user, review):
        abort(404)


@bp.post("/engagements/<int:engagement_id>/review")
@login_required
def submit(engagement_id: int) -> Any:
    engagement = engagements.get_engagement(engagement_id, user=current_user)
    form = ReviewForm()
    if not form.validate_on_submit():
        flash(_("Rate every dimension and choose how satisfied you are."), "danger")
        return redirect(url_for("engagements.detail", engagement_id=engagement_id)), 303
    run_and_flash(lambda: services.submit_review(user=current_user, engagement=engagement, data=form.to_input()),
                  services.thanks)
    return redirect(url_for("engagements.detail", engagement_id=engagement_id))


@bp.post("/reviews/<int:review_id>/followup-review")
@login_required
def followup_review(review_id: int) -> Any:
    review = services.get_review(review_id)
    _visible(review)
    form = ReviewForm(prefix="f")
    if not form.validate_on_submit():
        flash(_("Rate every dimension and choose how satisfied you are."), "danger")
        return _back(review)
    run_and_flash(lambda: services.submit_followup_review(user=current_user, review=review, data=form.to_input()),
                  lambda r: services.thanks(r) if r.approval == "pending"
                  else _("Thank you: your follow-up review is published."))
    return _back(review)


@bp.post("/reviews/<int:review_id>/<any(respond, reply, close):action>")
@login_required
def text_action(review_id: int, action: str) -> Any:
    review = services.get_review(review_id)
    _visible(review)
    form = TextForm()
    if not form.validate_on_submit():
        flash(_("Write something first."), "danger")
        return _back(review)
    text = form.text.data or ""
    calls = {"respond": lambda: moderation.respond_to_followup(user=current_user, review=review, text=text),
             "reply": lambda: moderation.reply(user=current_user, review=review, text=text),
             "close": lambda: moderation.close_followup(user=current_user, review=review, note=text)}
    run_and_flash(calls[action], _("Saved."))
    return _back(review)


@bp.post("/reviews/<int:review_id>/moderate")
@staff_required
def moderate(review_id: int) -> Any:
    review = services.get_review(review_id)
    form = ModerateForm()
    if not form.validate_on_submit():
        abort(400)
    run_and_flash(lambda: moderation.moderate(user=current_user, review=review, action=form.action.data or "",
                                              reason=form.reason.data or ""), _("Saved."))
    return _back(review)


@bp.post("/reviews/<int:review_id>/<any(approve, reject):decision>")
@staff_required
def decide(review_id: int, decision: str) -> Any:
    review = services.get_review(review_id)
    form = DecideForm()
    if not form.validate_on_submit():
        abort(400)
    run_and_flash(lambda: moderation.decide(user=current_user, review=review, approve=decision == "approve",
                                            reason=form.reason.data or ""), _("Saved."))
    return redirect(url_for("reviews.staff_list"))


@bp.get("/admin/reviews")
@staff_required
def staff_list() -> Any:
    from directory.core.paging import page_number

    pending = moderation.pending_reviews(page=page_number(request.args, "pending_page"))
    followups = moderation.open_followups(page=page_number(request.args, "followups_page"))
    return render_template("reviews/staff.html", decide_form=DecideForm(), pending=pending, followups=followups,
                           names=services.party_names(pending, followups),
                           recent=services.recent_reviews(page=page_number(request.args)), verdicts=services.VERDICT_LABELS,
                           followup_labels=services.FOLLOWUP_LABELS, link=services.review_link)


@bp.get("/reviews/<int:review_id>")
@login_required
def detail(review_id: int) -> Any:
    """A review of an event meeting with its follow-up (an engagement's review lives on its page)."""
    review = services.get_review(review_id)
    _visible(review)
    initial, followup = services.thread(review)
    if initial.engagement_id:
        return redirect(url_for("engagements.detail", engagement_id=initial.engagement_id))
    from directory.accounts import permissions
    from directory.events.models import Event, Meeting
    from directory.extensions import db

    meeting = db.session.get_one(Meeting, initial.meeting_id)
    mine = permissions.is_enterprise_user(current_user) and current_user.enterprise_id == initial.enterprise_id
    return render_template(
        "reviews/detail.html", initial=initial, followup=followup, event=db.session.get_one(Event, meeting.event_id),
        verdicts=services.VERDICT_LABELS, dimensions=services.DIMENSION_LABELS,
        followup_labels=services.FOLLOWUP_LABELS, provider=permissions.is_review_provider(current_user, initial),
        moderate_form=ModerateForm() if permissions.is_staff(current_user) else None,
        followup_form=ReviewForm(prefix="f") if mine and followup is None
        and initial.followup_status in ("responded", "closed") else None)


@bp.get("/ratings")
def how_ratings_work() -> Any:
    return render_template("reviews/how.html", prior=rating.PRIOR_MEAN, weight=rating.PRIOR_WEIGHT,
                           half_life=int(rating.HALF_LIFE_DAYS))
