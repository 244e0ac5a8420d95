"""Registering one's own account: the account (accounts) and, for an enterprise user, its tie to the enterprise
record (enterprises). It composes both areas, so it sits above them, with the personal page."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l

from directory.accounts import services as accounts
from directory.accounts.models import Role, User
from directory.core.errors import NotAllowed
from directory.enterprises import services as enterprises
from directory.my.privacy import record_consent


def register(*, role: Role | str, password: str, display_name: str, email: str | None = None,
             phone: str | None = None, organization: str = "", credit_code: str = "",
             privacy_consent: bool = False) -> User:
    """Self-service registration of an enterprise, institution or expert user. ``privacy_consent`` (the
    form requires it) is recorded on the account with the time and the version of the privacy notice.

    An enterprise user is tied to the enterprise with its 统一社会信用代码 ``credit_code`` straight away (a new
    record named ``organization``, or the existing one: see directory/enterprises/services.py), unconfirmed
    until staff verify; institutions and experts apply for admission (入库) from their own page afterwards.
    Raises :class:`NotAllowed` for staff roles, which only ``flask users create`` makes, and
    :class:`InvalidInput` on ``credit_code`` for a bad code (checked before anything is stored).
    """
    if role == Role.ENTERPRISE:
        enterprises.check_credit_code(credit_code)
    if str(role) not in (Role.ENTERPRISE, Role.INSTITUTION, Role.EXPERT):
        raise NotAllowed(_l("This kind of account cannot be registered here."))
    user = accounts.create_user(role=role, password=password, display_name=display_name, email=email, phone=phone)
    if privacy_consent:
        record_consent(user)
    if role == Role.ENTERPRISE:
        enterprises.register_enterprise(user=user, name=organization.strip() or display_name, credit_code=credit_code)
    return user
