"""Accounts: registration, login by e-mail or mobile number, sessions, passwords (Argon2id, the policy of
:mod:`directory.accounts.passwords`), locking. Logins, logouts, failed logins and password changes are audited
with the client's address."""

from __future__ import annotations

import re
from typing import Any

from flask_babel import lazy_gettext as _l
from sqlmodel import col, func, select

from directory.accounts import passwords
from directory.accounts.models import Role, User
from directory.accounts.passwords import hash_password
from directory.audit import services as audit
from directory.core.errors import AlreadyExists, InvalidInput, NotAllowed
from directory.core.paging import Page, paginate
from directory.core.time import utcnow
from directory.extensions import db

MOBILE_RE = re.compile(r"^1[3-9]\d{9}$")


def normalize_login(login: str) -> tuple[str | None, str | None]:
    """Split what the user typed into ``(email, phone)``; mobile numbers may carry +86 and spaces."""
    text = login.strip()
    digits = re.sub(r"[\s-]", "", text).removeprefix("+86")
    if MOBILE_RE.match(digits):
        return None, digits
    if "@" in text:
        return text.lower(), None
    return None, None


def login_key(login: str) -> str:
    """The account a login form names, in one spelling (``wang@x.cn``, ``13812345678``): what the rate
    limits count per account, however the e-mail is capitalised or the number spaced."""
    email, phone = normalize_login(login)
    return email or phone or login.strip().casefold()[:254] or "-"


def find_by_login(login: str) -> User | None:
    """The user with this e-mail (case-insensitive) or mobile number, or None."""
    email, phone = normalize_login(login)
    if email:
        return db.session.exec(select(User).where(func.lower(User.email) == email)).first()
    if phone:
        return db.session.exec(select(User).where(User.phone == phone)).first()
    return None


def find_account(text: str) -> int | None:
    """The id of the account ``text`` names: its id (fewer than 11 digits: a mobile number has 11), e-mail or
    mobile number; None when it names none (the audit log's filter by actor)."""
    from directory.core.numbers import parse_id

    text = text.strip()
    if len(text) < 11 and (number := parse_id(text)) is not None:
        return number
    user = find_by_login(text)
    return user.id if user else None


def staff_users() -> list[User]:
    """The active staff and administrators: whom a notification for "the service center" goes to."""
    from directory.accounts.models import STAFF_ROLES

    return list(db.session.exec(select(User).where(col(User.role).in_(STAFF_ROLES), User.active)).all())


def users_by_id(ids: set[int]) -> dict[int, User]:
    """The accounts with these ids, by id, in one query (the actors of a page of audit entries)."""
    return {u.id: u for u in db.session.exec(select(User).where(col(User.id).in_(ids))).all()
            } if ids else {}


def authenticate(*, login: str, password: str) -> User | None:
    """Return the active user whose credentials these are, or None. Rehashes outdated hashes. Both outcomes
    are audited; a failure names the account when there is one (never the password), else the login typed
    when it has the form of an e-mail address or mobile number (so a password typed into the login field is
    not written down). The caller keeps a failure's entry although the answer is a refusal."""
    user = find_by_login(login)
    if user is None:
        passwords.spend_hash_time(password)  # so timing does not reveal which accounts exist
        email, phone = normalize_login(login)
        audit.record(actor_id=None, action="user.login_failed", entity_type="user", entity_id=None,
                     changes={"login": email or phone or "", "reason": "unknown"})
        return None
    if not passwords.verify(user.password_hash, password):
        audit.record(actor_id=None, action="user.login_failed", entity_type="user", entity_id=user.id,
                     changes={"reason": "password"})
        return None
    if not user.active:
        audit.record(actor_id=None, action="user.login_failed", entity_type="user", entity_id=user.id,
                     changes={"reason": "locked"})
        return None
    if passwords.needs_rehash(user.password_hash):
        user.password_hash = hash_password(password)
    user.last_login_at = utcnow()
    db.session.add(user)
    audit.record(actor_id=user.id, action="user.login", entity_type="user", entity_id=user.id)
    return user


def record_logout(user: Any, *, reason: str = "") -> None:
    """Audit the end of a session (``reason`` "idle" when a staff session timed out)."""
    audit.record(actor_id=user.id, action="user.logout", entity_type="user", entity_id=user.id,
                 changes={"reason": reason} if reason else None)


def end_sessions(user: User) -> None:
    """End every open session and remember-me cookie of ``user`` at once, and void password-reset links:
    they all carry the session version this raises."""
    user.session_version += 1
    db.session.add(user)


def log_out_everywhere(*, user: User) -> None:
    """The user ends all their sessions, on every device (this one too)."""
    end_sessions(user)
    db.session.flush()
    audit.record(actor_id=user.id, action="user.logout_everywhere", entity_type="user", entity_id=user.id)


