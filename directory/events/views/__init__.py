"""Event pages: the public list and page, registration, the participant marketplace, meeting requests,
agendas (page, print, iCalendar, QR code), feedback; and the staff's pages to run an event end to end.

One blueprint, its routes split by workflow: ``public`` (the list, the page, registration), ``marketplace``
(who to meet, meeting requests), ``agenda`` (the participant's day: agenda, feedback, reviews), ``staff``
(setting an event up, its life cycle, its report) and ``plan`` (the schedule, its adjustments, check-in)."""

from __future__ import annotations

from flask import Blueprint, abort
from flask_login import current_user

from directory.events import participants
from directory.events.models import Event, EventParticipant, Meeting
from directory.extensions import db

bp = Blueprint("events", __name__)


def _mine(event: Event) -> EventParticipant:
    """The current user's registration (registered, not waitlisted) or 403."""
    participant = participants.participation(event, current_user)
    if participant is None or participant.status != "registered":
        abort(403)
    return participant


def _meeting(event: Event, meeting_id: int) -> Meeting:
    meeting = db.session.get(Meeting, meeting_id)
    if meeting is None or meeting.event_id != event.id:
        abort(404)
    return meeting


# The routes: importing the modules registers them on ``bp``.
from directory.events.views import agenda, marketplace, plan, public, staff  # noqa: E402, F401
