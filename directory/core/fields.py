"""Form fields for numbers that never let a 500 through (see :mod:`directory.core.numbers`).

WTForms' ``IntegerField`` takes ``int()``'s word (full-width digits, numbers of any size) and ``DecimalField``
takes ``Decimal()``'s (``NaN``, ``sNaN``, ``Infinity``, which then make ``NumberRange`` raise). These keep the
WTForms names and widgets, so forms only change their import.
"""

from __future__ import annotations

from typing import Any

from wtforms import fields

from directory.core.numbers import parse_decimal, parse_int


class IntegerField(fields.IntegerField):
    """A whole number in ASCII digits within the 64-bit range; anything else is a field error."""

    def process_formdata(self, valuelist: list[Any]) -> None:
        if not valuelist:
            return
        self.data = parse_int(str(valuelist[0]).strip())
        if self.data is None:
            raise ValueError(self.invalid_value_message or self.gettext("Not a valid integer value."))


class DecimalField(fields.DecimalField):
    """A finite decimal in ASCII digits; ``NaN``, ``sNaN``, ``inf`` and exponents are field errors."""

    def process_formdata(self, valuelist: list[Any]) -> None:
        if not valuelist:
            return
        self.data = parse_decimal(valuelist[0])
        if self.data is None:
            raise ValueError(self.invalid_value_message or self.gettext("Not a valid decimal value."))
