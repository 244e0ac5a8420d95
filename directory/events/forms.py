"""Event forms: the event itself, its time slots, registration, meeting requests, adjustments, feedback."""

from __future__ import annotations

from typing import Any
from zoneinfo import ZoneInfo

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import (
    BooleanField,
    DateField,
    DateTimeLocalField,
    RadioField,
    SelectChoice,
    SelectField,
    SelectMultipleField,
    StringField,
)
from wtforms.validators import DataRequired, InputRequired, Length, NumberRange, Optional, Regexp

from directory.admission.forms import category_choices
from directory.core.fields import DecimalField, IntegerField, TextAreaField
from directory.events.day import OUTCOME_LABELS
from directory.reviews.forms import scale
from directory.taxonomy import services as taxonomy

# The platform's zone: a datetime-local input shows and submits wall-clock time there; the records keep UTC.
LOCAL_ZONE = ZoneInfo("Asia/Shanghai")


def _local_datetime(label: Any, *validators: Any) -> DateTimeLocalField:
    return DateTimeLocalField(label, validators=list(validators), tz=LOCAL_ZONE,
                              invalid_value_message=_l("Give a date and time such as 2027-05-20 09:00."))


class EventForm(FlaskForm):
    title = StringField(_l("Title"), validators=[DataRequired(message=_l("Give the event a title.")),
                                                 Length(max=200)])
    theme = StringField(_l("Theme"), validators=[Optional(), Length(max=200)])
    description = TextAreaField(_l("Description"), validators=[Optional(), Length(max=4000)])
    starts_on = DateField(_l("Date"), validators=[DataRequired(message=_l("Give the date of the event."))])
    ends_on = DateField(_l("Last day (if several days)"), validators=[Optional()])
    venue = StringField(_l("Venue"), validators=[Optional(), Length(max=200)])
    online_url = StringField(_l("Online meeting link"), validators=[
        Optional(), Length(max=300), Regexp(r"^https?://", message=_l("Start the address with http:// or https://."))])
    registration_opens_at = _local_datetime(_l("Registration opens"), Optional())
    registration_closes_at = _local_datetime(_l("Registration closes"), Optional())
    capacity_enterprises = IntegerField(_l("Places for enterprises"), validators=[Optional(), NumberRange(min=1)])
    capacity_providers = IntegerField(_l("Places for institutions and experts"),
                                      validators=[Optional(), NumberRange(min=1)])
    meeting_minutes = IntegerField(_l("Meeting length (minutes)"), default=20, validators=[
        InputRequired(message=_l("Give the length of a meeting in minutes.")), NumberRange(min=5, max=240)])
    tables = IntegerField(_l("Tables (meetings at once)"), default=10, validators=[
        InputRequired(message=_l("Give the number of tables.")), NumberRange(min=1, max=500)])
    max_meetings_per_participant = IntegerField(_l("Most meetings per participant"),
                                                validators=[Optional(), NumberRange(min=1, max=100)])
    categories = SelectMultipleField(_l("Target service categories"), validators=[Optional()])
    industries = SelectMultipleField(_l("Target industries"), validators=[Optional()])

    def __init__(self, *args: Any, **kwargs: Any):
        super().__init__(*args, **kwargs)
        self.categories.choices = category_choices()
        self.industries.choices = [SelectChoice(str(i.id), i.label) for i in taxonomy.industries()]

    @staticmethod
    def data_of(event: Any, *, categories: list[Any], industries: list[Any]) -> dict[str, Any]:
        """The form's values for an existing event, field by field (never ``obj=``: its related records are
        not attributes of the event, and a form given both would show what the object has)."""
        from directory.events.services import SCALARS

        return {**{name: getattr(event, name) for name in SCALARS},
                "categories": [str(c.id) for c in categories], "industries": [str(i.id) for i in industries]}


