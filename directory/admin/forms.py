"""Back-office forms."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.file import FileAllowed, FileField, FileRequired
from wtforms import BooleanField, HiddenField, SelectChoice, SelectField, StringField
from wtforms.validators import DataRequired, Length

from directory.imports.columns import split_list


class SynonymForm(FlaskForm):
    terms = StringField(_l("Terms that mean the same"), validators=[DataRequired(), Length(max=400)],
                        description=_l("Separate the terms with 、 or ；, e.g. 专利、知识产权"))

    @property
    def term_list(self) -> list[str]:
        return split_list(self.terms.data or "")


class StopWordForm(FlaskForm):
    word = StringField(_l("Stop word"), validators=[DataRequired(), Length(max=40)])


class DeleteForm(FlaskForm):
    """An empty form: it carries the CSRF token of a delete button."""


class ImportForm(FlaskForm):
    kind = SelectField(_l("Records"), choices=[SelectChoice("institutions", _l("Service institutions")),
                                               SelectChoice("experts", _l("Experts"))], validators=[DataRequired()])
    file = FileField(_l("File (.xlsx or .csv)"), validators=[FileRequired(), FileAllowed(["xlsx", "csv"],
                                                                                      _l("Only .xlsx and .csv files."))])
    admit = BooleanField(_l("Admit (publish) the imported records"))


class ConfirmImportForm(FlaskForm):
    kind = HiddenField()
    admit = HiddenField()
    skip_invalid = BooleanField(_l("Import the valid rows and skip the invalid ones"))


class UserForm(FlaskForm):
    role = SelectField(_l("Role"), validators=[DataRequired()])
    active = BooleanField(_l("Active"))

    def __init__(self, *args: object, **kwargs: object):
        super().__init__(*args, **kwargs)
        from directory.accounts.models import ROLE_LABELS

        self.role.choices = [SelectChoice(role.value, label) for role, label in ROLE_LABELS.items()]


class TermForm(FlaskForm):
    name = StringField(_l("Chinese name"), validators=[DataRequired(), Length(max=60)])
    name_en = StringField(_l("English name"), validators=[Length(max=120)])
    parent = HiddenField()
