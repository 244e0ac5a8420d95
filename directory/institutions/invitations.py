"""Colleagues join an admitted institution's accounts by invitation, and its users see and remove them.

The institution issues the invitations and its page lists its colleagues and the open ones, so they live with
the institution; ``accounts`` only knows the user and the permission to edit the institution.

An invitation is bound to the e-mail address it was sent to: only an institution account with that address
(case-insensitive) can accept it, so a forwarded or leaked link does not let anyone else in. It is accepted
once, even when the button is pressed many times at once (one conditional UPDATE decides). Only admitted
institutions invite: an applicant's draft has no business gathering accounts before staff have checked it.
"""

from __future__ import annotations

import secrets
from datetime import timedelta
from typing import Any

from email_validator import EmailNotValidError, validate_email
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import update
from sqlmodel import col, func, select

from directory.accounts import permissions
from directory.accounts.models import Role, User
from directory.audit import services as audit
from directory.core.errors import InvalidInput, NotAllowed, NotFound
from directory.core.time import utcnow
from directory.extensions import db
from directory.institutions.models import Institution, Invitation, RecordStatus
from directory.notifications.services import notify, send_mail

VALID_FOR = timedelta(days=14)


def _same_email(a: str | None, b: str | None) -> bool:
    return bool(a and b) and a.strip().lower() == b.strip().lower()  # type: ignore[union-attr]


def masked(email: str) -> str:
    """``c*******@example.cn``: enough for the right person to recognise, not a gift to whoever holds the link."""
    local, _at, domain = email.partition("@")
    return f"{local[:1]}{'*' * max(len(local) - 1, 1)}@{domain}"


def invite(*, institution: Institution, email: str, actor: Any, base_url: str = "") -> Invitation:
    """Create an invitation for ``email`` and e-mail its link (``base_url`` is the site's address).

    Raises :class:`NotAllowed` unless ``actor`` may edit the institution, :class:`InvalidInput` when the
    institution is not admitted, the address is not valid or already belongs to one of its users."""
    if not permissions.can_edit_institution(actor, institution):
        raise NotAllowed()
    if institution.status != RecordStatus.ADMITTED:
        raise InvalidInput(_l("Only admitted institutions can invite colleagues."), field="email")
    try:
        email = validate_email(email.strip(), check_deliverability=False).normalized.lower()
    except EmailNotValidError:
        raise InvalidInput(_l("This is not a valid e-mail address."), field="email") from None
    if any(_same_email(u.email, email) for u in colleagues(institution=institution)):
        raise InvalidInput(_l("%(email)s already works with this institution.", email=email), field="email")
    invitation = Invitation(institution_id=institution.id, email=email, token=secrets.token_urlsafe(32),  # type: ignore[arg-type]
                            invited_by_id=actor.id, expires_at=utcnow() + VALID_FOR)
    db.session.add(invitation)
    db.session.flush()
    audit.record(actor_id=actor.id, action="institution.invite", entity_type="institution", entity_id=institution.id,
                 changes={"email": [None, email]})
    send_mail(to=email, subject=_("Join %(name)s on the Yingkou SME service platform", name=institution.name),
              body=_("Open this link within 14 days and log in (or register) with this e-mail address, %(email)s, "
                     "to join: %(link)s", email=email, link=f"{base_url.rstrip('/')}/invite/{invitation.token}"))
    return invitation


def find(token: str) -> Invitation:
    """A usable invitation. Raises :class:`NotFound` for an unknown, used or expired link."""
    invitation = db.session.exec(select(Invitation).where(Invitation.token == token)).first()
    if invitation is None or invitation.accepted_at is not None or invitation.expires_at < utcnow():
        raise NotFound(_l("This invitation link is unknown, used or expired."))
    return invitation