class SlotsForm(FlaskForm):
    first_start = _local_datetime(_l("First meeting starts"),
                                  DataRequired(message=_l("Give the time the first meeting starts.")))
    count = IntegerField(_l("Number of meetings in a row"), default=12, validators=[
        InputRequired(message=_l("Give the number of meetings.")), NumberRange(1, 60)])
    gap_minutes = IntegerField(_l("Minutes between meetings"), default=5, validators=[
        InputRequired(message=_l("Give the minutes between meetings (0 for none).")), NumberRange(0, 120)])
    breaks = StringField(_l("Breaks: after meeting N, M minutes (e.g. 4:15, 8:60)"),
                         validators=[Optional(), Regexp(r"^\s*(\d+\s*[:：]\s*\d+\s*[,，;；]?\s*)*$",
                                                        message=_l("Write breaks as 4:15, 8:60."))])

    def parsed_breaks(self) -> dict[int, int]:
        import re

        return {int(a): int(b) for a, b in re.findall(r"(\d+)\s*[:：]\s*(\d+)", self.breaks.data or "")}

    @staticmethod
    def data_of(slots: list[Any]) -> dict[str, Any]:
        """The form's values that make ``slots`` again (the event's current slots), or ``{}`` for none."""
        meetings = [s for s in slots if not s.is_break]
        if not meetings:
            return {}
        gaps = [b.starts_at - a.ends_at for a, b in zip(slots, slots[1:], strict=False)
                if not a.is_break and not b.is_break]
        breaks, held = [], 0
        for slot in slots:
            if slot.is_break:
                breaks.append(f"{held}:{int((slot.ends_at - slot.starts_at).total_seconds() // 60)}")
            else:
                held += 1
        return {"first_start": meetings[0].starts_at, "count": len(meetings),
                "gap_minutes": int(gaps[0].total_seconds() // 60) if gaps else 0, "breaks": ", ".join(breaks)}


class RegistrationForm(FlaskForm):
    offers = TextAreaField(_l("What you offer at this event"), validators=[Optional(), Length(max=2000)])
    seeks = TextAreaField(_l("What you are looking for"), validators=[Optional(), Length(max=2000)])
    # consent: never ticked for the participant
    listed = BooleanField(_l("Show me in the participant list (others can find and invite me)"), default=False)
    unavailable = SelectMultipleField(_l("Times I cannot meet"), validators=[Optional()], coerce=int)

    def __init__(self, *args: Any, slots: Any = (), **kwargs: Any):
        super().__init__(*args, **kwargs)
        from directory.events.services import local_time

        self.unavailable.choices = [SelectChoice(str(s.position), local_time(s.starts_at))
                                    for s in slots if not s.is_break]

    @staticmethod
    def data_of(participant: Any) -> dict[str, Any]:
        """The form's values for an existing registration."""
        return {"offers": participant.offers, "seeks": participant.seeks, "listed": participant.listed,
                "unavailable": list(participant.unavailable_slots)}


class MeetingRequestForm(FlaskForm):
    recipient = IntegerField(validators=[InputRequired()])
    message = TextAreaField(_l("A short message"), validators=[
        DataRequired(message=_l("Write a short message: what you would like to talk about.")), Length(max=500)])


class StatusForm(FlaskForm):
    reason = TextAreaField(_l("Reason"), validators=[Optional(), Length(max=2000)])


class ReplyForm(FlaskForm):
    """Answering a meeting request: the reply goes to the requester with the notification."""

    reply = TextAreaField(_l("Reply (optional)"), validators=[Optional(), Length(max=2000)])


class MoveForm(FlaskForm):
    slot = IntegerField(_l("Slot"), validators=[InputRequired()])
    table = IntegerField(_l("Table"), validators=[InputRequired()])


class SwapForm(FlaskForm):
    other = IntegerField(_l("Swap with meeting number"), validators=[InputRequired()])


class OnTheSpotForm(FlaskForm):
    first = SelectField(_l("Enterprise"), validators=[DataRequired()])
    second = SelectField(_l("Institution or expert"), validators=[DataRequired()])
    slot = SelectField(_l("Slot"), validators=[DataRequired()])


class FeedbackForm(FlaskForm):
    rating = RadioField(_l("How useful was the meeting?"), validators=[InputRequired()], coerce=int, choices=scale())
    outcome = SelectField(_l("Outcome"), validators=[DataRequired(message=_l("Choose the outcome."))])
    amount = DecimalField(_l("Amount (yuan), if any"), places=2, validators=[Optional(), NumberRange(min=0)])
    comment = TextAreaField(_l("Comment"), validators=[Optional(), Length(max=1000)])

    def __init__(self, *args: Any, **kwargs: Any):
        super().__init__(*args, **kwargs)
        # No outcome is chosen in advance: the participant picks one.
        self.outcome.choices = [SelectChoice("", _l("Choose…")), *(SelectChoice(k.value, v) for k, v in OUTCOME_LABELS.items())]
