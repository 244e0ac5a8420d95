"""Opening an evaluation period (weights and thresholds) and deciding screening proposals."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import BooleanField, StringField
from wtforms.validators import DataRequired, InputRequired, Length, NumberRange, Regexp

from directory.core.fields import DecimalField, TextAreaField
from directory.evaluation.compute import DEFAULT_THRESHOLDS, DEFAULT_WEIGHTS


def _weight(label: object, name: str) -> DecimalField:
    return DecimalField(label, default=DEFAULT_WEIGHTS[name], places=2,
                        validators=[InputRequired(), NumberRange(min=0, max=10)])


class PeriodForm(FlaskForm):
    code = StringField(_l("Period (2026 or 2026Q3)"), validators=[
        DataRequired(), Regexp(r"^\s*\d{4}([Qq][1-4])?\s*$", message=_l("A period is a year (2026) or a quarter (2026Q3)."))])
    strength = _weight(_l("Weight: overall strength"), "strength")
    coverage = _weight(_l("Weight: market coverage"), "coverage")
    quality = _weight(_l("Weight: service quality"), "quality")
    efficiency = _weight(_l("Weight: service efficiency"), "efficiency")
    satisfaction = _weight(_l("Weight: enterprise satisfaction"), "satisfaction")
    grade_a = DecimalField(_l("Grade A from"), default=DEFAULT_THRESHOLDS["A"], places=1,
                           validators=[InputRequired(), NumberRange(0, 100)])
    grade_b = DecimalField(_l("Grade B from"), default=DEFAULT_THRESHOLDS["B"], places=1,
                           validators=[InputRequired(), NumberRange(0, 100)])
    grade_c = DecimalField(_l("Grade C from"), default=DEFAULT_THRESHOLDS["C"], places=1,
                           validators=[InputRequired(), NumberRange(0, 100)])


class DecisionForm(FlaskForm):
    reason = TextAreaField(_l("Reason (the institution sees it)"), validators=[
        DataRequired(message=_l("Give the reason; the institution will see it.")), Length(max=2000)])


class BulkDecisionForm(FlaskForm):
    """One reason for many proposals: the ticked ones (``action_ids``) or every waiting one."""

    reason = TextAreaField(_l("Reason for all chosen proposals (the institutions see it)"), validators=[
        DataRequired(message=_l("Give the reason; the institution will see it.")), Length(max=2000)])
    all_waiting = BooleanField(_l("Every waiting proposal of this period, not only the ticked ones"))
