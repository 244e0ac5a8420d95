"""Review forms: the five dimensions, the 好差评 verdict, replies and moderation."""

from __future__ import annotations

from typing import Any

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import RadioField, SelectChoice, SelectField
from wtforms.validators import DataRequired, Length, Optional

from directory.core.fields import TextAreaField
from directory.reviews.models import Verdict
from directory.reviews.services import DIMENSION_LABELS, VERDICT_LABELS, ReviewInput


def scale() -> list[SelectChoice]:
    """A 1–5 scale labelled at both ends, so nobody has to guess which end is good."""
    ends = {1: _l("1 · Very poor"), 5: _l("5 · Very good")}
    return [SelectChoice(str(n), ends.get(n, str(n))) for n in (1, 2, 3, 4, 5)]


def _score(label: Any) -> RadioField:
    # Nothing is checked until the enterprise chooses; without a choice the field says what it wants.
    return RadioField(label, coerce=int, invalid_choice_message=_l("Choose a score from 1 (very poor) to 5 (very good)."))


class ReviewForm(FlaskForm):
    """A fair survey: no answer is chosen in advance, and every scale says which end is which."""

    quality = _score(DIMENSION_LABELS["quality"])
    efficiency = _score(DIMENSION_LABELS["efficiency"])
    expertise = _score(DIMENSION_LABELS["expertise"])
    attitude = _score(DIMENSION_LABELS["attitude"])
    price = _score(DIMENSION_LABELS["price"])
    verdict = RadioField(_l("Overall (好差评)"), invalid_choice_message=_l("Choose how satisfied you are."))
    recommend = SelectField(_l("Would you recommend them to another enterprise?"), validators=[Optional()])
    comment = TextAreaField(_l("Comment"), validators=[Optional(), Length(max=2000)])

    def __init__(self, *args: Any, **kwargs: Any):
        super().__init__(*args, **kwargs)
        for name in ("quality", "efficiency", "expertise", "attitude", "price"):
            getattr(self, name).choices = scale()
        self.verdict.choices = [SelectChoice(v.value, VERDICT_LABELS[v]) for v in Verdict]
        self.recommend.choices = [SelectChoice("", "—"), SelectChoice("yes", _l("Yes")),
                                  SelectChoice("no", _l("No"))]

    def to_input(self) -> ReviewInput:
        """The submitted review for the services (an engagement's or an event meeting's)."""
        return ReviewInput(
            quality=self.quality.data, efficiency=self.efficiency.data, expertise=self.expertise.data,  # type: ignore[arg-type]
            attitude=self.attitude.data, price=self.price.data, verdict=self.verdict.data or "",  # type: ignore[arg-type]
            comment=self.comment.data or "", recommend={"yes": True, "no": False}.get(self.recommend.data or ""))


class TextForm(FlaskForm):
    text = TextAreaField(_l("Text"), validators=[DataRequired(), Length(max=2000)])


class ModerateForm(FlaskForm):
    action = SelectField(_l("Action"), validators=[DataRequired()])
    reason = TextAreaField(_l("Reason (recorded)"), validators=[DataRequired(), Length(max=2000)])

    def __init__(self, *args: Any, **kwargs: Any):
        super().__init__(*args, **kwargs)
        self.action.choices = [SelectChoice("hide", _l("Hide the text (still counts)")),
                               SelectChoice("show", _l("Show the text again")),
                               SelectChoice("invalidate", _l("Invalid: stop counting it")),
                               SelectChoice("validate", _l("Valid again: count it"))]


class DecideForm(FlaskForm):
    """Staff approve or reject a held review; a rejection needs its reason (the service checks)."""

    reason = TextAreaField(_l("Reason (recorded; required to reject)"), validators=[Optional(), Length(max=2000)])
