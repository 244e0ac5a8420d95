"""Application forms, one per section; taxonomy choices are filled in per request."""

from __future__ import annotations

from typing import Any

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.file import FileAllowed, FileField, FileRequired
from wtforms import (
    BooleanField,
    EmailField,
    SelectChoice,
    SelectField,
    SelectMultipleField,
    StringField,
)
from wtforms.validators import DataRequired, Email, Length, NumberRange, Optional, Regexp, ValidationError

from directory.core.creditcode import InvalidCreditCode, validate_credit_code
from directory.core.fields import IntegerField, TextAreaField
from directory.core.forms import EditForm, IfChanged, ids, lines, required
from directory.core.time import utcnow
from directory.institutions.models import FeeModel
from directory.taxonomy import services as taxonomy

PHONE = IfChanged(Regexp(r"^[\d\s\-+()（）转]{7,30}$",
                         message=_l("Enter a phone number, e.g. 0417-2800000 or 13800000000.")))
EMAIL = IfChanged(Email(message=_l("Enter a valid e-mail address.")))


def category_choices() -> list[SelectChoice]:
    """Sub-categories grouped under their top-level category (top-level ones selectable too)."""
    out = []
    for top in taxonomy.top_categories():
        out.append(SelectChoice(str(top.id), top.label, optgroup=top.label))
        out.extend(SelectChoice(str(c.id), c.label, optgroup=top.label) for c in top.children)
    return out


class IdentityForm(EditForm):
    name = StringField(_l("Institution name"), validators=[required(_l("Enter the institution's name.")), Length(max=200)])
    credit_code = StringField(_l("Unified social credit code"),
                              validators=[required(_l("Enter the unified social credit code.")), Length(max=40)])
    region = SelectField(_l("Region"), validators=[required(_l("Choose the region the institution is in."))])
    founded_year = IntegerField(_l("Year founded"), validators=[Optional(), NumberRange(min=1900, max=utcnow().year)])
    staff_count = IntegerField(_l("Number of staff"), validators=[Optional(), NumberRange(min=0, max=1_000_000)])
    website = StringField(_l("Website"), validators=[Optional(), Length(max=300),
                                                     Regexp(r"^https?://", message=_l("Start the address with http:// or https://."))])
    address = StringField(_l("Street address"), validators=[Optional(), Length(max=200)])
    postal_code = StringField(_l("Postal code"), validators=[Optional(), IfChanged(Regexp(
        r"^\d{6}$", message=_l("A postal code has six digits, e.g. 115000.")))])
    description = TextAreaField(_l("Description"), validators=[
        required(_l("Describe the institution in at least 20 characters.")), Length(max=2000),
        IfChanged(Length(min=20, message=_l("Describe the institution in at least 20 characters.")))])

    def __init__(self, *args: Any, **kwargs: Any):
        super().__init__(*args, **kwargs)
        self.region.choices = [SelectChoice(str(r.id), r.label) for r in taxonomy.regions()]

    def validate_credit_code(self, field: StringField) -> None:
        try:
            field.data = validate_credit_code(field.data or "")
        except InvalidCreditCode:
            raise ValidationError(_l("This is not a valid unified social credit code (统一社会信用代码).")) from None


class ServicesForm(EditForm):
    categories = SelectMultipleField(_l("Service categories"),
                                     validators=[required(_l("Choose at least one service category."))])
    industries = SelectMultipleField(_l("Industries served"), validators=[Optional()])
    coverage = SelectMultipleField(_l("Regions covered"), validators=[Optional()])
    qualifications = TextAreaField(_l("Qualifications (one per line)"), validators=[Optional(), Length(max=2000)])

    def __init__(self, *args: Any, **kwargs: Any):
        super().__init__(*args, **kwargs)
        self.categories.choices = category_choices()
        self.industries.choices = [SelectChoice(str(i.id), i.label) for i in taxonomy.industries()]
        self.coverage.choices = [SelectChoice(str(r.id), r.label) for r in taxonomy.regions(kind=None)]


class OfferingForm(EditForm):
    title = StringField(_l("Service product"), validators=[required(_l("Name the service product.")), Length(max=200)])
    category = SelectField(_l("Category"), validators=[required(_l("Choose the service category of the product."))])
    description = TextAreaField(_l("What the enterprise gets"), validators=[Optional(), Length(max=1000)])
    fee_model = SelectField(_l("Fee"), validators=[required(_l("Choose how the fee is set."))])
    price_min = IntegerField(_l("Lowest price (yuan)"), validators=[Optional(), NumberRange(min=0)])
    price_max = IntegerField(_l("Highest price (yuan)"), validators=[Optional(), NumberRange(min=0)])
    delivery_days = IntegerField(_l("Delivery time (days)"), validators=[Optional(), NumberRange(min=1, max=3650)])
    public_interest = BooleanField(_l("Free or public-interest service"))

    def __init__(self, *args: Any, **kwargs: Any):
        kwargs.setdefault("prefix", "offering")  # it shares a page with the profile form (both have a description)
        super().__init__(*args, **kwargs)
        self.category.choices = category_choices()
        self.fee_model.choices = [SelectChoice(FeeModel.NEGOTIABLE.value, _l("Price negotiable")),
                                  SelectChoice(FeeModel.FIXED.value, _l("Fixed price")),
                                  SelectChoice(FeeModel.FREE.value, _l("Free"))]

    def validate_price_max(self, field: IntegerField) -> None:
        if field.data is not None and self.price_min.data is not None and field.data < self.price_min.data:
            raise ValidationError(_l("The highest price is below the lowest."))


