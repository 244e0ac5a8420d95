"""Forms for service requests and their transitions."""

from __future__ import annotations

from typing import Any

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import DateField, HiddenField, SelectChoice, SelectField, TextAreaField
from wtforms.validators import DataRequired, Length, Optional

from directory.core.fields import IntegerField


class RequestForm(FlaskForm):
    """Request service from one provider; the ids come from the page and are checked by the service."""

    institution_id = HiddenField()
    expert_id = HiddenField()
    offering_id = HiddenField()
    demand_id = HiddenField()
    message = TextAreaField(_l("Message to the provider"), validators=[DataRequired(), Length(max=2000)])


class BrokerForm(FlaskForm):
    """Staff create an engagement on behalf of both sides."""

    enterprise = SelectField(_l("Enterprise"), validators=[DataRequired()])
    institution_id = IntegerField(_l("Institution number"), validators=[Optional()])
    expert_id = IntegerField(_l("Expert number"), validators=[Optional()])
    message = TextAreaField(_l("What was agreed"), validators=[DataRequired(), Length(max=2000)])

    def __init__(self, *args: Any, **kwargs: Any):
        super().__init__(*args, **kwargs)
        from sqlmodel import col, select

        from directory.enterprises.models import Enterprise
        from directory.extensions import db

        self.enterprise.choices = [SelectChoice(str(e.id), e.name) for e in db.session.exec(
            select(Enterprise).order_by(col(Enterprise.name))).all()]


class ActionForm(FlaskForm):
    reason = TextAreaField(_l("Reason"), validators=[Optional(), Length(max=2000)])
    due_date = DateField(_l("Agreed completion date"), validators=[Optional()])
