"""Admission (入库) of experts: an expert user fills one profile form, submits it, and staff decide in the same
review queue as institutions (approve, reject with a reason, or ask for changes)."""

from __future__ import annotations

from typing import Any

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlmodel import col, select

from directory.accounts.models import Role
from directory.admission.errors import ApplicationIncomplete, ApplicationSubmitted, NotAnApplicant
from directory.admission.models import Application
from directory.admission.services import EDITABLE, Missing, send_to_review
from directory.audit import services as audit
from directory.core.errors import InvalidInput, NotAllowed
from directory.core.time import utcnow
from directory.experts.models import Expert
from directory.experts.services import snapshot
from directory.extensions import db
from directory.institutions.models import Institution, RecordStatus
from directory.taxonomy.models import Category, Industry, Region


def my_expert(user: Any) -> Expert | None:
    return db.session.get(Expert, user.expert_id) if user.expert_id else None


def current_application(expert: Expert) -> Application | None:
    return db.session.exec(select(Application).where(Application.expert_id == expert.id)
                           .order_by(col(Application.id).desc())).first()


def save_profile(*, user: Any, name: str, title: str, organization: str, region: Region | None, bio: str,
                 expertise: list[str], categories: list[Category], industries: list[Industry], phone: str,
                 email: str) -> Expert:
    """Create (first call) or update the expert's draft. Raises :class:`NotAllowed` for other roles or once
    submitted, :class:`InvalidInput` without any field of expertise."""
    if str(user.role) != Role.EXPERT:
        raise NotAnApplicant("expert")
    expertise = [e.strip() for e in expertise if e.strip()]
    if not expertise:
        raise InvalidInput(_l("Name at least one field of expertise."), field="expertise")
    expert = my_expert(user)
    if expert is None:
        expert = Expert(name=name.strip(), status=RecordStatus.DRAFT)
        db.session.add(expert)
        db.session.flush()
        user.expert_id = expert.id
        db.session.add_all([user, Application(kind="expert", expert_id=expert.id, applicant_id=user.id)])
        audit.record(actor_id=user.id, action="application.start", entity_type="expert", entity_id=expert.id)
    elif expert.status not in (*EDITABLE, RecordStatus.ADMITTED):
        # An admitted expert keeps the profile current (changes go live, audited); under review it is frozen.
        raise ApplicationSubmitted()
    before = snapshot(expert)
    expert.name, expert.title, expert.organization = name.strip(), title.strip(), organization.strip()
    expert.region, expert.bio, expert.expertise = region, bio.strip(), expertise
    expert.categories, expert.industries = categories, industries
    expert.phone, expert.email = phone.strip(), email.strip().lower()
    inst = db.session.exec(select(Institution).where(Institution.name == expert.organization)).first()
    expert.institution_id = inst.id if inst and expert.organization else None
    db.session.add(expert)
    db.session.flush()
    changes = audit.diff(before, snapshot(expert))
    if changes:
        if expert.status == RecordStatus.ADMITTED:
            expert.confirmed_at = utcnow()
        audit.record(actor_id=user.id, action="expert.update" if expert.status == RecordStatus.ADMITTED
                     else "application.edit", entity_type="expert", entity_id=expert.id, changes=changes)
    return expert


def missing(expert: Expert) -> list[Missing]:
    out = []
    if len(expert.bio.strip()) < 20:
        out.append(Missing("profile", _("Introduce yourself in at least 20 characters.")))
    if not expert.categories:
        out.append(Missing("profile", _("Choose at least one service category.")))
    if not expert.phone:
        out.append(Missing("profile", _("Give a phone number the service center can reach you at.")))
    return out


def submit(*, user: Any) -> Application:
    """Send the expert's application to the review queue. Raises :class:`InvalidInput` while incomplete."""
    expert = my_expert(user)
    if expert is None or expert.status not in EDITABLE:
        raise NotAllowed()
    gaps = missing(expert)
    if gaps:
        raise ApplicationIncomplete(gaps[0].message)
    return send_to_review(kind="expert", record=expert, application=current_application(expert), user=user)
