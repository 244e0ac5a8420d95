"""Forms for posting a need and for staff recommending providers."""

from __future__ import annotations

from typing import Any

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import DateField, SelectChoice, SelectField, StringField, TextAreaField
from wtforms.validators import DataRequired, Length, NumberRange, Optional, ValidationError

from directory.admission.forms import category_choices
from directory.core.fields import IntegerField
from directory.core.forms import EditForm, required
from directory.core.time import utcnow
from directory.demands.models import Visibility
from directory.taxonomy import services as taxonomy


class DemandForm(EditForm):
    title = StringField(_l("What do you need? (one line)"),
                        validators=[required(_l("Give the need a title.")), Length(max=200)])
    text = TextAreaField(_l("Describe the need in your own words"),
                         validators=[required(_l("Describe the need in your own words.")), Length(max=4000)])
    category = SelectField(_l("Service category (optional)"), validators=[Optional()])
    industry = SelectField(_l("Industry (optional)"), validators=[Optional()])
    region = SelectField(_l("Region (optional)"), validators=[Optional()])
    budget_min = IntegerField(_l("Budget from (yuan)"), validators=[Optional(), NumberRange(min=0, max=10**10)])
    budget_max = IntegerField(_l("Budget up to (yuan)"), validators=[Optional(), NumberRange(min=0, max=10**10)])
    deadline = DateField(_l("Needed by"), validators=[Optional()])
    visibility = SelectField(_l("Who may see it"), validators=[required(_l("Choose who may see the need."))])
    enterprise = SelectField(_l("On behalf of enterprise"), validators=[Optional()])

    def __init__(self, *args: Any, staff: bool = False, **kwargs: Any):
        super().__init__(*args, **kwargs)
        self.category.choices = [SelectChoice("", "—"), *category_choices()]
        self.industry.choices = [SelectChoice("", "—"), *(SelectChoice(str(i.id), i.label)
                                                          for i in taxonomy.industries())]
        self.region.choices = [SelectChoice("", "—"), *(SelectChoice(str(r.id), r.label)
                                                        for r in taxonomy.regions())]
        self.visibility.choices = [
            SelectChoice(Visibility.PUBLIC.value, _l("Public: providers may see it and offer help")),
            SelectChoice(Visibility.STAFF.value, _l("Only the service center"))]
        if staff:
            from sqlmodel import col, select

            from directory.enterprises.models import Enterprise
            from directory.extensions import db

            self.enterprise.choices = [SelectChoice(str(e.id), e.name) for e in db.session.exec(
                select(Enterprise).order_by(col(Enterprise.name))).all()]
            self.enterprise.validators = [DataRequired()]
        else:
            del self.enterprise

    def validate_budget_max(self, field: IntegerField) -> None:
        if field.data is not None and self.budget_min.data is not None and field.data < self.budget_min.data:
            raise ValidationError(_l("The highest budget must not be below the lowest."))

    def validate_deadline(self, field: DateField) -> None:
        # A deadline the need already had may have passed since; only a new one must lie ahead.
        if field.data is not None and field.data != self.original.get("deadline") and field.data < utcnow().date():
            raise ValidationError(_l("The deadline has passed."))


class SuggestForm(FlaskForm):
    institutions = StringField(_l("Institutions"), validators=[Optional()])
    experts = StringField(_l("Experts"), validators=[Optional()])
    note = TextAreaField(_l("Note to the enterprise"), validators=[Optional(), Length(max=1000)])


def demand_data(demand: Any) -> dict[str, Any]:
    """A need's values as its edit form shows them."""
    return {"title": demand.title, "text": demand.text, "category": str(demand.category_id or ""),
            "industry": str(demand.industry_id or ""), "region": str(demand.region_id or ""),
            "budget_min": demand.budget_min, "budget_max": demand.budget_max, "deadline": demand.deadline,
            "visibility": str(demand.visibility)}
