"""Back-office forms."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import StringField
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
