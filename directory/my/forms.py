"""The registration form: an account and, for an enterprise user, the enterprise's credit code, checked as the
enterprise record checks it."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import BooleanField, EmailField, PasswordField, RadioField, SelectChoice, StringField
from wtforms.validators import DataRequired, Email, EqualTo, Length, Optional, Regexp, ValidationError

from directory.accounts.models import Role
from directory.core.errors import DomainError
from directory.enterprises.services import check_credit_code


class RegisterForm(FlaskForm):
    role = RadioField(
        _l("I register as"),
        choices=[
            SelectChoice(Role.ENTERPRISE.value, _l("An enterprise looking for services")),
            SelectChoice(Role.INSTITUTION.value, _l("A service institution")),
            SelectChoice(Role.EXPERT.value, _l("An expert")),
        ],
        default=Role.ENTERPRISE.value,
        validators=[DataRequired()],
    )
    display_name = StringField(_l("Your name"), validators=[DataRequired(), Length(max=60)])
    organization = StringField(_l("Organisation name"), validators=[Optional(), Length(max=200)])
    credit_code = StringField(_l("Unified social credit code (统一社会信用代码)"),
                              validators=[Optional(), Length(max=40)],
                              description=_l("Enterprises: the 18 characters on the business licence."))
    email = EmailField(_l("E-mail"), validators=[Optional(), Email(), Length(max=254)])
    phone = StringField(
        _l("Mobile number"),
        validators=[Optional(), Regexp(r"^(\+86)?\s*1[3-9]\d{9}$", message=_l("Enter an 11-digit mainland mobile number."))],
    )
    password = PasswordField(_l("Password"), validators=[DataRequired(), Length(max=200)],
                             description=_l("At least 10 characters; not your e-mail address or mobile number, "
                                            "and not one of the commonly used passwords."))
    confirm = PasswordField(
        _l("Repeat the password"),
        validators=[DataRequired(), EqualTo("password", message=_l("The two passwords differ."))],
    )

    # Unticked by default; the label links to the notice in the template (个人信息保护法: consent before processing).
    consent = BooleanField(_l("I have read and agree to the Privacy Notice"),
                           validators=[DataRequired(message=_l("Registration needs your consent to the Privacy "
                                                               "Notice."))])

    def validate_email(self, field: EmailField) -> None:
        if not field.data and not self.phone.data:
            raise ValidationError(_l("Give an e-mail address or a mobile number."))

    def validate_organization(self, field: StringField) -> None:
        if self.role.data == Role.ENTERPRISE and not (field.data or "").strip():
            raise ValidationError(_l("Enter your enterprise's name."))

    def validate_credit_code(self, field: StringField) -> None:
        if self.role.data == Role.ENTERPRISE:
            try:
                check_credit_code(field.data or "")
            except DomainError as exc:
                raise ValidationError(str(exc.message)) from None
