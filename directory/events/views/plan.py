"""Staff's plan of an event's meetings: running the scheduler, publishing, adjusting, and the day's check-in."""

from __future__ import annotations

from typing import Any

from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from directory.accounts.decorators import staff_required
from directory.core.http import refusals, run_and_flash
from directory.core.numbers import parse_id
from directory.events import day, forms, participants, planning, services
from directory.events.models import MeetingStatus
from directory.events.views import _meeting, bp


@bp.post("/admin/events/<int:event_id>/schedule")
@staff_required
def run_schedule(event_id: int) -> Any:
    event = services.get_event(event_id, user=current_user)
    with refusals() as refused:
        result = planning.run(event=event, user=current_user)
    if not refused:
        flash(_("%(placed)s of %(total)s accepted meetings placed.", placed=result.placed, total=result.requested),
              "success" if result.placed == result.requested else "warning")
    return redirect(url_for("events.plan", event_id=event_id))


@bp.post("/admin/events/<int:event_id>/publish-schedule")
@staff_required
def publish_schedule(event_id: int) -> Any:
    event = services.get_event(event_id, user=current_user)
    run_and_flash(lambda: planning.publish(user=current_user, event=event),
                  _("The schedule is final; every participant has been sent their agenda."))
    return redirect(url_for("events.plan", event_id=event_id))


@bp.get("/admin/events/<int:event_id>/plan")
@staff_required
def plan(event_id: int) -> Any:
    event = services.get_event(event_id, user=current_user)
    slots, tables, cells = planning.table_plan(event)
    registered = participants.participants(event)
    return render_template("events/plan.html", event=event, slots=slots, tables=tables, cells=cells,
                           unplaced=planning.unplaced(event), move_form=forms.MoveForm(),
                           finished=planning.finished(event),
                           enterprises=[p for p in registered if p.side == participants.ENTERPRISE],
                           providers=[p for p in registered if p.side == participants.PROVIDER],
                           name_of=participants.name_of, statuses=MeetingStatus)


@bp.post("/admin/events/<int:event_id>/meetings/<int:meeting_id>/<any(move, swap, lock, unlock, held, no_show, "
         "scheduled):action>")
@staff_required
def adjust(event_id: int, meeting_id: int, action: str) -> Any:
    event = services.get_event(event_id, user=current_user)
    meeting = _meeting(event, meeting_id)
    calls: dict[str, Any] = {
        "lock": lambda: planning.set_locked(user=current_user, meeting=meeting, locked=True),
        "unlock": lambda: planning.set_locked(user=current_user, meeting=meeting, locked=False),
        "held": lambda: day.mark(user=current_user, meeting=meeting, status=MeetingStatus.HELD),
        "no_show": lambda: day.mark(user=current_user, meeting=meeting, status=MeetingStatus.NO_SHOW),
        "scheduled": lambda: day.mark(user=current_user, meeting=meeting, status=MeetingStatus.SCHEDULED),
    }
    if action == "move":
        move_form = forms.MoveForm()
        if not move_form.validate_on_submit():
            abort(400)
        calls["move"] = lambda: planning.move(user=current_user, meeting=meeting, position=move_form.slot.data or 0,
                                              table=move_form.table.data or 0)
    elif action == "swap":
        swap_form = forms.SwapForm()
        if not swap_form.validate_on_submit():
            abort(400)
        other = _meeting(event, swap_form.other.data or 0)
        calls["swap"] = lambda: planning.swap(user=current_user, first=meeting, second=other)
    run_and_flash(calls[action], _("Saved."))
    return redirect(url_for("events.plan", event_id=event_id) + f"#meeting-{meeting.id}")


@bp.post("/admin/events/<int:event_id>/on-the-spot")
@staff_required
def on_the_spot(event_id: int) -> Any:
    event = services.get_event(event_id, user=current_user)
    values = [parse_id(request.form.get(k)) for k in ("first", "second", "slot")]
    if None in values:
        abort(400)
    first_id, second_id, slot = values
    first = participants.get_participant(first_id, event=event)  # type: ignore[arg-type]
    second = participants.get_participant(second_id, event=event)  # type: ignore[arg-type]
    run_and_flash(lambda: day.add_on_the_spot(user=current_user, event=event, first=first, second=second,
                                              position=slot), _("Meeting added."))  # type: ignore[arg-type]
    return redirect(url_for("events.plan", event_id=event_id))


@bp.route("/admin/events/<int:event_id>/checkin/<token>", methods=["GET", "POST"])
@staff_required
def checkin(event_id: int, token: str) -> Any:
    """The page a participant's QR code opens on a staff member's phone: who it is, and a check-in button."""
    event = services.get_event(event_id, user=current_user)
    participant = day.participant_by_token(event, token)
    if request.method == "POST":
        if run_and_flash(lambda: day.check_in(user=current_user, participant=participant), _("Checked in.")):
            return redirect(url_for("events.checkin", event_id=event_id, token=token))
    return render_template("events/checkin.html", event=event, participant=participant,
                           name=participants.name_of(participant), agenda=planning.agenda(participant))
