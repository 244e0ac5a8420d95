"""The demo accounts (README, "Demo accounts"): one per role, linked to the first record of its kind, plus the
event participants' accounts that :mod:`directory.demo.events` makes."""

from __future__ import annotations

from typing import Any

from sqlmodel import select

from directory.accounts import services as accounts
from directory.accounts.models import Role, User
from directory.enterprises.models import Enterprise
from directory.experts.models import Expert
from directory.extensions import db
from directory.institutions.models import Institution

# Published in the README and below the password policy (10 characters, not a common one): the demo seed
# creates its accounts with the policy off, the only path that does. A real deployment never runs `seed demo`.
DEMO_PASSWORD = "demo-2026"

# The demo accounts the README lists; the profile each is linked to is the first record of its kind.
DEMO_ACCOUNTS = (
    (Role.ADMIN, "admin@demo.yk", "演示管理员"),
    (Role.STAFF, "staff@demo.yk", "服务中心工作人员"),
    (Role.ENTERPRISE, "enterprise@demo.yk", "企业用户"),
    (Role.INSTITUTION, "institution@demo.yk", "机构用户"),
    (Role.EXPERT, "expert@demo.yk", "专家用户"),
)


def demo_user(*, role: Role | str, email: str, name: str, **links: Any) -> User:
    """A demo account with the published password (the policy off: demo only), created with its ``links``
    (``institution_id=…``) unless one with this e-mail exists. Flushes."""
    user = accounts.find_by_login(email)
    if user is None:
        user = accounts.create_user(role=role, email=email, password=DEMO_PASSWORD, display_name=name,
                                    password_policy=False)
        for key, value in links.items():
            setattr(user, key, value)
        db.session.add(user)
        db.session.flush()
    return user


def seed_accounts() -> list[str]:
    """The README's demo accounts that do not exist yet; returns their e-mail addresses. Flushes."""
    first = {
        "institution_id": db.session.exec(select(Institution.id).order_by(Institution.id)).first(),  # type: ignore[arg-type]
        "expert_id": db.session.exec(select(Expert.id).order_by(Expert.id)).first(),  # type: ignore[arg-type]
        "enterprise_id": db.session.exec(select(Enterprise.id).order_by(Enterprise.id)).first(),  # type: ignore[arg-type]
    }
    links = {Role.INSTITUTION: "institution_id", Role.EXPERT: "expert_id", Role.ENTERPRISE: "enterprise_id"}
    created = []
    for role, email, name in DEMO_ACCOUNTS:
        if accounts.find_by_login(email) is not None:
            continue
        link = links.get(role)
        demo_user(role=role, email=email, name=name, **({link: first[link]} if link else {}))
        created.append(email)
    return created
