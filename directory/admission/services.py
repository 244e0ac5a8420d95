"""Admission (入库) of institutions: the applicant fills the record section by section, submits it, and staff
approve it (published and indexed), reject it with a reason, or send it back for changes with comments.
Edits after admission are :mod:`directory.admission.change_requests`; suspending, reinstating and removing an admitted
record :mod:`directory.admission.status_changes`; keeping it current :mod:`directory.admission.freshness`.

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
from directory.accounts import services as accounts
from directory.accounts.models import User
from directory.admission.errors import (
    AlreadyDecided,
    ApplicationIncomplete,
    ApplicationSubmitted,
    CategoryRequired,
    CreditCodeRefused,
    CreditCodeTaken,
    NotAnApplicant,
    ReasonRequired,
)
from directory.admission.models import Application, ApplicationStatus
from directory.audit import services as audit
from directory.core.creditcode import InvalidCreditCode, validate_credit_code
from directory.core.errors import InvalidInput, NotAllowed, NotFound
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
    if not permissions.is_institution_user(user):
        raise NotAnApplicant()
    inst = my_institution(user)
    if inst is None:
        raise NotFound(_l("Start with the identity section."))
    if inst.status not in EDITABLE:
        raise ApplicationSubmitted()
    return inst


def checked_credit_code(credit_code: str) -> str:
    """The credit code in its canonical form. Raises :class:`InvalidInput` when it is not a valid one (its
    GB 32100 check digit included)."""
    try:
        return validate_credit_code(credit_code)
    except InvalidCreditCode:
        raise CreditCodeRefused() from None


def refuse_taken_credit_code(code: str, *, institution: Institution | None) -> None:
    """Raises :class:`AlreadyExists` when an institution other than ``institution`` has this credit code."""
    query = select(Institution).where(Institution.credit_code == code)
    if institution is not None:
        query = query.where(Institution.id != institution.id)
    if db.session.exec(query).first() is not None:
        raise CreditCodeTaken()


def save_identity(*, user: Any, name: str, credit_code: str, region: Region, description: str,
                  founded_year: int | None = None, staff_count: int | None = None, website: str = "",
                  address: str = "", postal_code: str = "") -> Institution:
    """Create the draft record (first call) or update its identity. Raises :class:`InvalidInput` for a bad
    credit code, :class:`AlreadyExists` when another record has it, :class:`NotAllowed` once submitted."""
    code = checked_credit_code(credit_code)
    inst = my_institution(user)
    refuse_taken_credit_code(code, institution=inst)
    if inst is None:
        if not permissions.is_institution_user(user):
            raise NotAnApplicant()
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
        raise CategoryRequired()
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
    inst = my_institution(user) if permissions.is_institution_user(user) else None
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
        raise ApplicationIncomplete(gaps[0].message)
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
    notifications.notify(users=accounts.staff_users(), kind="application.submitted",
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
        raise AlreadyDecided()
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
        raise ReasonRequired()
    return _decide(application, actor=actor, status=ApplicationStatus.REJECTED, record_status=RecordStatus.REJECTED,
                   reason=reason, title=_("Your admission application was not approved."))


def request_changes(*, application: Application, actor: Any, comments: str) -> Application:
    """Send the application back with comments; the applicant edits and submits again."""
    if not comments.strip():
        raise ReasonRequired(_l("Say what should be changed."))
    return _decide(application, actor=actor, status=ApplicationStatus.CHANGES_REQUESTED,
                   record_status=RecordStatus.CHANGES_REQUESTED, reason=comments,
                   title=_("Staff ask for changes to your admission application."))
