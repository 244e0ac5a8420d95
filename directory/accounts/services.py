"""Accounts: registration, login by e-mail or mobile number, password hashing (Argon2id)."""

from __future__ import annotations

import re

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from flask_babel import lazy_gettext as _l
from sqlmodel import func, select

from directory.accounts.models import Role, User
from directory.audit import services as audit
from directory.core.errors import AlreadyExists, InvalidInput, NotAllowed
from directory.core.paging import Page, paginate
from directory.core.time import utcnow
from directory.enterprises.models import Enterprise
from directory.extensions import db

_hasher = PasswordHasher()
MOBILE_RE = re.compile(r"^1[3-9]\d{9}$")
MIN_PASSWORD_LENGTH = 8


def hash_password(password: str) -> str:
    """Argon2id hash with the library's current recommended parameters."""
    return _hasher.hash(password)


def normalize_login(login: str) -> tuple[str | None, str | None]:
    """Split what the user typed into ``(email, phone)``; mobile numbers may carry +86 and spaces."""
    text = login.strip()
    digits = re.sub(r"[\s-]", "", text).removeprefix("+86")
    if MOBILE_RE.match(digits):
        return None, digits
    if "@" in text:
        return text.lower(), None
    return None, None


def find_by_login(login: str) -> User | None:
    """The user with this e-mail (case-insensitive) or mobile number, or None."""
    email, phone = normalize_login(login)
    if email:
        return db.session.exec(select(User).where(func.lower(User.email) == email)).first()
    if phone:
        return db.session.exec(select(User).where(User.phone == phone)).first()
    return None


def authenticate(*, login: str, password: str) -> User | None:
    """Return the active user whose credentials these are, or None. Rehashes outdated hashes."""
    user = find_by_login(login)
    if user is None:
        _hasher.hash(password)  # spend the same time as a real check, so timing does not reveal accounts
        return None
    try:
        _hasher.verify(user.password_hash, password)
    except (VerificationError, InvalidHashError):
        return None
    if not user.active:
        return None
    if _hasher.check_needs_rehash(user.password_hash):
        user.password_hash = hash_password(password)
    user.last_login_at = utcnow()
    db.session.add(user)
    return user


def create_user(*, role: Role | str, password: str, display_name: str, email: str | None = None,
                phone: str | None = None, actor_id: int | None = None) -> User:
    """Create an account. Raises :class:`InvalidInput` for a bad role, login or password, and
    :class:`AlreadyExists` when the e-mail or mobile number is taken."""
    try:
        role = Role(role)
    except ValueError as exc:
        raise InvalidInput(_l("Unknown role."), field="role") from exc
    email = email.strip().lower() if email else None
    phone = re.sub(r"[\s-]", "", phone).removeprefix("+86") if phone else None
    if not email and not phone:
        raise InvalidInput(_l("Give an e-mail address or a mobile number."), field="email")
    if phone and not MOBILE_RE.match(phone):
        raise InvalidInput(_l("Enter an 11-digit mainland mobile number."), field="phone")
    if len(password) < MIN_PASSWORD_LENGTH:
        raise InvalidInput(_l("The password must have at least 8 characters."), field="password")
    if email and find_by_login(email):
        raise AlreadyExists(_l("This e-mail address is already registered."), field="email")
    if phone and find_by_login(phone):
        raise AlreadyExists(_l("This mobile number is already registered."), field="phone")
    user = User(role=role, email=email, phone=phone, password_hash=hash_password(password),
                display_name=display_name.strip() or (email or phone or ""))
    db.session.add(user)
    db.session.flush()
    audit.record(actor_id=actor_id or user.id, action="user.create", entity_type="user", entity_id=user.id,
                 changes={"role": [None, str(role)]})
    return user


def register(*, role: Role | str, password: str, display_name: str, email: str | None = None,
             phone: str | None = None, organization: str = "") -> User:
    """Self-service registration of an enterprise, institution or expert user.

    An enterprise user gets an enterprise profile named ``organization`` straight away; institutions and
    experts apply for admission (入库) from their own page afterwards. Raises :class:`NotAllowed` for
    staff roles, which only ``flask users create`` makes.
    """
    if str(role) not in (Role.ENTERPRISE, Role.INSTITUTION, Role.EXPERT):
        raise NotAllowed(_l("This kind of account cannot be registered here."))
    user = create_user(role=role, password=password, display_name=display_name, email=email, phone=phone)
    if role == Role.ENTERPRISE:
        enterprise = Enterprise(name=organization.strip() or display_name, email=email or "",
                                contact_name=display_name, contact_phone=phone or "")
        db.session.add(enterprise)
        db.session.flush()
        user.enterprise_id = enterprise.id
    return user


def set_locale(user: User, locale: str) -> None:
    """Remember the user's UI language on the account."""
    user.locale = locale
    db.session.add(user)


def list_users(*, role: str | None = None, query: str = "", page: int = 1, per_page: int | None = None) -> Page[User]:
    """Accounts for the admin page, newest first, optionally one role or matching name, e-mail or phone;
    one page of them with the total that match."""
    from sqlmodel import col, or_

    statement = select(User).order_by(col(User.id).desc())
    if role:
        statement = statement.where(User.role == role)
    if query.strip():
        q = query.strip().lower()  # autoescape: a % or _ typed by the admin matches itself, not everything
        statement = statement.where(or_(func.lower(User.email).contains(q, autoescape=True),
                                        col(User.phone).contains(q, autoescape=True),
                                        func.lower(User.display_name).contains(q, autoescape=True)))
    return paginate(statement, page=page, per_page=per_page)


def update_user(*, user: User, role: str, active: bool, actor: User) -> User:
    """Change an account's role or lock it. Only admins may; an admin cannot demote or lock themself
    (the platform must keep an administrator). Raises :class:`NotAllowed` or :class:`InvalidInput`."""
    from directory.accounts.permissions import is_admin

    if not is_admin(actor):
        raise NotAllowed()
    try:
        new_role = Role(role)
    except ValueError:
        raise InvalidInput(_l("Unknown role."), field="role") from None
    if user.id == actor.id and (new_role != Role.ADMIN or not active):
        raise InvalidInput(_l("You cannot remove your own administrator rights."), field="role")
    changes = audit.diff({"role": str(user.role), "active": user.active}, {"role": str(new_role), "active": active})
    user.role, user.active = new_role, active
    db.session.add(user)
    db.session.flush()
    if changes:
        audit.record(actor_id=actor.id, action="user.update", entity_type="user", entity_id=user.id, changes=changes)
    return user
