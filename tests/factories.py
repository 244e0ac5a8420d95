"""Factories: build records through the services, with valid defaults and overridable fields."""

from __future__ import annotations

import itertools
from typing import Any

from directory.accounts import services as accounts
from directory.core.creditcode import CREDIT_CHARSET, make_credit_code
from directory.experts.services import ExpertInput, upsert_expert
from directory.extensions import db
from directory.institutions.services import InstitutionInput, OfferingInput, upsert_institution
from directory.taxonomy.services import Vocabulary

PASSWORD = "correct-horse-42"
_seq = itertools.count(1)


def credit_code(n: int | None = None) -> str:
    n = next(_seq) if n is None else n
    body = "MA0" + "".join(CREDIT_CHARSET[(n // 31 ** i) % 31] for i in range(5))
    return make_credit_code("91", "210804", body)


def user(*, role: str = "enterprise", email: str | None = None, phone: str | None = None, **links: Any) -> Any:
    n = next(_seq)
    account = accounts.create_user(role=role, email=email or f"user{n}@u{n}.example.cn", phone=phone,
                                   password=PASSWORD, display_name=f"用户{n}")
    for key, value in links.items():
        setattr(account, key, value)
    db.session.flush()
    return account


def institution(*, name: str | None = None, categories: tuple[str, ...] = ("专利代理",), region: str = "站前区",
                industries: tuple[str, ...] = ("镁质材料",), admit: bool = True, description: str = "",
                offerings: tuple[str, ...] = ("发明专利申请代理",), **fields: Any) -> Any:
    vocab = Vocabulary()
    n = next(_seq)
    data = InstitutionInput(
        name=name or f"营口测试服务机构{n}有限公司", credit_code=fields.pop("credit_code", None) or credit_code(n),
        categories=[vocab.category(c) for c in categories],  # type: ignore[misc]
        region=vocab.region(region),  # type: ignore[arg-type]
        industries=[vocab.industry(i) for i in industries],  # type: ignore[misc]
        description=description or "为中小企业提供专业服务。",
        offerings=[OfferingInput(title=t) for t in offerings], **fields)
    inst, _action = upsert_institution(data=data, admit=admit)
    return inst


def expert(*, name: str | None = None, expertise: tuple[str, ...] = ("发明专利撰写",), admit: bool = True,
           categories: tuple[str, ...] = ("知识产权",), phone: str = "13900000000", email: str = "expert@example.cn",
           **fields: Any) -> Any:
    vocab = Vocabulary()
    n = next(_seq)
    data = ExpertInput(name=name or f"专家{n}", expertise=list(expertise), phone=phone, email=email,
                       categories=[vocab.category(c) for c in categories],  # type: ignore[misc]
                       region=vocab.region(fields.pop("region", "西市区")), **fields)
    obj, _action = upsert_expert(data=data, admit=admit)
    return obj


def enterprise(*, name: str | None = None, industry: str | None = "镁质材料", region: str | None = "西市区",
               verified: bool = True, **fields: Any) -> Any:
    """A verified enterprise (as if imported); ``verified=False`` for one that registered itself."""
    from directory.enterprises.services import EnterpriseInput, upsert_enterprise

    vocab = Vocabulary()
    n = next(_seq)
    obj, _created = upsert_enterprise(data=EnterpriseInput(
        name=name or f"营口测试企业{n}有限公司", credit_code=credit_code(n),
        industry=vocab.industry(industry) if industry else None, region=vocab.region(region) if region else None,
        **fields), verify=verified)
    return obj


def demand(*, enterprise_obj: Any = None, title: str = "申请发明专利", text: str = "我们想申请发明专利，需要代理机构",
           visibility: str = "public", **fields: Any) -> Any:
    from directory.demands.models import Demand

    enterprise_obj = enterprise_obj or enterprise()
    obj = Demand(enterprise_id=enterprise_obj.id, title=title, text=text, visibility=visibility, **fields)
    db.session.add(obj)
    db.session.flush()
    return obj


def engagement(*, enterprise_obj: Any = None, institution_obj: Any = None, expert_obj: Any = None,
               status: str = "requested", **fields: Any) -> Any:
    """An engagement put straight into ``status`` (with the timestamps that status implies)."""
    from datetime import timedelta

    from directory.core.time import utcnow
    from directory.engagements.models import Engagement

    enterprise_obj = enterprise_obj or enterprise()
    if expert_obj is None and institution_obj is None:
        institution_obj = institution()
    now = utcnow()
    stamps: dict[str, Any] = {"requested_at": fields.pop("requested_at", now - timedelta(days=10))}
    if status in ("accepted", "declined", "in_progress", "completed"):
        stamps["responded_at"] = stamps["requested_at"] + timedelta(hours=20)
    if status in ("in_progress", "completed"):
        stamps["started_at"] = stamps["requested_at"] + timedelta(days=1)
    if status == "completed":
        stamps["completed_at"] = stamps["requested_at"] + timedelta(days=5)
    if status == "cancelled":
        stamps["cancelled_at"] = now
    obj = Engagement(enterprise_id=enterprise_obj.id, institution_id=institution_obj.id if institution_obj else None,
                     expert_id=expert_obj.id if expert_obj else None, status=status, message="请提供服务",
                     **stamps, **fields)
    db.session.add(obj)
    db.session.flush()
    return obj
