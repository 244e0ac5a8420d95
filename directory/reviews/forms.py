"""Review forms: the five dimensions, the 好差评 verdict, replies and moderation."""

from __future__ import annotations

from typing import Any

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import RadioField, SelectChoice, SelectField, TextAreaField
from wtforms.validators import DataRequired, InputRequired, Length, Optional

from directory.reviews.models import Verdict
from directory.reviews.services import DIMENSION_LABELS, VERDICT_LABELS

STARS = [SelectChoice(str(n), str(n)) for n in (1, 2, 3, 4, 5)]


class ReviewForm(FlaskForm):
    quality = RadioField(DIMENSION_LABELS["quality"], validators=[InputRequired()], coerce=int)
    efficiency = RadioField(DIMENSION_LABELS["efficiency"], validators=[InputRequired()], coerce=int)
    expertise = RadioField(DIMENSION_LABELS["expertise"], validators=[InputRequired()], coerce=int)
    attitude = RadioField(DIMENSION_LABELS["attitude"], validators=[InputRequired()], coerce=int)
    price = RadioField(DIMENSION_LABELS["price"], validators=[InputRequired()], coerce=int)
    verdict = SelectField(_l("Overall (好差评)"), validators=[DataRequired()])
    recommend = SelectField(_l("Would you recommend them to another enterprise?"), validators=[Optional()])
    comment = TextAreaField(_l("Comment"), validators=[Optional(), Length(max=2000)])

    def __init__(self, *args: Any, **kwargs: Any):
        super().__init__(*args, **kwargs)
        for name in ("quality", "efficiency", "expertise", "attitude", "price"):
            getattr(self, name).choices = STARS
        self.verdict.choices = [SelectChoice(v.value, VERDICT_LABELS[v]) for v in Verdict]
        self.recommend.choices = [SelectChoice("", "—"), SelectChoice("yes", _l("Yes")),
                                  SelectChoice("no", _l("No"))]


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