class ContactsForm(EditForm):
    contact_name = StringField(_l("Contact person"), validators=[required(_l("Name a contact person.")), Length(max=60)])
    contact_phone = StringField(_l("Contact phone"), validators=[required(_l("Give a contact phone number.")), PHONE])
    email = EmailField(_l("E-mail"), validators=[Optional(), EMAIL, Length(max=254)])


class StatusForm(FlaskForm):
    action = SelectField(_l("Action"), choices=[SelectChoice("suspend", _l("Suspend")),
                                                SelectChoice("reinstate", _l("Reinstate")),
                                                SelectChoice("remove", _l("Remove from the directory"))],
                         validators=[DataRequired()])
    reason = TextAreaField(_l("Reason (the institution sees it)"), validators=[DataRequired(), Length(max=2000)])


class ExpertStatusForm(StatusForm):
    """The same actions for an expert; the reason is told to the expert."""

    reason = TextAreaField(_l("Reason (the expert sees it)"), validators=[DataRequired(), Length(max=2000)])


class ProfileForm(IdentityForm, ServicesForm, ContactsForm):
    """An admitted institution's profile in one form (name, credit code, categories and qualifications go to
    staff review; the rest is published at once)."""


class ExpertProfileForm(EditForm):
    name = StringField(_l("Your name"), validators=[required(_l("Enter your name.")), Length(max=60)])
    title = StringField(_l("Professional title"), validators=[Optional(), Length(max=60)])
    organization = StringField(_l("Work unit"), validators=[Optional(), Length(max=200)])
    region = SelectField(_l("Region"), validators=[Optional()])
    expertise = TextAreaField(_l("Fields of expertise (separate with 、 or new lines)"),
                              validators=[required(_l("Name at least one field of expertise.")), Length(max=500)])
    categories = SelectMultipleField(_l("Service categories"),
                                     validators=[required(_l("Choose at least one service category."))])
    industries = SelectMultipleField(_l("Industries served"), validators=[Optional()])
    bio = TextAreaField(_l("Introduction"), validators=[
        required(_l("Introduce yourself in at least 20 characters.")), Length(max=2000),
        IfChanged(Length(min=20, message=_l("Introduce yourself in at least 20 characters.")))])
    phone = StringField(_l("Contact phone (never public)"),
                        validators=[required(_l("Give a phone number the service center can reach you at.")), PHONE])
    email = EmailField(_l("E-mail (never public)"), validators=[Optional(), EMAIL, Length(max=254)])

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


# -- a record's values as its edit form shows them ------------------------------------------------------

def identity_data(inst: Any) -> dict[str, Any]:
    return {"name": inst.name, "credit_code": inst.credit_code, "region": str(inst.region_id or ""),
            "founded_year": inst.founded_year, "staff_count": inst.staff_count, "website": inst.website,
            "address": inst.address, "postal_code": inst.postal_code, "description": inst.description}


def services_data(inst: Any) -> dict[str, Any]:
    return {"categories": ids(inst.categories), "industries": ids(inst.industries), "coverage": ids(inst.coverage),
            "qualifications": lines(inst.qualifications)}


def contacts_data(inst: Any) -> dict[str, Any]:
    return {"contact_name": inst.contact_name, "contact_phone": inst.contact_phone, "email": inst.email}


def profile_data(inst: Any, pending: Any = None) -> dict[str, Any]:
    """The admitted institution's profile; key fields waiting for review show the values proposed (so that
    saving the form unchanged keeps the proposal rather than withdrawing it)."""
    data = {**identity_data(inst), **services_data(inst), **contacts_data(inst)}
    if pending is not None:
        proposed = pending.proposed
        data.update({k: proposed[k] for k in ("name", "credit_code") if k in proposed})
        if "categories" in proposed:
            data["categories"] = sorted((str(i) for i in proposed["categories"]), key=int)
        if "qualifications" in proposed:
            data["qualifications"] = lines(proposed["qualifications"])
    return data


def offering_data(offering: Any) -> dict[str, Any]:
    return {"title": offering.title, "category": str(offering.category_id or ""),
            "description": offering.description, "fee_model": str(offering.fee_model),
            "price_min": offering.price_min, "price_max": offering.price_max,
            "delivery_days": offering.delivery_days, "public_interest": offering.public_interest}


def expert_data(expert: Any) -> dict[str, Any]:
    return {"name": expert.name, "title": expert.title, "organization": expert.organization,
            "region": str(expert.region_id or ""), "expertise": "、".join(expert.expertise),
            "categories": ids(expert.categories), "industries": ids(expert.industries), "bio": expert.bio,
            "phone": expert.phone, "email": expert.email}
