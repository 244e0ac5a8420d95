"""Colleagues join an institution's accounts by invitation: staff or the institution's users send a link by
e-mail; whoever opens it, logged in with an institution account, joins that institution."""

from __future__ import annotations

import secrets
from datetime import timedelta
from typing import Any

from email_validator import EmailNotValidError, validate_email
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlmodel import select

from directory.accounts import permissions
from directory.accounts.models import Invitation, Role
from directory.audit import services as audit
from directory.core.errors import InvalidInput, NotAllowed, NotFound
from directory.core.time import utcnow
from directory.extensions import db
from directory.institutions.models import Institution
from directory.notifications.services import send_mail

VALID_FOR = timedelta(days=14)


def invite(*, institution: Institution, email: str, actor: Any, base_url: str = "") -> Invitation:
    """Create an invitation and e-mail its link (``base_url`` is the site's address). Raises
    :class:`NotAllowed` or :class:`InvalidInput`."""
    if not permissions.can_edit_institution(actor, institution):
        raise NotAllowed()
    try:
        email = validate_email(email.strip(), check_deliverability=False).normalized.lower()
    except EmailNotValidError:
        raise InvalidInput(_l("This is not a valid e-mail address."), field="email") from None
    invitation = Invitation(institution_id=institution.id, email=email, token=secrets.token_urlsafe(32),  # type: ignore[arg-type]
                            invited_by_id=actor.id, expires_at=utcnow() + VALID_FOR)
    db.session.add(invitation)
    db.session.flush()
    audit.record(actor_id=actor.id, action="institution.invite", entity_type="institution", entity_id=institution.id,
                 changes={"email": [None, email]})
    send_mail(to=email, subject=_("Join %(name)s on the Yingkou SME service platform", name=institution.name),
              body=_("Open this link within 14 days to join: %(link)s",
                     link=f"{base_url.rstrip('/')}/invite/{invitation.token}"))
    return invitation


def find(token: str) -> Invitation:
    """A usable invitation. Raises :class:`NotFound` for an unknown, used or expired link."""
    invitation = db.session.exec(select(Invitation).where(Invitation.token == token)).first()
    if invitation is None or invitation.accepted_at is not None or invitation.expires_at < utcnow():
        raise NotFound(_l("This invitation link is unknown, used or expired."))
    return invitation


def accept(*, token: str, user: Any) -> Institution:
    """Link ``user`` (an institution account not yet linked elsewhere) to the inviting institution."""
    invitation = find(token)
    if str(user.role) != Role.INSTITUTION:
        raise NotAllowed(_l("Only institution accounts can join an institution."))
    if user.institution_id and user.institution_id != invitation.institution_id:
        raise InvalidInput(_l("Your account already belongs to another institution."))
    institution = db.session.get(Institution, invitation.institution_id)
    assert institution is not None
    user.institution_id = institution.id
    invitation.accepted_at, invitation.accepted_by_id = utcnow(), user.id
    db.session.add_all([user, invitation])
    db.session.flush()
    audit.record(actor_id=user.id, action="institution.join", entity_type="institution", entity_id=institution.id)
    return institution
