"""Forms of notices and policies: the notice itself, its attachments, the publish/retire buttons."""

from __future__ import annotations

from typing import Any

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.file import FileField, FileRequired
from wtforms import DateField, SelectChoice, SelectField, SelectMultipleField, StringField
from wtforms.validators import DataRequired, Length, Optional

from directory.admission.forms import category_choices
from directory.core.fields import TextAreaField
from directory.notices.models import NoticeKind


class NoticeForm(FlaskForm):
    kind = SelectField(_l("Kind"), choices=[SelectChoice(NoticeKind.NOTICE.value, _l("Notice")),
                                            SelectChoice(NoticeKind.POLICY.value, _l("Policy"))],
                       validators=[DataRequired(message=_l("Choose notice or policy."))])
    title = StringField(_l("Title"), validators=[DataRequired(message=_l("Give it a title.")), Length(max=200)])
    summary = TextAreaField(_l("Summary (shown in lists)"), validators=[Optional(), Length(max=500)])
    body = TextAreaField(_l("Text"), validators=[Optional(), Length(max=20000)])
    issuer = StringField(_l("Issued by"), validators=[Optional(), Length(max=200)])
    document_number = StringField(_l("Document number"), validators=[Optional(), Length(max=100)])
    issued_on = DateField(_l("Date of issue"), validators=[Optional()])
    expires_on = DateField(_l("Valid until"), validators=[Optional()])
    categories = SelectMultipleField(_l("Service categories it concerns"), validators=[Optional()])

    def __init__(self, *args: Any, **kwargs: Any):
        super().__init__(*args, **kwargs)
        self.categories.choices = category_choices()

    @staticmethod
    def data_of(notice: Any, *, categories: list[Any]) -> dict[str, Any]:
        """The form's values for an existing notice, field by field (its categories are not attributes)."""
        from directory.notices.services import SCALARS

        return {**{name: getattr(notice, name) for name in SCALARS}, "kind": notice.kind,
                "categories": [str(c.id) for c in categories]}


class AttachmentForm(FlaskForm):
    file = FileField(_l("Attachment (PDF, PNG or JPEG, at most 10 MB)"),
                     validators=[FileRequired(message=_l("Choose a file to upload."))])


class ActionForm(FlaskForm):
    """Publish, retire, remove an attachment: a button with its CSRF token."""
