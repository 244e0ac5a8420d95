"""Personal information (个人信息保护法): consent to the privacy notice at registration, a copy of one's own
data, and closing one's account. Every step is audited, the audit entries never hold the personal data."""

from __future__ import annotations

from typing import Any

from flask_babel import lazy_gettext as _l
from sqlmodel import col, delete, func, or_, select

from directory.accounts import passwords
from directory.accounts.models import Role, User
from directory.audit import services as audit
from directory.audit.models import AuditLog
from directory.core.errors import InvalidInput, NotAllowed
from directory.core.time import utcnow
from directory.extensions import db

# The version of templates/accounts/privacy.html a consent refers to; raise it when the notice changes.
NOTICE_VERSION = "2026-12-01"
# What a closed account's password hash is: not an Argon2 hash, so no password ever matches it.
CLOSED_HASH = "!closed"
CLOSE_REASON = "account closed by its user"

# Columns that are about the account, not about the person; left out of the copy.
_ACCOUNT_INTERNAL = {"password_hash", "session_version"}


def record_consent(user: User) -> None:
    """Record that ``user`` agreed to the current privacy notice, and when."""
    user.privacy_consent_at = utcnow()
    user.privacy_notice_version = NOTICE_VERSION
    db.session.add(user)


def _rows(model: Any, *where: Any) -> list[dict[str, Any]]:
    return [row.model_dump() for row in db.session.exec(select(model).where(*where).order_by(col(model.id)))]


def my_data(*, user: User) -> dict[str, Any]:
    """A copy of what the platform keeps about ``user`` (the right of access and copy): the account, the
    expert record with its contact details for an expert, the enterprise with its needs, engagements and
    reviews for an enterprise user, the institution they belong to, their notifications and the audit
    entries they made or that concern their account. Nothing of other users. The copy is audited."""
    from directory.demands.models import Demand
    from directory.engagements.models import Engagement
    from directory.enterprises.models import Enterprise
    from directory.events.models import EventParticipant
    from directory.experts.models import Expert
    from directory.institutions.models import Institution
    from directory.notifications.models import Notification
    from directory.reviews.models import Review

    data: dict[str, Any] = {
        "notice_version": NOTICE_VERSION,
        "exported_at": utcnow(),
        "account": {k: v for k, v in user.model_dump().items() if k not in _ACCOUNT_INTERNAL},
    }
    if user.expert_id and (expert := db.session.get(Expert, user.expert_id)) is not None:
        data["expert"] = expert.model_dump()
    if user.institution_id and (institution := db.session.get(Institution, user.institution_id)) is not None:
        data["institution"] = {"id": institution.id, "name": institution.name}
    if user.enterprise_id and (enterprise := db.session.get(Enterprise, user.enterprise_id)) is not None:
        data["enterprise"] = enterprise.model_dump()
        data["needs"] = _rows(Demand, Demand.enterprise_id == enterprise.id)
        data["engagements"] = _rows(Engagement, Engagement.enterprise_id == enterprise.id)
        data["reviews"] = _rows(Review, Review.enterprise_id == enterprise.id)
    data["event_participations"] = [{k: v for k, v in row.items() if k != "checkin_token"}
                                     for row in _rows(EventParticipant, EventParticipant.user_id == user.id)]
    data["notifications"] = _rows(Notification, Notification.user_id == user.id)
    data["audit"] = [
        {k: v for k, v in entry.items() if k != "actor_id"}
        for entry in _rows(AuditLog, or_(AuditLog.actor_id == user.id,
                                         (AuditLog.entity_type == "user") & (AuditLog.entity_id == user.id)))
    ]
    audit.record(actor_id=user.id, action="user.data_export", entity_type="user", entity_id=user.id)
    return data


def close_account(*, user: User, password: str) -> None:
    """Close ``user``'s own account (the right of deletion), confirmed with the current password.

    Personal data goes: the e-mail becomes a unique placeholder, the mobile number and the name are
    cleared, no password opens the account again, every session ends at once and the notifications are
    deleted. An expert's record loses its contact details and leaves the public site (removed, with a
    reason); an institution user leaves the institution (whose record stays: it is the organisation's); an
    enterprise's contact details that were this user's are cleared, and so is the address on invitations
    to them; their listing at events ends. Reviews stay (they belong to the
    enterprise and never show their author). Audited without the personal data.

    Raises :class:`InvalidInput` for a wrong password and :class:`NotAllowed` for the last active
    administrator (the platform must keep one).
    """
    from directory.accounts.services import end_sessions
    from directory.enterprises.models import Enterprise
    from directory.events.models import EventParticipant
    from directory.experts.models import Expert
    from directory.institutions.models import Invitation, RecordStatus
    from directory.notifications.models import Notification

    if not passwords.verify(user.password_hash, password):
        raise InvalidInput(_l("The current password is wrong."), field="password")
    if user.role == Role.ADMIN:
        admins = db.session.exec(select(func.count()).select_from(User).where(
            User.role == Role.ADMIN, col(User.active).is_(True))).one()
        if admins <= 1:
            raise NotAllowed(_l("You are the last administrator: make another account an administrator "
                                "before you close yours."))
    if user.expert_id and (expert := db.session.get(Expert, user.expert_id)) is not None:
        before = expert.status
        expert.phone, expert.email = "", ""
        if expert.status != RecordStatus.REMOVED:
            expert.status = RecordStatus.REMOVED
        db.session.add(expert)
        audit.record(actor_id=user.id, action="expert.remove", entity_type="expert", entity_id=expert.id,
                     changes={"status": [before, expert.status], "reason": CLOSE_REASON})
    if user.enterprise_id and (enterprise := db.session.get(Enterprise, user.enterprise_id)) is not None:
        if enterprise.contact_name == user.display_name:
            enterprise.contact_name = ""
        if user.phone and enterprise.contact_phone == user.phone:
            enterprise.contact_phone = ""
        if user.email and enterprise.email.lower() == user.email.lower():
            enterprise.email = ""
        db.session.add(enterprise)
    for participant in db.session.exec(select(EventParticipant).where(EventParticipant.user_id == user.id)):
        participant.listed, participant.listed_at = False, None  # consent to be shown to others ends with the account
        db.session.add(participant)
    placeholder = f"closed-{user.id}@closed.invalid"
    if user.email:
        invitations = select(Invitation).where(or_(Invitation.accepted_by_id == user.id,
                                                   func.lower(Invitation.email) == user.email.lower()))
        for invitation in db.session.exec(invitations):
            invitation.email = placeholder
            db.session.add(invitation)
    role = str(user.role)
    user.email = placeholder
    user.phone = None
    user.display_name = ""
    user.locale = None
    user.institution_id = None
    user.password_hash = CLOSED_HASH
    user.active = False
    user.closed_at = utcnow()
    end_sessions(user)
    db.session.exec(delete(Notification).where(col(Notification.user_id) == user.id))  # type: ignore[call-overload]
    db.session.flush()
    audit.record(actor_id=user.id, action="user.close", entity_type="user", entity_id=user.id,
                 changes={"role": role})