def create_user(*, role: Role | str, password: str, display_name: str, email: str | None = None,
                phone: str | None = None, actor_id: int | None = None, password_policy: bool = True) -> User:
    """Create an account. Raises :class:`InvalidInput` for a bad role, login or password (the policy of
    :func:`passwords.check_policy`), and :class:`AlreadyExists` when the e-mail or mobile number is taken.
    ``password_policy=False`` is for the demo seed only (its accounts share a published password)."""
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
    if password_policy:
        passwords.check_policy(password, email=email, phone=phone)
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
    if "role" in changes or (user.active and not active):
        end_sessions(user)  # a lock or new rights take effect on the next request, not at the next login
    user.role, user.active = new_role, active
    db.session.add(user)
    db.session.flush()
    if changes:
        audit.record(actor_id=actor.id, action="user.update", entity_type="user", entity_id=user.id, changes=changes)
    return user


def set_active(*, login: str, active: bool, actor_id: int | None = None) -> User:
    """Lock (``active=False``) or unlock the account with this e-mail or mobile number; a lock ends its open
    sessions at once. Raises :class:`NotFound` for an unknown login. Locking twice changes nothing."""
    from directory.core.errors import NotFound

    user = find_by_login(login)
    if user is None:
        raise NotFound(_l("There is no account with this e-mail address or mobile number."))
    if user.active == active:
        return user
    if not active:
        end_sessions(user)
    user.active = active
    db.session.add(user)
    db.session.flush()
    changes: dict[str, Any] = {"active": [not active, active]}
    if actor_id is None:
        changes["os_user"] = audit.os_user()  # the command line
    audit.record(actor_id=actor_id, action="user.activate" if active else "user.deactivate", entity_type="user",
                 entity_id=user.id, changes=changes)
    return user


def change_password(*, user: User, current: str, new: str) -> User:
    """A logged-in user sets a new password, giving the current one; every other session of theirs ends
    (the caller renews this one). Raises :class:`InvalidInput` on the field at fault."""
    if not passwords.verify(user.password_hash, current):
        raise InvalidInput(_l("The current password is wrong."), field="current_password")
    if new == current:
        raise InvalidInput(_l("The new password is the same as the current one."), field="password")
    passwords.check_policy(new, email=user.email, phone=user.phone)
    user.password_hash = hash_password(new)
    end_sessions(user)
    db.session.flush()
    audit.record(actor_id=user.id, action="user.password_change", entity_type="user", entity_id=user.id)
    return user


def request_password_reset(*, login: str, site_url: str) -> None:
    """Mail a one-time reset link to the account with this e-mail or mobile number, if there is an active
    one with an e-mail address; otherwise do nothing. Either way the caller answers the same, so the form
    does not reveal which accounts exist. The link is never logged (see ``notifications.send_mail``)."""
    from flask_babel import gettext as _

    from directory.notifications.services import send_mail

    user = find_by_login(login)
    if user is None or not user.active or not user.email:
        return
    link = f"{site_url.rstrip('/')}/password/reset/{passwords.reset_token(user)}"
    minutes = passwords.RESET_VALID_FOR // 60
    audit.record(actor_id=None, action="user.password_reset_request", entity_type="user", entity_id=user.id)
    send_mail(to=user.email, subject=_("Set a new password for the Yingkou SME service platform"),
              body=_("Someone (we hope you) asked to set a new password for your account. Open this link within "
                     "%(minutes)s minutes to choose one; it works once:\n\n%(link)s\n\nIf it was not you, ignore "
                     "this mail: your password stays as it is.", minutes=minutes, link=link),
              secret=True)


def user_for_reset(token: str) -> User:
    """The account a reset link is for. Raises :class:`NotFound` for a forged, expired or used link (a used
    one carries an old session version), or one of a locked account."""
    from directory.core.errors import NotFound

    data = passwords.read_reset_token(token)
    user = db.session.get(User, data[0]) if data else None
    if data is None or user is None or not user.active or user.session_version != data[1]:
        raise NotFound(_l("This link is unknown, used or expired. Ask for a new one."))
    return user


def reset_password(*, token: str, new: str) -> User:
    """Set the password of the account a reset link is for; the link then no longer works, and every open
    session of the account ends. Raises :class:`NotFound` (see :func:`user_for_reset`) or :class:`InvalidInput`."""
    user = user_for_reset(token)
    passwords.check_policy(new, email=user.email, phone=user.phone)
    user.password_hash = hash_password(new)
    end_sessions(user)
    db.session.flush()
    audit.record(actor_id=user.id, action="user.password_reset", entity_type="user", entity_id=user.id)
    return user
