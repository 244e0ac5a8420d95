"""The participant marketplace: who to meet, and the meeting requests sent and answered."""

from __future__ import annotations

from typing import Any

from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required

from directory.accounts import permissions
from directory.core.http import refusals, run_and_flash
from directory.events import forms, meeting_requests, participants, services
from directory.events.models import Event
from directory.events.views import _mine, bp


@bp.get("/events/<int:event_id>/participants")
@login_required
def marketplace(event_id: int) -> Any:
    return _marketplace_page(services.get_event(event_id, user=current_user))


def _marketplace_page(event: Event, request_form: forms.MeetingRequestForm | None = None) -> Any:
    """Who the current user can meet; ``request_form`` is a refused meeting request, shown again with its
    error beside the message on the recipient's entry."""
    staff = permissions.is_staff(current_user)
    mine = None if staff else _mine(event)
    q = (request.args.get("q") or "")[:100]
    side = request.args.get("side") if staff else (
        participants.PROVIDER if mine and mine.side == participants.ENTERPRISE else participants.ENTERPRISE)
    people = participants.participants(event, side=side if side in (participants.ENTERPRISE, participants.PROVIDER) else None,
                                               q=q, listed_only=not staff)
    requested = set()
    if mine is not None:
        requested = {r.recipient_id if r.requester_id == mine.id else r.requester_id
                     for r in meeting_requests.requests_of(mine) if r.status in ("pending", "accepted")}
    return render_template("events/participants.html", event=event, mine=mine, people=people, q=q,
                           name_of=participants.name_of, requested=requested,
                           suggestions=meeting_requests.suggested_partners(event, mine) if mine else [],
                           request_form=request_form or forms.MeetingRequestForm()
                           ), 422 if request_form is not None else 200


@bp.post("/events/<int:event_id>/requests")
@login_required
def new_request(event_id: int) -> Any:
    event = services.get_event(event_id, user=current_user)
    mine = _mine(event)
    form = forms.MeetingRequestForm()
    if form.recipient.data is None:
        abort(400)
    recipient = participants.get_participant(form.recipient.data, event=event)
    if form.validate_on_submit():
        with refusals(form, fields=("message",)) as refused:
            meeting_requests.request_meeting(user=current_user, requester=mine, recipient=recipient,
                                             message=form.message.data or "")
        if refused and not refused.on_field:
            return redirect(url_for("events.marketplace", event_id=event_id))
        if not refused:
            flash(_("Meeting request sent."), "success")
            return redirect(url_for("events.requests_page", event_id=event_id))
    return _marketplace_page(event, form)


@bp.get("/events/<int:event_id>/requests")
@login_required
def requests_page(event_id: int) -> Any:
    event = services.get_event(event_id, user=current_user)
    mine = _mine(event)
    items = meeting_requests.requests_of(mine)
    people = {p.id: p for p in participants.participants(event, status=None)}
    return render_template("events/requests.html", event=event, mine=mine, items=items, people=people,
                           name_of=participants.name_of, action_form=forms.StatusForm())


@bp.post("/events/<int:event_id>/requests/<int:request_id>/<any(accept, decline, cancel):action>")
@login_required
def answer_request(event_id: int, request_id: int, action: str) -> Any:
    event = services.get_event(event_id, user=current_user)
    meeting_request = meeting_requests.get_request(request_id, event=event)
    if action == "cancel":
        run_and_flash(lambda: meeting_requests.cancel_request(user=current_user, request=meeting_request), _("Cancelled."))
    else:
        form = forms.ReplyForm()
        if not form.validate():
            flash(" ".join(str(e) for e in form.reply.errors) or _("The form has expired; please reload the page and try again."), "danger")
        else:
            run_and_flash(lambda: meeting_requests.respond_to_request(
                user=current_user, request=meeting_request, accept=action == "accept", reply=form.reply.data or ""),
                _("Accepted: the other side has been told.") if action == "accept"
                else _("Declined: the other side has been told."))
    return redirect(request.referrer if permissions.is_staff(current_user) and request.referrer
                    else url_for("events.requests_page", event_id=event_id))
