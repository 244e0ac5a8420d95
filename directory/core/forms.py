"""What every form that edits an existing record shares: it opens with the record's values and, saved
unchanged, changes nothing and is never refused.

WTForms' own ``Form(obj=record)`` is not used for edits: for every attribute the record has, ``obj`` wins over
the keyword data, so related records and JSON lists reach the widgets as Python objects (a list of categories
selects nothing; a list of qualifications shows as ``[]``). Each edit form is instead filled from an explicit
dict of the strings the browser will send back (``EditForm(original=…)``).
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from flask import request
from flask_wtf import FlaskForm
from flask_wtf.form import SUBMIT_METHODS
from wtforms import Field
from wtforms.validators import DataRequired


class EditForm(FlaskForm):
    """A form over an existing record. ``original`` holds the record's values in form terms; it fills the
    form on GET and is what :class:`IfChanged` compares against on POST."""

    def __init__(self, *args: Any, original: dict[str, Any] | None = None, **kwargs: Any):
        self.original = dict(original or {})
        # On a post the submitted values alone count: a field the post leaves out is empty, not the record's
        # value (a form rendered beside another form's post, with formdata=None, shows the record).
        posted = request.method in SUBMIT_METHODS and kwargs.get("formdata", True) is not None
        if original is not None and not posted:
            kwargs.setdefault("data", self.original)
        super().__init__(*args, **kwargs)

    def unchanged(self) -> bool:
        """Whether the submitted values are the record's own (then the view says so and calls no service)."""
        return bool(self.original) and all(
            _same(self[name].data, value) for name, value in self.original.items() if name in self)


class IfChanged:
    """Apply a rule for new values only. A minimum length, a phone format or a date not in the past is checked
    when the user types a new value; a value the record already has (imported before the rule, or a deadline
    that has since passed) does not stop the user saving the rest of the form."""

    def __init__(self, *validators: Any):
        self.validators = validators
        self.field_flags: dict[str, Any] = {}
        for v in validators:
            self.field_flags.update(getattr(v, "field_flags", {}))

    def __call__(self, form: Any, field: Field) -> None:
        original = getattr(form, "original", {})
        if field.name in original and _same(field.data, original[field.name]):
            return
        for validator in self.validators:
            validator(form, field)


def _same(value: Any, original: Any) -> bool:
    if isinstance(value, str) and isinstance(original, str):
        # Browsers send a textarea's line breaks as CRLF.
        return value.replace("\r\n", "\n").strip() == original.replace("\r\n", "\n").strip()
    if isinstance(value, list) and isinstance(original, list):
        return sorted(map(str, value)) == sorted(map(str, original))
    if value in (None, "") and original in (None, ""):
        return True
    return bool(value == original)


def required(message: Any) -> DataRequired:
    """``DataRequired`` with the message that says what is missing ("请选择至少一个服务类别"), not WTForms'
    generic "该字段是必填字段。"."""
    return DataRequired(message=message)


def ids(records: Iterable[Any]) -> list[str]:
    """Related records as the option values of a multi-select (ids as strings, in a stable order)."""
    return sorted((str(r.id) for r in records), key=int)


def lines(values: Iterable[str]) -> str:
    """A list kept one item per line (qualifications, honours) as a textarea's text."""
    return "\n".join(values)


def records(model: Any, values: Iterable[str]) -> list[Any]:
    """The records a multi-select's option values name; ids that no longer exist are dropped."""
    from directory.core.numbers import parse_id
    from directory.extensions import db

    found = (db.session.get(model, i) for v in values if (i := parse_id(str(v))) is not None)
    return [r for r in found if r is not None]


def record(model: Any, value: object) -> Any:
    """The record a single select names, or ``None`` for the empty choice."""
    from directory.core.numbers import parse_id
    from directory.extensions import db

    record_id = parse_id(str(value or ""))
    return db.session.get(model, record_id) if record_id is not None else None
