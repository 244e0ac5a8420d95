"""Accounts and roles. A user logs in by e-mail or mobile number; ``role`` decides what they may do."""

from datetime import datetime
from enum import StrEnum

from flask_babel import lazy_gettext as _l
from sqlmodel import Field, SQLModel

from directory.core.time import utcnow


class Role(StrEnum):
    ADMIN = "admin"
    STAFF = "staff"
    INSTITUTION = "institution"
    EXPERT = "expert"
    ENTERPRISE = "enterprise"


ROLE_LABELS = {
    Role.ADMIN: _l("Administrator"),
    Role.STAFF: _l("Service-center staff"),
    Role.INSTITUTION: _l("Service institution"),
    Role.EXPERT: _l("Expert"),
    Role.ENTERPRISE: _l("Enterprise"),
}

# Roles anyone may choose when registering; staff and admin accounts come from `flask users create`.
SELF_SERVICE_ROLES = (Role.ENTERPRISE, Role.INSTITUTION, Role.EXPERT)
STAFF_ROLES = (Role.ADMIN, Role.STAFF)


class User(SQLModel, table=True):
    __tablename__ = "user_account"

    id: int | None = Field(default=None, primary_key=True)
    email: str | None = Field(default=None, max_length=254, unique=True)
    phone: str | None = Field(default=None, max_length=20, unique=True)
    password_hash: str = Field(max_length=255)
    role: str = Field(max_length=20, index=True)
    display_name: str = Field(max_length=100)
    locale: str | None = Field(default=None, max_length=10)
    active: bool = True
    institution_id: int | None = Field(default=None, foreign_key="institution.id", index=True)
    expert_id: int | None = Field(default=None, foreign_key="expert.id", index=True)
    enterprise_id: int | None = Field(default=None, foreign_key="enterprise.id", index=True)
    # A self-registered account's tie to its enterprise is only a claim until staff confirm it (its reviews wait
    # for staff meanwhile): see directory/enterprises/services.py.
    enterprise_confirmed: bool = True
    created_at: datetime = Field(default_factory=utcnow)
    last_login_at: datetime | None = None
    # Part of every session and remember-me cookie (see get_id); raising it ends them all at once: on a lock,
    # a role or password change, "log out everywhere". Password-reset links carry it too, so they work once.
    session_version: int = 0
    # Consent to the privacy notice (个人信息保护法): when it was given and to which version of the notice.
    privacy_consent_at: datetime | None = None
    privacy_notice_version: str | None = Field(default=None, max_length=20)
    closed_at: datetime | None = None  # the user closed the account; its personal data is gone

    # Flask-Login's protocol, written out rather than mixed in so pydantic sees no surprise attributes.
    @property
    def is_active(self) -> bool:
        return self.active

    @property
    def is_authenticated(self) -> bool:
        return True

    @property
    def is_anonymous(self) -> bool:
        return False

    def get_id(self) -> str:
        # Flask-Login's "alternative token" (id and session version); a login keeps session_token(), which adds
        # the login time, and the user loader (directory.accounts.sessions) refuses a token whose version is no
        # longer the account's.
        return f"{self.id}:{self.session_version}"

    def session_token(self) -> str:
        """What a new login keeps in the session and the remember-me cookie (Flask-Login's id_attribute)."""
        from directory.accounts.sessions import session_token

        return session_token(self)

    @property
    def is_staff(self) -> bool:
        return self.role in STAFF_ROLES

    @property
    def is_admin(self) -> bool:
        return self.role == Role.ADMIN

