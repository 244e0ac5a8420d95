"""Qualification certificates: uploaded, downloaded, removed."""

from __future__ import annotations

from typing import Any

from flask import abort, flash, redirect, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required

from directory.admission import forms
from directory.admission.views import bp
from directory.core.db import get_or_404
from directory.core.http import refusals
from directory.institutions.models import Institution


@bp.post("/institutions/<int:institution_id>/attachments")
@login_required
def upload_attachment(institution_id: int) -> Any:
    from directory.accounts.permissions import can_edit_institution
    from directory.admission import attachments
    from directory.core.urls import safe_next

    institution = get_or_404(Institution, institution_id)
    if not can_edit_institution(current_user, institution):
        abort(403)  # before looking at the form: who may upload does not depend on what they sent
    form = forms.AttachmentForm()
    back = safe_next(request.form.get("next"), url_for("institutions.detail", institution_id=institution_id))
    if not form.validate_on_submit():
        flash(_("Choose a file to upload."), "danger")
        return redirect(back), 303
    with refusals() as refused:
        attachments.add(institution=institution, user=current_user, filename=form.certificate.data.filename or "",
                        data=form.certificate.data.read())
    if refused:
        return redirect(back), 303
    flash(_("Certificate uploaded."), "success")
    return redirect(back)


@bp.get("/attachments/<int:attachment_id>")
@login_required
def download_attachment(attachment_id: int) -> Any:
    from directory.admission import attachments
    from directory.core.uploads import send

    attachment, path = attachments.readable(attachment_id=attachment_id, user=current_user)
    return send(path, content_type=attachment.content_type, filename=attachment.filename)


@bp.post("/attachments/<int:attachment_id>/delete")
@login_required
def delete_attachment(attachment_id: int) -> Any:
    from directory.admission import attachments
    from directory.core.urls import safe_next

    attachments.remove(attachment_id=attachment_id, user=current_user)
    flash(_("Certificate removed."), "info")
    return redirect(safe_next(request.form.get("next"), url_for("my.page")))
