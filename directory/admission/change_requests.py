"""Edits of an admitted institution's record: descriptive fields go live at once, key fields (name, credit
code, categories, qualifications) wait for staff review as one change request with a visible diff; staff
approve or reject it with a reason. Every step is audited and both sides are told.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlmodel import col, select

from directory.accounts import permissions
from directory.accounts import services as accounts
from directory.accounts.models import User
from directory.admission.errors import AlreadyDecided, CategoryRequired, ReasonRequired
from directory.admission.models import ChangeRequest
from directory.admission.services import checked_credit_code, refuse_taken_credit_code
from directory.audit import services as audit
from directory.core.errors import InvalidInput, NotAllowed
from directory.core.paging import Page, paginate
from directory.core.time import utcnow
from directory.extensions import db
from directory.institutions.models import Institution, RecordStatus
from directory.institutions.services import snapshot
from directory.notifications import services as notifications
from directory.taxonomy.models import Category, Industry, Region

KEY_FIELDS = ("name", "credit_code", "categories", "qualifications")


@dataclass
class ProfileEdit:
    """What an institution user may change on an admitted record; key fields go to review."""

    name: str
    credit_code: str
    categories: list[Category]
    qualifications: list[str]
    description: str
    region: Region
    industries: list[Industry]
    coverage: list[Region]
    contact_name: str
    contact_phone: str
    email: str
    address: str  # no defaults from here on: a caller that leaves a field out must not wipe it
    postal_code: str
    website: str
    founded_year: int | None
    staff_count: int | None


def _key_values(name: str, credit_code: str, categories: list[Category], qualifications: list[str]) -> dict[str, Any]:
    return {"name": name.strip(), "credit_code": credit_code, "categories": sorted(c.id for c in categories),  # type: ignore[type-var]
            "qualifications": [q.strip() for q in qualifications if q.strip()]}


def change_labels() -> dict[str, str]:
    """The key fields of a change request in words (the banner and the staff diff show these, not column names)."""
    return {"name": _("Institution name"), "credit_code": _("Unified social credit code"),
            "categories": _("Service categories"), "qualifications": _("Qualifications")}


def pending_change(institution: Institution) -> ChangeRequest | None:
    return db.session.exec(select(ChangeRequest).where(ChangeRequest.institution_id == institution.id,
                                                       ChangeRequest.status == "pending")).first()


@dataclass
class ProfileSaved:
    """What saving the profile did: whether anything changed, and the key-field change waiting for review."""

    changed: bool
    pending: Any = None


def edit_profile(*, institution: Institution, user: Any, data: ProfileEdit) -> ProfileSaved:
    """Apply descriptive edits at once and send key-field edits to staff review (one pending request per
    institution, replaced by a newer edit). Saving the same values again changes nothing: no audit entry, no
    new request, no notification, no index update.

    Raises :class:`NotAllowed` for someone who may not edit this record, :class:`InvalidInput` for a bad
    credit code or no category, :class:`AlreadyExists` for another record's credit code.
    """
    if not permissions.can_edit_institution(user, institution) or institution.status != RecordStatus.ADMITTED:
        raise NotAllowed()
    code = checked_credit_code(data.credit_code)
    if not data.categories:
        raise CategoryRequired()
    refuse_taken_credit_code(code, institution=institution)
    before = snapshot(institution)
    institution.description, institution.website = data.description.strip(), data.website.strip()
    institution.region = data.region
    institution.founded_year, institution.staff_count = data.founded_year, data.staff_count
    institution.industries, institution.coverage = data.industries, data.coverage
    institution.contact_name, institution.contact_phone = data.contact_name.strip(), data.contact_phone.strip()
    institution.email = data.email.strip().lower()
    institution.address, institution.postal_code = data.address.strip(), data.postal_code.strip()
    live_changes = audit.diff(before, snapshot(institution))
    if live_changes:
        institution.confirmed_at = utcnow()  # the owner has just looked at the record and changed it
        db.session.add(institution)
        db.session.flush()
        audit.record(actor_id=user.id, action="application.edit", entity_type="institution",
                     entity_id=institution.id, changes=live_changes)

    current = _key_values(institution.name, institution.credit_code, institution.categories, institution.qualifications)
    proposed = _key_values(data.name, code, data.categories, data.qualifications)
    changed = {k: v for k, v in proposed.items() if v != current[k]}
    request = pending_change(institution)
    if not changed:
        if request is not None:  # the edit takes back an earlier proposal
            db.session.delete(request)
            db.session.flush()
            audit.record(actor_id=user.id, action="institution.change_withdrawn", entity_type="institution",
                         entity_id=institution.id)
        return ProfileSaved(changed=bool(live_changes or request is not None))
    if request is not None and request.proposed == changed:
        return ProfileSaved(changed=bool(live_changes), pending=request)  # the same proposal, saved again
    if request is None:
        request = ChangeRequest(institution_id=institution.id, requested_by_id=user.id)  # type: ignore[arg-type]
    request.before = {k: current[k] for k in changed}
    request.proposed = changed
    request.requested_by_id = user.id
    db.session.add(request)
    db.session.flush()
    audit.record(actor_id=user.id, action="institution.change_requested", entity_type="institution",
                 entity_id=institution.id, changes={k: [current[k], v] for k, v in changed.items()})
    notifications.notify(users=accounts.staff_users(), kind="change.submitted",
                         title=_("Changes to review: %(name)s", name=institution.name),
                         link=f"/admin/changes/{request.id}")
    return ProfileSaved(changed=True, pending=request)


def change_diff(request: Any) -> list[tuple[str, str, str]]:
    """Field-by-field ``(field, approved value, proposed value)`` in words, for the review page."""
    def show(field: str, value: Any) -> str:
        if field == "categories":
            return "、".join(c.name for c in (db.session.get(Category, i) for i in value) if c is not None)
        if field == "qualifications":
            return "、".join(value)
        return str(value)

    return [(field, show(field, request.before.get(field)), show(field, value))
            for field, value in request.proposed.items()]


def pending_changes(*, page: int = 1, per_page: int | None = None) -> Page[ChangeRequest]:
    """Key-field changes waiting for staff, oldest first; one page of them with the total."""
    return paginate(select(ChangeRequest).where(ChangeRequest.status == "pending")
                    .order_by(col(ChangeRequest.created_at), col(ChangeRequest.id)), page=page, per_page=per_page)


def decide_change(*, request: ChangeRequest, actor: Any, approve: bool, reason: str = "") -> ChangeRequest:
    """Apply (approve) or discard (reject, with a reason) a key-field change; audited and told to the
    institution's users. Raises :class:`NotAllowed`, or :class:`InvalidInput` when already decided, without a
    rejection reason, or when the credit code has been taken meanwhile."""
    if not permissions.is_staff(actor):
        raise NotAllowed()
    if request.status != "pending":
        raise AlreadyDecided(_l("This change has already been decided."))
    if not approve and not reason.strip():
        raise ReasonRequired()
    inst = db.session.get(Institution, request.institution_id)
    assert inst is not None
    if approve:
        before = snapshot(inst)
        proposed = request.proposed
        if "credit_code" in proposed and db.session.exec(select(Institution).where(
                Institution.credit_code == proposed["credit_code"], Institution.id != inst.id)).first():
            raise InvalidInput(_l("Another record now has this credit code."), field="reason")
        if "name" in proposed:
            inst.name = proposed["name"]
        if "credit_code" in proposed:
            inst.credit_code = proposed["credit_code"]
        if "categories" in proposed:
            inst.categories = [c for c in (db.session.get(Category, i) for i in proposed["categories"]) if c is not None]
        if "qualifications" in proposed:
            inst.qualifications = list(proposed["qualifications"])
        db.session.add(inst)
        db.session.flush()
        audit.record(actor_id=actor.id, action="institution.change_approved", entity_type="institution",
                     entity_id=inst.id, changes=audit.diff(before, snapshot(inst)))
    else:
        audit.record(actor_id=actor.id, action="institution.change_rejected", entity_type="institution",
                     entity_id=inst.id, changes={"reason": reason.strip()})
    request.status = "approved" if approve else "rejected"
    request.decided_by_id, request.decided_at, request.reason = actor.id, utcnow(), reason.strip()
    db.session.add(request)
    db.session.flush()
    notifications.notify(
        users=list(db.session.exec(select(User).where(User.institution_id == inst.id)).all()),
        kind=f"change.{request.status}", body=reason.strip(), link=f"/institutions/{inst.id}",
        title=_("Your changes were approved.") if approve else _("Your changes were not approved."))
    return request
