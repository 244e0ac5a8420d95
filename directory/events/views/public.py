"""The public list of events, an event's page, and registering for it."""

from __future__ import annotations

from typing import Any

from flask import abort, flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required

from directory.core.http import refusals, run_and_flash
from directory.events import forms, participants, registration, services
from directory.events.models import Event, EventParticipant
from directory.events.views import bp


@bp.get("/events")
def index() -> Any:
    return render_template("events/index.html", events=services.public_events(), labels=services.STATUS_LABELS)


@bp.get("/events/<int:event_id>")
def detail(event_id: int) -> Any:
    return _detail_page(services.get_event(event_id, user=current_user))


def _detail_page(event: Event, form: forms.RegistrationForm | None = None) -> Any:
    """The event's page; ``form`` is a refused registration form to show again with its errors."""
    mine = participants.participation(event, current_user)
    slots = services.slots(event)
    can_register = (participants.side_of(current_user) is not None and registration.registration_open(event)
                    and (mine is None or mine.status == "cancelled"))
    if form is None:
        form = forms.RegistrationForm(slots=slots, data=forms.RegistrationForm.data_of(mine)
                                      if mine is not None and mine.status != "cancelled" else None)
    categories, industries = services.event_terms(event)
    return render_template("events/detail.html", event=event, mine=mine, slots=slots, form=form,
                           can_register=can_register, labels=services.STATUS_LABELS, categories=categories,
                           industries=industries, counts={s: len(participants.participants(event, side=s))
                                                          for s in (participants.ENTERPRISE, participants.PROVIDER)}
                           ), 422 if form.errors else 200


def _registration(event: Event, call: Any, success: str) -> Any:
    """Validate the registration form and run ``call(values)``; a refusal shows the page again with the
    message beside its field."""
    form = forms.RegistrationForm(slots=services.slots(event))
    if form.validate_on_submit():
        values = {"offers": form.offers.data or "", "seeks": form.seeks.data or "", "listed": form.listed.data,
                  "unavailable": [int(v) for v in form.unavailable.data or []]}
        with refusals(form, pages=(403, 404)) as refused:  # a role that may not register: the 403 page
            call(values)
        if refused and not refused.on_field:  # not about a field (closed, already registered)
            return redirect(url_for("events.detail", event_id=event.id))
        if not refused:
            flash(success, "success")
            return redirect(url_for("events.detail", event_id=event.id))
    return _detail_page(event, form)


def _participation(event_id: int) -> tuple[Event, EventParticipant]:
    """The event and the current user's registration in it (in any status), or 403."""
    event = services.get_event(event_id, user=current_user)
    mine = participants.participation(event, current_user)
    if mine is None:
        abort(403)
    return event, mine


@bp.post("/events/<int:event_id>/register")
@login_required
def register(event_id: int) -> Any:
    event = services.get_event(event_id, user=current_user)
    return _registration(event, lambda values: registration.register(user=current_user, event=event, **values),
                         _("Registration saved."))


@bp.post("/events/<int:event_id>/participation")
@login_required
def update_participation(event_id: int) -> Any:
    event, mine = _participation(event_id)
    return _registration(event, lambda values: registration.update_participation(user=current_user, participant=mine,
                                                                                  **values), _("Saved."))


@bp.post("/events/<int:event_id>/cancel-registration")
@login_required
def cancel_registration(event_id: int) -> Any:
    _event, mine = _participation(event_id)
    run_and_flash(lambda: registration.cancel_registration(user=current_user, participant=mine),
                  _("Your registration is cancelled."))
    return redirect(url_for("events.detail", event_id=event_id))
