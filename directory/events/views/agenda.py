"""A participant's day: the agenda (page, QR code, iCalendar), feedback and reviews of meetings."""

from __future__ import annotations

from typing import Any

from flask import Response, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required

from directory.core.http import run_and_flash
from directory.core.urls import site_url
from directory.events import day, forms, participants, planning, services
from directory.events.views import _meeting, _mine, bp
from directory.extensions import db
from directory.reviews.forms import ReviewForm
from directory.reviews.services import VERDICT_LABELS


@bp.get("/events/<int:event_id>/agenda")
@login_required
def agenda(event_id: int) -> Any:
    import segno

    event = services.get_event(event_id, user=current_user)
    mine = _mine(event)
    # On SITE_URL, not the request's Host header: the code is printed and scanned elsewhere.
    checkin_url = site_url(url_for("events.checkin", event_id=event.id, token=mine.checkin_token))
    items = planning.agenda(mine)
    return render_template(
        "events/agenda.html", event=event, mine=mine, items=items, name_of=participants.name_of,
        qr=segno.make(checkin_url, error="m").svg_inline(scale=4, title=_("Check-in code")),
        feedback={i.meeting.id: day.feedback_of(i.meeting) for i in items},
        reviews=_meeting_reviews(items),
        # one prefix per form so that the labels and ids on the page stay unique
        feedback_form=lambda meeting_id, kind: forms.FeedbackForm(prefix=f"f{meeting_id}{kind[0]}"),
        review_form=lambda meeting_id: ReviewForm(prefix=f"r{meeting_id}"),
        verdicts=VERDICT_LABELS, outcomes=day.OUTCOME_LABELS, followup_open=day.can_give_followup(event))


def _meeting_reviews(items: list[Any]) -> dict[int, Any]:
    from sqlmodel import col, select

    from directory.reviews.models import Review

    ids = [i.meeting.id for i in items]
    if not ids:
        return {}
    return {r.meeting_id: r for r in db.session.exec(select(Review).where(col(Review.meeting_id).in_(ids),
                                                                         Review.kind == "initial")).all()}


@bp.get("/events/<int:event_id>/agenda.ics")
@login_required
def agenda_ics(event_id: int) -> Any:
    event = services.get_event(event_id, user=current_user)
    mine = _mine(event)
    return Response(planning.ical(mine), mimetype="text/calendar",
                    headers={"Content-Disposition": f'attachment; filename="event-{event.id}.ics"'})


@bp.post("/events/<int:event_id>/meetings/<int:meeting_id>/feedback")
@login_required
def feedback(event_id: int, meeting_id: int) -> Any:
    event = services.get_event(event_id, user=current_user)
    meeting = _meeting(event, meeting_id)
    kind = "followup" if request.form.get("kind") == "followup" else "initial"
    form = forms.FeedbackForm(prefix=f"f{meeting_id}{kind[0]}")
    if not form.validate_on_submit():
        flash(_("Rate the meeting and choose the outcome."), "danger")
        return redirect(url_for("events.agenda", event_id=event_id))
    data = day.FeedbackInput(rating=form.rating.data or 0, outcome=form.outcome.data or "",
                             amount=float(form.amount.data) if form.amount.data is not None else None,
                             comment=form.comment.data or "")
    run_and_flash(lambda: day.give_feedback(user=current_user, meeting=meeting, data=data, kind=kind),
                  _("Thank you for your feedback."))
    return redirect(url_for("events.agenda", event_id=event_id))


@bp.post("/events/<int:event_id>/meetings/<int:meeting_id>/review")
@login_required
def review(event_id: int, meeting_id: int) -> Any:
    event = services.get_event(event_id, user=current_user)
    meeting = _meeting(event, meeting_id)
    form = ReviewForm(prefix=f"r{meeting_id}")
    if not form.validate_on_submit():
        flash(_("Rate every dimension and choose how satisfied you are."), "danger")
        return redirect(url_for("events.agenda", event_id=event_id))
    from directory.reviews.services import thanks

    run_and_flash(lambda: day.review_meeting(user=current_user, meeting=meeting, data=form.to_input()), thanks)
    return redirect(url_for("events.agenda", event_id=event_id))
