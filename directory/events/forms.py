"""Event forms: the event itself, its time slots, registration, meeting requests, adjustments, feedback."""

from __future__ import annotations

from typing import Any

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import (
    BooleanField,
    DateField,
    DateTimeLocalField,
    DecimalField,
    IntegerField,
    RadioField,
    SelectChoice,
    SelectField,
    SelectMultipleField,
    StringField,
    TextAreaField,
)
from wtforms.validators import DataRequired, InputRequired, Length, NumberRange, Optional, Regexp

from directory.admission.forms import category_choices
from directory.events.day import OUTCOME_LABELS
from directory.reviews.forms import scale
from directory.taxonomy import services as taxonomy


class EventForm(FlaskForm):
    title = StringField(_l("Title"), validators=[DataRequired(), Length(max=200)])
    theme = StringField(_l("Theme"), validators=[Optional(), Length(max=200)])
    description = TextAreaField(_l("Description"), validators=[Optional(), Length(max=4000)])
    starts_on = DateField(_l("Date"), validators=[DataRequired()])
    ends_on = DateField(_l("Last day (if several days)"), validators=[Optional()])
    venue = StringField(_l("Venue"), validators=[Optional(), Length(max=200)])
    online_url = StringField(_l("Online meeting link"), validators=[
        Optional(), Length(max=300), Regexp(r"^https?://", message=_l("Start the address with http:// or https://."))])
    registration_opens_at = DateTimeLocalField(_l("Registration opens"), validators=[Optional()])
    registration_closes_at = DateTimeLocalField(_l("Registration closes"), validators=[Optional()])
    capacity_enterprises = IntegerField(_l("Places for enterprises"), validators=[Optional(), NumberRange(min=1)])
    capacity_providers = IntegerField(_l("Places for institutions and experts"),
                                      validators=[Optional(), NumberRange(min=1)])
    meeting_minutes = IntegerField(_l("Meeting length (minutes)"), default=20,
                                   validators=[InputRequired(), NumberRange(min=5, max=240)])
    tables = IntegerField(_l("Tables (meetings at once)"), default=10,
                          validators=[InputRequired(), NumberRange(min=1, max=500)])
    max_meetings_per_participant = IntegerField(_l("Most meetings per participant"),
                                                validators=[Optional(), NumberRange(min=1, max=100)])
    categories = SelectMultipleField(_l("Target service categories"), validators=[Optional()])
    industries = SelectMultipleField(_l("Target industries"), validators=[Optional()])

    def __init__(self, *args: Any, **kwargs: Any):
        super().__init__(*args, **kwargs)
        self.categories.choices = category_choices()
        self.industries.choices = [SelectChoice(str(i.id), i.label) for i in taxonomy.industries()]


class SlotsForm(FlaskForm):
    first_start = DateTimeLocalField(_l("First meeting starts"), validators=[DataRequired()])
    count = IntegerField(_l("Number of meetings in a row"), default=12, validators=[InputRequired(), NumberRange(1, 60)])
    gap_minutes = IntegerField(_l("Minutes between meetings"), default=5, validators=[InputRequired(), NumberRange(0, 120)])
    breaks = StringField(_l("Breaks: after meeting N, M minutes (e.g. 4:15, 8:60)"),
                         validators=[Optional(), Regexp(r"^\s*(\d+\s*[:：]\s*\d+\s*[,，;；]?\s*)*$",
                                                        message=_l("Write breaks as 4:15, 8:60."))])

    def parsed_breaks(self) -> dict[int, int]:
        import re

        return {int(a): int(b) for a, b in re.findall(r"(\d+)\s*[:：]\s*(\d+)", self.breaks.data or "")}


class RegistrationForm(FlaskForm):
    offers = TextAreaField(_l("What you offer at this event"), validators=[Optional(), Length(max=2000)])
    seeks = TextAreaField(_l("What you are looking for"), validators=[Optional(), Length(max=2000)])
    listed = BooleanField(_l("Show me in the participant list (others can find and invite me)"), default=True)
    unavailable = SelectMultipleField(_l("Times I cannot meet"), validators=[Optional()], coerce=int)

    def __init__(self, *args: Any, slots: Any = (), **kwargs: Any):
        super().__init__(*args, **kwargs)
        from directory.events.services import local_time

        self.unavailable.choices = [SelectChoice(str(s.position), local_time(s.starts_at))
                                    for s in slots if not s.is_break]


class MeetingRequestForm(FlaskForm):
    recipient = IntegerField(validators=[InputRequired()])
    message = TextAreaField(_l("A short message"), validators=[Optional(), Length(max=500)])


class StatusForm(FlaskForm):
    reason = TextAreaField(_l("Reason"), validators=[Optional(), Length(max=2000)])


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
