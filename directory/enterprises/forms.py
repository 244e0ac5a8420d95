"""The enterprise's own profile form (/my/enterprise)."""

from __future__ import annotations

from typing import Any

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import EmailField, SelectChoice, SelectField, SelectMultipleField, StringField
from wtforms.validators import DataRequired, Email, Length, NumberRange, Optional

from directory.core.fields import IntegerField, TextAreaField
from directory.core.time import utcnow
from directory.enterprises.sizing import SECTORS
from directory.taxonomy import services as taxonomy


class ProfileForm(FlaskForm):
    name = StringField(_l("Enterprise name"), validators=[DataRequired(message=_l("Enter your enterprise's name.")),
                                                          Length(max=200)])
    credit_code = StringField(_l("Unified social credit code (统一社会信用代码)"), validators=[Optional(), Length(max=40)])
    region = SelectField(_l("Region"), validators=[Optional()])
    industry = SelectField(_l("Industry"), validators=[Optional()])
    tags = SelectMultipleField(_l("Tags"), validators=[Optional()])
    sector = SelectField(_l("Sector by the SME classification standard"), validators=[Optional()],
                         description=_l("The size (大/中/小/微) is computed from the sector and the figures below "
                                        "by the 中小企业划型标准 (工信部联企业〔2011〕300号)."))
    staff_count = IntegerField(_l("Employees"), validators=[Optional(), NumberRange(min=0, max=10_000_000)])
    revenue = IntegerField(_l("Revenue last year (10,000 yuan)"), validators=[Optional(), NumberRange(min=0)])
    total_assets = IntegerField(_l("Total assets (10,000 yuan)"), validators=[Optional(), NumberRange(min=0)])
    founded_year = IntegerField(_l("Year founded"), validators=[Optional(), NumberRange(min=1900, max=utcnow().year)])
    description = TextAreaField(_l("Description"), validators=[Optional(), Length(max=2000)])
    contact_name = StringField(_l("Contact person"), validators=[Optional(), Length(max=60)])
    contact_phone = StringField(_l("Contact phone"), validators=[Optional(), Length(max=30)])
    email = EmailField(_l("E-mail"), validators=[Optional(), Email(), Length(max=254)])

    def __init__(self, *args: Any, **kwargs: Any):
        super().__init__(*args, **kwargs)
        none = [SelectChoice("", _l("Not given"))]
        self.region.choices = none + [SelectChoice(str(r.id), r.label) for r in taxonomy.regions()]
        self.industry.choices = none + [SelectChoice(str(i.id), i.name) for i in taxonomy.industries()]
        self.tags.choices = [SelectChoice(str(t.id), t.name) for t in taxonomy.tags()]
        self.sector.choices = none + [SelectChoice(name, name) for name in SECTORS]
