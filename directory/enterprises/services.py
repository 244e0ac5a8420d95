"""Enterprise profiles (created at registration, by import or by the demo seed) and their verification.

Who is trusted (a verified enterprise's reviews count at once, others wait for staff):

- A record is *verified* when ``verified_at`` is set, by one of two methods:
  ``staff`` — a staff member checked it on /admin/enterprises (audited ``enterprise.verify``);
  ``matched`` — it came in through :func:`upsert_enterprise` with ``verify=True``: a list staff brought in (today
  the demo seed; an enterprise import would call it the same way), where a record with the same 统一社会信用代码
  is matched and updated rather than duplicated. Migration 0015 marks the records that existed before it and
  carry a credit code as matched (registration never asked for one, so they came from such lists).
  Self-registration never verifies anything by itself.
- An *account* is trusted for its enterprise when the record is verified and the account's tie to it is
  confirmed (``User.enterprise_confirmed``). Accounts made by staff (``flask users create``, the seed) are
  confirmed; a self-registered account is not until staff verify its enterprise, whether it created a new record
  or claimed the credit code of an existing one — even a verified one, which it joins without making its own
  reviews count (otherwise anyone could claim any company). Verifying a record confirms the accounts waiting on it.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from flask_babel import lazy_gettext as _l
from sqlmodel import col, select

from directory.accounts import permissions
from directory.accounts.models import Role, User
from directory.audit import services as audit
from directory.core.creditcode import InvalidCreditCode, validate_credit_code
from directory.core.errors import InvalidInput, NotAllowed
from directory.core.paging import Page, paginate
from directory.core.time import utcnow
from directory.enterprises.models import Enterprise, Verification
from directory.extensions import db
from directory.taxonomy.models import Industry, Region, Tag


@dataclass
class EnterpriseInput:
    name: str
    credit_code: str | None = None
    region: Region | None = None
    industry: Industry | None = None
    tags: list[Tag] = field(default_factory=list)
    size: str = ""
    sector: str = ""
    revenue: int | None = None
    total_assets: int | None = None
    founded_year: int | None = None
    staff_count: int | None = None
    description: str = ""
    contact_name: str = ""
    contact_phone: str = ""
    email: str = ""


def upsert_enterprise(*, data: EnterpriseInput, actor_id: int | None = None,
                      verify: bool = False) -> tuple[Enterprise, bool]:
    """Create or update the enterprise with this credit code (by name when it has none). ``verify`` marks a
    record from a list staff brought in (seed, import) as verified by matching, unless it already is."""
    query = select(Enterprise).where(
        Enterprise.credit_code == data.credit_code if data.credit_code else Enterprise.name == data.name)
    enterprise = db.session.exec(query).first()
    created = enterprise is None
    if enterprise is None:
        enterprise = Enterprise(name=data.name)
    for name in ("name", "credit_code", "size", "sector", "revenue", "total_assets", "founded_year", "staff_count", "description", "contact_name",
                 "contact_phone", "email"):
        setattr(enterprise, name, getattr(data, name))
    enterprise.region = data.region
    enterprise.industry = data.industry
    enterprise.tags = list(data.tags)
    if created:
        enterprise.created_by_id = actor_id
    if verify and enterprise.verified_at is None:
        enterprise.verified_at, enterprise.verified_by_id = utcnow(), actor_id
        enterprise.verification = Verification.MATCHED
    db.session.add(enterprise)
    db.session.flush()
    if created:
        audit.record(actor_id=actor_id, action="enterprise.create", entity_type="enterprise",
                     entity_id=enterprise.id, changes={"verification": enterprise.verification})
    return enterprise, created


def check_credit_code(text: str) -> str:
    """The normalised 统一社会信用代码, or :class:`InvalidInput` on ``credit_code`` saying what is wrong."""
    if not text.strip():
        raise InvalidInput(_l("Enter your enterprise's unified social credit code (18 characters)."),
                           field="credit_code")
    try:
        return validate_credit_code(text)
    except InvalidCreditCode as exc:
        if exc.reason == "length":
            raise InvalidInput(_l("A unified social credit code has 18 characters."), field="credit_code") from None
        raise InvalidInput(_l("This is not a valid unified social credit code: check it against the business "
                              "licence."), field="credit_code") from None


def register_enterprise(*, user: User, name: str, credit_code: str) -> Enterprise:
    """Tie a newly registered enterprise account to its enterprise, by credit code: a new, unverified record
    when the code is new, else the existing record (which keeps its verification). Either way the account's tie
    is unconfirmed until staff verify (see the module docstring). Raises :class:`InvalidInput` for a bad code."""
    code = check_credit_code(credit_code)
    enterprise = db.session.exec(select(Enterprise).where(Enterprise.credit_code == code)).first()
    joined = enterprise is not None
    if enterprise is None:
        enterprise = Enterprise(name=name.strip(), credit_code=code, email=user.email or "",
                                contact_name=user.display_name, contact_phone=user.phone or "",
                                created_by_id=user.id)
        db.session.add(enterprise)
        db.session.flush()
        audit.record(actor_id=user.id, action="enterprise.create", entity_type="enterprise",
                     entity_id=enterprise.id, changes={"credit_code": code})
    user.enterprise_id, user.enterprise_confirmed = enterprise.id, False
    db.session.add(user)
    db.session.flush()
    if joined:
        audit.record(actor_id=user.id, action="enterprise.claim", entity_type="enterprise",
                     entity_id=enterprise.id, changes={"user_id": user.id})
    return enterprise


def is_trusted(user: Any, enterprise: Enterprise) -> bool:
    """Whether this account speaks for this enterprise without staff checking first (module docstring)."""
    return enterprise.verified_at is not None and getattr(user, "enterprise_id", None) == enterprise.id \
        and bool(getattr(user, "enterprise_confirmed", False))


def waiting_accounts(enterprise: Enterprise) -> list[User]:
    """The enterprise's accounts whose tie staff have not confirmed yet."""
    return list(db.session.exec(select(User).where(User.enterprise_id == enterprise.id, User.role == Role.ENTERPRISE,
                                                   col(User.enterprise_confirmed).is_(False))
                                .order_by(col(User.id))).all())


