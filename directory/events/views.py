"""Event pages: the public list and page, registration, the participant marketplace, meeting requests,
agendas (page, print, iCalendar, QR code), feedback; and the staff's pages to run an event end to end."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, Response, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required

from directory.accounts import permissions
from directory.accounts.decorators import staff_required
from directory.core.forms import records
from directory.core.http import refusals, run_and_flash
from directory.core.numbers import parse_id
from directory.core.urls import site_url
from directory.events import (
    day,
    forms,
    meeting_requests,
    participants,
    planning,
    registration,
    report,
    services,
)
from directory.events.models import Event, EventParticipant, Meeting, MeetingStatus
from directory.extensions import db
from directory.reviews.forms import ReviewForm
from directory.reviews.services import VERDICT_LABELS
from directory.taxonomy.models import Category, Industry

bp = Blueprint("events", __name__)
STAFF_ACTIONS = "publish, open_registration, close_registration, start, complete, cancel"


def _mine(event: Event) -> EventParticipant:
    """The current user's registration (registered, not waitlisted) or 403."""
    participant = participants.participation(event, current_user)
    if participant is None or participant.status != "registered":
        abort(403)
    return participant


# -- public and participants -----------------------------------------------------------------------------

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


@bp.post("/events/<int:event_id>/register")
@login_required
def register(event_id: int) -> Any:
    event = services.get_event(event_id, user=current_user)
    return _registration(event, lambda values: registration.register(user=current_user, event=event, **values),
                         _("Registration saved."))


@bp.post("/events/<int:event_id>/participation")
@login_required
def update_participation(event_id: int) -> Any:
    event = services.get_event(event_id, user=current_user)
    mine = participants.participation(event, current_user)
    if mine is None:
        abort(403)
    return _registration(event, lambda values: registration.update_participation(user=current_user, participant=mine,
                                                                                  **values), _("Saved."))


@bp.post("/events/<int:event_id>/cancel-registration")
@login_required
def cancel_registration(event_id: int) -> Any:
    event = services.get_event(event_id, user=current_user)
    mine = participants.participation(event, current_user)
    if mine is None:
        abort(403)
    run_and_flash(lambda: registration.cancel_registration(user=current_user, participant=mine),
                  _("Your registration is cancelled."))
    return redirect(url_for("events.detail", event_id=event_id))


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
        run_and_flash(lambda: meeting_requests.respond_to_request(user=current_user, request=meeting_request,
                                                                  accept=action == "accept"), _("Saved."))
    return redirect(request.referrer if permissions.is_staff(current_user) and request.referrer
                    else url_for("events.requests_page", event_id=event_id))


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


def _meeting(event: Event, meeting_id: int) -> Meeting:
    meeting = db.session.get(Meeting, meeting_id)
    if meeting is None or meeting.event_id != event.id:
        abort(404)
    return meeting


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


# -- staff -----------------------------------------------------------------------------------------------

def _utc(value: Any) -> Any:
    """A datetime-local value (aware, in the platform's zone) as UTC, like every stored timestamp."""
    from datetime import UTC

    return value.astimezone(UTC) if value is not None else None


def _event_input(form: forms.EventForm) -> services.EventInput:
    return services.EventInput(
        title=form.title.data or "", theme=form.theme.data or "", description=form.description.data or "",
        starts_on=form.starts_on.data, ends_on=form.ends_on.data, venue=form.venue.data or "",  # type: ignore[arg-type]
        online_url=form.online_url.data or "", registration_opens_at=_utc(form.registration_opens_at.data),
        registration_closes_at=_utc(form.registration_closes_at.data),
        capacity_enterprises=form.capacity_enterprises.data, capacity_providers=form.capacity_providers.data,
        meeting_minutes=form.meeting_minutes.data or 20, tables=form.tables.data or 1,
        max_meetings_per_participant=form.max_meetings_per_participant.data,
        categories=records(Category, form.categories.data or []),
        industries=records(Industry, form.industries.data or []))


@bp.get("/admin/events")
@staff_required
def staff_list() -> Any:
    from directory.core.paging import page_number

    return render_template("events/admin_list.html", events=services.all_events(page=page_number(request.args)),
                           labels=services.STATUS_LABELS)