def accept(*, token: str, user: Any) -> Institution:
    """Link ``user`` to the inviting institution. Idempotent: accepting again, even at the same moment from
    many requests, links the account once, audits once and answers the same.

    Raises :class:`NotFound` (unknown, expired, or used by someone else), :class:`NotAllowed` for an account
    that is not an institution account or whose e-mail is not the invited one, :class:`InvalidInput` when the
    account already belongs to another institution."""
    invitation = db.session.exec(select(Invitation).where(Invitation.token == token)).first()
    if invitation is not None and invitation.accepted_by_id == user.id:
        # Accepted by this account (perhaps a moment ago, by a twin request): the caller's ``user`` may have
        # been loaded before that commit, so read it again; the same answer if it is still linked.
        db.session.refresh(user)
        if user.institution_id == invitation.institution_id:
            return db.session.get_one(Institution, invitation.institution_id)
    invitation = find(token)
    if str(user.role) != Role.INSTITUTION:
        raise NotAllowed(_l("Only institution accounts can join an institution."))
    if not _same_email(user.email, invitation.email):
        raise NotAllowed(_l("This invitation was sent to %(email)s: log in with that address to accept it.",
                            email=masked(invitation.email)))
    if user.institution_id and user.institution_id != invitation.institution_id:
        raise InvalidInput(_l("Your account already belongs to another institution."))
    # The one decision: whoever's UPDATE finds the invitation still open wins; a concurrent twin finds
    # accepted_at set (PostgreSQL re-checks the row after the winner commits; SQLite writers queue).
    won = db.session.execute(
        update(Invitation).where(col(Invitation.id) == invitation.id, col(Invitation.accepted_at).is_(None))
        .values(accepted_at=utcnow(), accepted_by_id=user.id)).rowcount  # type: ignore[attr-defined]
    db.session.expire(invitation)
    institution = db.session.get_one(Institution, invitation.institution_id)
    if not won:
        db.session.refresh(user)
        if invitation.accepted_by_id == user.id and user.institution_id == institution.id:
            return institution
        raise NotFound(_l("This invitation link is unknown, used or expired."))
    user.institution_id = institution.id
    db.session.add(user)
    db.session.flush()
    audit.record(actor_id=user.id, action="institution.join", entity_type="institution", entity_id=institution.id,
                 changes={"user": [None, user.email]})
    return institution


def colleagues(*, institution: Institution) -> list[User]:
    """The accounts that work with ``institution``, oldest first."""
    return list(db.session.exec(select(User).where(User.institution_id == institution.id)
                                .order_by(col(User.id))).all())


def pending(*, institution: Institution) -> list[Invitation]:
    """Invitations of ``institution`` not yet accepted and not expired, newest first."""
    return list(db.session.exec(select(Invitation).where(
        Invitation.institution_id == institution.id, col(Invitation.accepted_at).is_(None),
        Invitation.expires_at >= utcnow()).order_by(col(Invitation.id).desc())).all())


def can_remove(actor: Any, institution: Institution, user: User, *, count: int | None = None) -> bool:
    """Staff remove anyone; the institution's users remove colleagues, and themselves unless they are the last."""
    if not permissions.can_edit_institution(actor, institution) or user.institution_id != institution.id:
        return False
    if user.id == getattr(actor, "id", None) and not permissions.is_staff(actor):
        return (count if count is not None else len(colleagues(institution=institution))) > 1
    return True


def remove(*, institution: Institution, user: User, actor: Any) -> None:
    """Unlink ``user`` from ``institution`` (the account stays; it just no longer works for it), audited, and
    tell them. Raises :class:`NotAllowed`, :class:`NotFound` (not a user of this institution) or
    :class:`InvalidInput` (removing yourself as its last user)."""
    if not permissions.can_edit_institution(actor, institution):
        raise NotAllowed()
    # Lock the institution so that two colleagues removing each other cannot leave it with nobody.
    db.session.execute(select(Institution.id).where(Institution.id == institution.id).with_for_update())
    if user.institution_id != institution.id:
        raise NotFound(_l("This account does not work with this institution."))
    count = db.session.exec(select(func.count()).select_from(User).where(User.institution_id == institution.id)).one()
    if not can_remove(actor, institution, user, count=count):
        raise InvalidInput(_l("You are the only user of this institution: invite a colleague before you leave."))
    user.institution_id = None
    db.session.add(user)
    db.session.flush()
    audit.record(actor_id=actor.id, action="institution.remove_user", entity_type="institution",
                 entity_id=institution.id, changes={"user": [user.email or user.phone, None]})
    notify(users=[user], kind="institution.removed",
           title=_("You no longer manage %(name)s on the platform", name=institution.name),
           body=_("%(actor)s removed your account from the institution's users.", actor=actor.display_name))
