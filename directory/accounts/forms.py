"""Account forms; every message goes through Flask-Babel."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import BooleanField, PasswordField, StringField
from wtforms.validators import DataRequired, EqualTo, Length


class LoginForm(FlaskForm):
    login = StringField(_l("E-mail or mobile number"), validators=[DataRequired(), Length(max=254)])
    password = PasswordField(_l("Password"), validators=[DataRequired(), Length(max=200)])
    remember = BooleanField(_l("Keep me logged in for 14 days"),
                            description=_l("Not for service-center staff: their sessions end after 30 minutes "
                                           "without activity."))


class ForgotPasswordForm(FlaskForm):
    login = StringField(_l("E-mail or mobile number"), validators=[DataRequired(), Length(max=254)])


class NewPasswordForm(FlaskForm):
    """A new password, typed twice; the rules are the policy's (accounts.passwords), checked by the service."""

    password = PasswordField(_l("New password"), validators=[DataRequired(), Length(max=200)],
                             description=_l("At least 10 characters; not your e-mail address or mobile number, "
                                            "and not one of the commonly used passwords."))
    confirm = PasswordField(
        _l("Repeat the new password"),
        validators=[DataRequired(), EqualTo("password", message=_l("The two passwords differ."))],
    )


class ChangePasswordForm(NewPasswordForm):
    current_password = PasswordField(_l("Current password"), validators=[DataRequired(), Length(max=200)])


class CloseAccountForm(FlaskForm):
    """Closing one's own account, confirmed with the current password."""

    password = PasswordField(_l("Current password"), validators=[DataRequired(), Length(max=200)])
