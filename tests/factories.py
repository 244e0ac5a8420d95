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
    account = accounts.create_user(role=role, email=email or f"user{n}@example.cn", phone=phone,
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