def verify_enterprise(*, user: Any, enterprise: Enterprise) -> Enterprise:
    """Staff confirm an enterprise and every account waiting on it (method ``staff``), audited. Verifying an
    already verified record confirms its waiting accounts and keeps the first verification."""
    if not permissions.is_staff(user):
        raise NotAllowed()
    waiting = waiting_accounts(enterprise)
    if enterprise.verified_at is None:
        enterprise.verified_at, enterprise.verified_by_id = utcnow(), user.id
        enterprise.verification = Verification.STAFF
        db.session.add(enterprise)
    for account in waiting:
        account.enterprise_confirmed = True
        db.session.add(account)
    db.session.flush()
    audit.record(actor_id=user.id, action="enterprise.verify", entity_type="enterprise", entity_id=enterprise.id,
                 changes={"verification": enterprise.verification, "confirmed_users": [a.id for a in waiting]})
    return enterprise


def list_enterprises(*, unverified: bool = False, size: str = "", page: int = 1,
                     per_page: int | None = None) -> Page[Enterprise]:
    """Enterprises for staff, newest first; ``unverified`` keeps those unverified or with accounts waiting,
    ``size`` (a :mod:`~directory.enterprises.sizing` key) those of that size by the 中小企业划型标准, however the
    size was stored (computed, or brought in by a list under the standard's name); an unknown size is ignored."""
    from directory.enterprises.sizing import stored_values

    statement = select(Enterprise).order_by(col(Enterprise.id).desc())
    if stored_values(size):
        statement = statement.where(col(Enterprise.size).in_(stored_values(size)))
    if unverified:
        waiting = select(User.enterprise_id).where(col(User.enterprise_confirmed).is_(False),
                                                   col(User.enterprise_id).is_not(None))
        statement = statement.where(col(Enterprise.verified_at).is_(None) | col(Enterprise.id).in_(waiting))
    return paginate(statement, page=page, per_page=per_page)


PROFILE_FIELDS = ("name", "credit_code", "region_id", "industry_id", "sector", "staff_count", "revenue",
                  "total_assets", "founded_year", "description", "contact_name", "contact_phone", "email")


def my_enterprise(user: Any) -> Enterprise | None:
    """The enterprise an enterprise account speaks for, or None."""
    if not permissions.is_enterprise_user(user) or not getattr(user, "enterprise_id", None):
        return None
    return db.session.get(Enterprise, user.enterprise_id)


def update_profile(*, user: Any, enterprise: Enterprise, values: dict[str, Any], tag_ids: list[int]) -> bool:
    """The enterprise's own users edit its profile; the size follows from the sector and figures
    (:mod:`directory.enterprises.sizing`). A verified record keeps the name and credit code staff checked:
    changing them is refused. Saved unchanged, nothing is written. Returns whether anything changed; audited.

    Raises :class:`NotAllowed` for anyone but the enterprise's users, :class:`InvalidInput` for a bad credit
    code, a credit code another enterprise has, or a change of a verified name or code."""
    from directory.enterprises.sizing import classify

    if my_enterprise(user) is not enterprise:
        raise NotAllowed()
    values = {k: (v.strip() if isinstance(v, str) else v) for k, v in values.items() if k in PROFILE_FIELDS}
    code = values.get("credit_code") or None
    if code != enterprise.credit_code:
        code = check_credit_code(code or "") if code or enterprise.credit_code else None
        values["credit_code"] = code
    if enterprise.verified_at is not None:
        for key in ("name", "credit_code"):
            if key in values and values[key] != getattr(enterprise, key):
                raise InvalidInput(_l("The service center verified this name and credit code; ask it to change "
                                      "them."), field=key)
    if code and code != enterprise.credit_code and db.session.exec(select(Enterprise.id).where(
            Enterprise.credit_code == code, Enterprise.id != enterprise.id)).first() is not None:
        raise InvalidInput(_l("Another enterprise is registered with this credit code."), field="credit_code")
    # With the figures incomplete the size a list brought in (seed, import: "小型") stays as it was.
    values["size"] = classify(sector=values.get("sector", enterprise.sector),
                              employees=values.get("staff_count", enterprise.staff_count),
                              revenue=values.get("revenue", enterprise.revenue),
                              assets=values.get("total_assets", enterprise.total_assets)) or enterprise.size
    changes = {k: [getattr(enterprise, k), v] for k, v in values.items() if getattr(enterprise, k) != v}
    before_tags = sorted(t.id or 0 for t in enterprise.tags)
    wanted = sorted(set(tag_ids))
    if wanted != before_tags:
        changes["tags"] = [before_tags, wanted]
    if not changes:
        return False
    for key, (_old, new) in changes.items():
        if key != "tags":
            setattr(enterprise, key, new)
    if "tags" in changes:
        enterprise.tags = list(db.session.exec(select(Tag).where(col(Tag.id).in_(wanted))).all())
    db.session.add(enterprise)
    db.session.flush()
    audit.record(actor_id=user.id, action="enterprise.update", entity_type="enterprise", entity_id=enterprise.id,
                 changes=changes)
    return True
