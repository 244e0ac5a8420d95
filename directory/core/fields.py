"""Form fields for numbers that never let a 500 through (see :mod:`directory.core.numbers`).

WTForms' ``IntegerField`` takes ``int()``'s word (full-width digits, numbers of any size) and ``DecimalField``
takes ``Decimal()``'s (``NaN``, ``sNaN``, ``Infinity``, which then make ``NumberRange`` raise). These keep the
WTForms names and widgets, so forms only change their import.
"""

from __future__ import annotations

from typing import Any

from flask_babel import lazy_gettext as _l
from wtforms import fields

from directory.core.numbers import INT32_MAX, parse_decimal, parse_int


class IntegerField(fields.IntegerField):
    """A whole number in ASCII digits; anything else is a field error. Form numbers land in INTEGER columns
    (32 bits on PostgreSQL: a budget of 5 000 000 000 yuan was a 500 there), so beyond ±2 147 483 647 a
    number is "too large" whatever the form's own NumberRange says."""

    def process_formdata(self, valuelist: list[Any]) -> None:
        if not valuelist:
            return
        self.data = parse_int(str(valuelist[0]).strip())
        if self.data is None:
            raise ValueError(self.invalid_value_message or self.gettext("Not a valid integer value."))
        if abs(self.data) > INT32_MAX:
            self.data = None
            raise ValueError(_l("This number is too large."))


class DecimalField(fields.DecimalField):
    """A finite decimal in ASCII digits; ``NaN``, ``sNaN``, ``inf`` and exponents are field errors."""

    def process_formdata(self, valuelist: list[Any]) -> None:
        if not valuelist:
            return
        self.data = parse_decimal(valuelist[0])
        if self.data is None:
            raise ValueError(self.invalid_value_message or self.gettext("Not a valid decimal value."))
