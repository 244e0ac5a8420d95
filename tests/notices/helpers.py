"""Notices and policies for the tests, written through the services by a staff account."""

from __future__ import annotations

from typing import Any

from directory.notices import services
from directory.taxonomy.services import Vocabulary

PDF = b"%PDF-1.4 a policy document"


def staff_user() -> Any:
    """The test's staff account (one per test: each account costs a password hash)."""
    from sqlmodel import select

    from directory.accounts.models import User
    from directory.extensions import db

    found = db.session.exec(select(User).where(User.role == "staff").limit(1)).first()
    return found or account("staff")


def account(role: str) -> Any:
    """An account that never logs in (no password hash to compute): for service calls only."""
    from directory.accounts.models import User
    from directory.extensions import db

    user = User(role=role, display_name=f"{role}测试", password_hash="!")
    db.session.add(user)
    db.session.flush()
    return user


def notice(*, kind: str = "notice", title: str = "关于开展服务机构入库申报的通知", publish: bool = True,
           categories: tuple[str, ...] = (), staff: Any = None, **fields: Any) -> Any:
    staff = staff or staff_user()
    vocab = Vocabulary()
    made = services.create(user=staff, data=services.NoticeInput(
        kind=kind, title=title, categories=[vocab.category(c) for c in categories], **fields))
    if publish:
        services.publish(user=staff, notice=made)
    return made
