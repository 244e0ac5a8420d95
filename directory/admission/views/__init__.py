"""Admission pages: the applicant's sections and the staff review queue.

One blueprint, its routes split by workflow: ``application`` (an institution's sections and its submission),
``offerings`` (its service products), ``experts`` (an expert's profile and application), ``decisions`` (staff's
review queue), ``institution_status`` (staff's status changes, the confirmation that a record is current, stale records),
``change_requests`` (an admitted institution's profile edits and staff's decisions on them) and ``attachments``
(qualification certificates)."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, abort, render_template
from flask_login import current_user

from directory.accounts import permissions
from directory.admission import forms, services

bp = Blueprint("admission", __name__)
SECTIONS = ("identity", "services", "offerings", "contacts", "review")


def _institution_user() -> None:
    if not permissions.is_institution_user(current_user):
        abort(403)


def _page(section: str, form: Any = None, status: int = 200) -> Any:
    inst = services.my_institution(current_user)
    from directory.admission.attachments import for_institution

    return render_template("admission/apply.html", section=section, sections=SECTIONS, form=form, institution=inst,
                           attachments=for_institution(inst) if inst else [],
                           application=services.current_application(inst) if inst else None,
                           missing=services.missing(inst) if inst else [],
                           offering_form=forms.OfferingForm() if section == "offerings" else None), status


# The routes: importing the modules registers them on ``bp``.
from directory.admission.views import (  # noqa: E402, F401
    application,
    attachments,
    change_requests,
    decisions,
    experts,
    institution_status,
    offerings,
)
