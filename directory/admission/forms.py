"""Application forms, one per section; taxonomy choices are filled in per request."""

from __future__ import annotations

from typing import Any

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.file import FileAllowed, FileField, FileRequired
from wtforms import (
    BooleanField,
    EmailField,
    IntegerField,
    SelectChoice,
    SelectField,
    SelectMultipleField,
    StringField,
    TextAreaField,
)
from wtforms.validators import DataRequired, Email, Length, NumberRange, Optional, Regexp, ValidationError

from directory.core.creditcode import InvalidCreditCode, validate_credit_code
from directory.core.time import utcnow
from directory.institutions.models import FeeModel
from directory.taxonomy import services as taxonomy

PHONE = Regexp(r"^[\d\s\-+()（）转]{7,30}$", message=_l("Enter a phone number, e.g. 0417-2800000 or 13800000000."))


def category_choices() -> list[SelectChoice]:
    """Sub-categories grouped under their top-level category (top-level ones selectable too)."""
    out = []
    for top in taxonomy.top_categories():
        out.append(SelectChoice(str(top.id), top.label, optgroup=top.label))
        out.extend(SelectChoice(str(c.id), c.label, optgroup=top.label) for c in top.children)
    return out


class IdentityForm(FlaskForm):
    name = StringField(_l("Institution name"), validators=[DataRequired(), Length(max=200)])
    credit_code = StringField(_l("Unified social credit code"), validators=[DataRequired(), Length(max=40)])
    region = SelectField(_l("Region"), validators=[DataRequired()])
    founded_year = IntegerField(_l("Year founded"), validators=[Optional(), NumberRange(min=1900, max=utcnow().year)])
    staff_count = IntegerField(_l("Number of staff"), validators=[Optional(), NumberRange(min=0, max=1_000_000)])
    website = StringField(_l("Website"), validators=[Optional(), Length(max=300),
                                                     Regexp(r"^https?://", message=_l("Start the address with http:// or https://."))])
    description = TextAreaField(_l("Description"), validators=[DataRequired(), Length(min=20, max=2000)])

    def __init__(self, *args: Any, **kwargs: Any):
        super().__init__(*args, **kwargs)
        self.region.choices = [SelectChoice(str(r.id), r.label) for r in taxonomy.regions()]

    def validate_credit_code(self, field: StringField) -> None:
        try:
            field.data = validate_credit_code(field.data or "")
        except InvalidCreditCode:
            raise ValidationError(_l("This is not a valid unified social credit code (统一社会信用代码).")) from None


class ServicesForm(FlaskForm):
    categories = SelectMultipleField(_l("Service categories"), validators=[DataRequired()])
    industries = SelectMultipleField(_l("Industries served"), validators=[Optional()])
    coverage = SelectMultipleField(_l("Regions covered"), validators=[Optional()])
    qualifications = TextAreaField(_l("Qualifications (one per line)"), validators=[Optional(), Length(max=2000)])

    def __init__(self, *args: Any, **kwargs: Any):
        super().__init__(*args, **kwargs)
        self.categories.choices = category_choices()
        self.industries.choices = [SelectChoice(str(i.id), i.label) for i in taxonomy.industries()]
        self.coverage.choices = [SelectChoice(str(r.id), r.label) for r in taxonomy.regions(kind=None)]


class OfferingForm(FlaskForm):
    title = StringField(_l("Service product"), validators=[DataRequired(), Length(max=200)])
    category = SelectField(_l("Category"), validators=[DataRequired()])
    description = TextAreaField(_l("What the enterprise gets"), validators=[Optional(), Length(max=1000)])
    fee_model = SelectField(_l("Fee"), validators=[DataRequired()])
    price_min = IntegerField(_l("Lowest price (yuan)"), validators=[Optional(), NumberRange(min=0)])
    price_max = IntegerField(_l("Highest price (yuan)"), validators=[Optional(), NumberRange(min=0)])
    delivery_days = IntegerField(_l("Delivery time (days)"), validators=[Optional(), NumberRange(min=1, max=3650)])
    public_interest = BooleanField(_l("Free or public-interest service"))

    def __init__(self, *args: Any, **kwargs: Any):
        super().__init__(*args, **kwargs)
        self.category.choices = category_choices()
        self.fee_model.choices = [SelectChoice(FeeModel.NEGOTIABLE.value, _l("Price negotiable")),
                                  SelectChoice(FeeModel.FIXED.value, _l("Fixed price")),
                                  SelectChoice(FeeModel.FREE.value, _l("Free"))]

    def validate_price_max(self, field: IntegerField) -> None:
        if field.data is not None and self.price_min.data is not None and field.data < self.price_min.data:
            raise ValidationError(_l("The highest price is below the lowest."))


class ContactsForm(FlaskForm):
    contact_name = StringField(_l("Contact person"), validators=[DataRequired(), Length(max=60)])
    contact_phone = StringField(_l("Contact phone"), validators=[DataRequired(), PHONE])
    email = EmailField(_l("E-mail"), validators=[Optional(), Email(), Length(max=254)])


class StatusForm(FlaskForm):
    action = SelectField(_l("Action"), choices=[SelectChoice("suspend", _l("Suspend")),
                                                SelectChoice("reinstate", _l("Reinstate")),
                                                SelectChoice("remove", _l("Remove from the directory"))],
                         validators=[DataRequired()])
    reason = TextAreaField(_l("Reason (the institution sees it)"), validators=[DataRequired(), Length(max=2000)])


class ProfileForm(IdentityForm, ServicesForm, ContactsForm):
    """An admitted institution's profile in one form (name, credit code, categories and qualifications go to
    staff review; the rest is published at once)."""


class ExpertProfileForm(FlaskForm):
    name = StringField(_l("Your name"), validators=[DataRequired(), Length(max=60)])
    title = StringField(_l("Professional title"), validators=[Optional(), Length(max=60)])
    organization = StringField(_l("Work unit"), validators=[Optional(), Length(max=200)])
    region = SelectField(_l("Region"), validators=[Optional()])
    expertise = TextAreaField(_l("Fields of expertise (separate with 、 or new lines)"),
                              validators=[DataRequired(), Length(max=500)])
    categories = SelectMultipleField(_l("Service categories"), validators=[DataRequired()])
    industries = SelectMultipleField(_l("Industries served"), validators=[Optional()])
    bio = TextAreaField(_l("Introduction"), validators=[DataRequired(), Length(min=20, max=2000)])
    phone = StringField(_l("Contact phone (never public)"), validators=[DataRequired(), PHONE])
    email = EmailField(_l("E-mail (never public)"), validators=[Optional(), Email(), Length(max=254)])

    def __init__(self, *args: Any, **kwargs: Any):
        super().__init__(*args, **kwargs)
        self.region.choices = [SelectChoice("", "—"), *(SelectChoice(str(r.id), r.label) for r in taxonomy.regions())]
        self.categories.choices = category_choices()
        self.industries.choices = [SelectChoice(str(i.id), i.label) for i in taxonomy.industries()]


class DecisionForm(FlaskForm):
    reason = TextAreaField(_l("Reason or comments (the applicant sees them)"), validators=[Optional(), Length(max=2000)])


class AttachmentForm(FlaskForm):
    certificate = FileField(_l("Certificate (PDF, PNG or JPEG, at most 5 MB)"),
                            validators=[FileRequired(), FileAllowed(["pdf", "png", "jpg", "jpeg"],
                                                                    _l("Upload certificates as PDF, PNG or JPEG files."))])
