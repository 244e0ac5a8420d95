"""Admission (入库) of institutions: the applicant fills the record section by section, submits it, and staff
approve it (published and indexed), reject it with a reason, or send it back for changes with comments.

The record itself is the institution row, unpublished (draft → pending → admitted); an Application row keeps
the workflow state and its timestamps for the review queue. Every step is audited and both sides are told.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlmodel import col, select

from directory.accounts import permissions
from directory.accounts.models import Role, User
from directory.admission.models import Application, ApplicationStatus
from directory.audit import services as audit
from directory.core.creditcode import InvalidCreditCode, validate_credit_code
from directory.core.errors import AlreadyExists, InvalidInput, NotAllowed, NotFound
from directory.core.paging import Page, paginate
from directory.core.time import utcnow
from directory.extensions import db
from directory.institutions.models import Institution, InstitutionCategory, Offering, RecordStatus
from directory.institutions.services import OfferingInput, snapshot
from directory.notifications import services as notifications
from directory.taxonomy.models import Category, Industry, Region

EDITABLE = (RecordStatus.DRAFT, RecordStatus.CHANGES_REQUESTED, RecordStatus.REJECTED)


@dataclass
class Missing:
    section: str
    message: str


def my_institution(user: Any) -> Institution | None:
    """The institution record this institution user works on, if any."""
    return db.session.get(Institution, user.institution_id) if user.institution_id else None


def current_application(institution: Institution) -> Application | None:
    return db.session.exec(select(Application).where(Application.institution_id == institution.id)
                           .order_by(col(Application.id).desc())).first()


def _editable(user: Any) -> Institution:
    if str(user.role) != Role.INSTITUTION:
        raise NotAllowed(_l("Only institution accounts apply for the institution database."))
    inst = my_institution(user)
    if inst is None:
        raise NotFound(_l("Start with the identity section."))
    if inst.status not in EDITABLE:
        raise NotAllowed(_l("The application has been submitted; it can be edited again if staff ask for changes."))
    return inst


def save_identity(*, user: Any, name: str, credit_code: str, region: Region, description: str,
                  founded_year: int | None = None, staff_count: int | None = None, website: str = "",
                  address: str = "", postal_code: str = "") -> Institution:
    """Create the draft record (first call) or update its identity. Raises :class:`InvalidInput` for a bad
    credit code, :class:`AlreadyExists` when another record has it, :class:`NotAllowed` once submitted."""
    try:
        code = validate_credit_code(credit_code)
    except InvalidCreditCode:
        raise InvalidInput(_l("This is not a valid unified social credit code (统一社会信用代码)."),
                           field="credit_code") from None
    inst = my_institution(user)
    other = db.session.exec(select(Institution).where(Institution.credit_code == code)).first()
    if other is not None and (inst is None or other.id != inst.id):
        raise AlreadyExists(_l("An institution with this credit code is already registered. Contact the service "
                               "center to be linked to it."), field="credit_code")
    if inst is None:
        if str(user.role) != Role.INSTITUTION:
            raise NotAllowed(_l("Only institution accounts apply for the institution database."))
        inst = Institution(name=name, credit_code=code, region_id=region.id, status=RecordStatus.DRAFT)  # type: ignore[arg-type]
        db.session.add(inst)
        db.session.flush()
        user.institution_id = inst.id
        db.session.add(user)
        db.session.add(Application(kind="institution", institution_id=inst.id, applicant_id=user.id))
        audit.record(actor_id=user.id, action="application.start", entity_type="institution", entity_id=inst.id)
    else:
        inst = _editable(user)
    before = snapshot(inst)
    inst.name, inst.credit_code, inst.region = name.strip(), code, region
    inst.description, inst.founded_year, inst.staff_count, inst.website = description.strip(), founded_year, staff_count, website
    inst.address, inst.postal_code = address.strip(), postal_code.strip()
    db.session.add(inst)
    db.session.flush()
    _audit_edit(user, inst, before)
    return inst


def save_services(*, user: Any, categories: list[Category], industries: list[Industry], coverage: list[Region],
                  qualifications: list[str]) -> Institution:
    """Categories, industries served, regions covered and qualifications of the draft."""
    inst = _editable(user)
    if not categories:
        raise InvalidInput(_l("Choose at least one service category."), field="categories")
    before = snapshot(inst)
    inst.categories, inst.industries, inst.coverage = categories, industries, coverage
    inst.qualifications = [q.strip() for q in qualifications if q.strip()]
    db.session.add(inst)
    db.session.flush()
    _audit_edit(user, inst, before)
    return inst


def save_contacts(*, user: Any, contact_name: str, contact_phone: str, email: str) -> Institution:
    inst = _editable(user)
    before = snapshot(inst)
    inst.contact_name, inst.contact_phone, inst.email = contact_name.strip(), contact_phone.strip(), email.strip().lower()
    db.session.add(inst)
    db.session.flush()
    _audit_edit(user, inst, before)
    return inst


def _offerings_owner(user: Any) -> Institution:
    """The institution whose service products ``user`` may change: a draft being filled in, or an admitted
    record (products are descriptive, so an admitted institution's changes go live at once)."""
    inst = my_institution(user) if str(user.role) == Role.INSTITUTION else None
    if inst is not None and inst.status == RecordStatus.ADMITTED:
        return inst
    return _editable(user)


def _check_prices(data: OfferingInput) -> None:
    if data.price_min is not None and data.price_max is not None and data.price_max < data.price_min:
        raise InvalidInput(_l("The highest price is below the lowest."), field="price_max")


def add_offering(*, user: Any, data: OfferingInput) -> Offering:
    """Add a service product to the draft or the admitted record. Raises :class:`InvalidInput` for an
    inverted price range."""
    inst = _offerings_owner(user)
    _check_prices(data)
    offering = Offering(institution_id=inst.id, title=data.title.strip(), category=data.category,  # type: ignore[arg-type]
                        description=data.description, fee_model=data.fee_model, price_min=data.price_min,
                        price_max=data.price_max, delivery_days=data.delivery_days,
                        public_interest=data.public_interest)
    inst.offerings.append(offering)
    db.session.flush()
    audit.record(actor_id=user.id, action="offering.create", entity_type="offering", entity_id=offering.id,
                 changes={"title": [None, offering.title]})
    return offering


def own_offering(*, user: Any, offering_id: int) -> Offering:
    """One of the user's institution's active service products. Raises :class:`NotFound` otherwise (also for
    another institution's product, so its existence is not revealed)."""
    inst = _offerings_owner(user)
    offering = db.session.get(Offering, offering_id)
    if offering is None or offering.institution_id != inst.id or not offering.active:
        raise NotFound()
    return offering


def _offering_values(offering: Offering) -> dict[str, Any]:
    return {"title": offering.title, "category": offering.category.name if offering.category else None,
            "description": offering.description, "fee_model": str(offering.fee_model),
            "price_min": offering.price_min, "price_max": offering.price_max,
            "delivery_days": offering.delivery_days, "public_interest": offering.public_interest}


def update_offering(*, user: Any, offering_id: int, data: OfferingInput) -> bool:
    """Change a service product; returns whether anything changed (the same values again write nothing).
    Raises :class:`NotFound` or :class:`InvalidInput`."""
    offering = own_offering(user=user, offering_id=offering_id)
    _check_prices(data)
    before = _offering_values(offering)
    offering.title, offering.category = data.title.strip(), data.category
    offering.description, offering.fee_model = data.description.strip(), data.fee_model
    offering.price_min, offering.price_max = data.price_min, data.price_max
    offering.delivery_days, offering.public_interest = data.delivery_days, data.public_interest
    changes = audit.diff(before, _offering_values(offering))
    if not changes:
        return False
    db.session.add(offering)
    db.session.flush()
    audit.record(actor_id=user.id, action="offering.update", entity_type="offering", entity_id=offering.id,
                 changes=changes)
    return True


def remove_offering(*, user: Any, offering_id: int) -> None:
    """Remove a service product: a draft's is deleted; an admitted institution's is withdrawn from the public
    record but kept, because service requests may refer to it."""
    offering = own_offering(user=user, offering_id=offering_id)
    inst = _offerings_owner(user)
    audit.record(actor_id=user.id, action="offering.delete", entity_type="offering", entity_id=offering.id,
                 changes={"title": [offering.title, None]})
    if inst.status == RecordStatus.ADMITTED:
        offering.active = False
        db.session.add(offering)
    else:
        inst.offerings.remove(offering)
        db.session.delete(offering)
    db.session.flush()


def _audit_edit(user: Any, inst: Institution, before: dict[str, Any]) -> None:
    changes = audit.diff(before, snapshot(inst))
    if changes:
        audit.record(actor_id=user.id, action="application.edit", entity_type="institution", entity_id=inst.id,
                     changes=changes)


def missing(inst: Institution) -> list[Missing]:
    """What must still be filled in before the application can be submitted."""
    out = []
    if len(inst.description.strip()) < 20:
        out.append(Missing("identity", _("Describe the institution in at least 20 characters.")))
    if not inst.categories:
        out.append(Missing("services", _("Choose at least one service category.")))
    if not any(o.active for o in inst.offerings):
        out.append(Missing("offerings", _("List at least one service product.")))
    if not inst.contact_name or not inst.contact_phone:
        out.append(Missing("contacts", _("Give a contact person and phone number.")))
    return out


def submit(*, user: Any) -> Application:
    """Send the application to the staff review queue. Raises :class:`InvalidInput` while incomplete."""
    inst = _editable(user)
    gaps = missing(inst)
    if gaps:
        raise InvalidInput(gaps[0].message)
    return send_to_review(kind="institution", record=inst, application=current_application(inst), user=user)


def send_to_review(*, kind: str, record: Any, application: Application | None, user: Any) -> Application:
    """Put a complete institution or expert record in the review queue: the open application (a new one
    after an earlier decision), audited, and staff told."""
    record.status = RecordStatus.PENDING
    if application is None or application.status in (ApplicationStatus.APPROVED, ApplicationStatus.REJECTED):
        application = Application(kind=kind, applicant_id=user.id, **{f"{kind}_id": record.id})
    application.status, application.submitted_at = ApplicationStatus.SUBMITTED, utcnow()
    db.session.add_all([record, application])
    db.session.flush()
    audit.record(actor_id=user.id, action="application.submit", entity_type=kind, entity_id=record.id)
    notifications.notify(users=notifications.staff_users(), kind="application.submitted",
                         title=_("New admission application: %(name)s", name=record.name),
                         link=f"/admin/applications/{application.id}")
    return application


# -- staff ----------------------------------------------------------------------------------------------

def review_queue(*, category_id: int | None = None, older_than_days: int | None = None, page: int = 1,
                 per_page: int | None = None) -> Page[Application]:
    """Submitted applications, oldest first, optionally in one category (or its sub-categories) or older
    than some days; one page of them with the total that match."""
    query = (select(Application).where(Application.status == ApplicationStatus.SUBMITTED)
             .order_by(col(Application.submitted_at)))
    if category_id is not None:
        from sqlalchemy import or_

        from directory.experts.models import ExpertCategory

        ids = [category_id, *db.session.exec(select(Category.id).where(Category.parent_id == category_id)).all()]
        query = query.where(or_(
            col(Application.institution_id).in_(
                select(InstitutionCategory.institution_id).where(col(InstitutionCategory.category_id).in_(ids))),
            col(Application.expert_id).in_(
                select(ExpertCategory.expert_id).where(col(ExpertCategory.category_id).in_(ids)))))
    if older_than_days:
        query = query.where(col(Application.submitted_at) <= utcnow() - timedelta(days=older_than_days))
    return paginate(query.order_by(col(Application.id)), page=page, per_page=per_page)


def get_application(application_id: int, *, user: Any) -> Application:
    """An application staff may review. Raises :class:`NotFound` / :class:`NotAllowed`."""
    if not permissions.is_staff(user):
        raise NotAllowed()
    application = db.session.get(Application, application_id)
    if application is None:
        raise NotFound()
    return application


def _decide(application: Application, *, actor: Any, status: str, record_status: str, reason: str,
            title: str) -> Application:
    if application.status != ApplicationStatus.SUBMITTED:
        raise InvalidInput(_l("This application has already been decided."))
    from directory.experts.models import Expert

    # The same decision for both databases: the record is the institution or the expert applied for.
    record: Any = (db.session.get(Institution, application.institution_id) if application.kind == "institution"
                   else db.session.get(Expert, application.expert_id))
    assert record is not None
    application.status, application.decided_at, application.decided_by_id = status, utcnow(), actor.id
    application.decision_reason = reason.strip()
    record.status = record_status
    if record_status == RecordStatus.ADMITTED:
        record.admitted_at = record.admitted_at or utcnow()
        record.confirmed_at = utcnow()
    db.session.add_all([application, record])
    db.session.flush()
    audit.record(actor_id=actor.id, action=f"application.{status}", entity_type=application.kind,
                 entity_id=record.id, changes={"status": [RecordStatus.PENDING, record_status], "reason": reason.strip()})
    link_column = User.institution_id if application.kind == "institution" else User.expert_id
    applicants = list(db.session.exec(select(User).where(link_column == record.id)).all())
    notifications.notify(users=applicants, kind=f"application.{status}", title=title,
                         body=reason.strip(), link="/apply")
    return application


def approve(*, application: Application, actor: Any, note: str = "") -> Application:
    """Admit the institution: it is published and indexed (through the search outbox)."""
    return _decide(application, actor=actor, status=ApplicationStatus.APPROVED, record_status=RecordStatus.ADMITTED,
                   reason=note, title=_("Your application has been approved: you are now in the directory."))


def reject(*, application: Application, actor: Any, reason: str) -> Application:
    """Reject with a reason the applicant sees. Raises :class:`InvalidInput` without a reason."""
    if not reason.strip():
        raise InvalidInput(_l("Give the reason for the rejection."), field="reason")
    return _decide(application, actor=actor, status=ApplicationStatus.REJECTED, record_status=RecordStatus.REJECTED,
                   reason=reason, title=_("Your admission application was not approved."))


def request_changes(*, application: Application, actor: Any, comments: str) -> Application:
    """Send the application back with comments; the applicant edits and submits again."""
    if not comments.strip():
        raise InvalidInput(_l("Say what should be changed."), field="reason")
    return _decide(application, actor=actor, status=ApplicationStatus.CHANGES_REQUESTED,
                   record_status=RecordStatus.CHANGES_REQUESTED, reason=comments,
                   title=_("Staff ask for changes to your admission application."))


# -- after admission: suspend, reinstate, remove; freshness -----------------------------------------------

STATUS_ACTIONS = {
    "suspend": (RecordStatus.ADMITTED,),
    "reinstate": (RecordStatus.SUSPENDED, RecordStatus.REMOVED),
    "remove": (RecordStatus.ADMITTED, RecordStatus.SUSPENDED),
}
STATUS_AFTER = {"suspend": RecordStatus.SUSPENDED, "reinstate": RecordStatus.ADMITTED, "remove": RecordStatus.REMOVED}


def change_status(*, institution: Institution, action: str, reason: str, actor: Any) -> Any:
    """Suspend, reinstate or remove an institution, always with a reason; recorded as a confirmed screening
    action (动态筛选), audited and told to the institution's users. Suspended and removed records leave the
    public site and the index (through the outbox) but stay in the database.

    Raises :class:`NotAllowed` for non-staff, :class:`InvalidInput` without a reason or for an action the
    current status does not allow.
    """
    from directory.evaluation.models import ScreeningAction

    if not permissions.is_staff(actor):
        raise NotAllowed()
    if action not in STATUS_ACTIONS:
        raise InvalidInput(_l("Unknown action."), field="action")
    if not reason.strip():
        raise InvalidInput(_l("Give the reason; the institution will see it."), field="reason")
    if institution.status not in STATUS_ACTIONS[action]:
        raise InvalidInput(_l("This action is not possible in the record's current status."), field="action")
    before = institution.status
    institution.status = STATUS_AFTER[action]
    now = utcnow()
    record = ScreeningAction(institution_id=institution.id, kind=action, status="confirmed", reason=reason.strip(),  # type: ignore[arg-type]
                             decision_reason=reason.strip(), proposed_by_id=actor.id, decided_by_id=actor.id,
                             decided_at=now)
    db.session.add_all([institution, record])
    db.session.flush()
    audit.record(actor_id=actor.id, action=f"institution.{action}", entity_type="institution",
                 entity_id=institution.id, changes={"status": [before, institution.status], "reason": reason.strip()})
    titles = {"suspend": _("Your institution's listing has been suspended."),
              "reinstate": _("Your institution's listing has been reinstated."),
              "remove": _("Your institution has been removed from the directory.")}
    notifications.notify(users=list(db.session.exec(select(User).where(User.institution_id == institution.id)).all()),
                         kind=f"institution.{action}", title=titles[action], body=reason.strip())
    return record


STALE_AFTER = timedelta(days=365)


def _stale_query(now: Any = None) -> Any:
    from sqlalchemy import or_

    cutoff = (now or utcnow()) - STALE_AFTER
    return (select(Institution).where(Institution.status == RecordStatus.ADMITTED,
                                      or_(col(Institution.confirmed_at) < cutoff, col(Institution.confirmed_at).is_(None)))
            .order_by(col(Institution.confirmed_at).is_not(None), col(Institution.confirmed_at), col(Institution.id)))


def stale_institutions(*, now: Any = None, page: int = 1, per_page: int | None = None) -> Page[Institution]:
    """Admitted institutions whose data nobody confirmed for twelve months (or ever), oldest first; one page
    of them with the total."""
    return paginate(_stale_query(now), page=page, per_page=per_page)


def remind_stale(*, now: Any = None) -> int:
    """Remind the users of every stale institution to confirm or update it (at most once a month each);
    returns how many institutions were reminded."""
    from directory.notifications.models import Notification

    now = now or utcnow()
    reminded = 0
    for inst in db.session.exec(_stale_query(now)).all():
        users = list(db.session.exec(select(User).where(User.institution_id == inst.id)).all())
        if not users:
            continue
        recent = db.session.exec(select(Notification).where(
            col(Notification.user_id).in_([u.id for u in users]), Notification.kind == "institution.stale",
            col(Notification.created_at) > now - timedelta(days=30))).first()
        if recent is not None:
            continue
        notifications.notify(users=users, kind="institution.stale",
                             title=_("Please confirm that your institution's information is still current."),
                             link=f"/institutions/{inst.id}")
        reminded += 1
    return reminded


def confirm_current(*, institution: Institution, user: Any) -> None:
    """The owner (or staff) confirms the record is current: it is no longer stale."""
    if not permissions.can_edit_institution(user, institution):
        raise NotAllowed()
    institution.confirmed_at = utcnow()
    db.session.add(institution)
    db.session.flush()
    audit.record(actor_id=user.id, action="institution.confirm", entity_type="institution", entity_id=institution.id)


# -- edits after admission: descriptive fields live, key fields reviewed ----------------------------------

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


def pending_change(institution: Institution) -> Any:
    from directory.admission.models import ChangeRequest

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
    from directory.admission.models import ChangeRequest

    if not permissions.can_edit_institution(user, institution) or institution.status != RecordStatus.ADMITTED:
        raise NotAllowed()
    try:
        code = validate_credit_code(data.credit_code)
    except InvalidCreditCode:
        raise InvalidInput(_l("This is not a valid unified social credit code (统一社会信用代码)."),
                           field="credit_code") from None
    if not data.categories:
        raise InvalidInput(_l("Choose at least one service category."), field="categories")
    other = db.session.exec(select(Institution).where(Institution.credit_code == code,
                                                      Institution.id != institution.id)).first()
    if other is not None:
        raise AlreadyExists(_l("An institution with this credit code is already registered. Contact the service "
                               "center to be linked to it."), field="credit_code")
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
    notifications.notify(users=notifications.staff_users(), kind="change.submitted",
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


def pending_changes(*, page: int = 1, per_page: int | None = None) -> Page[Any]:
    """Key-field changes waiting for staff, oldest first; one page of them with the total."""
    from directory.admission.models import ChangeRequest

    return paginate(select(ChangeRequest).where(ChangeRequest.status == "pending")
                    .order_by(col(ChangeRequest.created_at), col(ChangeRequest.id)), page=page, per_page=per_page)


def decide_change(*, request: Any, actor: Any, approve: bool, reason: str = "") -> Any:
    """Apply (approve) or discard (reject, with a reason) a key-field change; audited and told to the
    institution's users. Raises :class:`NotAllowed`, or :class:`InvalidInput` when already decided, without a
    rejection reason, or when the credit code has been taken meanwhile."""
    if not permissions.is_staff(actor):
        raise NotAllowed()
    if request.status != "pending":
        raise InvalidInput(_l("This change has already been decided."))
    if not approve and not reason.strip():
        raise InvalidInput(_l("Give the reason for the rejection."), field="reason")
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
