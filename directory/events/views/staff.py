"""Staff's pages to set an event up: its details, time slots, life cycle, and its report."""

from __future__ import annotations

from typing import Any

from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from directory.accounts.decorators import staff_required
from directory.core.forms import records
from directory.core.http import refusals, run_and_flash
from directory.events import day, forms, meeting_requests, participants, planning, report, services
from directory.events.models import Event
from directory.events.views import bp
from directory.taxonomy.models import Category, Industry

STAFF_ACTIONS = "publish, open_registration, close_registration, start, complete, cancel"

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
    from directory.core.downloads import attachment
    from directory.core.spreadsheets import download_name

    # Named by what staff know it as, the event's title and date (营口…对接会-活动报告-2027-05-20.xlsx), not its id.
    return attachment(report.to_xlsx(event),
                      name=download_name(_("%(title)s-event report", title=event.title), "xlsx", day=event.starts_on),
                      fallback=f"event-{event.id}-report-{event.starts_on.isoformat()}.xlsx")