@bp.route("/admin/events/new", methods=["GET", "POST"])
@staff_required
def new() -> Any:
    form = forms.EventForm()
    if form.validate_on_submit():
        with refusals(form, "title") as refused:
            event = services.create_event(user=current_user, data=_event_input(form))
        if not refused:
            flash(_("The event is created as a draft. Set its time slots next."), "success")
            return redirect(url_for("events.manage", event_id=event.id))
    return render_template("events/form.html", form=form, event=None), 422 if form.is_submitted() else 200


@bp.route("/admin/events/<int:event_id>/edit", methods=["GET", "POST"])
@staff_required
def edit(event_id: int) -> Any:
    event = services.get_event(event_id, user=current_user)
    if request.method == "GET":
        categories, industries = services.event_terms(event)
        form = forms.EventForm(data=forms.EventForm.data_of(event, categories=categories, industries=industries))
    else:
        form = forms.EventForm()
    if form.validate_on_submit():
        with refusals(form, "title") as refused:
            services.update_event(user=current_user, event=event, data=_event_input(form))
        if not refused:
            flash(_("Saved."), "success")
            return redirect(url_for("events.manage", event_id=event.id))
    return render_template("events/form.html", form=form, event=event), 422 if form.is_submitted() else 200


@bp.get("/admin/events/<int:event_id>")
@staff_required
def manage(event_id: int) -> Any:
    return _manage_page(services.get_event(event_id, user=current_user))


def _manage_page(event: Event, slots_form: forms.SlotsForm | None = None) -> Any:
    """The event's staff page; ``slots_form`` is a refused slots form, shown again with its errors."""
    reqs = meeting_requests.event_requests(event)
    slots = services.slots(event)
    return render_template(
        "events/manage.html", event=event, labels=services.STATUS_LABELS, slots=slots,
        slots_form=slots_form or forms.SlotsForm(data=forms.SlotsForm.data_of(slots) or None),
        status_form=forms.StatusForm(), actions=[
            a for a, (sources, _t) in services.TRANSITIONS.items() if event.status in sources],
        people=participants.participants(event, status=None), name_of=participants.name_of,
        request_counts={s: sum(1 for r in reqs if r.status == s) for s in ("pending", "accepted", "declined",
                                                                             "cancelled")},
        unplaced=planning.unplaced(event), finished=planning.finished(event)), 422 if slots_form else 200


@bp.post("/admin/events/<int:event_id>/slots")
@staff_required
def set_slots(event_id: int) -> Any:
    event = services.get_event(event_id, user=current_user)
    form = forms.SlotsForm()
    if form.validate_on_submit():
        with refusals(form, "count") as refused:
            services.set_slots(user=current_user, event=event, first_start=_utc(form.first_start.data),
                               count=form.count.data or 0, gap_minutes=form.gap_minutes.data or 0,
                               breaks=form.parsed_breaks())
        if not refused:
            flash(_("Time slots saved."), "success")
            return redirect(url_for("events.manage", event_id=event_id))
    return _manage_page(event, form)


@bp.post(f"/admin/events/<int:event_id>/<any({STAFF_ACTIONS}):action>")
@staff_required
def change_status(event_id: int, action: str) -> Any:
    event = services.get_event(event_id, user=current_user)
    form = forms.StatusForm()
    if not form.validate_on_submit():
        abort(400)
    run_and_flash(lambda: services.change_status(user=current_user, event=event, action=action,
                                                 reason=form.reason.data or ""), _("Saved."))
    return redirect(url_for("events.manage", event_id=event_id))


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


@bp.get("/admin/events/<int:event_id>/report")
@staff_required
def event_report(event_id: int) -> Any:
    event = services.get_event(event_id, user=current_user)
    return render_template("events/report.html", event=event, report=report.build(event),
                           outcomes=day.OUTCOME_LABELS, labels=services.STATUS_LABELS)


@bp.get("/admin/events/<int:event_id>/report.xlsx")
@staff_required
def event_report_xlsx(event_id: int) -> Any:
    event = services.get_event(event_id, user=current_user)
    return Response(report.to_xlsx(event),
                    mimetype="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
                    headers={"Content-Disposition": f'attachment; filename="event-{event.id}-report.xlsx"'})
